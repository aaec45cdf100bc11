package demo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"

	"github.com/gridgov/gridgov/internal/region"
)

// City is a generated city with its geometry.
type City struct {
	// Regions lists parents before children (depth first, siblings by code).
	// Every node has a Boundary: WGS-84, outer rings counter-clockwise,
	// holes clockwise, rings closed. Children tile their parent.
	Regions []region.Region
	// Overlays hold the police and mediation layers; each layer tiles every
	// county on its own, independently of the grids.
	Overlays []region.Overlay
	// Stations are grid stations, each strictly inside its grid.
	Stations []region.Station
}

// Options steer Generate.
type Options struct {
	// Seed selects the city; the same preset and seed give the same city.
	Seed uint64
	// Counties, when set, are real county or district outlines (WGS-84)
	// with their codes and names, subdivided instead of synthetic counties.
	// All must lie under the city given by CityCode and CityName.
	Counties           []region.Region
	CityCode, CityName string
}

// Generate draws a city: the preset's synthetic counties, or the real ones
// in o.Counties, divided into townships, villages and grids, with overlay
// layers and stations. It is deterministic: the result depends only on p and o.
//
// The method: the land is rasterised into small hexagonal cells (about
// p.CellsPerGrid per grid); each level is split into children by a
// noise-bent, Lloyd-relaxed Voronoi diagram on its parent's cells, repaired
// so that every child is connected; outlines are traced along cell edges,
// keeping every lattice corner so that neighbours share identical vertices.
// Exclusive grids are small clusters of cells cut out of a comprehensive
// grid, which keeps a hole. With real outlines, children that reach a county
// border are clipped by the county polygon so they follow it.
func Generate(p Preset, o Options) (City, error) {
	if err := p.check(); err != nil {
		return City{}, fmt.Errorf("preset %s: %w", p.Name, err)
	}
	if len(o.Counties) > 0 {
		return generateOnCounties(p, o)
	}
	if o.CityCode != "" || o.CityName != "" {
		return City{}, errors.New("CityCode and CityName go with Counties: a synthetic city is always 990100 示范市")
	}
	return generateSynthetic(p, o)
}

func (p Preset) check() error {
	switch {
	case p.Counties < 1 || p.Districts < 0 || p.Districts > p.Counties:
		return fmt.Errorf("%d counties with %d districts", p.Counties, p.Districts)
	case p.Townships < p.Counties || p.Villages < p.Townships || p.Grids < p.Villages:
		return fmt.Errorf("want counties ≤ townships ≤ villages ≤ grids, got %d, %d, %d, %d", p.Counties, p.Townships, p.Villages, p.Grids)
	case p.Exclusive < 0 || p.Stations < 0 || p.Stations > p.Grids:
		return fmt.Errorf("%d exclusive grids and %d stations for %d grids", p.Exclusive, p.Stations, p.Grids)
	case p.Police < p.Counties || p.Mediation < p.Counties:
		return fmt.Errorf("every county needs a police and a mediation polygon: %d and %d for %d counties", p.Police, p.Mediation, p.Counties)
	case !(p.AreaKm2 > 0) || p.Bound.IsEmpty() || p.CellsPerGrid < 20:
		return fmt.Errorf("area %g km² in %v with %d cells per grid", p.AreaKm2, p.Bound, p.CellsPerGrid)
	}
	return nil
}

// cellRadius sizes the cells so that an average grid holds p.CellsPerGrid.
func cellRadius(p Preset, areaM2 float64) float64 {
	perCell := areaM2 / float64((p.Grids+p.Exclusive)*p.CellsPerGrid)
	return math.Sqrt(perCell / (1.5 * sqrt3))
}

// counts are the numbers of regions of each level a county job draws, or
// the first label of each level it uses.
type counts struct {
	towns, villages, grids, exclusive, police, mediation, stations int
}

// unit is one region or overlay polygon under construction.
type unit struct {
	label    int32
	seed     int32
	cells    []int32
	parent   int // index in the parent level's units
	code     string
	name     string
	suffix   string // type of township (街道, 镇, 乡) or village (社区, 村)
	subtype  string // exclusive grids only
	hosted   bool   // a comprehensive grid that gave cells to an exclusive one
	boundary orb.MultiPolygon
}

// countyJob draws everything inside one county. Jobs are independent (each
// has its own random stream and cells), so they run in parallel and the
// result does not depend on scheduling.
type countyJob struct {
	g        *raster
	id       int32 // the county's label in g.county
	cells    []int32
	county   region.Region
	cityName string
	rural    bool
	outline  geom.Geometry // real outline to clip by; empty for synthetic
	n, base  counts
	rng      *rand.Rand
	scratch  scratch

	towns, villages, grids, police, mediation []*unit
	stations                                  []region.Station
}

// weight is how much land a set of cells stands for: with real outlines,
// cells whose centre lies outside the county do not count.
func (j *countyJob) weight(cells []int32) float64 {
	if j.g.inside == nil {
		return float64(len(cells))
	}
	n := 0
	for _, c := range cells {
		if j.g.inside[c] {
			n++
		}
	}
	return float64(n)
}

func (j *countyJob) split(cells []int32, k int, parentLab, lab []int32, parentID, base int32) ([]part, error) {
	return j.g.partition(j.rng, split{
		cells: cells, k: k, parentLab: parentLab, parentID: parentID, lab: lab, base: base,
		canSeed: j.g.inside, salt: j.rng.Uint64(), own: j.g.county, ownID: j.id,
	}, &j.scratch)
}

// subdivide draws the townships, villages, grids, overlays and stations.
// It writes labels only for the job's own cells.
func (j *countyJob) subdivide() error {
	g := j.g
	// Townships: the nearest to the county's middle are streets, the
	// farthest townships (乡), as in a real county.
	parts, err := j.split(j.cells, j.n.towns, g.county, g.town, j.id, int32(j.base.towns))
	if err != nil {
		return fmt.Errorf("townships: %w", err)
	}
	cx, cy := centroid(g, j.cells)
	j.towns, err = j.rank(parts, cx, cy, int32(j.base.towns), townshipTypes(len(parts), j.rural), j.county.Code, 0)
	if err != nil {
		return err
	}

	// Villages, as many per township as its share of the land.
	weights := make([]float64, len(j.towns))
	for i, t := range j.towns {
		weights[i] = j.weight(t.cells)
	}
	perTown, err := apportion(j.n.villages, weights, 1)
	if err != nil {
		return fmt.Errorf("villages: %w", err)
	}
	next := int32(j.base.villages)
	for ti, t := range j.towns {
		parts, err := j.split(t.cells, perTown[ti], g.town, g.village, t.label, next)
		if err != nil {
			return fmt.Errorf("villages of %s: %w", t.code, err)
		}
		tx, ty := plane(g.qr(t.seed))
		vs, err := j.rank(parts, tx, ty, next, villageTypes(len(parts), t.suffix), t.code, ti)
		if err != nil {
			return err
		}
		j.villages = append(j.villages, vs...)
		next += int32(len(parts))
	}

	// Comprehensive grids, numbered in reading order (north-west first).
	weights = make([]float64, len(j.villages))
	for i, v := range j.villages {
		weights[i] = j.weight(v.cells)
	}
	perVillage, err := apportion(j.n.grids, weights, 1)
	if err != nil {
		return fmt.Errorf("grids: %w", err)
	}
	next = int32(j.base.grids)
	for vi, v := range j.villages {
		parts, err := j.split(v.cells, perVillage[vi], g.village, g.grid, v.label, next)
		if err != nil {
			return fmt.Errorf("grids of %s: %w", v.code, err)
		}
		slices.SortStableFunc(parts, func(a, b part) int {
			_, ay := g.qr(a.seed)
			_, by := g.qr(b.seed)
			return cmp.Or(cmp.Compare(by, ay), cmp.Compare(a.seed, b.seed))
		})
		for i, pt := range parts {
			j.grids = append(j.grids, &unit{
				label: g.grid[pt.seed], seed: pt.seed, cells: pt.cells, parent: vi,
				code: fmt.Sprintf("%s%03d", v.code, i+1), name: fmt.Sprintf("%s第%d网格", v.name, i+1),
			})
		}
		next += int32(len(parts))
	}
	if err := j.carveExclusive(); err != nil {
		return err
	}

	if j.police, err = j.overlay(j.n.police, g.police, j.base.police, "P", func(t *unit, n int) string {
		return fmt.Sprintf("%s派出所第%d警务区", stem(t.name), n)
	}); err != nil {
		return fmt.Errorf("police overlay: %w", err)
	}
	if j.mediation, err = j.overlay(j.n.mediation, g.mediation, j.base.mediation, "M", func(t *unit, n int) string {
		return fmt.Sprintf("%s调解网格%d", t.name, n)
	}); err != nil {
		return fmt.Errorf("mediation overlay: %w", err)
	}
	return j.placeStations()
}

// rank orders children by distance from (cx, cy) in cell radii, gives them
// types from kinds (nearest first), codes under parentCode and names.
func (j *countyJob) rank(parts []part, cx, cy float64, base int32, kinds []string, parentCode string, parent int) ([]*unit, error) {
	dist := func(p part) float64 {
		x, y := plane(j.g.qr(p.seed))
		return sq(x-cx) + sq(y-cy)
	}
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(dist(parts[a]), dist(parts[b])) })
	names := newNamer(j.rng)
	serial := map[string]int{}
	out := make([]*unit, len(parts))
	for rank, i := range order {
		kind := kinds[rank]
		first, last := serialRange(kind)
		s := first + serial[kind]
		serial[kind]++
		if s > last {
			return nil, fmt.Errorf("%s has more than %d %s", parentCode, last-first+1, kind)
		}
		out[rank] = &unit{
			label: base + int32(i), seed: parts[i].seed, cells: parts[i].cells, parent: parent,
			code: fmt.Sprintf("%s%03d", parentCode, s), name: names.next(kind), suffix: kind,
		}
	}
	return out, nil
}

// serialRange gives the statistical code serials of a kind of township or
// village: 001–099 streets, 100–199 towns, 200–399 townships; 001–199
// residents' committees, 200–399 villagers' committees.
func serialRange(kind string) (first, last int) {
	switch kind {
	case "街道":
		return 1, 99
	case "镇":
		return 101, 199
	case "乡":
		return 201, 399
	case "社区":
		return 1, 199
	default: // 村
		return 201, 399
	}
}

// townshipTypes gives the kinds of n townships, nearest the county's middle
// first: an urban district is mostly streets, a rural county mostly towns.
func townshipTypes(n int, rural bool) []string {
	var streets, xiang int
	if rural {
		streets, xiang = n/8, n/3
	} else {
		streets = max(1, int(math.Round(0.65*float64(n))))
		if n-streets >= 3 {
			xiang = 1
		}
	}
	out := make([]string, n)
	for i := range out {
		switch {
		case i < streets:
			out[i] = "街道"
		case i >= n-xiang:
			out[i] = "乡"
		default:
			out[i] = "镇"
		}
	}
	return out
}

// villageTypes gives the kinds of n villages under a township of the given
// kind, nearest its middle first: streets have residents' committees only, a
// town has a few around its centre, a township (乡) none.
func villageTypes(n int, township string) []string {
	communities := 0
	switch township {
	case "街道":
		communities = n
	case "镇":
		communities = max(1, n/5)
	}
	out := make([]string, n)
	for i := range out {
		if i < communities {
			out[i] = "社区"
		} else {
			out[i] = "村"
		}
	}
	return out
}

// exclusiveKinds are the units exclusive grids are drawn for, with the
// name ending, how often each comes up, and the size range in cells.
var exclusiveKinds = []struct {
	subtype, suffix string
	weight          int
	minCells        int
	maxCells        int
}{
	{"school", "中学", 20, 3, 7},
	{"school", "小学", 15, 2, 5},
	{"hospital", "医院", 15, 3, 7},
	{"enterprise", "公司", 25, 2, 7},
	{"industrial_park", "产业园", 10, 10, 19},
	{"market", "市场", 15, 2, 5},
}

// carveExclusive cuts the exclusive grids out of comprehensive ones: a
// compact cluster of cells whose every neighbour belongs to the host, so the
// host keeps a hole (and stays connected) and the village is still tiled.
// Hosts are spread over as many villages as possible.
func (j *countyJob) carveExclusive() error {
	g := j.g
	total := 0
	for _, k := range exclusiveKinds {
		total += k.weight
	}
	comprehensive := len(j.grids)
	used := map[int]bool{}
	order := j.rng.Perm(comprehensive)
	made := 0
	for pass := 0; pass < 2 && made < j.n.exclusive; pass++ {
		for _, gi := range order {
			if made == j.n.exclusive {
				break
			}
			host := j.grids[gi]
			if host.hosted || (pass == 0 && used[host.parent]) {
				continue
			}
			pick := j.rng.IntN(total)
			kind := exclusiveKinds[0]
			for _, k := range exclusiveKinds {
				if pick < k.weight {
					kind = k
					break
				}
				pick -= k.weight
			}
			size := kind.minCells + j.rng.IntN(kind.maxCells-kind.minCells+1)
			cluster := j.findCluster(host, size)
			if cluster == nil {
				continue
			}
			label := int32(j.base.grids + j.n.grids + made)
			for _, c := range cluster {
				g.grid[c] = label
			}
			host.hosted = true
			host.cells = slices.DeleteFunc(host.cells, func(c int32) bool { return g.grid[c] == label })
			slices.Sort(cluster)
			used[host.parent] = true
			made++
			j.grids = append(j.grids, &unit{label: label, seed: cluster[0], cells: cluster, parent: host.parent, subtype: kind.subtype, suffix: kind.suffix})
		}
	}
	if made < j.n.exclusive {
		return fmt.Errorf("room for only %d of %d exclusive grids", made, j.n.exclusive)
	}
	// Number them after the village's comprehensive grids, in host order.
	byVillage := map[int][]*unit{}
	serial := map[int]int{}
	for _, gr := range j.grids[:comprehensive] {
		serial[gr.parent]++
	}
	for _, gr := range j.grids[comprehensive:] {
		byVillage[gr.parent] = append(byVillage[gr.parent], gr)
	}
	for vi, v := range j.villages {
		names := newNamer(j.rng)
		for _, gr := range byVillage[vi] {
			serial[vi]++
			gr.code = fmt.Sprintf("%s%03d", v.code, serial[vi])
			gr.name = names.next(gr.suffix) + "专属网格"
		}
	}
	// Keep each village's grids together, by code.
	slices.SortStableFunc(j.grids, func(a, b *unit) int { return strings.Compare(a.code, b.code) })
	return nil
}

// findCluster looks for size cells around a random cell of host: the cell,
// an arc of its neighbours, and for big units an arc of the next ring.
// It returns nil when a few tries find no room.
func (j *countyJob) findCluster(host *unit, size int) []int32 {
	g := j.g
	fits := func(c int32) bool {
		if g.county[c] != j.id || g.grid[c] != host.label || (g.border != nil && g.border[c]) {
			return false
		}
		for d := range 6 {
			nb := g.nbr(c, d)
			if g.county[nb] != j.id || g.grid[nb] != host.label {
				return false
			}
		}
		return true
	}
	for range 30 {
		c := host.cells[j.rng.IntN(len(host.cells))]
		if !fits(c) {
			continue
		}
		cluster := []int32{c}
		d0 := j.rng.IntN(6)
		for i := 0; i < min(size-1, 6); i++ {
			cluster = append(cluster, g.nbr(c, (d0+i)%6))
		}
		if size > 7 {
			// The second ring, walked from its south-west corner.
			ring := make([]int32, 0, 12)
			cur := g.nbr(g.nbr(c, 4), 4)
			for side := range 6 {
				for range 2 {
					ring = append(ring, cur)
					cur = g.nbr(cur, side)
				}
			}
			o := j.rng.IntN(12)
			for i := 0; i < size-7; i++ {
				cluster = append(cluster, ring[(o+i)%12])
			}
		}
		ok := true
		for _, x := range cluster {
			ok = ok && fits(x)
		}
		if ok {
			return cluster
		}
	}
	return nil
}

// overlay tiles the county with k polygons of one layer, independent of the
// grid tree. Each is named after the township holding its seed and numbered
// within it.
func (j *countyJob) overlay(k int, lab []int32, base int, prefix string, name func(t *unit, n int) string) ([]*unit, error) {
	parts, err := j.split(j.cells, k, j.g.county, lab, j.id, int32(base))
	if err != nil {
		return nil, err
	}
	townOf := map[int32]int{}
	for i, t := range j.towns {
		townOf[t.label] = i
	}
	dist := func(p part) float64 {
		t := j.towns[townOf[j.g.town[p.seed]]]
		tx, ty := plane(j.g.qr(t.seed))
		x, y := plane(j.g.qr(p.seed))
		return sq(x-tx) + sq(y-ty)
	}
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ta, tb := townOf[j.g.town[parts[a].seed]], townOf[j.g.town[parts[b].seed]]
		return cmp.Or(cmp.Compare(ta, tb), cmp.Compare(dist(parts[a]), dist(parts[b])))
	})
	out := make([]*unit, len(parts))
	perTown := map[int]int{}
	for n, i := range order {
		t := townOf[j.g.town[parts[i].seed]]
		perTown[t]++
		out[n] = &unit{
			label: int32(base + i), seed: parts[i].seed, cells: parts[i].cells, parent: t,
			code: fmt.Sprintf("%s%s%04d", prefix, j.county.Code, n+1), name: name(j.towns[t], perTown[t]),
		}
	}
	return out, nil
}

// placeStations puts stations in a random choice of comprehensive grids, at
// the centre of the grid's cell nearest its middle, preferring cells whose
// neighbours are all in the grid and, with real outlines, whose hexagon lies
// wholly inside the county. A cell centre is strictly inside its hexagon, so
// the station is strictly inside the grid.
func (j *countyJob) placeStations() error {
	g := j.g
	var hosts []*unit
	for _, gr := range j.grids {
		if gr.subtype == "" {
			hosts = append(hosts, gr)
		}
	}
	if j.n.stations > len(hosts) {
		return fmt.Errorf("%d stations for %d grids", j.n.stations, len(hosts))
	}
	chosen := j.rng.Perm(len(hosts))[:j.n.stations]
	slices.Sort(chosen)
	for _, hi := range chosen {
		gr := hosts[hi]
		cx, cy := centroid(g, gr.cells)
		best, bestTier, bestD := int32(-1), 3, 0.0
		for _, c := range gr.cells {
			tier := 0
			for d := range 6 {
				if nb := g.nbr(c, d); g.county[nb] != j.id || g.grid[nb] != gr.label {
					tier = 1
				}
			}
			if g.border != nil && g.border[c] {
				if !g.inside[c] {
					continue
				}
				tier = 2
			}
			x, y := plane(g.qr(c))
			d := sq(x-cx) + sq(y-cy)
			if tier < bestTier || (tier == bestTier && d < bestD) {
				best, bestTier, bestD = c, tier, d
			}
		}
		if best < 0 {
			return fmt.Errorf("grid %s has no cell for its station", gr.code)
		}
		v := j.villages[gr.parent]
		t := j.towns[v.parent]
		j.stations = append(j.stations, region.Station{
			Code: "S" + gr.code, Name: gr.name + "驿站",
			Address:      fmt.Sprintf("%s%s%s%s%d号", j.cityName, j.county.Name, t.name, v.name, 1+j.rng.IntN(199)),
			OpeningHours: "08:30-17:30", Location: g.cellPoint(best), GridCode: gr.code,
		})
	}
	return nil
}

// draw traces the outlines of everything the job made and, with a real
// outline, clips the children that reach the county border.
func (j *countyJob) draw() error {
	g := j.g
	levels := []struct {
		units []*unit
		lab   []int32
		base  int
	}{
		{j.towns, g.town, j.base.towns},
		{j.villages, g.village, j.base.villages},
		{j.grids, g.grid, j.base.grids},
		{j.police, g.police, j.base.police},
		{j.mediation, g.mediation, j.base.mediation},
	}
	for _, l := range levels {
		rings := g.trace(l.lab, j.cells, int32(l.base), len(l.units), &j.scratch)
		for _, u := range l.units {
			u.boundary = assemble(rings[u.label-int32(l.base)])
			if j.outline.IsEmpty() || !j.touchesBorder(u.cells) {
				continue
			}
			mp, err := clip(u.boundary, j.outline)
			if err != nil {
				return fmt.Errorf("clip %s by the county outline: %w", u.code, err)
			}
			u.boundary = mp
		}
	}
	return nil
}

func (j *countyJob) touchesBorder(cells []int32) bool {
	for _, c := range cells {
		if j.g.border[c] {
			return true
		}
	}
	return false
}

// centroid is the mean cell centre in cell radii.
func centroid(g *raster, cells []int32) (x, y float64) {
	for _, c := range cells {
		cx, cy := plane(g.qr(c))
		x += cx
		y += cy
	}
	n := float64(len(cells))
	return x / n, y / n
}

// runJobs runs fn for every job, in parallel, and returns the first error by
// job order, so the error too is deterministic.
func runJobs(jobs []*countyJob, fn func(*countyJob) error) error {
	errs := make([]error, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				if err := fn(jobs[i]); err != nil {
					errs[i] = fmt.Errorf("county %s: %w", jobs[i].county.Code, err)
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// shareOut gives each job its share of the preset's totals and the first
// label of each level, the shares proportional to the jobs' land.
func shareOut(p Preset, jobs []*countyJob) error {
	weights := make([]float64, len(jobs))
	for i, j := range jobs {
		weights[i] = j.weight(j.cells)
	}
	var towns, villages []int
	split := func(n int, mins func(i int) int) ([]int, error) {
		m := make([]int, len(jobs))
		for i := range m {
			m[i] = mins(i)
		}
		return apportionMin(n, weights, m)
	}
	var err error
	if towns, err = split(p.Townships, func(int) int { return 1 }); err != nil {
		return fmt.Errorf("townships: %w", err)
	}
	if villages, err = split(p.Villages, func(i int) int { return towns[i] }); err != nil {
		return fmt.Errorf("villages: %w", err)
	}
	grids, err := split(p.Grids, func(i int) int { return villages[i] })
	if err != nil {
		return fmt.Errorf("grids: %w", err)
	}
	rest := make([][]int, 4)
	for k, n := range []int{p.Exclusive, p.Police, p.Mediation, p.Stations} {
		lo := 0
		if k == 1 || k == 2 {
			lo = 1
		}
		if rest[k], err = split(n, func(int) int { return lo }); err != nil {
			return err
		}
	}
	var b counts
	for i, j := range jobs {
		j.n = counts{towns: towns[i], villages: villages[i], grids: grids[i], exclusive: rest[0][i],
			police: rest[1][i], mediation: rest[2][i], stations: rest[3][i]}
		j.base = b
		b.towns += j.n.towns
		b.villages += j.n.villages
		b.grids += j.n.grids + j.n.exclusive
		b.police += j.n.police
		b.mediation += j.n.mediation
	}
	return nil
}

// collect turns the jobs' units into the city, depth first, siblings by code.
func collect(city region.Region, counties []region.Region, jobs []*countyJob) City {
	out := City{Regions: []region.Region{city}}
	var police, mediation []region.Overlay
	for i, j := range jobs {
		c := counties[i]
		out.Regions = append(out.Regions, c)
		gridsOf := map[*unit][]*unit{}
		for _, gr := range j.grids {
			v := j.villages[gr.parent]
			gridsOf[v] = append(gridsOf[v], gr)
		}
		for ti, t := range j.towns {
			town := region.Region{Code: t.code, Name: t.name, Level: region.Township, ParentCode: c.Code,
				Path: region.ChildPath(c.Path, t.code), Boundary: t.boundary}
			out.Regions = append(out.Regions, town)
			var vs []*unit
			for _, v := range j.villages {
				if v.parent == ti {
					vs = append(vs, v)
				}
			}
			slices.SortFunc(vs, func(a, b *unit) int { return strings.Compare(a.code, b.code) })
			for _, v := range vs {
				village := region.Region{Code: v.code, Name: v.name, Level: region.Village, ParentCode: t.code,
					Path: region.ChildPath(town.Path, v.code), Boundary: v.boundary}
				out.Regions = append(out.Regions, village)
				for _, gr := range gridsOf[v] {
					kind := region.Comprehensive
					if gr.subtype != "" {
						kind = region.Exclusive
					}
					out.Regions = append(out.Regions, region.Region{Code: gr.code, Name: gr.name, Level: region.Grid,
						ParentCode: v.code, Path: region.ChildPath(village.Path, gr.code), Kind: kind, Subtype: gr.subtype,
						Boundary: gr.boundary})
				}
			}
		}
		for _, u := range j.police {
			police = append(police, region.Overlay{Layer: region.LayerPolice, Code: u.code, Name: u.name, Boundary: u.boundary})
		}
		for _, u := range j.mediation {
			mediation = append(mediation, region.Overlay{Layer: region.LayerMediation, Code: u.code, Name: u.name, Boundary: u.boundary})
		}
		out.Stations = append(out.Stations, j.stations...)
	}
	out.Overlays = append(police, mediation...)
	slices.SortFunc(out.Stations, func(a, b region.Station) int { return strings.Compare(a.Code, b.Code) })
	return out
}
