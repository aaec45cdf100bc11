package zhreason

import (
	"slices"

	"github.com/gridgov/gridgov/internal/geo"
)

// boundaryAPI words the refusals that print other refusals: a boundary's
// problems as geo finds them, the rings and polygons they name, the
// wrappers in which a map import gives them, and the row or item of a
// bulk load that a refusal is about. Each wording prints the refusal
// within through %s, which the catalog words in turn.
//
// Rings and polygons are counted as the English counts them: the rings of
// a whole geometry, the polygons of a MultiPolygon, the points of a ring
// and a bulk load's items from 0, given as they are ("环 0"); holes and a
// file's rows from 1, given as "第 1 个" and "第 2 行".
var boundaryAPI = slices.Concat([]Entry{
	// geo: the rings and polygons a problem names (valid.go).
	{"outer ring", "外环"},
	{"hole %d", "第 %d 个内环（洞）"},
	{"outer ring of polygon %d", "多边形 %d 的外环"},
	{"hole %d of polygon %d", "多边形 %[2]d 的第 %[1]d 个内环（洞）"},
	{"the polygon", "该多边形"},
	{"polygon %d", "多边形 %d"},

	// geo: what is wrong with a boundary (valid.go, rings.go).
	{"no geometry was given", "没有提供几何图形"},
	{"the geometry is a %s; a boundary must be a Polygon or MultiPolygon", "几何图形为 %s；边界须为 Polygon 或 MultiPolygon"},
	{"the boundary has %d points, more than the %d allowed; simplify it first", "边界有 %d 个点，超过允许的 %d 个；请先简化边界"},
	{"the MultiPolygon has no polygons", "MultiPolygon 中没有多边形"},
	{"%s has no rings", "%s没有环"},
	{"%s: point %d has a coordinate that is not a finite number", "%s：点 %d 的坐标不是有限的数"},
	{"%s: point %d (%v, %v) is not a longitude, latitude pair (are they swapped, or projected metres?)",
		"%s：点 %d（%v, %v）不是经度、纬度（是否填反了，或者是以米为单位的投影坐标？）"},
	{"%s: the last point differs from the first, so the ring is not closed", "%s：最后一个点与第一个点不同，环没有闭合"},
	{"%s has %d distinct corners; a ring needs at least 3", "%s只有 %d 个不同的顶点；一个环至少需要 3 个"},
	{"%s doubles back on itself at %s", "%s在 %s 处沿原路折回，与自身重叠"},
	{"%s crosses itself at %s", "%s在 %s 处与自身相交"},
	{"%s touches itself at %s", "%s在 %s 处与自身接触"},
	{"%s runs along itself at %s", "%s在 %s 处与自身重叠"},
	{"%s crosses %s at %s", "%s与%s在 %s 处相交"},
	{"%s runs along %s at %s", "%s与%s在 %s 处重叠"},
	{"%s (further intersections not listed)", "%s（其余交点未列出）"},
	{"%s passes from inside to outside the outer ring where they touch", "%s在与外环接触处从外环内侧穿到了外侧"},
	{"%s lies outside the outer ring", "%s位于外环之外"},
	{"%s and %s overlap or lie one inside the other", "%s与%s重叠或互相包含"},
	{"polygon %d and polygon %d overlap or lie one inside the other", "多边形 %d 与多边形 %d 重叠或互相包含"},
	{"too many edges overlap each other to check the boundary; simplify it or split it into smaller parts",
		"相互重叠的边过多，无法检查边界；请简化边界，或拆分为较小的部分"},

	// gridmap: a feature the GeoJSON decoder refuses, a part of a
	// GeometryCollection, a boundary's fatal problems (geojson.go, coords.go).
	{"not a GeoJSON feature: %s", "不是 GeoJSON 要素：%s"},
	{"a feature must be a JSON object", "要素须为 JSON 对象"},
	{`"type" must be "Feature", got %q`, `"type" 须为 "Feature"，收到的是 %q`},
	{`"properties" must be an object or null`, `"properties" 须为对象或 null`},
	{`"bbox" must be an array of numbers`, `"bbox" 须为由数字组成的数组`},
	{`"geometry" must be an object or null`, `"geometry" 须为对象或 null`},
	{"geometry type %q is not a GeoJSON geometry type (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon or GeometryCollection)",
		"几何类型 %q 不是 GeoJSON 的几何类型（Point、MultiPoint、LineString、MultiLineString、Polygon、MultiPolygon 或 GeometryCollection）"},
	{`"geometries" of a GeometryCollection must be an array`, `GeometryCollection 的 "geometries" 须为数组`},
	{"it cannot be read", "无法读取"},
	{"geometry %d: %s", "几何图形 %d：%s"},
	{"invalid geometry: %s", "几何图形无效：%s"},

	// tabular: a bad row of a file (tabular.go).
	{"row %d: %s", "第 %d 行：%s"},
},
	problemKinds(),
	importFields(),
	bulkItems(),
)

// kinds are geo's kinds of problem, with their Chinese names.
var kinds = []struct{ code, zh string }{
	{geo.ProblemUnclosedRing, "环未闭合"},
	{geo.ProblemTooFewPoints, "顶点过少"},
	{geo.ProblemSelfIntersection, "自相交"},
	{geo.ProblemNaNOrInf, "坐标不是有限的数"},
	{geo.ProblemOutOfRange, "坐标超出经纬度范围"},
	{geo.ProblemTooManyVertices, "顶点过多"},
	{geo.ProblemEmpty, "边界为空"},
	{geo.ProblemNotPolygon, "不是多边形"},
	{geo.ProblemHoleOutside, "内环（洞）在外环之外"},
	{geo.ProblemOverlappingParts, "各部分重叠"},
	{geo.ProblemTooComplex, "边界过于复杂"},
}

// problemKinds words geo.Problem's String, a kind of problem with its
// detail, and the ring of the whole geometry, counted from 0, when the
// problem has one.
func problemKinds() []Entry {
	var es []Entry
	for _, k := range kinds {
		es = append(es,
			Entry{k.code + " (ring %d): %s", k.zh + "（环 %d）：%s"},
			Entry{k.code + ": %s", k.zh + "：%s"})
	}
	return es
}

// importFields words a region a map import refuses, by the field it names
// and why (gridmap's store.go, region.Validate).
func importFields() []Entry {
	var es []Entry
	for _, f := range []struct{ code, zh string }{
		{"code", "编码"}, {"name", "名称"}, {"level", "级别"}, {"parent_code", "上级区划"},
		{"kind", "网格类型"}, {"valid_to", "失效日期"}, {"boundary", "边界"},
	} {
		es = append(es, Entry{f.code + ": %s", f.zh + "（" + f.code + "）：%s"})
	}
	return es
}

// bulkItems words a workforce bulk load's refusal of one of its items,
// named by its list and index, counted from 0 as in the field it names
// (workers[3].device_id).
func bulkItems() []Entry {
	var es []Entry
	for _, l := range []struct{ code, zh string }{
		{"workers", "网格员"}, {"members", "团队成员"}, {"leave", "请假"},
		{"checks", "考勤"}, {"patrols", "巡查"}, {"visits", "走访"},
	} {
		es = append(es, Entry{l.code + " %d: %s", l.zh + " " + l.code + "[%d]：%s"})
	}
	return es
}
