package spatial

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/region"
)

// Benchmarks on the grids of the zhangjiakou demo preset (17,422 grids traced
// along a hexagonal raster, about 100 vertices each), as `gridgov demo
// --preset zhangjiakou` loads them. Results and the command are in
// docs/BENCHMARKS.md; run with -cpu 1, the goals are per core.

const presetPoints = 1 << 16

// presetSet is the preset's grids with every route built over them, and the
// query points; made once per test binary, on first use (generating the
// city takes a few seconds), so plain `go test` never pays for it.
type presetSet struct {
	polys     []Polygon
	bound     orb.Bound
	ix        *Index
	plain     *plainIndex
	linear    *linearIndex
	uniform   []orb.Point
	clustered []orb.Point
	gen       time.Duration // demo.Generate, wall
	build     time.Duration // NewIndex, wall
}

var (
	presetOnce sync.Once
	presetData *presetSet
	presetErr  error
)

func presetBench(b *testing.B) *presetSet {
	b.Helper()
	presetOnce.Do(func() { presetData, presetErr = loadPreset() })
	if presetErr != nil {
		b.Fatal(presetErr)
	}
	return presetData
}

func loadPreset() (*presetSet, error) {
	p, err := demo.LookupPreset("zhangjiakou")
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	city, err := demo.Generate(p, demo.Options{Seed: demo.DefaultSeed})
	if err != nil {
		return nil, err
	}
	s := &presetSet{gen: time.Since(t0)}
	for _, r := range city.Regions {
		if r.Level == region.Grid && len(r.Boundary) > 0 {
			// IDs are positions, which the PostGIS benchmark reuses.
			s.polys = append(s.polys, Polygon{ID: uint32(len(s.polys)), Geom: r.Boundary})
		}
	}
	city = demo.City{}
	runtime.GC()
	t1 := time.Now()
	s.ix = NewIndex(s.polys)
	s.build = time.Since(t1)
	s.bound = s.ix.Bound()
	s.plain = newPlain(s.polys)
	s.linear = newLinear(s.polys)
	s.uniform = presetUniform(s.bound, presetPoints, 1)
	s.clustered = presetClustered(s.polys, s.bound, presetPoints, 2)
	// Collect the set-up's garbage now, not during the first measurement.
	runtime.GC()
	return s, nil
}

func (s *presetSet) queries() []struct {
	name string
	pts  []orb.Point
} {
	return []struct {
		name string
		pts  []orb.Point
	}{{"uniform", s.uniform}, {"clustered", s.clustered}}
}

// presetUniform draws n points uniformly over the grids' bounding box; the
// city is not a rectangle, so some miss every grid (hit_% says how many hit).
func presetUniform(b orb.Bound, n int, seed uint64) []orb.Point {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	pts := make([]orb.Point, n)
	for k := range pts {
		pts[k] = orb.Point{
			b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]),
			b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]),
		}
	}
	return pts
}

// presetClustered draws 80% of the points around 20 hot spots (the box
// centres of 20 grids spread over the list, about 300 m normal spread) and
// 20% uniformly, as the synthetic benchmarks in bench_test.go do.
func presetClustered(polys []Polygon, b orb.Bound, n int, seed uint64) []orb.Point {
	const spots = 20
	rng := rand.New(rand.NewPCG(seed, 0xc1))
	sy := 300.0 / 111320
	sx := sy / math.Cos(b.Center()[1]*math.Pi/180)
	centres := make([]orb.Point, spots)
	for k := range centres {
		centres[k] = polys[(2*k+1)*len(polys)/(2*spots)].Geom.Bound().Center()
	}
	pts := presetUniform(b, n, seed+100)
	for k := range pts {
		if rng.Float64() >= 0.8 {
			continue
		}
		c := centres[rng.IntN(spots)]
		pts[k] = orb.Point{c[0] + sx*rng.NormFloat64(), c[1] + sy*rng.NormFloat64()}
	}
	return pts
}

func BenchmarkLocatePreset(b *testing.B) {
	s := presetBench(b)
	loop := func(locate func(orb.Point) (uint32, bool)) func([]orb.Point, int) int {
		return func(pts []orb.Point, n int) int {
			hits := 0
			for i := 0; i < n; i++ {
				if _, ok := locate(pts[i%len(pts)]); ok {
					hits++
				}
			}
			return hits
		}
	}
	routes := []struct {
		name string
		run  func(pts []orb.Point, n int) int
	}{
		{"index", func(pts []orb.Point, n int) int {
			hits := 0
			for i := 0; i < n; i++ {
				if _, ok := s.ix.Locate(pts[i%len(pts)]); ok {
					hits++
				}
			}
			return hits
		}},
		{"rtree_orb", loop(s.plain.locate)},
		{"linear", loop(s.linear.locate)},
	}
	for _, r := range routes {
		for _, q := range s.queries() {
			b.Run(r.name+"/"+q.name, func(b *testing.B) {
				hits := r.run(q.pts, b.N)
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
				b.ReportMetric(100*float64(hits)/float64(b.N), "hit_%")
				if hits == 0 {
					b.Fatal("no point found a grid")
				}
			})
		}
	}
}

// BenchmarkLocatePresetRatio times the index and the plain route over the
// same batch of points inside one run and reports the speed-up; it also
// checks that both routes give the same grid for every point.
func BenchmarkLocatePresetRatio(b *testing.B) {
	s := presetBench(b)
	for _, q := range s.queries() {
		b.Run(q.name, func(b *testing.B) {
			const batch = 4096
			var tIndex, tPlain time.Duration
			got := make([]uint32, batch)
			for i := 0; i < b.N; i++ {
				pts := q.pts[(i*batch)%len(q.pts):][:batch]
				t0 := time.Now()
				for k, p := range pts {
					id, ok := s.ix.Locate(p)
					got[k] = id<<1 | b2u(ok)
				}
				t1 := time.Now()
				bad := 0
				for k, p := range pts {
					id, ok := s.plain.locate(p)
					if got[k] != id<<1|b2u(ok) {
						bad++
					}
				}
				tIndex += t1.Sub(t0)
				tPlain += time.Since(t1)
				if bad != 0 {
					b.Fatalf("the index and the plain route disagree on %d of %d points", bad, batch)
				}
			}
			n := float64(b.N) * batch
			b.ReportMetric(n/tIndex.Seconds(), "index_lookups/s")
			b.ReportMetric(n/tPlain.Seconds(), "rtree_orb_lookups/s")
			b.ReportMetric(tPlain.Seconds()/tIndex.Seconds(), "x_vs_rtree_orb")
		})
	}
}

func b2u(ok bool) uint32 {
	if ok {
		return 1
	}
	return 0
}

// BenchmarkLocatePresetLatency reports per-lookup p50/p99 over samples of 64
// lookups, and the p99 of single timed lookups (clock cost included), as
// BenchmarkLocateLatency does on the synthetic tiling.
func BenchmarkLocatePresetLatency(b *testing.B) {
	s := presetBench(b)
	for _, q := range s.queries() {
		b.Run(q.name, func(b *testing.B) { measureLatency(b, s.ix, q.pts) })
	}
}

// BenchmarkBuildPreset measures NewIndex on the preset's grids, with the
// live heap it adds after a GC; gen_s is how long demo.Generate took to make
// them (once, outside the timer, on all the cores GOMAXPROCS allows).
func BenchmarkBuildPreset(b *testing.B) {
	s := presetBench(b)
	var ix *Index
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ix = nil
		ix = NewIndex(s.polys)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	vertices := 0
	for _, p := range s.polys {
		for _, poly := range p.Geom {
			for _, r := range poly {
				vertices += len(r)
			}
		}
	}
	b.ReportMetric(float64(ix.Len()), "grids")
	b.ReportMetric(float64(vertices)/float64(len(s.polys)), "vertices/grid")
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1e6, "heap_MB")
	b.ReportMetric(s.gen.Seconds(), "gen_s")
	runtime.KeepAlive(ix)
}
