package zhreason

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/tabular"
)

// apiCatalogs are the API catalog with its areas in their order and
// reversed: a wording must not depend on which area lists it first.
func apiCatalogs(t *testing.T) []*Catalog {
	t.Helper()
	areas := [][]Entry{Entries(), eventsAPI, adminAPI, workforceAPI, peopleAPI, namedAPI}
	var cs []*Catalog
	for range 2 {
		c, err := Compile(slices.Concat(areas...))
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
		slices.Reverse(areas)
	}
	return cs
}

var hanText = regexp.MustCompile(`\p{Han}`)

// refusal is a message as the source makes it and the values it printed,
// which its Chinese wording must keep.
type refusal struct {
	english string
	values  []string
}

// wording checks that each catalog words every refusal alike, in Chinese,
// keeping its values.
func wording(t *testing.T, rs []refusal) {
	t.Helper()
	cs := apiCatalogs(t)
	for _, r := range rs {
		zh, ok := cs[0].Lookup(r.english)
		if !ok || !hanText.MatchString(zh) {
			t.Errorf("%q is not worded: %q", r.english, zh)
			continue
		}
		if other, _ := cs[1].Lookup(r.english); other != zh {
			t.Errorf("%q is worded %q or %q, by the order of the areas", r.english, zh, other)
		}
		for _, v := range r.values {
			if !strings.Contains(zh, v) {
				t.Errorf("%q → %q lost %q", r.english, zh, v)
			}
		}
	}
}

func sprintf(format string, args ...any) refusal {
	r := refusal{english: fmt.Sprintf(format, args...)}
	for _, a := range args {
		r.values = append(r.values, fmt.Sprint(a))
	}
	return r
}

func literal(s string) refusal { return refusal{english: s} }

func TestWorkforceRefusals(t *testing.T) {
	wording(t, []refusal{
		literal("worker not found"),
		literal("you may not manage the workforce"),
		literal("one check-in a day counts"),
		literal("one check-out a day counts"),
		literal("must be one of annual, sick, personal, marriage, maternity, bereavement, training, other"),
		literal("must be one of accepted, in_progress, done"),
		literal("the team member was changed by someone else; reload and try again"),
		literal("the request was already rejected"),
		sprintf("is %d, the worker is at %d", 3, 4),
		sprintf("grid %s already has a chief: %s (worker %d)", "990101001001001", "王五", 17),
		sprintf("account %d has the role %s; link an account of role worker", 8, "center"),
		sprintf("worker %d already has a bound device (%s); binding a new one needs a re-binding request approved by a supervisor", 5, "dev-0001"),
		sprintf("device %s was unbound on %s (%s); enrol it again with a code from your supervisor", "dev-0001", "2026-06-01", "手机丢失"),
		sprintf("must be %d-%d characters of A-Z a-z 0-9 . _ : -", 8, 128),
		sprintf("must be the id of an uploaded attachment: must be %d-%d characters of A-Z a-z 0-9 . _ : -", 1, 128),
		sprintf("is %d s behind the server clock; at most %d s is allowed (a replayed or delayed request)", 400, 300),
		sprintf("is in the future (%s ahead of the server clock); set the phone's clock", "2m30s"),
		sprintf("a check-out on %s was already recorded at %s (record %d); this one was not counted", "2026-06-01", "17:31", 42),
		sprintf("was already used for record %d (check_in at %s); this request was not counted again", 42, "2026-06-01T00:31:00Z"),
		sprintf("a second check_out on %s; one a day counts", "2026-06-01"),
		sprintf("overlaps leave %d (%s to %s)", 9, "2026-06-01", "2026-06-03"),
		sprintf("batch %d of patrol %d was already stored with different points; send the next batch as %d", 3, 77, 5),
		sprintf("is not after the previous point (points[%d], %s); points go in time order", 4, "2026-06-01T08:30:00.5+08:00"),
		sprintf("action %d on event %d not found among your actions", 12, 340),
		sprintf("department %s does not serve grid %s; choose a department of the grid's township, county or city", "D-7", "990101001001001"),
		// Printed with %.0f and %.1f, as the source prints them.
		{fmt.Sprintf("the location is %.0f m outside your grids (nearest: %s %s); at most %.0f m is allowed", 312.4, "一网格", "990101001001001", 200.0),
			[]string{"312", "一网格", "990101001001001", "200"}},
		{fmt.Sprintf("is %.0f m from the previous point in %.1f s, %.0f km/h; over %d km/h is a GPS jump, not a patrol", 5230.0, 12.5, 1506.2, 150),
			[]string{"5230", "12.5", "1506", "150"}},
	})
}

func TestPeopleRefusals(t *testing.T) {
	var rs []refusal
	add := func(err error, values ...string) {
		t.Helper()
		if err == nil {
			t.Fatal("no refusal")
		}
		rs = append(rs, refusal{err.Error(), values})
	}

	// region: codes and kinds, as the validators word them.
	add(region.ValidateCode("2306", region.City, ""), "6", "4")
	add(region.ValidateCode("990101001001000", region.Grid, "990101001001"))
	add(region.ValidateCode("230602001", region.Township, "230603"), "230602001", "230603")
	add(region.ValidateCode("230702", region.County, "230600"), "230702", "230600")
	add(region.ValidateCode("230000", region.City, ""), "230000")
	add(region.ValidateKind("exclusive", ""))
	add(region.ValidateKind("big", ""), `"big"`)
	add(region.ValidateLayer("Police"), `"Police"`)
	_, err := region.ParseLevel("province")
	add(err, `"province"`)

	// auth: passwords and roles.
	for _, p := range []string{"short", "alllowercase", "wang.li-2026X", "\xff\xfe0123456789"} {
		if reason := auth.ValidatePassword(p, "wang.li"); reason != "" {
			rs = append(rs, refusal{english: reason})
		}
	}
	_, err = auth.ParseRole("mayor")
	add(err, `"mayor"`)

	// registry: what an import is of; a search by an unknown tag.
	_, err = registry.ParseKind("cars")
	add(err, `"cars"`)
	rs = append(rs, refusal{fmt.Sprintf("must be one of %s, got %q", strings.Join(registry.Tags(), ", "), "vip"), []string{`"vip"`}})

	// geo, through a station's location and a boundary's coordinate.
	for _, p := range [][2]float64{{200, 46}, {125, -95}} {
		err := geo.ValidatePoint(p[0], p[1], geo.WGS84)
		add(fmt.Errorf("location: %w", err))
		add(fmt.Errorf("coordinate [%g, %g]: %w", p[0], p[1], err), fmt.Sprint(p[0]), fmt.Sprint(p[1]))
	}
	err = geo.ValidatePoint(10.5, 46, geo.GCJ02)
	add(fmt.Errorf("coordinate [%g, %g]: %w", 10.5, 46.0, err), "10.5", "46")
	_, err = geo.ToWGS84("bd09", nil)
	add(err, `"bd09"`)

	// gridmap: features of a region file, and map tiles.
	items, err := gridmap.ParseRegions(strings.NewReader(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"name":"无编码"},"geometry":{"type":"Point","coordinates":[125,46]}},
		{"type":"Feature","properties":{"code":"990101001001001"}},
		{"type":"Feature","properties":{"code":"990101001001002"},"geometry":{"type":"Point","coordinates":[125,46]}},
		{"type":"Feature","properties":{"code":"990101001001003"},"geometry":{"type":"Polygon","coordinates":[[[125,46],[125.1,null],[125,46.1],[125,46]]]}},
		{"type":"Feature","properties":{"code":"990101001001004"},"geometry":{"type":"MultiPolygon","coordinates":[[[[125,46],[125.1,46,0,1],[125,46.1],[125,46]]]]}},
		{"type":"Feature","properties":{"code":"990101001001005"},"geometry":{"type":"Polygon","coordinates":[[[125,46],[125.1,46],[125,146],[125,46]]]}}
	]}`), gridmap.ParseOptions{CRS: geo.WGS84})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Err == "" {
			t.Fatalf("feature %d was not refused", it.Index)
		}
		rs = append(rs, refusal{english: it.Err})
	}
	_, err = gridmap.ParseRegions(strings.NewReader(`{"type":"Feature"}`), gridmap.ParseOptions{})
	add(err, `"Feature"`)
	_, err = gridmap.ParseTileLayers("grid,roads")
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) != 1 {
		t.Fatalf("tile layers: %v", err)
	}
	rs = append(rs, refusal{e.Fields[0].Reason, []string{`"roads"`}})

	// tabular: files that cannot be read, and a header not of the template.
	for _, f := range []struct {
		name    string
		content []byte
	}{
		{"人口.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}},
		{"人口.xlsx", []byte("not a zip")},
		{"人口.xlsx", nil},
		{"人口.csv", []byte{0xFF, 0xFE, 'a', 0}},
		{"人口.csv", []byte("\n\n")},
	} {
		_, err := tabular.Open(bytes.NewReader(f.content), int64(len(f.content)), f.name, tabular.Options{})
		add(err)
	}
	_, err = tabular.MapHeader([]string{"姓名", "姓名", "车牌"}, []tabular.Field{
		{Name: "name", Aliases: []string{"姓名"}, Required: true}, {Name: "id_number", Aliases: []string{"身份证号"}, Required: true}})
	add(err, "缺少必填列：id_number (身份证号)", "无法识别的列：车牌 (C)", "重复的列：姓名 (A, B)")
	_, err = tabular.MapHeader([]string{"姓名", "车牌"}, []tabular.Field{
		{Name: "name", Aliases: []string{"姓名"}, Required: true}, {Name: "id_number", Aliases: []string{"身份证号"}, Required: true}})
	add(err, "缺少必填列：id_number (身份证号)", "无法识别的列：车牌 (B)")

	wording(t, rs)
}

// Wordings read as Chinese does: a region named before what it holds, and
// no space between a Chinese name and the words after it.
func TestWordingsReadNaturally(t *testing.T) {
	for _, c := range apiCatalogs(t) {
		for en, want := range map[string]string{
			"rule 4 already routes city_appearance in 示范市":                                 "示范市的 city_appearance 类别已有派遣规则（规则 4）",
			"the point has 1 numbers; want longitude, latitude and at most an altitude":    "该点有 1 个数；应为经度、纬度，至多再加一个海拔",
			"the point is not an array of numbers":                                         "该点不是由数字组成的数组",
			"coordinates is not an array":                                                  "坐标不是数组",
			"coordinate 3 has 1 numbers; want longitude, latitude and at most an altitude": "坐标 3 有 1 个数；应为经度、纬度，至多再加一个海拔",
			"ring 0 of polygon 1 is not an array":                                          "多边形 1 的环 0 不是数组",
		} {
			if got, _ := c.Lookup(en); got != want {
				t.Errorf("%q: %q, want %q", en, got, want)
			}
		}
	}
}
