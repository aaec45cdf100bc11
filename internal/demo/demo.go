// Package demo generates a deterministic synthetic city so that a new
// installation has something real-looking to show and tests have data at
// scale. Names are made up; codes follow the national coding rules.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/region"
)

// Preset sizes a demo city.
type Preset struct {
	Name string
	// Ranges [min, max] of children per parent at each level below the city.
	Counties, Townships, Villages, Grids [2]int
}

// Presets are the sizes `gridgov demo --preset` knows.
var presets = map[string]Preset{
	"small": {Name: "small", Counties: [2]int{4, 4}, Townships: [2]int{3, 5}, Villages: [2]int{3, 5}, Grids: [2]int{2, 4}},
	// The size of Daqing's grid network: about 5,000 grids.
	"daqing": {Name: "daqing", Counties: [2]int{9, 9}, Townships: [2]int{10, 16}, Villages: [2]int{8, 14}, Grids: [2]int{4, 6}},
}

// LookupPreset returns a preset by name.
func LookupPreset(name string) (Preset, error) {
	p, ok := presets[name]
	if !ok {
		return Preset{}, fmt.Errorf("unknown preset %q (want small or daqing)", name)
	}
	return p, nil
}

// CityCode is the demo city's code; province 99 does not exist, so demo data
// can never be mistaken for a real place.
const CityCode = "990100"

// Regions returns the demo city's region tree, parents before children.
func Regions(p Preset) []region.Region {
	rng := rand.New(rand.NewPCG(2026, uint64(len(p.Name))))
	pick := func(r [2]int) int { return r[0] + rng.IntN(r[1]-r[0]+1) }
	names := newNamer(rng)
	out := []region.Region{{Code: CityCode, Name: "示范市", Level: region.City}}
	for c := 1; c <= pick(p.Counties); c++ {
		county := region.Region{Code: fmt.Sprintf("9901%02d", c), Level: region.County, ParentCode: CityCode}
		county.Name = names.next(countySuffix(c))
		out = append(out, county)
		for t, n := 0, pick(p.Townships); t < n; t++ {
			// Statistical codes: 001-099 streets, 100-199 towns, 200-399 townships.
			serial, suffix := townshipSerial(t, n)
			town := region.Region{Code: fmt.Sprintf("%s%03d", county.Code, serial), Level: region.Township, ParentCode: county.Code}
			town.Name = names.next(suffix)
			out = append(out, town)
			for v, m := 0, pick(p.Villages); v < m; v++ {
				// 001-199 residents' committees (社区), 200-399 villagers' committees (村).
				vSerial, vSuffix := v+1, "社区"
				if suffix != "街道" {
					vSerial, vSuffix = 200+v+1, "村"
				}
				village := region.Region{Code: fmt.Sprintf("%s%03d", town.Code, vSerial), Level: region.Village, ParentCode: town.Code}
				village.Name = names.next(vSuffix)
				out = append(out, village)
				for g := 1; g <= pick(p.Grids); g++ {
					out = append(out, region.Region{
						Code: fmt.Sprintf("%s%03d", village.Code, g), Level: region.Grid, ParentCode: village.Code,
						Name: fmt.Sprintf("%s第%d网格", village.Name, g),
					})
				}
			}
		}
	}
	return out
}

func countySuffix(i int) string {
	if i%3 == 0 {
		return "县"
	}
	return "区"
}

func townshipSerial(i, n int) (int, string) {
	switch {
	case i < (n+1)/2:
		return i + 1, "街道"
	case i < n-1:
		return 100 + i + 1, "镇"
	default:
		return 200 + i + 1, "乡"
	}
}

var syllables = []string{"东", "西", "南", "北", "红", "旗", "胜", "利", "建", "设", "幸", "福", "和", "平", "友", "谊",
	"团", "结", "光", "明", "前", "进", "新", "华", "长", "青", "龙", "湖", "春", "雷", "朝", "阳", "兴", "安", "永", "宁",
	"丰", "收", "富", "强", "育", "才", "银", "浪", "铁", "人", "石", "油", "林", "源", "泉", "河", "松", "柏", "星", "火"}

// namer makes distinct two-syllable names.
type namer struct {
	rng  *rand.Rand
	used map[string]bool
}

func newNamer(rng *rand.Rand) *namer { return &namer{rng: rng, used: map[string]bool{}} }

func (n *namer) next(suffix string) string {
	for {
		name := syllables[n.rng.IntN(len(syllables))] + syllables[n.rng.IntN(len(syllables))]
		if name[:3] == name[3:] || n.used[name+suffix] {
			continue
		}
		n.used[name+suffix] = true
		return name + suffix
	}
}

// Load stores the demo city's regions unless the city is already there.
// progress, when not nil, is called after each region.
func Load(ctx context.Context, store *region.Store, p Preset, progress func(done, total int)) (int, error) {
	if _, err := store.Get(ctx, region.All(), CityCode); err == nil {
		return 0, nil
	}
	regions := Regions(p)
	actor := audit.System("demo")
	for i, r := range regions {
		if _, err := store.Create(ctx, actor, region.All(), r); err != nil {
			return i, fmt.Errorf("demo region %s: %w", r.Code, err)
		}
		if progress != nil {
			progress(i+1, len(regions))
		}
	}
	return len(regions), nil
}
