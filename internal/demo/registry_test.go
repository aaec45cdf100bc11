package demo_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/idcard"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/spatial"
	"github.com/gridgov/gridgov/internal/tabular"
)

// census is the day the registry counts ages on (demo.refDay).
var census = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)

var (
	houseHeader  = []string{"house_code", "address", "lng", "lat", "crs", "usage", "estate", "building", "unit", "room", "grid_code", "structure", "floor_area_m2"}
	personHeader = []string{"name", "id_number", "phone", "house_code", "house_relation", "residence_type", "tags", "grid_code", "household_no", "relation"}
)

// Cities are generated once per test binary: the daqing preset takes
// seconds.
var cities sync.Map // preset name → func() (demo.City, error)

func generate(name string) (demo.City, demo.Preset, error) {
	p, err := demo.LookupPreset(name)
	if err != nil {
		return demo.City{}, p, err
	}
	f, _ := cities.LoadOrStore(name, sync.OnceValues(func() (demo.City, error) {
		return demo.Generate(p, demo.Options{Seed: demo.DefaultSeed})
	}))
	c, err := f.(func() (demo.City, error))()
	return c, p, err
}

func city(tb testing.TB, name string) (demo.City, demo.Preset) {
	tb.Helper()
	c, p, err := generate(name)
	if err != nil {
		tb.Fatal(err)
	}
	return c, p
}

func drain(rd tabular.Reader) ([]tabular.Row, error) {
	defer rd.Close()
	var rows []tabular.Row
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", len(rows)+2, err)
		}
		rows = append(rows, row)
	}
}

func readAll(tb testing.TB, rd tabular.Reader) []tabular.Row {
	tb.Helper()
	rows, err := drain(rd)
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

// cell reads a column by name from a row whose trailing empty cells are cut.
func cell(row tabular.Row, header []string, name string) string {
	i := slices.Index(header, name)
	if i < 0 || i >= len(row.Cells) {
		return ""
	}
	return row.Cells[i]
}

// smallRows reads the small preset's registry with the default seed once.
var smallRows = sync.OnceValues(func() ([2][]tabular.Row, error) {
	c, p, err := generate("small")
	if err != nil {
		return [2][]tabular.Row{}, err
	}
	r := demo.NewRegistry(c, p, demo.Options{Seed: demo.DefaultSeed})
	houses, err := drain(r.Houses())
	if err != nil {
		return [2][]tabular.Row{}, err
	}
	persons, err := drain(r.Persons())
	return [2][]tabular.Row{houses, persons}, err
})

func smallRegistry(tb testing.TB) (houses, persons []tabular.Row) {
	tb.Helper()
	rows, err := smallRows()
	if err != nil {
		tb.Fatal(err)
	}
	return rows[0], rows[1]
}

func TestRegistryIsDeterministic(t *testing.T) {
	t.Parallel()
	c, p := city(t, "small")
	rows := func(seed uint64) ([]tabular.Row, []tabular.Row) {
		r := demo.NewRegistry(c, p, demo.Options{Seed: seed})
		return readAll(t, r.Houses()), readAll(t, r.Persons())
	}
	h1, p1 := rows(5)
	h2, p2 := rows(5)
	if diff := cmp.Diff(h1, h2); diff != "" {
		t.Fatalf("houses differ between two runs with one seed:\n%s", diff)
	}
	if diff := cmp.Diff(p1, p2); diff != "" {
		t.Fatalf("persons differ between two runs with one seed:\n%s", diff)
	}
	h3, p3 := rows(6)
	if cmp.Equal(h1, h3) || cmp.Equal(p1, p3) {
		t.Fatal("a different seed gave the same rows")
	}
	// Two readers of one registry read concurrently give the same rows.
	r := demo.NewRegistry(c, p, demo.Options{Seed: 5})
	var wg sync.WaitGroup
	got := make([][]tabular.Row, 2)
	for i := range got {
		wg.Go(func() { got[i] = readAll(t, r.Persons()) })
	}
	wg.Wait()
	if !cmp.Equal(got[0], p1) || !cmp.Equal(got[1], p1) {
		t.Fatal("concurrent readers differ")
	}
}

func TestRegistryReaders(t *testing.T) {
	t.Parallel()
	c, p := city(t, "small")
	r := demo.NewRegistry(c, p, demo.Options{Seed: demo.DefaultSeed})
	if got := r.Population(); got != p.Population {
		t.Fatalf("Population() = %+v, want the preset's %+v", got, p.Population)
	}
	for _, tc := range []struct {
		name   string
		reader func() tabular.Reader
		header []string
		kind   registry.Kind
		want   int
	}{
		{"houses", r.Houses, houseHeader, registry.Houses, p.Population.Houses},
		{"persons", r.Persons, personHeader, registry.Persons, p.Population.Persons},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd := tc.reader()
			if got := rd.Header(); !slices.Equal(got, tc.header) {
				t.Fatalf("header %v, want %v", got, tc.header)
			}
			if n := len(registry.Template(tc.kind)[0]); n != len(tc.header) {
				t.Fatalf("the template has %d columns, the reader %d", n, len(tc.header))
			}
			n := 0
			for {
				row, err := rd.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
				// As a CSV file: the header is row 1.
				if row.Number != n+1 {
					t.Fatalf("row %d is numbered %d", n+1, row.Number)
				}
				if len(row.Cells) == 0 || len(row.Cells) > len(tc.header) || row.Cells[len(row.Cells)-1] == "" {
					t.Fatalf("row %d: %d cells %q: want at most %d and no trailing empty one", row.Number, len(row.Cells), row.Cells, len(tc.header))
				}
			}
			if n != tc.want {
				t.Fatalf("%d rows, want %d", n, tc.want)
			}
			if _, err := rd.Next(); err != io.EOF {
				t.Fatalf("Next after the end: %v, want io.EOF", err)
			}
			if err := rd.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := rd.Next(); err == nil || err == io.EOF {
				t.Fatalf("Next after Close: %v, want an error", err)
			}
		})
	}
}

func TestRegistryEmpty(t *testing.T) {
	t.Parallel()
	c, p := city(t, "small")
	for _, pop := range []demo.Population{{}, {Houses: 0, Persons: 100}} {
		p.Population = pop
		r := demo.NewRegistry(c, p, demo.Options{Seed: 1})
		if got := r.Population(); got != (demo.Population{}) {
			t.Errorf("%+v: Population() = %+v, want none", pop, got)
		}
		for _, rd := range []tabular.Reader{r.Houses(), r.Persons()} {
			if _, err := rd.Next(); err != io.EOF {
				t.Errorf("%+v: Next = %v, want io.EOF", pop, err)
			}
		}
	}
	// Houses without persons: all empty.
	p.Population = demo.Population{Houses: 300}
	r := demo.NewRegistry(c, p, demo.Options{Seed: 1})
	houses := readAll(t, r.Houses())
	if len(houses) != 300 || len(readAll(t, r.Persons())) != 0 {
		t.Fatalf("%d houses and some persons, want 300 and none", len(houses))
	}
	for _, h := range houses {
		if u := cell(h, houseHeader, "usage"); u == "self_occupied" || u == "rented" {
			t.Fatalf("house %s is %s with nobody living there", h.Cells[0], u)
		}
	}
}

var houseCodePattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]{2,63}$`)

// gridOfHouse reads the grid a house was drawn for from its code.
func gridOfHouse(code string) string {
	g, _, _ := strings.Cut(strings.TrimPrefix(code, "H"), "-")
	return g
}

func TestRegistryHouses(t *testing.T) {
	t.Parallel()
	c, _ := city(t, "small")
	houses, _ := smallRegistry(t)
	// Every point lies inside the grid it was drawn for and in no other,
	// by the importer's own index and by orb's containment.
	var polys []spatial.Polygon
	grids := map[string]int{}
	var names []string
	for _, r := range c.Regions {
		if r.Level == region.Grid {
			grids[r.Code] = len(polys)
			polys = append(polys, spatial.Polygon{ID: uint32(len(polys)), Geom: r.Boundary})
			names = append(names, r.Code)
		}
	}
	ix := spatial.NewIndex(polys)
	codes := map[string]bool{}
	usage := map[string]int{}
	structures := map[string]int{}
	perGrid := map[string]int{}
	var area, area2 float64
	var dst []uint32
	for _, h := range houses {
		get := func(name string) string { return cell(h, houseHeader, name) }
		code := get("house_code")
		if !houseCodePattern.MatchString(code) || codes[code] {
			t.Fatalf("row %d: house code %q is malformed or repeated", h.Number, code)
		}
		codes[code] = true
		g, ok := grids[gridOfHouse(code)]
		if !ok {
			t.Fatalf("row %d: house code %s names no grid", h.Number, code)
		}
		perGrid[names[g]]++
		if get("grid_code") != "" || get("crs") != "wgs84" {
			t.Fatalf("row %d: grid code %q, crs %q: want none and wgs84", h.Number, get("grid_code"), get("crs"))
		}
		for _, f := range []string{"lng", "lat"} {
			if v := get(f); !regexp.MustCompile(`^\d+\.\d{6}$`).MatchString(v) {
				t.Fatalf("row %d: %s %q, want 6 decimals", h.Number, f, v)
			}
		}
		lng, _ := strconv.ParseFloat(get("lng"), 64)
		lat, _ := strconv.ParseFloat(get("lat"), 64)
		pt := orb.Point{lng, lat}
		if dst = ix.LocateAll(pt, dst[:0]); !slices.Equal(dst, []uint32{uint32(g)}) {
			t.Fatalf("row %d: house %s at %v is in grids %v, want only %s", h.Number, code, pt, dst, names[g])
		}
		if !planar.MultiPolygonContains(polys[g].Geom, pt) {
			t.Fatalf("row %d: house %s at %v is outside its grid by orb/planar", h.Number, code, pt)
		}
		usage[get("usage")]++
		structures[get("structure")]++
		a, err := strconv.ParseFloat(get("floor_area_m2"), 64)
		if err != nil || a < 20 || a > 300 {
			t.Fatalf("row %d: floor area %q", h.Number, get("floor_area_m2"))
		}
		area += a
		area2 += a * a
		addr := get("address")
		if utf8Len(addr) > 200 || !strings.Contains(addr, get("estate")) || !strings.HasSuffix(addr, get("room")) {
			t.Fatalf("row %d: address %q does not end with estate %q … room %q", h.Number, addr, get("estate"), get("room"))
		}
		for _, f := range []string{"estate", "building", "unit", "room", "structure"} {
			if utf8Len(get(f)) > 50 {
				t.Fatalf("row %d: %s %q is too long", h.Number, f, get(f))
			}
		}
	}
	n := float64(len(houses))
	for _, tc := range []struct {
		usage  string
		lo, hi float64
	}{{"self_occupied", 0.74, 0.82}, {"rented", 0.07, 0.13}, {"vacant", 0.04, 0.10}, {"commercial", 0.025, 0.06}, {"other", 0.002, 0.025}} {
		if s := float64(usage[tc.usage]) / n; s < tc.lo || s > tc.hi {
			t.Errorf("usage %s: share %.3f, want %.3f–%.3f", tc.usage, s, tc.lo, tc.hi)
		}
	}
	if len(usage) != 5 {
		t.Errorf("usages %v", usage)
	}
	for s := range structures {
		if !slices.Contains([]string{"砖混", "框架", "钢混", "砖木"}, s) {
			t.Errorf("structure %q", s)
		}
	}
	mean := area / n
	sd := math.Sqrt(area2/n - mean*mean)
	if math.Abs(mean-85) > 4 || sd < 18 || sd > 30 {
		t.Errorf("floor area mean %.1f, sd %.1f, want about 85 and 25", mean, sd)
	}
	// Urban grids are built more densely than villages.
	var urban, rural, nu, nr float64
	for code, k := range perGrid {
		switch {
		case code[9:12] < "200" && code[6:9] < "100":
			urban, nu = urban+float64(k), nu+1
		case code[9:12] >= "200":
			rural, nr = rural+float64(k), nr+1
		}
	}
	if nu == 0 || nr == 0 || urban/nu < 1.8*rural/nr {
		t.Errorf("%.1f houses per street community grid, %.1f per village grid: want clearly denser towns", urban/nu, rural/nr)
	}
	t.Logf("usage %v; structures %v; floor area %.1f±%.1f m²; %.0f houses per urban grid, %.0f per village grid",
		usage, structures, mean, sd, urban/nu, rural/nr)
}

func utf8Len(s string) int { return len([]rune(s)) }

// household is the persons of one household number, by relation.
type household struct {
	house   string
	members []personInfo
}

type personInfo struct {
	row  tabular.Row
	info idcard.Info
	age  int
	rel  string
	tags []string
}

func TestRegistryPersons(t *testing.T) {
	t.Parallel()
	_, p := city(t, "small")
	houses, persons := smallRegistry(t)
	usage := map[string]string{}
	for _, h := range houses {
		usage[h.Cells[0]] = cell(h, houseHeader, "usage")
	}
	known := registry.Tags()
	ids, phones := map[string]bool{}, map[string]bool{}
	households := map[string]*household{}
	var order []string
	residence := map[string]int{}
	tagCount := map[string]int{}
	prefixes := map[string]int{}
	var old, kids, adults, withPhone, wang int
	for _, r := range persons {
		get := func(name string) string { return cell(r, personHeader, name) }
		id := get("id_number")
		info, err := idcard.Parse(id, time.Now())
		if err != nil || info.Number != id {
			t.Fatalf("row %d: ID number %s: %v", r.Number, id, err)
		}
		if ids[id] {
			t.Fatalf("row %d: ID number %s repeats", r.Number, id)
		}
		ids[id] = true
		prefixes[id[:4]]++
		age := info.Age(census)
		switch {
		case age >= 60:
			old++
		case age < 18:
			kids++
		}
		if age >= 18 {
			adults++
		}
		if ph := get("phone"); ph != "" {
			norm, err := pii.NormalizePhone(ph)
			if err != nil || norm != ph || !regexp.MustCompile(`^1[3-9]\d{9}$`).MatchString(ph) {
				t.Fatalf("row %d: phone %q: %v", r.Number, ph, err)
			}
			if phones[ph] {
				t.Fatalf("row %d: phone %s repeats", r.Number, ph)
			}
			if age < 18 {
				t.Fatalf("row %d: a phone for a child of %d", r.Number, age)
			}
			phones[ph] = true
			withPhone++
		}
		name := get("name")
		if n := utf8Len(name); n < 2 || n > 3 {
			t.Fatalf("row %d: name %q", r.Number, name)
		}
		if strings.HasPrefix(name, "王") {
			wang++
		}
		house := get("house_code")
		u, ok := usage[house]
		if !ok {
			t.Fatalf("row %d: house %s does not exist", r.Number, house)
		}
		wantLink := map[string]string{"self_occupied": "lives", "rented": "rents"}[u]
		if wantLink == "" || get("house_relation") != wantLink {
			t.Fatalf("row %d: %s in a %s house", r.Number, get("house_relation"), u)
		}
		if get("grid_code") != "" {
			t.Fatalf("row %d: grid code %q, want none (the house gives it)", r.Number, get("grid_code"))
		}
		rt := get("residence_type")
		residence[rt]++
		if (rt == "foreign") != (info.Kind == idcard.HKMacauTaiwan) {
			t.Fatalf("row %d: %s with a %s number", r.Number, rt, info.Kind)
		}
		var tags []string
		if s := get("tags"); s != "" {
			tags = strings.Split(s, ",")
		}
		for _, tg := range tags {
			if !slices.Contains(known, tg) {
				t.Fatalf("row %d: unknown tag %q", r.Number, tg)
			}
			tagCount[tg]++
		}
		hn := get("household_no")
		hh := households[hn]
		if hh == nil {
			hh = &household{house: house}
			households[hn] = hh
			order = append(order, hn)
		}
		if hh.house != house {
			t.Fatalf("row %d: household %s in two houses", r.Number, hn)
		}
		hh.members = append(hh.members, personInfo{row: r, info: info, age: age, rel: get("relation"), tags: tags})
	}
	n := float64(len(persons))
	if len(persons) != p.Population.Persons {
		t.Fatalf("%d persons, want %d", len(persons), p.Population.Persons)
	}

	// Households: one a house, one head each, ages fitting the relations.
	occupied := 0
	for _, u := range usage {
		if u == "self_occupied" || u == "rented" {
			occupied++
		}
	}
	if len(households) != occupied {
		t.Errorf("%d households in %d occupied houses, want one in each", len(households), occupied)
	}
	sizes := map[int]int{}
	for _, hn := range order {
		hh := households[hn]
		sizes[len(hh.members)]++
		if hh.members[0].rel != "head" {
			t.Fatalf("household %s starts with a %s", hn, hh.members[0].rel)
		}
		head := hh.members[0]
		hasChild := false
		for _, m := range hh.members[1:] {
			d := m.info.BirthDate.Sub(head.info.BirthDate).Hours() / 24 / 365.25 // years younger than the head
			ok := true
			switch m.rel {
			case "head":
				ok = false
			case "spouse":
				ok = m.age >= 20 && m.info.Sex != head.info.Sex && math.Abs(d) < 15
			case "child":
				ok, hasChild = d >= 18, true
			case "parent":
				ok = d <= -18
			case "grandchild":
				ok, hasChild = d >= 36, true
			case "in_law":
				ok = m.age >= 20
			default:
				ok = false
			}
			if !ok {
				t.Fatalf("household %s: a %s aged %d with a head aged %d", hn, m.rel, m.age, head.age)
			}
		}
		for _, m := range hh.members {
			has := func(tag string) bool { return slices.Contains(m.tags, tag) }
			if has("elderly_alone") != (len(hh.members) == 1 && m.age >= 60) {
				t.Fatalf("household %s: elderly_alone for someone of %d in a household of %d", hn, m.age, len(hh.members))
			}
			if has("empty_nest") && (m.age < 60 || hasChild || len(hh.members) != 2) {
				t.Fatalf("household %s: empty_nest for someone of %d in a household of %d", hn, m.age, len(hh.members))
			}
			if has("left_behind_child") && (m.rel != "grandchild" || m.age >= 16) {
				t.Fatalf("household %s: left_behind_child for a %s of %d", hn, m.rel, m.age)
			}
		}
	}
	mean := n / float64(len(households))
	small := float64(sizes[1]+sizes[2]) / float64(len(households))
	if small < 0.6 || mean < 1.7 || mean > 2.1 {
		t.Errorf("households: mean %.2f, %.0f%% of 1–2 persons; want a mean near 1.9, mostly small", mean, 100*small)
	}

	for _, tc := range []struct {
		what   string
		got    float64
		lo, hi float64
	}{
		{"aged 60+", float64(old) / n, 0.15, 0.21},
		{"surname 王 (7.1% of China)", float64(wang) / n, 0.055, 0.105},
		{"children under 18", float64(kids) / n, 0.10, 0.22},
		{"adults with a phone", float64(withPhone) / float64(adults), 0.80, 0.90},
		{"registered", float64(residence["registered"]) / n, 0.75, 0.85},
		{"resident", float64(residence["resident"]) / n, 0.06, 0.14},
		{"floating", float64(residence["floating"]) / n, 0.06, 0.13},
		{"foreign", float64(residence["foreign"]) / n, 0, 0.01},
		{"disabled", float64(tagCount["disabled"]) / n, 0.01, 0.035},
		{"low_income", float64(tagCount["low_income"]) / n, 0.01, 0.06},
		{"elderly_alone", float64(tagCount["elderly_alone"]) / n, 0.03, 0.12},
		{"empty_nest", float64(tagCount["empty_nest"]) / n, 0.03, 0.15},
		{"left_behind_child", float64(tagCount["left_behind_child"]) / n, 0.001, 0.03},
		{"Daqing's own address codes", float64(prefixes["2306"]) / n, 0.6, 0.85},
	} {
		if tc.got < tc.lo || tc.got > tc.hi {
			t.Errorf("%s: share %.3f, want %.3f–%.3f", tc.what, tc.got, tc.lo, tc.hi)
		}
	}
	t.Logf("%d persons in %d households %v (mean %.2f); 60+ %.1f%%, under 18 %.1f%%; residence %v; tags %v",
		len(persons), len(households), sizes, mean, 100*float64(old)/n, 100*float64(kids)/n, residence, tagCount)
}

// TestRegistryHomeCodes: registered residents carry the real code of their
// county when the city has real counties, and the modelled city's codes when
// it is synthetic.
func TestRegistryHomeCodes(t *testing.T) {
	t.Parallel()
	square := orb.MultiPolygon{{{{125.00, 46.50}, {125.02, 46.50}, {125.02, 46.52}, {125.00, 46.52}, {125.00, 46.50}}}}
	real := demo.City{Regions: []region.Region{
		{Code: "230600", Name: "大庆市", Level: region.City, Boundary: square},
		{Code: "230602", Name: "萨尔图区", Level: region.County, ParentCode: "230600", Boundary: square},
		{Code: "230602001", Name: "友谊街道", Level: region.Township, ParentCode: "230602", Boundary: square},
		{Code: "230602001001", Name: "友谊社区", Level: region.Village, ParentCode: "230602001", Boundary: square},
		{Code: "230602001001001", Name: "友谊社区第1网格", Level: region.Grid, ParentCode: "230602001001", Kind: region.Comprehensive, Boundary: square},
	}}
	small, _ := city(t, "small")
	for _, tc := range []struct {
		name   string
		city   demo.City
		preset string
		want   []string // the address codes of registered persons born here
	}{
		{"real counties", real, "small", []string{"230602"}},
		{"daqing", small, "daqing", []string{"230602", "230603", "230621", "230622"}},
		{"zhangjiakou", small, "zhangjiakou", []string{"130702", "130703", "130722", "130723"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := demo.LookupPreset(tc.preset)
			p.Population = demo.Population{Houses: 300, Persons: 500}
			r := demo.NewRegistry(tc.city, p, demo.Options{Seed: 3})
			houses := readAll(t, r.Houses())
			if len(houses) != 300 {
				t.Fatalf("%d houses", len(houses))
			}
			if tc.name == "real counties" && !strings.HasPrefix(houses[0].Cells[1], "萨尔图区友谊街道") {
				t.Errorf("address %q does not start with the county and township", houses[0].Cells[1])
			}
			codes := map[string]int{}
			for _, row := range readAll(t, r.Persons()) {
				if cell(row, personHeader, "residence_type") == "registered" {
					codes[row.Cells[1][:6]]++
				}
			}
			home := 0
			for _, c := range tc.want {
				home += codes[c]
			}
			total := 0
			for c, k := range codes {
				total += k
				if !slices.Contains(tc.want, c) && c[:4] == tc.want[0][:4] {
					t.Errorf("address code %s is not one of %v", c, tc.want)
				}
			}
			if float64(home) < 0.85*float64(total) {
				t.Errorf("registered persons' address codes %v: want mostly %v", codes, tc.want)
			}
		})
	}
}

func TestRegistryWriteCSV(t *testing.T) {
	t.Parallel()
	c, p := city(t, "small")
	r := demo.NewRegistry(c, p, demo.Options{Seed: demo.DefaultSeed})
	dir := filepath.Join(t.TempDir(), "export")
	if err := r.WriteCSV(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	houses, persons := smallRegistry(t)
	// The Chinese names the import accepts (registry.chineseValues).
	zh := map[string]string{
		"self_occupied": "自住", "rented": "出租", "vacant": "空置", "commercial": "商用", "other": "其他",
		"registered": "户籍", "resident": "常住", "floating": "流动", "foreign": "境外",
		"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙辈", "in_law": "姻亲",
		"lives": "居住", "rents": "租住",
		"elderly_alone": "独居老人", "empty_nest": "空巢老人", "widowed_childless": "孤寡老人", "disabled": "残疾人",
		"low_income": "低保户", "left_behind_child": "留守儿童", "key_mental_disorder": "严重精神障碍患者",
		"key_drug_rehab": "社区戒毒人员", "key_community_correction": "社区矫正对象", "key_released_prisoner": "刑满释放人员",
		"key_petitioner": "重点信访人员",
	}
	for _, tc := range []struct {
		file  string
		kind  registry.Kind
		rows  []tabular.Row
		coded []int
	}{
		{"houses.csv", registry.Houses, houses, []int{5}},
		{"persons.csv", registry.Persons, persons, []int{4, 5, 9}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			rd, err := tabular.Open(f, st.Size(), tc.file, tabular.Options{Encoding: tabular.UTF8})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := rd.Header(), registry.Template(tc.kind)[0]; !slices.Equal(got, want) {
				t.Fatalf("header %v, want the template's %v", got, want)
			}
			got := readAll(t, rd)
			if len(got) != len(tc.rows) {
				t.Fatalf("%d rows, want %d", len(got), len(tc.rows))
			}
			for i, row := range got {
				want := slices.Clone(tc.rows[i].Cells)
				for _, c := range tc.coded {
					want[c] = zh[want[c]]
				}
				if tc.kind == registry.Persons && want[6] != "" {
					tags := strings.Split(want[6], ",")
					for k, tg := range tags {
						tags[k] = zh[tg]
					}
					want[6] = strings.Join(tags, "、")
				}
				if row.Number != tc.rows[i].Number || !slices.Equal(row.Cells, want) {
					t.Fatalf("row %d: %q, want %q", tc.rows[i].Number, row.Cells, want)
				}
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files in the directory, want houses.csv and persons.csv only", len(entries))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.WriteCSV(ctx, t.TempDir()); !errors.Is(err, context.Canceled) {
		t.Errorf("WriteCSV with a cancelled context: %v", err)
	}
}

// gridLocator places points in the city's grids, as the grid map does.
type gridLocator struct {
	ix           *spatial.Index
	codes, paths []string
}

func newGridLocator(c demo.City) gridLocator {
	var l gridLocator
	var polys []spatial.Polygon
	for _, r := range c.Regions {
		if r.Level == region.Grid {
			polys = append(polys, spatial.Polygon{ID: uint32(len(polys)), Geom: r.Boundary})
			l.codes, l.paths = append(l.codes, r.Code), append(l.paths, r.Path)
		}
	}
	l.ix = spatial.NewIndex(polys)
	return l
}

func (l gridLocator) GridAt(p orb.Point) (string, string, bool) {
	id, ok := l.ix.Locate(p)
	if !ok {
		return "", "", false
	}
	return l.codes[id], l.paths[id], true
}

// TestRegistryImports runs the small registry through the real import
// (validation, sealing, placing houses by their point): the houses from the
// reader and the persons from the exported CSV file are all stored, and
// importing the other form of each again changes nothing, so the readers
// and the files carry the same registry.
func TestRegistryImports(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 5,300 rows into SQLite; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	c, p := city(t, "small")
	d := dbtest.Open(t, db.SQLite)
	store := region.NewStore(d, time.Now)
	for _, r := range c.Regions {
		r.Boundary = nil // the locator below holds the geometry
		if _, err := store.Create(ctx, audit.System("test"), region.All(), r); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	svc := registry.NewService(d, keys, newGridLocator(c), time.Now)
	admin := auth.Principal{User: auth.User{ID: 1, Username: "admin", Role: auth.RoleAdmin}}
	r := demo.NewRegistry(c, p, demo.Options{Seed: demo.DefaultSeed})
	dir := t.TempDir()
	if err := r.WriteCSV(ctx, dir); err != nil {
		t.Fatal(err)
	}
	file := func(name string) tabular.Reader {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		st, _ := f.Stat()
		rd, err := tabular.Open(f, st.Size(), name, tabular.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return rd
	}
	for _, step := range []struct {
		what    string
		kind    registry.Kind
		rows    tabular.Reader
		created bool
	}{
		{"houses from the reader", registry.Houses, r.Houses(), true},
		{"persons from persons.csv", registry.Persons, file("persons.csv"), true},
		{"houses from houses.csv", registry.Houses, file("houses.csv"), false},
		{"persons from the reader", registry.Persons, r.Persons(), false},
	} {
		rep, err := svc.Import(ctx, admin, step.kind, step.rows, registry.ImportOptions{})
		if err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		want := p.Population.Houses
		if step.kind == registry.Persons {
			want = p.Population.Persons
		}
		done := rep.Unchanged
		if step.created {
			done = rep.Created
		}
		if !rep.Stored || rep.Rows != want || done != want {
			t.Fatalf("%s: %d rows, %d created, %d updated, %d unchanged, rejected %v; want all %d %s",
				step.what, rep.Rows, rep.Created, rep.Updated, rep.Unchanged, rep.Rejected[:min(len(rep.Rejected), 5)], want,
				map[bool]string{true: "created", false: "unchanged"}[step.created])
		}
	}
}

// BenchmarkRegistry streams every row of a preset's registry, houses then
// persons, and reports rows per second; the city is generated once, outside
// the timing. The target is at least a million rows a second on one core,
// so that generation never holds up an import.
func BenchmarkRegistry(b *testing.B) {
	for _, name := range []string{"small", "daqing"} {
		b.Run(name, func(b *testing.B) {
			c, p := city(b, name)
			b.ReportAllocs()
			rows := 0
			for b.Loop() {
				r := demo.NewRegistry(c, p, demo.Options{Seed: demo.DefaultSeed})
				houses, persons := 0, 0
				for _, x := range []struct {
					rd tabular.Reader
					n  *int
				}{{r.Houses(), &houses}, {r.Persons(), &persons}} {
					for {
						if _, err := x.rd.Next(); err == io.EOF {
							break
						} else if err != nil {
							b.Fatal(err)
						}
						*x.n++
					}
				}
				if houses != p.Population.Houses || persons != p.Population.Persons {
					b.Fatalf("%d houses and %d persons, want %+v", houses, persons, p.Population)
				}
				rows += houses + persons
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
