package zhreason_test

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/tabular"
	"github.com/gridgov/gridgov/internal/zhreason"
)

// Left in a Chinese boundary refusal as they are: what the file holds
// ("quoted" JSON values, points), GeoJSON's type names and a bulk load's
// JSON paths.
var (
	asIs    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|\b(?:GeoJSON|MultiPolygon|Polygon|LineString|Point|NaN|Inf)\b|\b(?:workers|members|leave|checks|patrols|visits)\[|（[a-z_]+）`)
	number  = regexp.MustCompile(`-?[0-9]+(?:\.[0-9]+)?`)
	letters = regexp.MustCompile(`[A-Za-z]+`)
)

// englishLeft returns what of zh, the Chinese wording of en, is still
// English, or the numbers of en it lost.
func englishLeft(en, zh string) string {
	if zh == en {
		return "not worded"
	}
	if w := letters.FindAllString(asIs.ReplaceAllString(zh, ""), -1); len(w) > 0 {
		return "English left: " + strings.Join(w, " ")
	}
	have := number.FindAllString(zh, -1)
	for _, n := range number.FindAllString(en, -1) {
		i := slices.Index(have, n)
		if i < 0 {
			return "number lost: " + n
		}
		have = slices.Delete(have, i, i+1)
	}
	return ""
}

func ring(pts ...[2]float64) orb.Ring {
	r := make(orb.Ring, len(pts))
	for i, p := range pts {
		r[i] = orb.Point{125 + p[0]/100, 46 + p[1]/100}
	}
	return r
}

func square(x, y, size float64) orb.Ring {
	return ring([2]float64{x, y}, [2]float64{x + size, y}, [2]float64{x + size, y + size}, [2]float64{x, y + size}, [2]float64{x, y})
}

// star is a ring of n corners that joins every k-th, crossing itself
// many times over.
func star(n, k int) orb.Ring {
	var pts [][2]float64
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i*k%n) / float64(n)
		pts = append(pts, [2]float64{10 * math.Cos(a), 10 * math.Sin(a)})
	}
	return ring(pts...)
}

// TestBoundaryProblemsAreWordedInChinese words the problems geo finds in
// bad boundaries, whole, with every number kept and no English left.
func TestBoundaryProblemsAreWordedInChinese(t *testing.T) {
	c := zhreason.NewAPI()
	bowtie := ring([2]float64{0, 0}, [2]float64{1, 1}, [2]float64{1, 0}, [2]float64{0, 1}, [2]float64{0, 0})
	for _, tc := range []struct {
		name string
		g    orb.Geometry
		want []string // a part of each problem's wording
	}{
		{"bowtie", orb.Polygon{bowtie}, []string{"自相交（环 0）：外环在 ("}},
		{"unclosed", orb.Polygon{square(0, 0, 1)[:4]}, []string{"环未闭合（环 0）：外环：最后一个点与第一个点不同"}},
		{"too few corners", orb.Polygon{ring([2]float64{0, 0}, [2]float64{1, 1}, [2]float64{0, 0})}, []string{"外环只有 2 个不同的顶点"}},
		{"hole outside", orb.Polygon{square(0, 0, 1), square(5, 5, 1)}, []string{"内环（洞）在外环之外（环 1）：第 1 个内环（洞）位于外环之外"}},
		{"hole crossing", orb.Polygon{square(0, 0, 2), square(1, 1, 2)}, []string{"外环与第 1 个内环（洞）在 ("}},
		{"holes overlapping", orb.Polygon{square(0, 0, 10), square(1, 1, 3), square(2, 2, 3)}, []string{"在 ("}},
		{"holes nested", orb.Polygon{square(0, 0, 10), square(1, 1, 5), square(2, 2, 1)}, []string{"第 1 个内环（洞）与第 2 个内环（洞）重叠或互相包含"}},
		{"polygons nested", orb.MultiPolygon{{square(0, 0, 10)}, {square(1, 1, 1)}}, []string{"多边形 0 与多边形 1 重叠或互相包含"}},
		{"polygon crossing", orb.MultiPolygon{{square(0, 0, 2)}, {bowtie}}, []string{"多边形 1 的外环在 ("}},
		{"empty polygon", orb.MultiPolygon{{}, {square(0, 0, 1)}}, []string{"边界为空：多边形 0没有环"}},
		{"not a finite number", orb.Polygon{ring([2]float64{0, 0}, [2]float64{math.NaN(), 1}, [2]float64{1, 0}, [2]float64{0, 0})}, []string{"外环：点 1 的坐标不是有限的数"}},
		{"many crossings", orb.Polygon{star(41, 17)}, []string{"（其余交点未列出）"}},
		{"a point", orb.Point{125, 46}, []string{"不是多边形：几何图形为 Point"}},
		{"nothing", nil, []string{"边界为空：没有提供几何图形"}},
	} {
		ps := geo.Check(tc.g, 0)
		if len(ps) == 0 {
			t.Errorf("%s: no problem", tc.name)
			continue
		}
		var all []string
		for _, p := range ps {
			en := p.String()
			zh := c.Chinese(en)
			if left := englishLeft(en, zh); left != "" {
				t.Errorf("%s: %q\n worded %q: %s", tc.name, en, zh, left)
			}
			all = append(all, zh)
		}
		for _, w := range tc.want {
			if !strings.Contains(strings.Join(all, "\n"), w) {
				t.Errorf("%s: no wording holds %q:\n%s", tc.name, w, strings.Join(all, "\n"))
			}
		}
	}
}

// TestMapImportRefusalsAreWordedInChinese words the reasons a map import
// gives a bad feature: the geometry's problems joined, a part of a
// GeometryCollection, and a bad row of a file.
func TestMapImportRefusalsAreWordedInChinese(t *testing.T) {
	c := zhreason.NewAPI()
	features := []string{
		// A bowtie.
		`{"type":"Feature","properties":{"code":"a"},"geometry":{"type":"Polygon","coordinates":[[[125,46],[125.01,46.01],[125.01,46],[125,46.01],[125,46]]]}}`,
		// A bowtie and a polygon of two corners, whose problem holds "; ".
		`{"type":"Feature","properties":{"code":"b"},"geometry":{"type":"MultiPolygon","coordinates":[` +
			`[[[125,46],[125.01,46.01],[125.01,46],[125,46.01],[125,46]]],[[[126,46],[126.01,46.01],[126,46]]]]}}`,
		// A hole outside, and a polygon over the first.
		`{"type":"Feature","properties":{"code":"c"},"geometry":{"type":"MultiPolygon","coordinates":[` +
			`[[[125,46],[125.1,46],[125.1,46.1],[125,46.1],[125,46]],[[125.5,46.5],[125.6,46.5],[125.6,46.6],[125.5,46.5]]],` +
			`[[[125.01,46.01],[125.02,46.01],[125.02,46.02],[125.01,46.01]]]]}}`,
		// A GeometryCollection whose second part has a latitude that is a string.
		`{"type":"Feature","properties":{"code":"d"},"geometry":{"type":"GeometryCollection","geometries":[` +
			`{"type":"Point","coordinates":[125,46]},{"type":"Polygon","coordinates":[[[125,46],[125.1,"x"],[125,46.1],[125,46]]]}]}}`,
		// A GeometryCollection whose first part is no array of numbers.
		`{"type":"Feature","properties":{"code":"e"},"geometry":{"type":"GeometryCollection","geometries":[` +
			`{"type":"LineString","coordinates":[[125,46],7]}]}}`,
	}
	_, rejected, err := gridmap.ParseOverlays(strings.NewReader(`{"type":"FeatureCollection","features":[`+strings.Join(features, ",")+`]}`), "police", geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	if len(rejected) != len(features) {
		t.Fatalf("%d of %d features refused: %+v", len(rejected), len(features), rejected)
	}
	want := []string{
		"几何图形无效：自相交（环 0）：外环在 (125.0050000, 46.0050000) 处与自身相交",
		"几何图形无效：顶点过少（环 1）：多边形 1 的外环只有 2 个不同的顶点；一个环至少需要 3 个；" +
			"自相交（环 0）：多边形 0 的外环在 (125.0050000, 46.0050000) 处与自身相交",
		"几何图形无效：内环（洞）在外环之外（环 1）：多边形 0 的第 1 个内环（洞）位于外环之外；" +
			"各部分重叠（环 0）：多边形 0 与多边形 1 重叠或互相包含",
		`几何图形 1：环 0 的坐标 1：纬度为 "x"，不是数字`,
		"几何图形 0：坐标 1 不是由数字组成的数组",
	}
	for i, r := range rejected {
		zh := c.Chinese(r.Reason)
		if left := englishLeft(r.Reason, zh); left != "" {
			t.Errorf("feature %d: %q\n worded %q: %s", i, r.Reason, zh, left)
		}
		if !strings.Contains(zh, want[i]) {
			t.Errorf("feature %d: %q\n worded %q, want it to hold %q", i, r.Reason, zh, want[i])
		}
	}

	// A row of a file, and an item of a bulk load.
	for en, want := range map[string]string{
		(&tabular.FileError{Row: 7, Reason: "the file is not UTF-8 (it looks like GBK); choose GBK or save as UTF-8"}).Error(): "第 7 行：文件不是 UTF-8 编码",
		"workers 0: grid 990101001001001 not found":            "网格员 workers[0]：网格 990101001001001 不存在",
		"visits 12: invalid input":                             "走访 visits[12]：",
		"checks 3: worker not found":                           "考勤 checks[3]：网格员不存在",
		"code: a grid code has 15 digits, got 3":               "编码（code）：网格代码须为 15 位，实为 3 位",
		"boundary: no geometry was given":                      "边界（boundary）：没有提供几何图形",
		"workers 2: workers 3: grid 990101001001002 not found": "网格员 workers[2]：网格员 workers[3]：网格 990101001001002 不存在",
	} {
		zh := c.Chinese(en)
		if !strings.HasPrefix(zh, want) {
			t.Errorf("%q worded %q, want %q…", en, zh, want)
		}
		if left := englishLeft(en, zh); left != "" && !strings.Contains(left, "UTF") && !strings.Contains(left, "GBK") {
			t.Errorf("%q worded %q: %s", en, zh, left)
		}
	}
}
