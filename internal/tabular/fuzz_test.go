package tabular

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// checkRows reads r to the end and checks what every row and every row
// error must satisfy: numbers only go up, cells are trimmed, and an error
// that stops reading is returned again rather than anything else.
func checkRows(t *testing.T, r Reader) {
	t.Helper()
	header := r.Header()
	if len(header) == 0 || header[len(header)-1] == "" {
		t.Fatalf("header %q is empty or ends with an empty cell", header)
	}
	last := 0
	var prev error
	for range 100_000 {
		row, err := r.Next()
		switch {
		case err == io.EOF:
			return
		case err != nil && err == prev:
			return // the rest of the file cannot be read
		case err != nil:
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Next: %v (%T), want io.EOF or a *FileError", err, err)
			}
			if fe.Row <= last {
				t.Fatalf("error for row %d after row %d: %v", fe.Row, last, err)
			}
			last, prev = fe.Row, err
			continue
		}
		if row.Number <= last {
			t.Fatalf("row %d follows row %d", row.Number, last)
		}
		last = row.Number
		if len(row.Cells) == 0 || row.Cells[len(row.Cells)-1] == "" {
			t.Fatalf("row %d: cells %q empty or ending with an empty cell", row.Number, row.Cells)
		}
		for _, c := range row.Cells {
			if c != strings.TrimSpace(c) {
				t.Fatalf("row %d: cell %q not trimmed", row.Number, c)
			}
		}
	}
	t.Fatal("no io.EOF after 100,000 calls of Next")
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("姓名,年龄\r\n张三,30\r\n"), uint8(0))
	f.Add([]byte("\xEF\xBB\xBFa,b\n\"x\ny\",\"q\"\"q\"\n"), uint8(1))
	f.Add([]byte("a,b\n\"unclosed\nc,d\n"), uint8(2))
	f.Add([]byte("a\nb\"c\n\n\n d \n"), uint8(0))
	f.Add([]byte("\xd5\xc5\xc8\xfd,\xc4\xea\xc1\xe4\r\n\xc0\xee\xcb\xc4,1\r\n"), uint8(1))
	f.Add([]byte("a\n\x84\x31\x95\x33b\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, enc uint8) {
		opts := Options{Encoding: []Encoding{Auto, UTF8, GBK}[enc%3]}
		r, err := Open(bytes.NewReader(data), int64(len(data)), "upload.csv", opts)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Open: %v (%T), want a *FileError", err, err)
			}
			return
		}
		defer r.Close()
		checkRows(t, r)
	})
}

// FuzzXLSX feeds damaged workbooks through excelize: it must refuse them
// with an error, never panic or hang.
func FuzzXLSX(f *testing.F) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, XLSX)
	if err != nil {
		f.Fatal(err)
	}
	_ = w.Write([]string{"姓名", "年龄"})
	_ = w.Write([]string{"张三", "30"})
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes(), uint16(0), uint8(0))
	f.Add(buf.Bytes(), uint16(200), uint8(0xFF))
	f.Add(buf.Bytes()[:100], uint16(0), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, at uint16, flip uint8) {
		data = bytes.Clone(data)
		if len(data) > 0 {
			data[int(at)%len(data)] ^= flip
		}
		r, err := Open(bytes.NewReader(data), int64(len(data)), "upload.xlsx", Options{TempDir: t.TempDir()})
		if err != nil {
			return
		}
		defer r.Close()
		checkRows(t, r)
	})
}

func FuzzMapHeader(f *testing.F) {
	f.Add("姓名|身份证号|电话")
	f.Add("*姓　名（必填）|ID NUMBER|备注|备注")
	f.Add("(必填)||  |【】|Ｐｈｏｎｅ")
	f.Fuzz(func(t *testing.T, joined string) {
		header := strings.Split(joined, "|")
		cols, err := MapHeader(header, personFields)
		var he *HeaderError
		if err != nil && !errors.As(err, &he) {
			t.Fatalf("error %v (%T), want a *HeaderError", err, err)
		}
		row := Row{Number: 2, Cells: header}
		for _, f := range personFields {
			i := cols.Index(f.Name)
			if i < 0 {
				if f.Required && (he == nil || !strings.Contains(err.Error(), f.Name)) {
					t.Fatalf("required %s has no column, but the error %v does not say so", f.Name, err)
				}
				continue
			}
			if normalizeHeader(header[i]) == "" {
				t.Fatalf("%s mapped to blank header cell %q", f.Name, header[i])
			}
			if cols.Get(row, f.Name) != header[i] {
				t.Fatalf("Get(%s) = %q, want header cell %d %q", f.Name, cols.Get(row, f.Name), i, header[i])
			}
		}
		if err == nil {
			// Without an error, every non-blank header cell names a field.
			mapped := 0
			for _, h := range header {
				if normalizeHeader(h) != "" {
					mapped++
				}
			}
			n := 0
			for _, f := range personFields {
				if cols.Has(f.Name) {
					n++
				}
			}
			if n != mapped {
				t.Fatalf("%d non-blank header cells but %d fields mapped, without an error", mapped, n)
			}
		}
	})
}
