package category

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/region"
)

const validLimits = `{"receive":{"amount":0.5,"unit":"hours"},"register":{"amount":0.5,"unit":"hours"},
	"dispatch":{"amount":0.5,"unit":"hours"},"handle":{"amount":4,"unit":"hours"},"verify":{"amount":0.5,"unit":"hours"}}`

// withLimit replaces one piece of validLimits' JSON.
func withLimit(t *testing.T, step, value string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(validLimits), &m); err != nil {
		t.Fatal(err)
	}
	if value == "" {
		delete(m, step)
	} else {
		m[step] = json.RawMessage(value)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid {
		t.Fatalf("error %v is not an invalid-input error", err)
	}
	out := map[string]string{}
	for _, f := range e.Fields {
		out[f.Field] = f.Reason
	}
	return out
}

func TestParseLimitsRefusesWithFieldNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, field, reason string
	}{
		{"not an object", `[1]`, "limits", "must be a JSON object"},
		{"null", `null`, "limits", "must be a JSON object"},
		{"not JSON", `{"receive":`, "limits", "must be a JSON object"},
		{"missing step", withLimit(t, "verify", ""), "limits.verify", "is required"},
		{"zero amount", withLimit(t, "handle", `{"amount":0,"unit":"hours"}`), "limits.handle.amount", "must be > 0"},
		{"negative amount", withLimit(t, "handle", `{"amount":-2,"unit":"days"}`), "limits.handle.amount", "must be > 0"},
		{"amount as string", withLimit(t, "handle", `{"amount":"4","unit":"hours"}`), "limits.handle.amount", "must be a number"},
		{"amount null", withLimit(t, "handle", `{"amount":null,"unit":"hours"}`), "limits.handle.amount", "must be a number"},
		{"missing unit", withLimit(t, "handle", `{"amount":4}`), "limits.handle.unit", "is required: hours or days"},
		{"bad unit", withLimit(t, "handle", `{"amount":4,"unit":"weeks"}`), "limits.handle.unit", "must be hours or days"},
		{"unit as number", withLimit(t, "receive", `{"amount":4,"unit":3}`), "limits.receive.unit", "must be a string: hours or days"},
		{"fraction of a day", withLimit(t, "handle", `{"amount":1.5,"unit":"days"}`), "limits.handle.amount", "must be a whole number of days"},
		{"seconds", withLimit(t, "verify", `{"amount":0.001,"unit":"hours"}`), "limits.verify.amount", "must be a whole number of minutes (e.g. 0.5 for 30 minutes)"},
		{"too many days", withLimit(t, "handle", `{"amount":400,"unit":"days"}`), "limits.handle.amount", "must be at most 365 days"},
		{"too many hours", withLimit(t, "handle", `{"amount":2001,"unit":"hours"}`), "limits.handle.amount", "must be at most 2000 hours"},
		{"unknown step", withLimit(t, "close", `{"amount":1,"unit":"hours"}`), "limits.close", "is not a known field (want receive, register, dispatch, handle, verify, levels)"},
		{"unknown amount field", withLimit(t, "handle", `{"amount":4,"unit":"hours","calendar":"natural"}`), "limits.handle.calendar", "is not a known field (want amount, unit)"},
		{"step not an object", withLimit(t, "handle", `4`), "limits.handle", "must be a JSON object"},
		{"levels not an object", withLimit(t, "levels", `[]`), "limits.levels", "must be a JSON object"},
		{"unknown level", withLimit(t, "levels", `{"province":{"handle":{"amount":1,"unit":"days"}}}`), "limits.levels.province", "is not a level (want city, county, township, village or grid)"},
		{"level twice", withLimit(t, "levels", `{"3":{"handle":{"amount":1,"unit":"days"}},"township":{"handle":{"amount":2,"unit":"days"}}}`), "limits.levels.township", "gives the township level twice"},
		{"empty override", withLimit(t, "levels", `{"county":{}}`), "limits.levels.county", "must override at least one step"},
		{"bad override", withLimit(t, "levels", `{"county":{"handle":{"amount":0,"unit":"days"}}}`), "limits.levels.county.handle.amount", "must be > 0"},
		{"unknown override step", withLimit(t, "levels", `{"county":{"levels":{}}}`), "limits.levels.county.levels", "is not a known step (want receive, register, dispatch, handle, verify)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseLimits([]byte(c.in))
			fs := fieldsOf(t, err)
			if got, ok := fs[c.field]; !ok || got != c.reason {
				t.Fatalf("fields = %v, want %s: %s", fs, c.field, c.reason)
			}
		})
	}
}

func TestParseLimitsAndLimit(t *testing.T) {
	t.Parallel()
	in := withLimit(t, "levels", `{"township":{"handle":{"amount":2,"unit":"days"}}," County ":{"verify":{"amount":1,"unit":"days"}}}`)
	l, err := ParseLimits([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		step   Step
		level  region.Level
		amount float64
		unit   Unit
	}{
		{Handle, region.Township, 2, Days},
		{Handle, region.County, 4, Hours},
		{Verify, region.County, 1, Days},
		{Verify, region.Township, 0.5, Hours},
		{Receive, region.City, 0.5, Hours},
		{Step("close"), region.City, 0, ""},
	}
	for _, c := range cases {
		if a, u := l.Limit(c.step, c.level); a != c.amount || u != c.unit {
			t.Errorf("Limit(%s, %s) = %v %s, want %v %s", c.step, c.level, a, u, c.amount, c.unit)
		}
	}
	// Levels are written by name and read back the same.
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"levels":{"county":{"verify"`) || !strings.Contains(string(b), `"township":{"handle"`) {
		t.Fatalf("marshalled = %s", b)
	}
	again, err := ParseLimits(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(l, again); diff != "" {
		t.Fatalf("round trip (-first +again):\n%s", diff)
	}
	// A clone shares nothing.
	c := l.Clone()
	c.Handle.Amount = 99
	c.Levels[region.Township] = StepLimits{}
	if l.Handle.Amount != 4 || l.Levels[region.Township].Handle == nil {
		t.Fatal("Clone shares state with the original")
	}
}

func TestThresholdsAndFields(t *testing.T) {
	t.Parallel()
	leaf := func(mod func(c *Category)) Category {
		c := Category{Code: "a.b", ParentCode: "a", Name: "名", NameEn: "Name", Leaf: true,
			RegistrationStandard: "立案", ClosingStandard: "结案", Limits: appearanceLimits(hrs(4)),
			YellowAt: 0.8, RedAt: 1}
		mod(&c)
		return c
	}
	group := &Category{Code: "a", Name: "组", NameEn: "Group", Active: true}
	cases := []struct {
		name   string
		c      Category
		parent *Category
		field  string
	}{
		{"yellow after red", leaf(func(c *Category) { c.YellowAt, c.RedAt = 0.9, 0.8 }), group, "yellow_at"},
		{"yellow equals red", leaf(func(c *Category) { c.YellowAt, c.RedAt = 0.8, 0.8 }), group, "yellow_at"},
		{"yellow zero", leaf(func(c *Category) { c.YellowAt = 0 }), group, "yellow_at"},
		{"yellow one", leaf(func(c *Category) { c.YellowAt = 1 }), group, "yellow_at"},
		{"red zero", leaf(func(c *Category) { c.RedAt = 0 }), group, "red_at"},
		{"red too late", leaf(func(c *Category) { c.RedAt = 5 }), group, "red_at"},
		{"no name", leaf(func(c *Category) { c.Name = " " }), group, "name"},
		{"no english name", leaf(func(c *Category) { c.NameEn = "" }), group, "name_en"},
		{"name on two lines", leaf(func(c *Category) { c.Name = "a\nb" }), group, "name"},
		{"long name", leaf(func(c *Category) { c.Name = strings.Repeat("名", 51) }), group, "name"},
		{"keyword twice", leaf(func(c *Category) { c.Keywords = []string{"垃圾", " 垃圾"} }), group, "keywords[1]"},
		{"empty keyword", leaf(func(c *Category) { c.Keywords = []string{""} }), group, "keywords[0]"},
		{"sort", leaf(func(c *Category) { c.Sort = -1 }), group, "sort"},
		{"leaf without limits", leaf(func(c *Category) { c.Limits = nil }), group, "limits"},
		{"leaf without standard", leaf(func(c *Category) { c.ClosingStandard = "" }), group, "closing_standard"},
		{"bad urgency", leaf(func(c *Category) { c.DefaultUrgency = "panic" }), group, "default_urgency"},
		{"bad limits", leaf(func(c *Category) { c.Limits.Handle = nil }), group, "limits.handle"},
		{"group with limits", leaf(func(c *Category) { c.Leaf = false }), group, "registration_standard"},
		{"code not under parent", leaf(func(c *Category) { c.Code = "x.b" }), group, "code"},
		{"code with capitals", leaf(func(c *Category) { c.Code = "a.B" }), group, "code"},
		{"top-level code with dot", leaf(func(c *Category) { c.ParentCode = "" }), nil, "code"},
		{"too deep", leaf(func(c *Category) { c.Code, c.ParentCode = "a.b.c.d.e", "a.b.c.d" }), &Category{Code: "a.b.c.d", Active: true}, "code"},
		{"parent is a leaf", leaf(func(*Category) {}), &Category{Code: "a", Leaf: true, Active: true}, "parent_code"},
		{"parent inactive", leaf(func(*Category) {}), &Category{Code: "a"}, "parent_code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cat := c.c
			fs := fieldsOf(t, cat.validate(c.parent))
			if _, ok := fs[c.field]; !ok {
				t.Fatalf("fields = %v, want %s", fs, c.field)
			}
		})
	}
	ok := leaf(func(*Category) {})
	if err := ok.validate(group); err != nil {
		t.Fatalf("valid leaf refused: %v", err)
	}
	if ok.DefaultUrgency != Normal {
		t.Fatalf("urgency defaulted to %q", ok.DefaultUrgency)
	}
}
