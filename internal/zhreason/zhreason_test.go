package zhreason_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/zhreason"
)

func TestCatalogCompiles(t *testing.T) {
	c := zhreason.New()
	if len(c.Formats()) != len(zhreason.Entries()) {
		t.Fatalf("%d formats of %d entries", len(c.Formats()), len(zhreason.Entries()))
	}
}

func TestLookup(t *testing.T) {
	c, err := zhreason.Compile([]zhreason.Entry{
		{"is required", "必填"},
		{"100%% sure", "百分之百（100%%）"},
		{"house %s not found", "房屋 %s 不存在"},
		{"house code repeats row %d", "房屋编码与第 %d 行重复"},
		{"a %s service number has 10 digits, got %d", "%[1]s 服务号码须为 10 位，实为 %[2]d 位"},
		{"from %s to %s", "到 %[2]s，从 %[1]s"},
		{"unknown tag %q", "未知的标签 %q"},
		{"check digit %c does not match", "校验码 %c 不符"},
		{"point (%v, %v) is outside", "点（%v, %v）在外"},
		{"%s is empty", "%s 为空"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"is required", "必填", true},
		{"100% sure", "百分之百（100%）", true},
		{"house H-9 not found", "房屋 H-9 不存在", true},
		{"house H 9 not found", "房屋 H 9 不存在", true},
		{"house code repeats row 12", "房屋编码与第 12 行重复", true},
		{"house code repeats row twelve", "house code repeats row twelve", false},
		{"a 400 service number has 10 digits, got 9", "400 服务号码须为 10 位，实为 9 位", true},
		{"from A to B", "到 B，从 A", true},
		{`unknown tag "会员"`, `未知的标签 "会员"`, true},
		{`unknown tag "a\"b"`, `未知的标签 "a\"b"`, true},
		{`unknown tag 会员`, `unknown tag 会员`, false},
		{"check digit X does not match", "校验码 X 不符", true},
		{"check digit XY does not match", "check digit XY does not match", false},
		{"point (130.5, NaN) is outside", "点（130.5, NaN）在外", true},
		{"sheet 1 is empty", "sheet 1 为空", true},
		{"is required!", "is required!", false},
		{"Is required", "Is required", false},
		{"house  not found", "house  not found", false},
		{"", "", false},
		{"某个中文原因", "某个中文原因", false},
	} {
		got, ok := c.Lookup(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if c.Chinese(tc.in) != tc.want {
			t.Errorf("Chinese(%q) = %q, want %q", tc.in, c.Chinese(tc.in), tc.want)
		}
	}
}

// A reason two formats match takes the wording of the one with more
// literal text, whichever comes first.
func TestLookupPrefersTheMoreSpecificFormat(t *testing.T) {
	c, err := zhreason.Compile([]zhreason.Entry{
		{"is %d, the %s is at %d", "为 %d，%s 为 %d"},
		{"%s not found", "%s 不存在"},
		{"is %d, the category is at %d", "为 %d，类别为 %d"},
		{"rule %d not found", "规则 %d 不存在"},
		{"at most %g, got %U", "至多 %g，实为 %U"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"is 3, the category is at 4": "为 3，类别为 4",
		"is 3, the rule is at 4":     "为 3，rule 为 4",
		"rule 7 not found":           "规则 7 不存在",
		"rule seven not found":       "rule seven 不存在",
		"at most 2.5, got U+0007":    "至多 2.5，实为 U+0007",
		"at most 1e+06, got U+FFFF":  "至多 1e+06，实为 U+FFFF",
	} {
		if got := c.Chinese(in); got != want {
			t.Errorf("Chinese(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCompileRefuses(t *testing.T) {
	for _, es := range [][]zhreason.Entry{
		{{"a %x b", "甲"}},
		{{"ends in %", "甲"}},
		{{"house %s", "房屋 %[2]s"}},
		{{"house %s", "房屋 %s %s"}},
		{{"house %s", "房屋 %[1s"}},
		{{"house %s", "房屋 %y"}},
		{{"is required", "必填"}, {"is required", "必填"}},
	} {
		if _, err := zhreason.Compile(es); err == nil {
			t.Errorf("Compile(%q) accepted", es)
		}
	}
}

func TestEveryChoiceListsTheChineseNames(t *testing.T) {
	c := zhreason.New()
	got := c.Chinese(`must be one of self_occupied, rented, vacant, commercial, mixed, other, got "villa"`)
	if want := `用途须为 自住（self_occupied）、出租（rented）、空置（vacant）、商用（commercial）、混合（mixed）、其他（other） 之一，填写的是 "villa"`; got != want {
		t.Fatalf("usage: %q, want %q", got, want)
	}
	got = c.Chinese(`must be one of lives, owns, rents, got "x"`)
	if want := `房屋关系须为 居住（lives）、产权/拥有（owns）、租住/租赁（rents） 之一，填写的是 "x"`; got != want {
		t.Fatalf("house relation: %q, want %q", got, want)
	}
	for _, ch := range registry.Choices() {
		for i, ns := range ch.Names {
			if len(ns) == 0 {
				t.Errorf("%s: code %s has no Chinese name the import accepts", ch.Column, ch.Codes[i])
			}
		}
	}
}

func TestRowErrors(t *testing.T) {
	c := zhreason.New()
	rows := []registry.RowError{{Row: 2, Column: "房屋编码", Value: "H-9", Reason: "house H-9 not found"}, {Row: 3, Reason: "something new"}}
	got := c.RowErrors(rows)
	if got[0].Reason != "房屋 H-9 不存在" || got[0].Row != 2 || got[0].Value != "H-9" || got[1].Reason != "something new" {
		t.Fatalf("RowErrors = %+v", got)
	}
	if rows[0].Reason != "house H-9 not found" {
		t.Fatal("RowErrors changed its argument")
	}
}

func FuzzLookup(f *testing.F) {
	c := zhreason.New()
	for _, e := range c.Formats() {
		f.Add(e)
		f.Add(strings.ReplaceAll(e, "%", ""))
	}
	f.Add("house H-1 not found")
	f.Add(`must be one of lives, owns, rents, got "\xff"`)
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := c.Lookup(s)
		if !ok && got != s {
			t.Fatalf("Lookup(%q) = %q without a match", s, got)
		}
		if ok && got == "" && s != "" {
			t.Fatalf("Lookup(%q) matched to nothing", s)
		}
	})
}

func BenchmarkRowErrors(b *testing.B) {
	c := zhreason.New()
	rows := make([]registry.RowError, 100_000)
	for i := range rows {
		switch i % 4 {
		case 0:
			rows[i].Reason = fmt.Sprintf("house H-%d not found", i)
		case 1:
			rows[i].Reason = fmt.Sprintf("the same ID number is already in row %d", i)
		case 2:
			rows[i].Reason = "check digit 7 does not match the other digits; one of them is probably mistyped"
		default:
			rows[i].Reason = fmt.Sprintf(`must be one of registered, resident, floating, foreign, got "%d"`, i%50)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		c.RowErrors(rows)
	}
}
