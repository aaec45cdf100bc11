package spatial

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// Benchmarks for point-to-grid lookup; results and the command to reproduce
// them are in docs/BENCHMARKS.md. Run with -cpu 1: the goals are per core.

const (
	cityGrids    = 17422 // Zhangjiakou
	countryGrids = 1000000
	benchPoints  = 1 << 16
)

type benchSet struct {
	tl        tiling
	ix        *Index
	plain     *plainIndex
	linear    *linearIndex
	uniform   []orb.Point
	clustered []orb.Point
}

func newBenchSet(b *testing.B) *benchSet {
	b.Helper()
	tl := genTiling(configFor(cityGrids, 1))
	if len(tl.polys) != cityGrids {
		b.Fatalf("generator made %d polygons, want %d", len(tl.polys), cityGrids)
	}
	// Collect the set-up's garbage now, not during the first measurement.
	defer runtime.GC()
	return &benchSet{
		tl:        tl,
		ix:        NewIndex(tl.polys),
		plain:     newPlain(tl.polys),
		linear:    newLinear(tl.polys),
		uniform:   uniformPoints(tl.rect, benchPoints, 2),
		clustered: clusteredPoints(tl.rect, benchPoints, 3),
	}
}

func (s *benchSet) queries() []struct {
	name string
	pts  []orb.Point
} {
	return []struct {
		name string
		pts  []orb.Point
	}{{"uniform", s.uniform}, {"clustered", s.clustered}}
}

// BenchmarkLocate compares the index with the plain library route (R-tree
// candidates + orb/planar) and a linear scan, on the same data and points.
// Each route runs its own loop, so all three pay a direct call per lookup.
func BenchmarkLocate(b *testing.B) {
	s := newBenchSet(b)
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
				if hits == 0 {
					b.Fatal("no point found a grid")
				}
			})
		}
	}
}

// BenchmarkLocateRatio times the index and the plain route over the same
// batch of points inside one run and reports the speed-up, since the goal is
// a ratio.
func BenchmarkLocateRatio(b *testing.B) {
	s := newBenchSet(b)
	for _, q := range s.queries() {
		b.Run(q.name, func(b *testing.B) {
			const batch = 4096
			var tIndex, tPlain time.Duration
			sink := uint32(0)
			for i := 0; i < b.N; i++ {
				pts := q.pts[(i*batch)%len(q.pts):][:batch]
				t0 := time.Now()
				for _, p := range pts {
					id, _ := s.ix.Locate(p)
					sink += id
				}
				t1 := time.Now()
				for _, p := range pts {
					id, _ := s.plain.locate(p)
					sink -= id
				}
				tIndex += t1.Sub(t0)
				tPlain += time.Since(t1)
			}
			if sink != 0 {
				b.Fatal("the index and the plain route disagree")
			}
			n := float64(b.N) * batch
			b.ReportMetric(n/tIndex.Seconds(), "index_lookups/s")
			b.ReportMetric(n/tPlain.Seconds(), "rtree_orb_lookups/s")
			b.ReportMetric(tPlain.Seconds()/tIndex.Seconds(), "x_vs_rtree_orb")
		})
	}
}

// BenchmarkLocateLatency records lookup latency with measureLatency.
func BenchmarkLocateLatency(b *testing.B) {
	s := newBenchSet(b)
	for _, q := range s.queries() {
		b.Run(q.name, func(b *testing.B) { measureLatency(b, s.ix, q.pts) })
	}
}

// BenchmarkBuild measures NewIndex on the city and on a country-sized layer,
// with the index's size: index_MB counts its arrays, heap_MB is the live heap
// it adds after a GC.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{cityGrids, countryGrids} {
		tl := genTiling(configFor(n, 1))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var ix *Index
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ix = nil
				ix = NewIndex(tl.polys)
			}
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(ix.memBytes())/1e6, "index_MB")
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1e6, "heap_MB")
			b.ReportMetric(float64(inputBytes(tl.polys))/1e6, "input_MB")
			runtime.KeepAlive(ix)
		})
		tl = tiling{}
		runtime.GC()
	}
}

// inputBytes is the size of the orb geometry handed to NewIndex.
func inputBytes(polys []Polygon) int {
	n := 0
	for _, p := range polys {
		n += 32 + 24*len(p.Geom)
		for _, poly := range p.Geom {
			n += 24 * len(poly)
			for _, r := range poly {
				n += 16 * len(r)
			}
		}
	}
	return n
}

// BenchmarkCellsPerPoly shows the trade-off that picked the default grid
// density: lookup speed against index size and build time.
func BenchmarkCellsPerPoly(b *testing.B) {
	tl := genTiling(configFor(cityGrids, 1))
	pts := uniformPoints(tl.rect, benchPoints, 2)
	for _, k := range []float64{4, 8, 16, 32, 64} {
		opt := defaultOptions()
		opt.cellsPerPoly = k
		t0 := time.Now()
		ix := newIndex(tl.polys, opt)
		build := time.Since(t0)
		b.Run(fmt.Sprint(k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ix.Locate(pts[i%len(pts)])
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
			b.ReportMetric(float64(ix.memBytes())/1e6, "index_MB")
			b.ReportMetric(build.Seconds()*1e3, "build_ms")
		})
	}
}

// BenchmarkNearest looks up the nearest of 10,000 stations spread over the
// test city.
func BenchmarkNearest(b *testing.B) {
	tl := genTiling(configFor(cityGrids, 1))
	stations := make([]Point, 10000)
	for k, p := range uniformPoints(tl.rect, len(stations), 4) {
		stations[k] = Point{ID: uint32(k), P: p}
	}
	pi := NewPointIndex(stations)
	pts := uniformPoints(tl.rect, benchPoints, 5)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pi.Nearest(pts[i%len(pts)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// measureLatency times lookups of pts: each sample times 64 lookups (to beat
// timer resolution) and the per-lookup p50/p99 of those samples are
// reported; p99_single_ns times lookups one by one, including the clock's
// own cost (about 20-40 ns), to show the tail of single queries.
func measureLatency(b *testing.B, ix *Index, pts []orb.Point) {
	const per = 64
	samples := make([]time.Duration, 0, b.N)
	single := make([]time.Duration, 0, b.N)
	sink := uint32(0)
	k := 0
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		for range per {
			id, _ := ix.Locate(pts[k%len(pts)])
			sink += id
			k++
		}
		samples = append(samples, time.Since(t0))
		t1 := time.Now()
		id, _ := ix.Locate(pts[k%len(pts)])
		single = append(single, time.Since(t1))
		sink += id
		k++
	}
	slices.Sort(samples)
	slices.Sort(single)
	pct := func(d []time.Duration, f float64) float64 {
		return float64(d[min(len(d)-1, int(f*float64(len(d))))].Nanoseconds())
	}
	b.ReportMetric(pct(samples, 0.50)/per, "p50_ns")
	b.ReportMetric(pct(samples, 0.99)/per, "p99_ns")
	b.ReportMetric(pct(single, 0.99), "p99_single_ns")
	b.ReportMetric(float64(sink%2), "sink")
}
