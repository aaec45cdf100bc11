package tabular

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// personFields is a registry-like template: Chinese and English headers.
var personFields = []Field{
	{Name: "name", Aliases: []string{"姓名", "Full Name"}, Required: true},
	{Name: "id_number", Aliases: []string{"公民身份号码", "身份证号", "ID Number"}, Required: true},
	{Name: "phone", Aliases: []string{"联系电话", "电话", "Phone"}},
	{Name: "address", Aliases: []string{"住址", "Address"}},
}

func TestMapHeader(t *testing.T) {
	tests := []struct {
		name      string
		header    []string
		want      map[string]int // field → column; absent fields are -1
		missing   []string
		unknown   []string
		duplicate []string
	}{
		{
			name:   "chinese",
			header: []string{"姓名", "身份证号", "联系电话", "住址"},
			want:   map[string]int{"name": 0, "id_number": 1, "phone": 2, "address": 3},
		},
		{
			name:   "english, any case, reordered, optional absent",
			header: []string{"ID NUMBER", "full name", "Phone"},
			want:   map[string]int{"name": 1, "id_number": 0, "phone": 2, "address": -1},
		},
		{
			name:   "field names themselves",
			header: []string{"Name", "id_number"},
			want:   map[string]int{"name": 0, "id_number": 1, "phone": -1, "address": -1},
		},
		{
			name:   "brackets, stars, full-width and padding spaces",
			header: []string{"*姓　名（必填）", " 公民身份号码[必填]* ", "电话【选填】(11位)", "ＡＤＤＲＥＳＳ"},
			want:   map[string]int{"name": 0, "id_number": 1, "phone": 2, "address": 3},
		},
		{
			name:   "blank header cells are ignored",
			header: []string{"姓名", "", "  ", "身份证号"},
			want:   map[string]int{"name": 0, "id_number": 3, "phone": -1, "address": -1},
		},
		{
			name:    "every missing required column is named",
			header:  []string{"电话"},
			want:    map[string]int{"name": -1, "id_number": -1, "phone": 0, "address": -1},
			missing: []string{"name (姓名/Full Name)", "id_number (公民身份号码/身份证号/ID Number)"},
		},
		{
			name:    "unknown columns are named with their letter",
			header:  []string{"姓名", "身份证号", "备注", "民族", "(必填)"},
			want:    map[string]int{"name": 0, "id_number": 1, "phone": -1, "address": -1},
			unknown: []string{"备注 (C)", "民族 (D)", "(必填) (E)"},
		},
		{
			name:      "a field given twice",
			header:    []string{"姓名", "身份证号", "Full Name"},
			want:      map[string]int{"name": 0, "id_number": 1, "phone": -1, "address": -1},
			duplicate: []string{"Full Name (A, C)"},
		},
		{
			name:    "all at once",
			header:  []string{"电话", "备注", "电话"},
			want:    map[string]int{"name": -1, "id_number": -1, "phone": 0, "address": -1},
			missing: []string{"name (姓名/Full Name)", "id_number (公民身份号码/身份证号/ID Number)"},
			unknown: []string{"备注 (B)"}, duplicate: []string{"电话 (A, C)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols, err := MapHeader(tt.header, personFields)
			got := map[string]int{}
			for _, f := range personFields {
				got[f.Name] = cols.Index(f.Name)
				if cols.Has(f.Name) != (cols.Index(f.Name) >= 0) {
					t.Errorf("Has(%s) disagrees with Index", f.Name)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if tt.missing == nil && tt.unknown == nil && tt.duplicate == nil {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			var he *HeaderError
			if !errors.As(err, &he) {
				t.Fatalf("error %v (%T), want a *HeaderError", err, err)
			}
			if diff := cmp.Diff(tt.missing, he.Missing); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.unknown, he.Unknown); diff != "" {
				t.Errorf("unknown (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.duplicate, he.Duplicate); diff != "" {
				t.Errorf("duplicate (-want +got):\n%s", diff)
			}
			for _, s := range append(append(tt.missing, tt.unknown...), tt.duplicate...) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q does not name %q", err, s)
				}
			}
		})
	}
}

func TestMapHeaderMessage(t *testing.T) {
	_, err := MapHeader([]string{"电话", "备注"}, personFields)
	want := "the header row does not match the template: " +
		"missing required columns: name (姓名/Full Name), id_number (公民身份号码/身份证号/ID Number); " +
		"unknown columns: 备注 (B)"
	if err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}
}

func TestMapHeaderBadFields(t *testing.T) {
	for _, fields := range [][]Field{
		{{Name: ""}},
		{{Name: "a", Aliases: []string{"  "}}},
		{{Name: "a", Aliases: []string{"姓名"}}, {Name: "b", Aliases: []string{"姓名（必填）"}}},
	} {
		if _, err := MapHeader([]string{"x"}, fields); err == nil {
			t.Errorf("fields %v accepted", fields)
		} else if errors.As(err, new(*HeaderError)) {
			t.Errorf("fields %v: %v is a HeaderError, but the template is at fault", fields, err)
		}
	}
}

func TestColumnsGet(t *testing.T) {
	cols, err := MapHeader([]string{"身份证号", "姓名（必填）", "住址"}, personFields)
	if err != nil {
		t.Fatal(err)
	}
	row := Row{Number: 2, Cells: []string{"110101199003071234", "张三"}}
	for field, want := range map[string]string{
		"id_number": "110101199003071234",
		"name":      "张三",
		"address":   "", // the row ends before it
		"phone":     "", // no such column
		"nonsense":  "", // no such field
	} {
		if got := cols.Get(row, field); got != want {
			t.Errorf("Get(%s) = %q, want %q", field, got, want)
		}
	}
	if got := cols.Label("name"); got != "姓名（必填）" {
		t.Errorf("Label(name) = %q", got)
	}
	if got := cols.Label("phone"); got != "phone" {
		t.Errorf("Label(phone) = %q", got)
	}
	var zero Columns
	if zero.Get(row, "name") != "" || zero.Has("name") || zero.Index("name") != -1 {
		t.Error("the zero Columns maps a field")
	}
}

func TestColumnLetter(t *testing.T) {
	for i, want := range map[int]string{0: "A", 1: "B", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD", -1: "?"} {
		if got := ColumnLetter(i); got != want {
			t.Errorf("ColumnLetter(%d) = %q, want %q", i, got, want)
		}
	}
}
