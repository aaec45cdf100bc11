// Package demo generates a deterministic synthetic city so that a new
// installation has something real-looking to show and tests have data at
// scale. Names are made up; codes follow the national coding rules.
//
// Generate draws the whole tree with geometry: counties, townships, villages
// and grids that tile their parents exactly, the police and mediation
// overlay networks, and the grid stations; its comment describes the method.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/region"
)

// Preset sizes a demo city. Counts of grids, overlays and stations are met
// exactly; townships and villages too, though nothing depends on that.
type Preset struct {
	Name string
	// Counties is the number of county-level divisions of a synthetic city;
	// the Districts of them nearest the centre are urban districts (区), the
	// rest counties (县). Ignored when Options.Counties gives real outlines.
	Counties, Districts int
	// Townships and Villages are totals for the whole city.
	Townships, Villages int
	// Grids counts comprehensive grids; Exclusive the exclusive grids carved
	// out of them, so the city has Grids+Exclusive grids in all.
	Grids, Exclusive int
	// Police and Mediation count the polygons of the two overlay layers.
	Police, Mediation int
	// Stations counts grid stations (网格驿站), at most one per grid.
	Stations int
	// AreaKm2 is the area of a synthetic city, drawn around the centre of
	// Bound and stretched to Bound's aspect ratio.
	AreaKm2 float64
	Bound   orb.Bound
	// CellsPerGrid sets the raster resolution: cells are sized so that an
	// average comprehensive grid holds about this many. It is what decides
	// how many vertices an outline gets (about 80 for a grid at 110 cells).
	CellsPerGrid int
	// Population sizes the registry NewRegistry draws for the city.
	Population Population
	// Events is the number of events EventScripts reports in a demo year.
	// Daqing's grid platform handled 137,000 grid events in a year with a
	// 98.9% closure rate, about 28 per grid and 64 per thousand people;
	// zhangjiakou's 300,000 sits between that rate per person (~260,000)
	// and per grid (~480,000), its rural grids seeing fewer. small keeps
	// enough events for every path of the loop at test size.
	Events int
	// Workforce sizes the grid workforce of the demo month. Daqing's are
	// its published figures: 5,330 grid workers (109% of its 4,880
	// comprehensive grids), 1,477 community police officers and about
	// 35,000 other team members; the other presets scale them by grids.
	Workforce WorkforceSize
}

// presets are the sizes `gridgov demo --preset` knows. The ratios of
// overlays, exclusive grids and stations to grids are Daqing's (87 exclusive,
// 1,047 police and 731 mediation polygons and 3,350 stations for 4,967
// grids); zhangjiakou scales them to its 17,422 grids. The registries are
// Daqing's 1.33 million houses and 2.147 million persons; Zhangjiakou has
// about 4.1 million people, and 1.6 million houses gives it the larger
// households of a more rural city (about 2.9 persons per occupied house
// against Daqing's 1.8). small keeps Daqing's ratio at test size.
var presets = map[string]Preset{
	"small": {
		Name: "small", Counties: 4, Districts: 2, Townships: 16, Villages: 60,
		Grids: 200, Exclusive: 6, Police: 42, Mediation: 30, Stations: 140,
		AreaKm2: 1200, Bound: orb.Bound{Min: orb.Point{124.7, 46.0}, Max: orb.Point{125.1, 46.4}}, CellsPerGrid: 100,
		Population: Population{Houses: 2_000, Persons: 3_300}, Events: 600,
		Workforce: WorkforceSize{Workers: 224, Police: 61, Members: 1_450},
	},
	"daqing": {
		Name: "daqing", Counties: 9, Districts: 5, Townships: 100, Villages: 1200,
		Grids: 4880, Exclusive: 87, Police: 1047, Mediation: 731, Stations: 3350,
		AreaKm2: 21000, Bound: orb.Bound{Min: orb.Point{124.2, 45.4}, Max: orb.Point{125.5, 46.9}}, CellsPerGrid: 110,
		Population: Population{Houses: 1_330_000, Persons: 2_147_000}, Events: 137_000,
		Workforce: WorkforceSize{Workers: 5_330, Police: 1_477, Members: 35_000},
	},
	"zhangjiakou": {
		Name: "zhangjiakou", Counties: 16, Districts: 6, Townships: 230, Villages: 4200,
		Grids: 17117, Exclusive: 305, Police: 3672, Mediation: 2564, Stations: 11750,
		AreaKm2: 36800, Bound: orb.Bound{Min: orb.Point{113.8, 39.5}, Max: orb.Point{116.5, 42.2}}, CellsPerGrid: 110,
		Population: Population{Houses: 1_600_000, Persons: 4_100_000}, Events: 300_000,
		Workforce: WorkforceSize{Workers: 18_700, Police: 5_180, Members: 122_800},
	},
}

// LookupPreset returns a preset by name.
func LookupPreset(name string) (Preset, error) {
	p, ok := presets[name]
	if !ok {
		return Preset{}, fmt.Errorf("unknown preset %q (want %s)", name, strings.Join(PresetNames(), ", "))
	}
	return p, nil
}

// PresetNames lists the known presets, smallest first.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return presets[a].Grids - presets[b].Grids })
	return names
}

// CityCode is the demo city's code; province 99 does not exist, so demo data
// can never be mistaken for a real place.
const CityCode = "990100"

// CityName is the demo city's name.
const CityName = "示范市"

// DefaultSeed is the seed Load uses, so every installation shows the same city.
const DefaultSeed uint64 = 2026

// Load stores the demo city's regions unless the city is already there.
// progress, when not nil, is called after each region. Geometry, overlays and
// stations are not stored yet.
func Load(ctx context.Context, store *region.Store, p Preset, progress func(done, total int)) (int, error) {
	if _, err := store.Get(ctx, region.All(), CityCode); err == nil {
		return 0, nil
	}
	city, err := Generate(p, Options{Seed: DefaultSeed})
	if err != nil {
		return 0, fmt.Errorf("generate demo city: %w", err)
	}
	actor := audit.System("demo")
	for i, r := range city.Regions {
		if _, err := store.Create(ctx, actor, region.All(), r); err != nil {
			return i, fmt.Errorf("demo region %s: %w", r.Code, err)
		}
		if progress != nil {
			progress(i+1, len(city.Regions))
		}
	}
	return len(city.Regions), nil
}

var syllables = []string{"东", "西", "南", "北", "红", "旗", "胜", "利", "建", "设", "幸", "福", "和", "平", "友", "谊",
	"团", "结", "光", "明", "前", "进", "新", "华", "长", "青", "龙", "湖", "春", "雷", "朝", "阳", "兴", "安", "永", "宁",
	"丰", "收", "富", "强", "育", "才", "银", "浪", "铁", "人", "石", "油", "林", "源", "泉", "河", "松", "柏", "星", "火"}

// namer makes two-syllable names with distinct stems, so that names built
// on a stem (红旗派出所 for 红旗街道) stay distinct too. Use one namer per
// parent: names need only be distinct among siblings, and the 3,080 stems
// would run out over a whole large city.
type namer struct {
	rng  *rand.Rand
	used map[string]bool
}

func newNamer(rng *rand.Rand) *namer { return &namer{rng: rng, used: map[string]bool{}} }

// next returns a fresh stem + suffix. Callers keep the number of names per
// namer far below the 3,080 stems, so the loop ends quickly.
func (n *namer) next(suffix string) string {
	for {
		stem := syllables[n.rng.IntN(len(syllables))] + syllables[n.rng.IntN(len(syllables))]
		if stem[:3] == stem[3:] || n.used[stem] {
			continue
		}
		n.used[stem] = true
		return stem + suffix
	}
}

// stem drops a township's or village's type suffix: 红旗街道 → 红旗.
func stem(name string) string {
	for _, s := range []string{"街道", "社区", "镇", "乡", "村"} {
		if t, ok := strings.CutSuffix(name, s); ok && t != "" {
			return t
		}
	}
	return name
}
