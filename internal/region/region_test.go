package region_test

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/gridgov/gridgov/internal/region"
)

func TestValidateCode(t *testing.T) {
	cases := []struct {
		code   string
		level  region.Level
		parent string
		err    string // empty: valid
	}{
		{"230600", region.City, "", ""},
		{"230000", region.City, "", "province"},
		{"230601", region.City, "", "ends in 00"},
		{"2306", region.City, "", "6 digits"},
		{"23060a", region.City, "", "digits"},
		{"230602", region.County, "230600", ""},
		{"230600", region.County, "230600", "does not end in 00"},
		{"130702", region.County, "230600", "not under city"},
		{"230602001", region.Township, "230602", ""},
		{"230602000", region.Township, "230602", "000"},
		{"230603001", region.Township, "230602", "parent's code"},
		{"230602001003", region.Village, "230602001", ""},
		{"230602001", region.Village, "230602", "12 digits"},
		{"230602001003001", region.Grid, "230602001003", ""},
		{"230602001003000", region.Grid, "230602001003", "000"},
		{"230602001004001", region.Grid, "230602001003", "parent's code"},
		{"230602001003001", region.Level(9), "", "unknown level"},
	}
	for _, tc := range cases {
		t.Run(tc.level.String()+"/"+tc.code, func(t *testing.T) {
			err := region.ValidateCode(tc.code, tc.level, tc.parent)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("want error containing %q, got %v", tc.err, err)
			}
		})
	}
}

func TestParseLevel(t *testing.T) {
	for l := region.City; l <= region.Grid; l++ {
		for _, s := range []string{l.String(), strings.ToUpper(l.String()), string(rune('0' + l))} {
			got, err := region.ParseLevel(s)
			if err != nil || got != l {
				t.Fatalf("ParseLevel(%q) = %v, %v; want %v", s, got, err, l)
			}
		}
	}
	if _, err := region.ParseLevel("province"); err == nil {
		t.Fatal("province accepted")
	}
}

func FuzzValidateCode(f *testing.F) {
	f.Add("230602001003001", 5, "230602001003")
	f.Add("230600", 1, "")
	f.Add("", 0, "x")
	f.Fuzz(func(t *testing.T, code string, level int, parent string) {
		err := region.ValidateCode(code, region.Level(level), parent)
		if err != nil {
			return
		}
		// Whatever is accepted has the level's length, is all digits and
		// extends a non-empty parent code below county level.
		want := map[region.Level]int{1: 6, 2: 6, 3: 9, 4: 12, 5: 15}[region.Level(level)]
		if len(code) != want {
			t.Fatalf("accepted %q of length %d at level %d", code, len(code), level)
		}
		if strings.Trim(code, "0123456789") != "" {
			t.Fatalf("accepted non-digits %q", code)
		}
		if level > 2 && parent != "" && !strings.HasPrefix(code, parent) {
			t.Fatalf("accepted %q under parent %q", code, parent)
		}
	})
}

func TestScopeRangeMatchesContains(t *testing.T) {
	// Property: for paths built from digit codes, a path lies in the byte
	// range of a scope exactly when the scope contains it.
	rapid.Check(t, func(t *rapid.T) {
		seg := rapid.StringMatching(`[0-9]{1,4}`)
		build := func(segs []string) string { return "/" + strings.Join(segs, "/") + "/" }
		root := build(rapid.SliceOfN(seg, 1, 3).Draw(t, "root"))
		path := build(rapid.SliceOfN(seg, 1, 5).Draw(t, "path"))
		if rapid.Bool().Draw(t, "descendant") {
			path = root + strings.TrimPrefix(path, "/")
		}
		s := region.Under(root)
		lo, hi := s.Range()
		inRange := path >= lo && path < hi
		if inRange != s.Contains(path) {
			t.Fatalf("root %q path %q: range %v, contains %v", root, path, inRange, s.Contains(path))
		}
	})
}

func TestScopeNarrow(t *testing.T) {
	town := region.Under("/230600/230602/230602001/")
	if got := town.Narrow("/230600/"); got.Path() != town.Path() {
		t.Fatalf("narrowing to an ancestor must keep the smaller scope, got %q", got.Path())
	}
	if got := town.Narrow("/230600/230602/230602001/230602001003/"); got.Path() != "/230600/230602/230602001/230602001003/" {
		t.Fatalf("narrow to a descendant = %q", got.Path())
	}
	if got := town.Narrow("/230600/230602/230602002/"); got.Contains("/230600/230602/230602002/") {
		t.Fatal("narrowing to a sibling must see nothing")
	}
	if region.None().Contains("/230600/") {
		t.Fatal("None contains a path")
	}
	if !region.All().Contains("/230600/") {
		t.Fatal("All does not contain a path")
	}
}
