package zhreason_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/zhreason"
)

var nestedEntries = []zhreason.Entry{
	{"outer ring", "外环"},
	{"hole %d", "第 %d 个洞"},
	{"required", "必填项"},
	{"%s crosses itself at %s", "%s 在 %s 处与自身相交"},
	{"%s has %d corners; a ring needs 3", "%s 只有 %d 个顶点；环至少需要 3 个"},
	{"invalid geometry: %s", "几何图形无效：%s"},
	{"house %s not found", "房屋 %s 不存在"},
	{"%s: %s", "%s：%s"},
	{"%s %s", "%s%s"},
	{"unknown tag %q", "未知的标签 %q"},
	{"the value is %v", "值为 %v"},
	{"wrap (%s)", "包（%s）"},
}

// A value printed by %s is worded when an entry that may nest matches it
// whole; a code, a quoted or %v value, and a value only a general format
// matches are carried over as they are.
func TestNestedValues(t *testing.T) {
	c, err := zhreason.Compile(nestedEntries)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"invalid geometry: outer ring crosses itself at (1, 2)":      "几何图形无效：外环 在 (1, 2) 处与自身相交",
		"invalid geometry: hole 3 crosses itself at (1, 2)":          "几何图形无效：第 3 个洞 在 (1, 2) 处与自身相交",
		"invalid geometry: hole three crosses itself at (1, 2)":      "几何图形无效：hole three 在 (1, 2) 处与自身相交",
		"invalid geometry: something new":                            "几何图形无效：something new",
		"house outer ring not found":                                 "房屋 外环 不存在",
		"house required not found":                                   "房屋 required 不存在",
		"house H-9 not found":                                        "房屋 H-9 不存在",
		"house a: b not found":                                       "房屋 a: b 不存在",
		"house outer ring: hole 1 not found":                         "房屋 outer ring: hole 1 不存在",
		`unknown tag "outer ring"`:                                   `未知的标签 "outer ring"`,
		"the value is outer ring":                                    "值为 outer ring",
		"outer ring: hole 1":                                         "外环：第 1 个洞",
		"required":                                                   "必填项",
		"invalid geometry: required":                                 "几何图形无效：required",
		"invalid geometry: outer ring has 2 corners; a ring needs 3": "几何图形无效：外环 只有 2 个顶点；环至少需要 3 个",
		// A list of messages joined by "; ", one of them holding "; ".
		"invalid geometry: outer ring crosses itself at (1, 2); hole 1 has 2 corners; a ring needs 3; hole 2 crosses itself at (3, 4)": "几何图形无效：外环 在 (1, 2) 处与自身相交；第 1 个洞 只有 2 个顶点；环至少需要 3 个；第 2 个洞 在 (3, 4) 处与自身相交",
		// A list whose first message's %s could take in the rest.
		"invalid geometry: hole 1 has 2 corners; a ring needs 3; outer ring crosses itself at (1, 2)": "几何图形无效：第 1 个洞 只有 2 个顶点；环至少需要 3 个；外环 在 (1, 2) 处与自身相交",
		// A list whose parts are not all messages is no list.
		"invalid geometry: outer ring; a; b": "几何图形无效：outer ring; a; b",
	} {
		if got := c.Chinese(in); got != want {
			t.Errorf("Chinese(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// However deep a refusal nests, it is worded to a few levels only.
func TestNestingIsBounded(t *testing.T) {
	c, err := zhreason.Compile(nestedEntries)
	if err != nil {
		t.Fatal(err)
	}
	wrap := func(n int) string { return strings.Repeat("wrap (", n) + "outer ring" + strings.Repeat(")", n) }
	if got, want := c.Chinese(wrap(3)), "包（包（包（外环）））"; got != want {
		t.Errorf("3 deep: %q, want %q", got, want)
	}
	got := c.Chinese(wrap(1000))
	n := strings.Count(got, "包（")
	if n < 4 || n > 10 {
		t.Errorf("1000 deep: worded %d levels", n)
	}
	inner := strings.TrimPrefix(wrap(1000), strings.Repeat("wrap (", n))
	inner = inner[:len(inner)-n]
	if want := strings.Repeat("包（", n) + inner + strings.Repeat("）", n); got != want {
		t.Errorf("1000 deep: the levels below %d are not carried over as printed", n)
	}
}

// No code is ever worded as a message: a value without a space, whatever
// its letters, is carried over as printed, even where it spells an entry
// of the API's catalog.
func TestCodesAreNeverWorded(t *testing.T) {
	c := zhreason.NewAPI()
	codes := []string{"H-9", "990101001001001", "self_intersection", "workers", "grid", "city", "Polygon", "X"}
	for _, f := range c.Formats() {
		if !strings.ContainsAny(f, " %") {
			codes = append(codes, f)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:()"
	for range 2000 {
		b := make([]byte, 1+r.IntN(24))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		codes = append(codes, string(b))
	}
	for _, code := range codes {
		if got, want := c.Chinese("house "+code+" not found"), "房屋 "+code+" 不存在"; got != want {
			t.Errorf("house %s not found: %q, want %q", code, got, want)
		}
	}
}
