package demo

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/idcard"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/tabular"
)

// Population sizes a city's registry (人房): the houses and the persons
// living in them. Zero means no registry.
type Population struct{ Houses, Persons int }

// Registry is the synthetic person and house registry of a generated city.
// It holds only per-grid counts and names; its readers draw the rows grid by
// grid as they are read, so memory stays flat for millions of rows.
//
// Each grid draws from random streams of its own, keyed by the seed and the
// grid's code: the Houses and Persons readers regenerate a grid
// independently and identically, which is how persons' house codes match the
// houses. A Registry is immutable and its readers may run concurrently.
//
// The rows are what a clerk would import: houses carry a point strictly
// inside their grid and no grid code, so the importer places them through
// the grid map; persons carry a house code and no grid code, so the house
// gives the grid.
type Registry struct {
	seed  uint64
	ref   int32 // the reference day (days since 1970-01-01) on which ages are counted
	pop   Population
	grids []gridSpec
	// codes are the ID address codes persons are given; a code's index
	// selects its ID sequence counters.
	codes          []string
	moved, migrant []int32 // indices in codes: same-province and other-province origins
	permits        []int32 // indices in codes: Hong Kong, Macau, Taiwan
	surnameTotal   int     // the sum of the surnames' frequencies
}

// gridClass says what kind of place a grid is, which sets how densely it is
// built and how its houses are laid out.
type gridClass uint8

const (
	urbanGrid gridClass = iota // residents' committee (社区) under a street (街道)
	townGrid                   // residents' committee under a town or township
	ruralGrid                  // villagers' committee (村)
	unitGrid                   // exclusive grid of a school, hospital, enterprise…
)

// gridSpec is what NewRegistry fixes about a grid; everything else is drawn
// from the grid's own streams when it is read.
type gridSpec struct {
	code   string
	key    uint64 // hash of the code: selects the grid's streams
	shape  orb.MultiPolygon
	bound  orb.Bound
	class  gridClass
	place  string // county and township names: the start of every address
	local  string // village (社区/村) name, or the unit of an exclusive grid
	home   int32  // index in Registry.codes of the county's own address code
	houses int
	people int
	// Estate names come from a permutation of the name stems keyed by the
	// village; each of a village's grids takes its own slice of it, so
	// neighbouring grids never share an estate name.
	villageKey  uint64
	slot, slots int
}

// refDay is the day ages are counted on, in days since 1970-01-01:
// 2025-11-01, the reference day of China's 2025 1% population sample
// survey. Every birth date is on or before it, so every ID number is valid
// for any import after it.
const refDay = 20393

// Random streams of the registry, apart from the city's (see synthetic.go).
const (
	streamRegistry = 0x7265_6769_7374_7279 // "registry"
	streamPlan     = 0x706c_616e           // xor'ed with a grid's key
	streamLayout   = 0x6c61_796f_7574
	streamPeople   = 0x7065_6f70_6c65
)

// houseColumns and personColumns are the registry import's column names,
// in the order of its templates.
var (
	houseColumns  = []string{"house_code", "address", "lng", "lat", "crs", "usage", "estate", "building", "unit", "room", "grid_code", "structure", "floor_area_m2"}
	personColumns = []string{"name", "id_number", "phone", "house_code", "house_relation", "residence_type", "tags", "grid_code", "household_no", "relation"}
)

// homeCodes are the real county codes registered residents' IDs carry: a
// synthetic city has code 99…, which no ID may, so its districts and
// counties borrow those of the real city the preset is modelled on, in order.
var homeCodes = map[string]struct{ districts, counties []string }{
	"daqing": {
		districts: []string{"230602", "230603", "230604", "230605", "230606"}, // 萨尔图 龙凤 让胡路 红岗 大同
		counties:  []string{"230621", "230622", "230623", "230624"},           // 肇州 肇源 林甸 杜尔伯特
	},
	"zhangjiakou": {
		districts: []string{"130702", "130703", "130705", "130706", "130708", "130709"}, // 桥东 桥西 宣化 下花园 万全 崇礼
		counties: []string{"130722", "130723", "130724", "130725", "130726", "130727", // 张北 康保 沽源 尚义 蔚县 阳原
			"130728", "130730", "130731", "130732"}, // 怀安 怀来 涿鹿 赤城
	},
}

// originCodes are where people who moved in come from: a few real districts
// of the two seed provinces and of the provinces most migrants to them come
// from. Codes of the home province serve as same-province origins.
var originCodes = []string{
	"230102", "230202", "230302", "231202", // 哈尔滨道里 齐齐哈尔龙沙 鸡西鸡冠 绥化北林
	"130102", "130202", "130602", "131102", // 石家庄长安 唐山路南 保定竞秀 衡水桃城
	"220102", "210102", "150102", "370102", // 长春南关 沈阳和平 呼和浩特新城 济南历下
	"410102", "110105", "140213", "510104", // 郑州中原 北京朝阳 大同平城 成都锦江
}

// permitCodes are the address codes of residence permits for residents of
// Hong Kong, Macau and Taiwan, weighted by how many live on the mainland.
var permitCodes = []string{"810000", "810000", "820000", "830000", "830000"}

// NewRegistry sizes the registry of city c by p.Population. Houses are
// shared among grids by the kind of place (street communities are built
// densest, villages thinner, exclusive grids hold a few staff flats) with
// noise, persons in proportion to houses; the totals are met exactly. The
// result depends only on c, p and o.Seed.
func NewRegistry(c City, p Preset, o Options) *Registry {
	r := &Registry{seed: o.Seed, ref: refDay}
	byCode := map[string]*region.Region{}
	var grids []*region.Region
	villageGrids := map[string]int{}
	for i := range c.Regions {
		reg := &c.Regions[i]
		if reg.Level == region.Grid {
			grids = append(grids, reg)
			villageGrids[reg.ParentCode]++
		} else {
			byCode[reg.Code] = reg
		}
	}
	if p.Population.Houses <= 0 || len(grids) == 0 {
		return r
	}
	for _, s := range surnames {
		r.surnameTotal += s.per
	}

	codeIndex := map[string]int32{}
	index := func(code string) int32 {
		i, ok := codeIndex[code]
		if !ok {
			i = int32(len(r.codes))
			codeIndex[code] = i
			r.codes = append(r.codes, code)
		}
		return i
	}
	table, ok := homeCodes[p.Name]
	if !ok {
		table = homeCodes["daqing"]
	}
	homes := map[*region.Region]int32{}
	homeOf := func(county *region.Region) int32 {
		if h, ok := homes[county]; ok {
			return h
		}
		var code string
		switch {
		case county == nil:
			code = table.districts[0]
		case realCode(county.Code):
			code = county.Code
		default:
			// Synthetic codes number districts from 02 and counties from 21.
			serial, _ := strconv.Atoi(county.Code[len(county.Code)-2:])
			if serial >= 21 {
				code = table.counties[(serial-21)%len(table.counties)]
			} else {
				code = table.districts[max(serial-2, 0)%len(table.districts)]
			}
		}
		homes[county] = index(code)
		return homes[county]
	}

	rng := rand.New(rand.NewPCG(o.Seed, streamRegistry))
	r.grids = make([]gridSpec, len(grids))
	houseWeight := make([]float64, len(grids))
	slot := map[string]int{}
	for i, gr := range grids {
		village := byCode[gr.ParentCode]
		var town, county *region.Region
		if village != nil {
			town = byCode[village.ParentCode]
		}
		if town != nil {
			county = byCode[town.ParentCode]
		}
		g := &r.grids[i]
		g.code, g.key, g.shape, g.bound = gr.Code, hashString(gr.Code), gr.Boundary, gr.Boundary.Bound()
		g.class, g.local = classify(gr, village)
		if county != nil && town != nil {
			g.place = county.Name + town.Name
		}
		g.home = homeOf(county)
		g.villageKey = hashString(gr.ParentCode)
		g.slot, g.slots = slot[gr.ParentCode], villageGrids[gr.ParentCode]
		slot[gr.ParentCode]++
		houseWeight[i] = classWeight[g.class] * math.Exp(0.3*rng.NormFloat64())
	}
	home := r.codes[0][:2]
	for _, code := range originCodes {
		if code[:2] == home {
			r.moved = append(r.moved, index(code))
		} else {
			r.migrant = append(r.migrant, index(code))
		}
	}
	if len(r.moved) == 0 {
		r.moved = r.migrant
	}
	for _, code := range permitCodes {
		r.permits = append(r.permits, index(code))
	}

	houses := divide(p.Population.Houses, houseWeight)
	personWeight := make([]float64, len(grids))
	for i, h := range houses {
		// Villages keep larger households than towns.
		f := 1.0
		if r.grids[i].class == ruralGrid {
			f = 1.12
		}
		personWeight[i] = float64(h) * f * math.Exp(0.08*rng.NormFloat64())
	}
	// At most 20 persons a house, so that households stay within a
	// byte however the weights fall.
	people := divide(min(max(p.Population.Persons, 0), 20*p.Population.Houses), personWeight)
	for i := range r.grids {
		r.grids[i].houses, r.grids[i].people = houses[i], people[i]
		r.pop.Houses += houses[i]
		r.pop.Persons += people[i]
	}
	return r
}

// classWeight is the relative number of houses of a grid of each class.
var classWeight = [...]float64{urbanGrid: 1.6, townGrid: 1.0, ruralGrid: 0.6, unitGrid: 0.12}

// classify reads the kind of place from the statistical codes: township
// serials 001–099 are streets, village serials 001–199 residents'
// committees. It also returns the local name addresses use.
func classify(grid, village *region.Region) (gridClass, string) {
	if grid.Kind == region.Exclusive {
		return unitGrid, strings.TrimSuffix(grid.Name, "专属网格")
	}
	name := ""
	if village != nil {
		name = village.Name
	}
	code := grid.Code
	if len(code) < 12 || code[9:12] >= "200" {
		return ruralGrid, name
	}
	if code[6:9] < "100" {
		return urbanGrid, name
	}
	return townGrid, name
}

// realCode reports whether a county code can lead an ID number: the demo
// city's 99… cannot, a real county's can.
func realCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	first17 := code + "19800101001"
	_, err := idcard.Parse(first17+string(idcard.CheckDigit(first17)), time.Unix(refDay*86400, 0).UTC())
	return err == nil
}

// Population is the exact number of rows the readers give.
func (r *Registry) Population() Population { return r.pop }

// divide splits total in proportion to weights by largest remainder, ties
// to the earlier share. A zero weight gets nothing.
func divide(total int, weights []float64) []int {
	out := make([]int, len(weights))
	var sum float64
	for _, w := range weights {
		sum += w
	}
	if total <= 0 || !(sum > 0) {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, 0, len(weights))
	given := 0
	for i, w := range weights {
		ideal := float64(total) * w / sum
		out[i] = int(ideal)
		given += out[i]
		if w > 0 {
			rems = append(rems, rem{i, ideal - float64(out[i])})
		}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.r, a.r) })
	for k := 0; given < total; k = (k + 1) % len(rems) {
		out[rems[k].i]++
		given++
	}
	return out
}

// hashString is FNV-1a, finished by mix.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := range len(s) {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return mix(h)
}

// --- the plan: what both readers need to agree on -------------------------

// House usages, in the registry's codes.
const (
	selfOccupied uint8 = iota
	rented
	vacant
	commercial
	otherUse
)

var usageNames = [...]string{"self_occupied", "rented", "vacant", "commercial", "other"}

// maxHousehold is the largest household drawn, unless a grid has too few
// houses for its persons.
const maxHousehold = 8

// householdBase is the share of households by size, 1 to 8 persons,
// roughly as in China's 2020 census (mean 2.6); a grid tilts it to its own
// mean.
var householdBase = [maxHousehold]float64{25, 30, 21, 13, 6.5, 2.8, 1.2, 0.5}

// plan is a grid's houses' usage and the size of the household living in
// each: the part of a grid both readers draw, from the grid's plan stream.
type plan struct {
	usage []uint8
	size  []uint8
	occ   []int32
}

// draw fills the plan of grid g. Usages follow the city-wide mix; then the
// grid's persons are shared among its occupied houses (self-occupied and
// rented; vacant, commercial and other ones hold nobody), one household a
// house, with sizes from the census distribution tilted to the grid's mean.
// Where usage and persons do not fit (fewer persons than occupied houses,
// or more than they can hold) usages are changed, so that the grid's
// persons are met exactly.
func (pl *plan) draw(g *gridSpec, rng *rand.Rand) {
	n, people := g.houses, g.people
	pl.usage = slices.Grow(pl.usage[:0], n)[:n]
	pl.size = slices.Grow(pl.size[:0], n)[:n]
	pl.occ = pl.occ[:0]
	for i := range n {
		var u uint8
		switch x := rng.IntN(1000); {
		case x < 780:
			u = selfOccupied
		case x < 880:
			u = rented
		case x < 950:
			u = vacant
		case x < 990:
			u = commercial
		default:
			u = otherUse
		}
		pl.usage[i] = u
		pl.size[i] = 0
		if u <= rented {
			pl.occ = append(pl.occ, int32(i))
		}
	}
	for i := 0; i < n && len(pl.occ)*maxHousehold < people; i++ {
		if pl.usage[i] > rented {
			pl.usage[i] = selfOccupied
			pl.occ = append(pl.occ, int32(i))
		}
	}
	if k := len(pl.occ); people < k {
		// Leave some occupied houses empty: pick k-people of them at random.
		for i := range k - people {
			j := i + rng.IntN(k-i)
			pl.occ[i], pl.occ[j] = pl.occ[j], pl.occ[i]
			pl.usage[pl.occ[i]] = vacant
		}
		pl.occ = pl.occ[k-people:]
	}
	k := len(pl.occ)
	if k == 0 {
		return
	}
	limit := max(maxHousehold, (people+k-1)/k)
	cum := householdCDF(float64(people) / float64(k))
	total := 0
	for _, h := range pl.occ {
		x := rng.Float64()
		s := 1
		for s < maxHousehold && x >= cum[s-1] {
			s++
		}
		pl.size[h] = uint8(s)
		total += s
	}
	// Move the sum onto the grid's persons one person at a time; the tilt
	// makes the expected sum right, so only a few steps are needed.
	for total < people {
		if h := pl.occ[rng.IntN(k)]; int(pl.size[h]) < limit {
			pl.size[h]++
			total++
		}
	}
	for total > people {
		if h := pl.occ[rng.IntN(k)]; pl.size[h] > 1 {
			pl.size[h]--
			total--
		}
	}
}

// householdCDF returns the cumulative distribution of household sizes 1–8
// whose mean is m: householdBase tilted exponentially (p_k ∝ base_k·t^k),
// which keeps its shape while moving its mean.
func householdCDF(m float64) [maxHousehold]float64 {
	dist := func(lt float64) (p [maxHousehold]float64, mean float64) {
		t, tk, sum := math.Exp(lt), 1.0, 0.0
		for k := range maxHousehold {
			tk *= t
			p[k] = householdBase[k] * tk
			sum += p[k]
			mean += float64(k+1) * p[k]
		}
		return p, mean / sum
	}
	lo, hi := -12.0, 12.0
	for range 50 {
		mid := (lo + hi) / 2
		if _, mean := dist(mid); mean < m {
			lo = mid
		} else {
			hi = mid
		}
	}
	p, _ := dist((lo + hi) / 2)
	var cum [maxHousehold]float64
	sum := 0.0
	for _, v := range p {
		sum += v
	}
	acc := 0.0
	for k, v := range p {
		acc += v / sum
		cum[k] = acc
	}
	cum[maxHousehold-1] = 1
	return cum
}

// houseCode is the code of the i-th house (0-based) of grid g.
func houseCode(prefix string, g *gridSpec, i int) string {
	b := make([]byte, 0, len(prefix)+len(g.code)+6)
	b = append(b, prefix...)
	b = append(b, g.code...)
	b = append(b, '-')
	b = appendPadded(b, i+1, 4)
	return string(b)
}

func appendPadded(b []byte, v, width int) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], int64(v), 10)
	for range width - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// gridStream seeds src with grid g's stream of the given kind.
func (r *Registry) gridStream(src *rand.PCG, g *gridSpec, stream uint64) {
	src.Seed(r.seed, mix(g.key^stream))
}

// --- houses -----------------------------------------------------------------

// Houses streams the houses, grid by grid, with the registry's English
// column names in the header.
func (r *Registry) Houses() tabular.Reader {
	h := &housesReader{r: r, gi: -1, row: 1}
	h.rng = rand.New(&h.src)
	return h
}

type housesReader struct {
	r      *Registry
	src    rand.PCG
	rng    *rand.Rand
	pl     plan
	slots  []houseSlot
	points []sitePoint
	names  []string // estate names of the grid
	gi, hi int
	row    int
	closed bool
}

// houseSlot is where one house is: in an estate (building, unit, room) or,
// in a village, in a group (组) with a house number.
type houseSlot struct {
	estate    int16 // index in names; -1 for village houses
	building  int16 // building, or group of a village house
	unit      int16
	room      int32 // floor·100 + door, or the house number
	point     int32 // index in points
	structure uint8
	area10    int32 // floor area in tenths of m²
}

// sitePoint is a location with its cells already formatted: the houses of
// a building share one.
type sitePoint struct{ lng, lat string }

var structureNames = [...]string{"砖混", "框架", "钢混", "砖木"}

const (
	brickConcrete uint8 = iota // 砖混
	frame                      // 框架
	reinforced                 // 钢混
	brickWood                  // 砖木
)

func (h *housesReader) Header() []string { return slices.Clone(houseColumns) }

func (h *housesReader) Close() error {
	h.closed = true
	h.slots, h.points, h.names = nil, nil, nil
	return nil
}

func (h *housesReader) Next() (tabular.Row, error) {
	if h.closed {
		return tabular.Row{}, errReaderClosed
	}
	for h.gi < 0 || h.hi >= len(h.slots) {
		if h.gi+1 >= len(h.r.grids) {
			h.gi = len(h.r.grids)
			return tabular.Row{}, io.EOF
		}
		h.gi++
		h.load()
	}
	g := &h.r.grids[h.gi]
	i := h.hi
	h.hi++
	h.row++
	s := h.slots[i]
	pt := h.points[s.point]
	cells := make([]string, len(houseColumns))
	cells[0] = houseCode("H", g, i)
	cells[2], cells[3], cells[4] = pt.lng, pt.lat, "wgs84"
	cells[5] = usageNames[h.pl.usage[i]]
	cells[11] = structureNames[s.structure]
	cells[12] = strconv.FormatFloat(float64(s.area10)/10, 'f', 1, 64)
	addr := make([]byte, 0, len(g.place)+64)
	addr = append(addr, g.place...)
	if s.estate < 0 {
		// A village house: 红旗村3组27号.
		cells[6] = g.local
		cells[7] = strconv.Itoa(int(s.building)) + "组"
		cells[9] = strconv.Itoa(int(s.room)) + "号"
		addr = append(addr, g.local...)
		addr = append(addr, cells[7]...)
		addr = append(addr, cells[9]...)
	} else {
		// A flat: 幸福小区3栋2单元501.
		cells[6] = h.names[s.estate]
		cells[7] = strconv.Itoa(int(s.building))
		cells[8] = strconv.Itoa(int(s.unit))
		cells[9] = strconv.Itoa(int(s.room))
		addr = append(addr, cells[6]...)
		addr = append(addr, cells[7]...)
		addr = append(addr, "栋"...)
		addr = append(addr, cells[8]...)
		addr = append(addr, "单元"...)
		addr = append(addr, cells[9]...)
	}
	cells[1] = string(addr)
	return tabular.Row{Number: h.row, Cells: cells}, nil
}

// load draws grid gi: the plan, then the layout from the layout stream.
func (h *housesReader) load() {
	r, g := h.r, &h.r.grids[h.gi]
	h.hi = 0
	r.gridStream(&h.src, g, streamPlan)
	h.pl.draw(g, h.rng)
	r.gridStream(&h.src, g, streamLayout)
	h.slots, h.points, h.names = h.slots[:0], h.points[:0], h.names[:0]
	if g.class == ruralGrid {
		h.layVillage(g)
	} else {
		h.layEstates(g)
	}
}

// layVillage puts a village's houses in groups (组, the old production
// teams) of 20–70 houses around a hamlet centre, each house on its own plot.
func (h *housesReader) layVillage(g *gridSpec) {
	rng := h.rng
	left := g.houses
	for group := 1; left > 0; group++ {
		centre := samplePoint(g, rng)
		n := min(left, 20+rng.IntN(51))
		for k := 1; k <= n; k++ {
			p := h.point(nearPoint(g, rng, centre, 250))
			st := brickConcrete
			switch x := rng.IntN(100); {
			case x < 40:
				st = brickWood
			case x < 45:
				st = frame
			}
			h.slots = append(h.slots, houseSlot{estate: -1, building: int16(group), room: int32(k), point: p,
				structure: st, area10: floorArea(rng)})
		}
		left -= n
	}
}

// layEstates fills estates (小区) one after another: each a set of walk-up
// or high-rise buildings around a centre, every building at one point,
// flats numbered floor·100 + door, and every door position of a building
// one floor plan (one area) on all floors.
func (h *housesReader) layEstates(g *gridSpec) {
	rng := h.rng
	high := highRiseShare[g.class]
	left := g.houses
	var areas [4]int32
	for e := 0; left > 0; e++ {
		h.names = append(h.names, estateName(g, e, rng))
		centre := samplePoint(g, rng)
		var buildings, units, floors, doors int
		if rng.Float64() < high {
			buildings, units, floors, doors = 3+rng.IntN(10), 1+rng.IntN(2), 11+rng.IntN(23), 2+rng.IntN(3)
		} else {
			buildings, units, floors, doors = 3+rng.IntN(12), 2+rng.IntN(3), 5+rng.IntN(3), 2
			if g.class == unitGrid {
				buildings = 1 + rng.IntN(6)
			}
		}
		for b := 1; b <= buildings && left > 0; b++ {
			p := h.point(nearPoint(g, rng, centre, 120))
			st := brickConcrete
			switch {
			case floors > 7 && rng.IntN(4) == 0:
				st = frame
			case floors > 7:
				st = reinforced
			case rng.IntN(5) == 0:
				st = frame
			}
			for d := range doors {
				areas[d] = floorArea(rng)
			}
			for u := 1; u <= units && left > 0; u++ {
				for f := 1; f <= floors && left > 0; f++ {
					for d := 1; d <= doors && left > 0; d++ {
						h.slots = append(h.slots, houseSlot{estate: int16(e), building: int16(b), unit: int16(u),
							room: int32(f*100 + d), point: p, structure: st, area10: areas[d-1]})
						left--
					}
				}
			}
		}
	}
}

// point formats p and keeps it for the houses that share it.
func (h *housesReader) point(p orb.Point) int32 {
	h.points = append(h.points, sitePoint{
		lng: strconv.FormatFloat(p[0], 'f', 6, 64),
		lat: strconv.FormatFloat(p[1], 'f', 6, 64),
	})
	return int32(len(h.points) - 1)
}

// floorArea draws a floor area ~N(85, 25) m², clipped to 20–300, in tenths.
func floorArea(rng *rand.Rand) int32 {
	a := min(max(85+25*rng.NormFloat64(), 20), 300)
	return int32(math.Round(a * 10))
}

// highRiseShare is the share of high-rise estates by class of grid.
var highRiseShare = [...]float64{urbanGrid: 0.4, townGrid: 0.1, ruralGrid: 0, unitGrid: 0.05}

// estateSuffixes end estate names, most of them plain 小区.
var estateSuffixes = []string{"小区", "小区", "小区", "小区", "小区", "小区", "家园", "花园", "嘉园", "苑", "新村"}

// estateName names estate e of grid g. Exclusive grids house their staff
// in a 家属院 (or a dormitory) named after the unit.
func estateName(g *gridSpec, e int, rng *rand.Rand) string {
	if g.class == unitGrid {
		name := g.local + "家属院"
		if strings.HasSuffix(g.local, "公司") || strings.HasSuffix(g.local, "产业园") || strings.HasSuffix(g.local, "市场") {
			name = g.local + "职工宿舍"
		}
		if e > 0 {
			name += strconv.Itoa(e+1) + "区"
		}
		return name
	}
	const stems = 56 * 55
	width := max(stems/max(g.slots, 1), 1)
	pos := g.slot*width + e%width
	s := (pos*1237 + int(g.villageKey%stems)) % stems // 1237 is prime to 3,080: a permutation
	i, j := s/55, s%55
	if j >= i {
		j++
	}
	name := syllables[i] + syllables[j] + estateSuffixes[rng.IntN(len(estateSuffixes))]
	if e >= width {
		name += strconv.Itoa(e/width+1) + "期"
	}
	return name
}

// clearance keeps a house's point this far (in degrees, about a centimetre)
// from every edge of its grid, so that no rounding or point-in-polygon rule
// can place it in a neighbour.
const clearance = 1e-7

// samplePoint draws a point uniformly inside g, rounded to the 6 decimals
// it is written with. A grid too thin for sampling to hit falls back to an
// interior point found by a scan line.
func samplePoint(g *gridSpec, rng *rand.Rand) orb.Point {
	b := g.bound
	for range 200 {
		p := orb.Point{round6(b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0])), round6(b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]))}
		if clearInside(g.shape, p) {
			return p
		}
	}
	return interiorPoint(g.shape)
}

// nearPoint draws a point within metres of centre and inside g, or gives
// centre when a few tries miss (the centre is inside).
func nearPoint(g *gridSpec, rng *rand.Rand, centre orb.Point, metres float64) orb.Point {
	dy := metres / 111_320
	dx := dy / math.Cos(centre[1]*math.Pi/180)
	for range 8 {
		p := orb.Point{round6(centre[0] + (2*rng.Float64()-1)*dx), round6(centre[1] + (2*rng.Float64()-1)*dy)}
		if clearInside(g.shape, p) {
			return p
		}
	}
	return centre
}

// round6 rounds to 6 decimals. The result formats with 'f', 6 to exactly
// that decimal, and parsing it back gives the same float, so the point the
// importer reads is the point tested here.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// clearInside reports whether p is inside mp by the even-odd rule over all
// rings and farther than clearance from every edge.
func clearInside(mp orb.MultiPolygon, p orb.Point) bool {
	x, y := p[0], p[1]
	in := false
	for _, poly := range mp {
		for _, ring := range poly {
			n := len(ring)
			for i, j := 0, n-1; i < n; j, i = i, i+1 {
				a, b := ring[j], ring[i]
				if y >= min(a[1], b[1])-clearance && y <= max(a[1], b[1])+clearance &&
					x >= min(a[0], b[0])-clearance && x <= max(a[0], b[0])+clearance &&
					segmentDist2(x, y, a, b) <= clearance*clearance {
					return false
				}
				if (a[1] > y) != (b[1] > y) && x < a[0]+(b[0]-a[0])*(y-a[1])/(b[1]-a[1]) {
					in = !in
				}
			}
		}
	}
	return in
}

func segmentDist2(x, y float64, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = min(max(((x-a[0])*dx+(y-a[1])*dy)/l, 0), 1)
	}
	ex, ey := a[0]+t*dx-x, a[1]+t*dy-y
	return ex*ex + ey*ey
}

// interiorPoint finds a point inside mp without sampling: the centroid of
// its vertices when that is inside, else the middle of the widest inside
// stretch of a few horizontal lines.
func interiorPoint(mp orb.MultiPolygon) orb.Point {
	var cx, cy float64
	n := 0
	for _, poly := range mp {
		for _, ring := range poly {
			for _, v := range ring {
				cx, cy, n = cx+v[0], cy+v[1], n+1
			}
		}
	}
	if n > 0 {
		if p := (orb.Point{round6(cx / float64(n)), round6(cy / float64(n))}); clearInside(mp, p) {
			return p
		}
	}
	b := mp.Bound()
	var xs []float64
	for _, f := range []float64{0.5, 0.25, 0.75, 0.125, 0.375, 0.625, 0.875, 0.0625, 0.9375} {
		y := b.Min[1] + f*(b.Max[1]-b.Min[1])
		xs = xs[:0]
		for _, poly := range mp {
			for _, ring := range poly {
				for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
					a, c := ring[j], ring[i]
					if (a[1] > y) != (c[1] > y) {
						xs = append(xs, a[0]+(c[0]-a[0])*(y-a[1])/(c[1]-a[1]))
					}
				}
			}
		}
		slices.Sort(xs)
		best, bestW := orb.Point{}, 0.0
		for k := 0; k+1 < len(xs); k += 2 {
			if w := xs[k+1] - xs[k]; w > bestW {
				best, bestW = orb.Point{round6((xs[k] + xs[k+1]) / 2), round6(y)}, w
			}
		}
		if bestW > 0 && clearInside(mp, best) {
			return best
		}
	}
	return b.Center() // a degenerate outline: nothing better exists
}

// --- persons ----------------------------------------------------------------

// Persons streams the persons, grid by grid and household by household,
// with the registry's English column names in the header. Their house codes
// are those Houses gives.
func (r *Registry) Persons() tabular.Reader {
	p := &personsReader{r: r, gi: -1, row: 1}
	p.rng = rand.New(&p.src)
	return p
}

type personsReader struct {
	r      *Registry
	src    rand.PCG
	rng    *rand.Rand
	pl     plan
	gi, hi int
	hh     household
	mi     int
	// seq counts the ID numbers given per (address code, birth day, sex),
	// so that every number is unique; lazily allocated (a few MB).
	seq    []uint16
	phones uint64 // phone numbers given
	tags   [1 << len(tagNames)]string
	row    int
	closed bool
	buf    []byte
}

// household is the persons of one house, with what they share.
type household struct {
	members         []member
	code, number    string // house code and household number
	link, residence string
	rural           bool
	// leftBehind: grandparents raise the grandchildren while their
	// parents work away.
	leftBehind bool
}

// member is a person being drawn.
type member struct {
	name  string
	birth int32 // days since 1970-01-01
	male  bool
	rel   string
	tags  uint16
	code  int32 // index of the ID's address code in Registry.codes
	phone bool
}

// tagNames are the registry's special-group tags, in its order; a member's
// tags are a bit set over them.
var tagNames = [...]string{"elderly_alone", "empty_nest", "widowed_childless", "disabled", "low_income", "left_behind_child",
	"key_mental_disorder", "key_drug_rehab", "key_community_correction", "key_released_prisoner", "key_petitioner"}

const (
	tagElderlyAlone = 1 << iota
	tagEmptyNest
	tagWidowedChildless
	tagDisabled
	tagLowIncome
	tagLeftBehind
	tagKeyFirst // the five key-person tags follow
)

const (
	relHead       = "head"
	relSpouse     = "spouse"
	relChild      = "child"
	relParent     = "parent"
	relGrandchild = "grandchild"
	relInLaw      = "in_law"
)

func (p *personsReader) Header() []string { return slices.Clone(personColumns) }

func (p *personsReader) Close() error {
	p.closed = true
	p.seq = nil
	return nil
}

var errReaderClosed = errors.New("demo: Next after Close")

func (p *personsReader) Next() (tabular.Row, error) {
	if p.closed {
		return tabular.Row{}, errReaderClosed
	}
	for p.mi >= len(p.hh.members) {
		if !p.nextHousehold() {
			return tabular.Row{}, io.EOF
		}
	}
	m := &p.hh.members[p.mi]
	p.mi++
	p.row++
	cells := make([]string, len(personColumns))
	cells[0] = m.name
	cells[1] = p.idNumber(m)
	if m.phone {
		cells[2] = p.phone()
	}
	cells[3], cells[4], cells[5] = p.hh.code, p.hh.link, p.hh.residence
	cells[6] = p.tagCell(m.tags)
	cells[8], cells[9] = p.hh.number, m.rel
	return tabular.Row{Number: p.row, Cells: cells}, nil
}

// nextHousehold draws the household of the next occupied house, moving on
// to the next grid when one is done; false at the end.
func (p *personsReader) nextHousehold() bool {
	r := p.r
	for {
		if p.gi >= 0 {
			for p.hi < len(p.pl.size) {
				i := p.hi
				p.hi++
				if p.pl.size[i] > 0 {
					p.household(&r.grids[p.gi], i)
					return true
				}
			}
		}
		if p.gi+1 >= len(r.grids) {
			p.gi = len(r.grids)
			p.hh.members = p.hh.members[:0]
			return false
		}
		p.gi++
		g := &r.grids[p.gi]
		r.gridStream(&p.src, g, streamPlan)
		p.pl.draw(g, p.rng)
		// Persons draw from their own stream, which the houses never touch.
		r.gridStream(&p.src, g, streamPeople)
		p.hi = 0
		if p.seq == nil {
			p.seq = make([]uint16, len(r.codes)*seqDays*2)
		}
	}
}

// household draws the persons of house i of grid g.
func (p *personsReader) household(g *gridSpec, i int) {
	rng := p.rng
	hh := &p.hh
	p.mi = 0
	hh.members = hh.members[:0]
	hh.code = houseCode("H", g, i)
	hh.number = houseCode("HH", g, i)
	hh.rural, hh.leftBehind = g.class == ruralGrid, false
	hh.link = "lives"
	isRented := p.pl.usage[i] == rented
	if isRented {
		hh.link = "rents"
	}
	p.compose(int(p.pl.size[i]))

	// Residence: most rented flats house people registered elsewhere.
	var origin []int32
	hh.residence = "registered"
	x := rng.Float64()
	switch {
	case isRented && x < 0.004, !isRented && x < 0.0003:
		hh.residence, origin = "foreign", p.r.permits
	case isRented && x < 0.58, !isRented && x < 0.025:
		hh.residence, origin = "floating", p.r.migrant
		if rng.IntN(4) == 0 {
			origin = p.r.moved
		}
	case isRented && x < 0.88, !isRented && x < 0.105:
		hh.residence, origin = "resident", p.r.moved
		if rng.IntN(3) == 0 {
			origin = p.r.migrant
		}
	}
	var shared int32
	if origin != nil {
		shared = origin[rng.IntN(len(origin))]
	}
	lowIncomeRate := 0.022
	if hh.rural {
		lowIncomeRate = 0.045
	}
	lowIncome := rng.Float64() < lowIncomeRate
	couple := len(hh.members) == 2 && hh.members[1].rel == relSpouse
	for k := range hh.members {
		m := &hh.members[k]
		switch {
		case origin == nil && rng.IntN(100) < 8:
			// Registered here, but born elsewhere: the ID keeps its code.
			m.code = p.r.moved[rng.IntN(len(p.r.moved))]
		case origin == nil:
			m.code = g.home
		case m.rel == relSpouse && rng.IntN(4) == 0 && hh.residence != "foreign":
			m.code = origin[rng.IntN(len(origin))]
		default:
			m.code = shared
		}
		// Tags that follow from the household go by the age on the ID,
		// which is what a clerk checking them would see.
		age := p.age(m)
		switch {
		case len(hh.members) == 1 && age >= 60:
			m.tags |= tagElderlyAlone
			if rng.IntN(100) < 12 {
				m.tags |= tagWidowedChildless
			}
		case couple && age >= 60:
			m.tags |= tagEmptyNest
		case hh.leftBehind && m.rel == relGrandchild && age < 16:
			m.tags |= tagLeftBehind
		}
		if lowIncome {
			m.tags |= tagLowIncome
		}
		disabledRate := 0.012 // far more common in old age
		if age >= 60 {
			disabledRate = 0.055
		}
		if rng.Float64() < disabledRate {
			m.tags |= tagDisabled
		}
		if age >= 18 && age <= 70 && rng.IntN(10000) < 12 {
			m.tags |= tagKeyFirst << keyTag(rng)
		}
		switch {
		case age >= 65:
			m.phone = rng.IntN(100) < 55
		case age >= 18:
			m.phone = rng.IntN(100) < 91
		}
	}
}

// keyTag picks one of the five key-person tags, by how common each is.
func keyTag(rng *rand.Rand) int {
	switch x := rng.IntN(100); {
	case x < 35:
		return 0 // severe mental disorder
	case x < 50:
		return 1 // drug rehabilitation
	case x < 65:
		return 2 // community correction
	case x < 90:
		return 3 // released prisoner
	default:
		return 4 // petitioner
	}
}

// age is a member's age in whole years on the reference day, by the
// calendar (as idcard.Info.Age counts it).
func (p *personsReader) age(m *member) int {
	ry, rm, rd := civil(p.r.ref)
	y, mo, d := civil(m.birth)
	age := ry - y
	if rm < mo || (rm == mo && rd < d) {
		age--
	}
	return age
}

// compose draws the members of a household of the given size: who lives
// with whom (couples, their children, an elderly parent, grandparents
// raising grandchildren) and their ages, consistent with their relations.
// The shares of the kinds of household are set so that about 18% of all
// persons are 60 or older, as in Daqing.
func (p *personsReader) compose(size int) {
	rng := p.rng
	rural := p.hh.rural
	u := rng.Float64()
	switch size {
	case 1:
		if u < 0.22 {
			// Widows outlive their husbands.
			p.add(relHead, 60+32*math.Pow(rng.Float64(), 1.4), rng.IntN(100) < 38, "")
			return
		}
		p.add(relHead, 19+41*math.Pow(rng.Float64(), 1.2), rng.IntN(100) < 52, "")
	case 2:
		switch {
		case u < 0.74:
			head := 22 + 38*rng.Float64()
			if rng.IntN(100) < 29 {
				head = 60 + 28*math.Pow(rng.Float64(), 1.3)
			}
			p.couple(head, 0)
		case u < 0.87:
			p.singleParent(1)
		default:
			head := p.add(relHead, 28+27*rng.Float64(), rng.IntN(100) < 55, "")
			p.parents(head, 1)
		}
	case 3:
		lb := 0.03 // grandparents raising a grandchild: far more in villages
		if rural {
			lb = 0.09
		}
		switch {
		case u < 0.76:
			p.family(1, 0)
		case u < 0.86:
			p.family(0, 1)
		case u < 0.86+lb:
			p.grandparents(1)
		default:
			p.singleParent(2)
		}
	case 4:
		lb := 0.04
		if rural {
			lb = 0.12
		}
		switch {
		case u < 0.55:
			p.family(2, 0)
		case u < 0.55+lb:
			p.grandparents(2)
		default:
			p.family(1, 1)
		}
	default:
		if u < 0.5 {
			parents := min(2, size-3)
			p.family(size-2-parents, parents)
		} else {
			p.threeGenerations(size)
		}
	}
}

// add appends a member aged age years (fractional: the birthday falls
// anywhere in the year) and names them; surname "" draws one.
func (p *personsReader) add(rel string, age float64, male bool, surname string) *member {
	age = min(max(age, 0), 99.9)
	if surname == "" {
		surname = p.surname()
	}
	birth := p.r.ref - int32(age*365.2425)
	p.hh.members = append(p.hh.members, member{rel: rel, birth: birth, male: male, name: p.name(surname, int(age), male)})
	return &p.hh.members[len(p.hh.members)-1]
}

// couple adds a head of the given age and a spouse of the other sex a few
// years apart, the wife at least minWife years old (so that she was a
// grown woman when her eldest child was born); it returns the husband's
// surname, which children take.
func (p *personsReader) couple(headAge, minWife float64) string {
	rng := p.rng
	maleHead := rng.IntN(100) < 80
	head := p.add(relHead, headAge, maleHead, "")
	surname := surnameOf(head.name)
	gap := 3 * math.Abs(rng.NormFloat64()) // husbands are a little older
	spouseAge := headAge + gap
	if maleHead {
		spouseAge = max(headAge-gap, minWife, 20.5)
	}
	spouse := p.add(relSpouse, spouseAge, !maleHead, "")
	if !maleHead {
		surname = surnameOf(spouse.name)
	}
	return surname
}

// family adds a couple with children (who take the husband's surname) and
// elderly parents of the head (the father with the head's surname).
func (p *personsReader) family(children, parents int) {
	rng := p.rng
	eldest := 25 * math.Pow(rng.Float64(), 1.1)
	if children == 0 {
		eldest = 0
	}
	headAge := eldest + 23 + 13*rng.Float64()
	if children == 0 {
		headAge = 30 + 30*rng.Float64()
	}
	if parents > 0 {
		headAge = min(headAge, 68)
	}
	surname := p.couple(headAge, eldest+21)
	head := p.hh.members[0]
	age := eldest
	for range children {
		p.add(relChild, age, rng.IntN(100) < 52, surname)
		age = max(age-1-7*rng.Float64(), 0)
	}
	p.parents(&head, parents)
}

// parents adds n (0, 1 or 2) parents of head, 22–34 years older.
func (p *personsReader) parents(head *member, n int) {
	if n == 0 {
		return
	}
	rng := p.rng
	headAge := float64(p.r.ref-head.birth) / 365.2425
	surname := surnameOf(head.name)
	base := headAge + 22 + 12*rng.Float64()
	if n == 2 {
		p.add(relParent, base+2*rng.Float64(), true, surname)
		p.add(relParent, base-1-2*rng.Float64(), false, "")
		return
	}
	if rng.IntN(100) < 35 {
		p.add(relParent, base, true, surname)
	} else {
		p.add(relParent, base, false, "")
	}
}

// singleParent adds a head raising n children alone.
func (p *personsReader) singleParent(n int) {
	rng := p.rng
	eldest := 24 * rng.Float64()
	male := rng.IntN(100) < 30
	head := p.add(relHead, eldest+23+15*rng.Float64(), male, "")
	surname := ""
	if male || rng.IntN(2) == 0 {
		surname = surnameOf(head.name)
	}
	if surname == "" {
		surname = p.surname()
	}
	age := eldest
	for range n {
		p.add(relChild, age, rng.IntN(100) < 52, surname)
		age = max(age-1-6*rng.Float64(), 0)
	}
}

// grandparents adds an elderly couple raising n grandchildren whose
// parents work away: the grandchildren under 16 are left-behind children.
func (p *personsReader) grandparents(n int) {
	rng := p.rng
	headAge := 52 + 20*rng.Float64()
	surname := p.couple(headAge, 45)
	if rng.IntN(4) == 0 {
		surname = p.surname() // a daughter's children
	}
	p.hh.leftBehind = true
	for range n {
		p.add(relGrandchild, 3+13*rng.Float64(), rng.IntN(100) < 52, surname)
	}
}

// threeGenerations adds an elderly head and spouse, their married son and
// his wife (in-law), and the son's children.
func (p *personsReader) threeGenerations(size int) {
	rng := p.rng
	sonAge := 26 + 16*rng.Float64()
	headAge := min(sonAge+23+10*rng.Float64(), 92)
	surname := p.couple(headAge, sonAge+21)
	p.add(relChild, sonAge, true, surname)
	age := max(min(sonAge-23-6*rng.Float64(), 17), 0)
	p.add(relInLaw, max(sonAge-3*math.Abs(rng.NormFloat64()), age+21, 22), false, "")
	for range size - 4 {
		p.add(relGrandchild, max(age, 0), rng.IntN(100) < 52, surname)
		age = max(age-1-5*rng.Float64(), 0)
	}
}

// surnameOf is the surname of a generated name: its first character (the
// pool has no two-character surnames).
func surnameOf(name string) string {
	for i := range name {
		if i > 0 {
			return name[:i]
		}
	}
	return name
}

// seqDays is how many birth days the ID sequence counters cover: ages
// 0–101, more than the oldest member drawn.
const seqDays = 102 * 366

// idNumber gives m an ID number: m's address code and birth date, a
// sequence code unique for that code, day and sex (odd for men, even for
// women) and the check digit. Sequence codes of one code and day run
// through a permutation of 0–498 keyed by both, so they look random.
func (p *personsReader) idNumber(m *member) string {
	code := p.r.codes[m.code]
	birth := m.birth
	var k int
	for {
		day := int(p.r.ref - birth)
		slot := ((int(m.code)*seqDays + day) << 1) | b2i(m.male)
		if n := p.seq[slot]; n < 499 {
			p.seq[slot]++
			k = int(n)
			break
		}
		birth-- // 499 of one sex born there that day: a day older
	}
	h := mix(uint64(m.code)<<32 | uint64(uint32(birth)))
	a, b := 1+int(h%498), int(h>>32%499)
	seq := 2*((a*k+b)%499) + 1 // odd: a man
	if !m.male {
		seq++ // even: a woman
	}
	y, mo, d := civil(birth)
	buf := append(p.buf[:0], code...)
	buf = appendPadded(buf, y, 4)
	buf = appendPadded(buf, mo, 2)
	buf = appendPadded(buf, d, 2)
	buf = appendPadded(buf, seq, 3)
	buf = append(buf, idcard.CheckDigit(string(buf)))
	p.buf = buf
	return string(buf)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mobilePrefixes are mainland mobile number blocks in wide use.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159", "166",
	"173", "175", "176", "177", "178", "180", "181", "182", "183", "184",
	"185", "186", "187", "188", "189", "191", "198", "199",
}

// phone gives the next phone number. Numbers are an affine permutation of
// the whole space of the prefixes (3.8·10⁹ numbers), applied to a counter:
// unique without a set, and spread over all blocks.
func (p *personsReader) phone() string {
	const block = 100_000_000
	space := uint64(len(mobilePrefixes)) * block
	// 2654435761 is prime and divides no factor of the space (2, 5, 19).
	v := (2654435761*p.phones + mix(p.r.seed^0x70686f6e65)%space) % space
	p.phones++
	buf := append(p.buf[:0], mobilePrefixes[v/block]...)
	buf = appendPadded(buf, int(v%block), 8)
	p.buf = buf
	return string(buf)
}

// tagCell joins tags in the registry's order, cached per set.
func (p *personsReader) tagCell(tags uint16) string {
	if tags == 0 {
		return ""
	}
	if s := p.tags[tags]; s != "" {
		return s
	}
	var parts []string
	for i, t := range tagNames {
		if tags&(1<<i) != 0 {
			parts = append(parts, t)
		}
	}
	p.tags[tags] = strings.Join(parts, ",")
	return p.tags[tags]
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (H. Hinnant's algorithm); it is much cheaper than going through time.Time.
func civil(days int32) (y, m, d int) {
	z := int(days) + 719468
	era := z / 146097
	if z < 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// --- names ------------------------------------------------------------------

// surnames are the commonest Chinese surnames with their frequency per
// 10,000 people (Ministry of Public Security, 2020, rounded).
var surnames = []struct {
	name string
	per  int
}{
	{"王", 710}, {"李", 706}, {"张", 666}, {"刘", 538}, {"陈", 461}, {"杨", 322}, {"黄", 245}, {"赵", 219},
	{"吴", 200}, {"周", 190}, {"徐", 167}, {"孙", 154}, {"马", 150}, {"朱", 144}, {"胡", 132}, {"郭", 118},
	{"何", 115}, {"林", 113}, {"高", 110}, {"罗", 106}, {"郑", 105}, {"梁", 101}, {"谢", 89}, {"宋", 84},
	{"唐", 82}, {"许", 76}, {"韩", 75}, {"冯", 74}, {"邓", 73}, {"曹", 70}, {"彭", 67}, {"曾", 65},
	{"肖", 63}, {"田", 62}, {"董", 61}, {"袁", 59}, {"潘", 58}, {"于", 57}, {"蒋", 56}, {"蔡", 55},
	{"余", 55}, {"杜", 53}, {"叶", 52}, {"程", 51}, {"苏", 50}, {"魏", 50}, {"吕", 49}, {"丁", 48},
	{"任", 47}, {"沈", 46}, {"姚", 45}, {"卢", 44}, {"姜", 43}, {"崔", 42}, {"钟", 41}, {"谭", 40},
	{"陆", 39}, {"汪", 38}, {"范", 37}, {"金", 36}, {"石", 35}, {"廖", 34}, {"贾", 34}, {"夏", 33},
	{"韦", 33}, {"付", 32}, {"方", 32}, {"白", 31}, {"邹", 30}, {"孟", 30}, {"熊", 29}, {"秦", 29},
	{"邱", 28}, {"江", 28}, {"尹", 27}, {"薛", 27}, {"闫", 26}, {"段", 26}, {"雷", 25}, {"侯", 25},
	{"龙", 24}, {"史", 24}, {"陶", 23}, {"黎", 23}, {"贺", 22}, {"顾", 22}, {"毛", 21}, {"郝", 21},
	{"龚", 20}, {"邵", 20}, {"万", 19}, {"钱", 19}, {"严", 18}, {"武", 18}, {"戴", 17}, {"孔", 16},
	{"汤", 16}, {"常", 15}, {"葛", 14}, {"关", 14}, {"齐", 14}, {"牛", 13}, {"庞", 12}, {"佟", 8},
}

// surname draws a surname by frequency.
func (p *personsReader) surname() string {
	x := p.rng.IntN(p.r.surnameTotal)
	for _, s := range surnames {
		if x < s.per {
			return s.name
		}
		x -= s.per
	}
	return surnames[0].name
}

// givenChars are characters of given names by the era of birth (before
// 1965, to 1989, since 1990) and sex: names follow fashions, and a
// 淑珍 born in 2015 or a 梓涵 born in 1950 would look wrong.
var givenChars = [3][2][]string{
	{ // before 1965: female, male
		{"秀", "英", "兰", "珍", "凤", "桂", "淑", "玉", "芝", "琴", "华", "梅", "芳", "霞", "荣", "云", "素", "翠", "香", "敏", "春", "芬", "萍", "莲"},
		{"国", "建", "军", "华", "明", "文", "志", "德", "林", "春", "树", "福", "忠", "庆", "海", "永", "成", "兴", "山", "宝", "贵", "喜", "发", "学", "仁", "义", "生", "荣"},
	},
	{ // 1965–1989
		{"丽", "静", "敏", "燕", "艳", "娟", "霞", "芳", "红", "玲", "丹", "萍", "琳", "颖", "慧", "洁", "梅", "雪", "晶", "莉", "婷", "倩", "晓", "春"},
		{"伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宁", "峰", "亮", "东", "龙", "海", "林", "新", "建", "晓", "志"},
	},
	{ // since 1990
		{"欣", "怡", "雨", "梓", "涵", "萱", "子", "诗", "思", "佳", "婷", "悦", "可", "琪", "琳", "一", "彤", "馨", "雅", "晨", "妍", "瑶", "宁", "月", "嘉"},
		{"浩", "宇", "轩", "子", "涵", "博", "俊", "杰", "泽", "睿", "航", "然", "文", "天", "昊", "鑫", "磊", "明", "辰", "逸", "晨", "梓", "豪", "一", "嘉", "思", "哲", "阳", "铭"},
	},
}

// name makes a full name: the surname and a given name of one or two
// characters in the fashion of the birth year.
func (p *personsReader) name(surname string, age int, male bool) string {
	era := 2
	switch {
	case age > 60:
		era = 0
	case age > 36:
		era = 1
	}
	pool := givenChars[era][b2i(male)]
	buf := append(p.buf[:0], surname...)
	buf = append(buf, pool[p.rng.IntN(len(pool))]...)
	if p.rng.IntN(100) < 72 {
		buf = append(buf, pool[p.rng.IntN(len(pool))]...)
	}
	p.buf = buf
	return string(buf)
}

// --- CSV ----------------------------------------------------------------------

// chineseValues are the Chinese names of coded values, which the import
// accepts as well: a file a clerk opens should read as the template does.
var chineseValues = map[string]string{
	"self_occupied": "自住", "rented": "出租", "vacant": "空置", "commercial": "商用", "other": "其他",
	"registered": "户籍", "resident": "常住", "floating": "流动", "foreign": "境外",
	"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙辈", "in_law": "姻亲",
	"lives": "居住", "rents": "租住",
	"elderly_alone": "独居老人", "empty_nest": "空巢老人", "widowed_childless": "孤寡老人", "disabled": "残疾人",
	"low_income": "低保户", "left_behind_child": "留守儿童", "key_mental_disorder": "严重精神障碍患者",
	"key_drug_rehab": "社区戒毒人员", "key_community_correction": "社区矫正对象", "key_released_prisoner": "刑满释放人员",
	"key_petitioner": "重点信访人员",
}

// WriteCSV writes houses.csv and persons.csv into dir (created if need be)
// for `gridgov import houses|persons`: UTF-8 with a BOM, the Chinese header
// of the import templates and Chinese values. Each file is written under a
// temporary name and renamed when complete, so a cancelled run leaves no
// half file behind.
func (r *Registry) WriteCSV(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("registry CSV: %w", err)
	}
	files := []struct {
		name   string
		kind   registry.Kind
		rows   tabular.Reader
		coded  []int // columns holding coded values
		listed int   // the column holding a list of codes, -1 for none
	}{
		{"houses.csv", registry.Houses, r.Houses(), []int{5}, -1},
		{"persons.csv", registry.Persons, r.Persons(), []int{4, 5, 9}, 6},
	}
	for _, f := range files {
		if err := writeCSV(ctx, filepath.Join(dir, f.name), registry.Template(f.kind)[0], f.rows, f.coded, f.listed); err != nil {
			return fmt.Errorf("registry CSV %s: %w", f.name, err)
		}
	}
	return nil
}

func writeCSV(ctx context.Context, path string, header []string, rows tabular.Reader, coded []int, listed int) (err error) {
	defer rows.Close()
	tmp := path + ".tmp"
	file, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = file.Close()
			_ = os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(file, 1<<20)
	w, err := tabular.NewWriter(bw, tabular.CSV)
	if err != nil {
		return err
	}
	if err := w.Write(header); err != nil {
		return err
	}
	cells := make([]string, len(header))
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		clear(cells)
		copy(cells, row.Cells)
		for _, c := range coded {
			if zh, ok := chineseValues[cells[c]]; ok {
				cells[c] = zh
			}
		}
		if listed >= 0 && cells[listed] != "" {
			parts := strings.Split(cells[listed], ",")
			for i, t := range parts {
				parts[i] = cmp.Or(chineseValues[t], t)
			}
			cells[listed] = strings.Join(parts, "、")
		}
		if err := w.Write(cells); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
