package tabular

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestNeutralize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"张三", "张三"},
		{"=1+2", "'=1+2"},
		{"+86 138", "'+86 138"},
		{"-5", "'-5"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"'=1", "'=1"}, // already neutral: not prefixed twice
		{"a=1", "a=1"},
		{" =1", " =1"},
		{"＝1", "＝1"}, // full-width: spreadsheets do not evaluate it
	} {
		if got := Neutralize(tc.in); got != tc.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNeutralizeProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Bias the first character towards the dangerous ones.
		first := rapid.SampledFrom([]string{"=", "+", "-", "@", "\t", "\r", "'", "a", "张", ""}).Draw(t, "first")
		cell := first + rapid.String().Draw(t, "rest")
		got := Neutralize(cell)
		if got != "" && isFormulaStart(got[0]) {
			t.Fatalf("Neutralize(%q) = %q starts with a formula character", cell, got)
		}
		if cell == "" || !isFormulaStart(cell[0]) {
			if got != cell {
				t.Fatalf("Neutralize(%q) = %q, want it unchanged", cell, got)
			}
		} else if got != "'"+cell {
			t.Fatalf("Neutralize(%q) = %q, want one apostrophe added", cell, got)
		}
		if Neutralize(got) != got {
			t.Fatalf("Neutralize is not idempotent on %q", cell)
		}
	})
}

func TestWriterErrors(t *testing.T) {
	if _, err := NewWriter(new(bytes.Buffer), "ods"); err == nil {
		t.Error("NewWriter accepted an unknown format")
	}
	for _, format := range []Format{CSV, XLSX} {
		w, err := NewWriter(new(bytes.Buffer), format)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Write([]string{"x"}); !errors.Is(err, errWriterClosed) {
			t.Errorf("%s: Write after Close = %v", format, err)
		}
		if err := w.Close(); err != nil {
			t.Errorf("%s: second Close = %v", format, err)
		}
	}

	w, err := NewWriter(new(bytes.Buffer), XLSX)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	long := strings.Repeat("长", maxCellChars+1)
	err = w.Write([]string{"ok", long})
	if err == nil || !strings.Contains(err.Error(), "row 1, column B") {
		t.Errorf("over-long cell: error %v, want one naming row 1, column B", err)
	}
	// Exactly at the limit is fine, counted in UTF-16 units as Excel does.
	if err := w.Write([]string{strings.Repeat("😀", maxCellChars/2)}); err != nil {
		t.Errorf("cell at the limit: %v", err)
	}
	if err := w.Write([]string{strings.Repeat("😀", maxCellChars/2+1)}); err == nil {
		t.Error("cell of surrogate pairs over the limit accepted")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriterReportsWriteFailure(t *testing.T) {
	if _, err := NewWriter(failWriter{}, CSV); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("CSV: error %v, want disk full", err)
	}
	w, err := NewWriter(failWriter{}, XLSX)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]string{"a"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("XLSX: Close error %v, want disk full", err)
	}
}
