package benchenv_test

import (
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/benchenv"
)

// Sizes of the memory anchors: far beyond any last-level cache.
const memBytes = 256 << 20

var fsyncWhere sync.Once

// BenchmarkAnchors reports the machine's anchors; scripts/bench.sh runs it
// before the other benchmarks so that every recorded run carries them.
//
//   - mem_copy: copy a 256 MiB buffer; GB/s counts bytes read plus written
//     (STREAM's Copy convention), best of the runs.
//   - mem_latency: one dependent load per op in a random cycle over 256 MiB
//     of cache lines; ns/op is the latency of a cache-and-TLB-missing read.
//   - pwrite: write 4 KiB in place, no fsync; ns/op is one system call
//     into the page cache, as SQLite pays for each page it writes.
//   - fsync: write 4 KiB in place and fsync, per op; p50_us and p99_us over
//     all ops (at least 100; a second is a few thousand on an SSD).
//
// The files of the last two are made in GRIDGOV_BENCH_FSYNC_DIR if set,
// else in the temp dir (TMPDIR), where the demo timings keep their data too.
func BenchmarkAnchors(b *testing.B) {
	b.Run("mem_copy", func(b *testing.B) {
		src, dst := benchenv.CopyBuffers(memBytes)
		b.SetBytes(2 * memBytes)
		b.ResetTimer()
		best := 0.0
		for range b.N {
			best = max(best, benchenv.CopyGBps(src, dst, 1))
		}
		b.ReportMetric(best, "GB/s")
		runtime.KeepAlive(dst)
	})
	b.Run("mem_latency", func(b *testing.B) {
		c := benchenv.NewChase(memBytes, 1)
		c.Walk(1 << 20) // warm the page tables a little, as a running index has
		b.ResetTimer()
		p := c.Walk(b.N)
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "latency_ns")
		if p == 1<<31 {
			b.Log(p)
		}
	})
	dir := os.Getenv("GRIDGOV_BENCH_FSYNC_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	b.Run("pwrite", func(b *testing.B) {
		w, err := benchenv.NewFsyncFile(dir, 4096)
		if err != nil {
			b.Fatal(err)
		}
		defer w.Close()
		b.ResetTimer()
		for range b.N {
			if err := w.Write(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fsync", func(b *testing.B) {
		w, err := benchenv.NewFsyncFile(dir, 4096)
		if err != nil {
			b.Fatal(err)
		}
		defer w.Close()
		d := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for range b.N {
			t, err := w.WriteSync()
			if err != nil {
				b.Fatal(err)
			}
			d = append(d, t)
		}
		b.StopTimer()
		b.ReportMetric(float64(benchenv.Percentile(d, 0.50).Nanoseconds())/1e3, "p50_us")
		b.ReportMetric(float64(benchenv.Percentile(d, 0.99).Nanoseconds())/1e3, "p99_us")
		fsyncWhere.Do(func() { b.Logf("fsync in %s (%s)", dir, benchenv.FSType(dir)) })
	})
}

// The anchors work on small sizes (plain go test runs this, quickly).
func TestAnchorsSmall(t *testing.T) {
	src, dst := benchenv.CopyBuffers(1 << 20)
	if g := benchenv.CopyGBps(src, dst, 2); !(g > 0) {
		t.Fatalf("copy rate %v", g)
	}
	if string(src) != string(dst) {
		t.Fatal("copy did not copy")
	}
	// The walk is one cycle through every line: it returns to the start
	// after exactly lines steps and not before.
	const lines = 1000
	c := benchenv.NewChase(lines*64, 7)
	for k := 1; k < lines; k++ {
		if c.Walk(1) == 0 {
			t.Fatalf("back at the start after %d of %d steps", k, lines)
		}
	}
	if p := c.Walk(1); p != 0 {
		t.Fatalf("after %d steps at line %d, want 0", lines, p)
	}
	w, err := benchenv.NewFsyncFile(t.TempDir(), 4096)
	if err != nil {
		t.Fatal(err)
	}
	d := make([]time.Duration, 3)
	for k := range d {
		if d[k], err = w.WriteSync(); err != nil {
			t.Fatal(err)
		}
	}
	// Writes go to the next block in place, each a changed one.
	before, err := w.Block(3)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(); err != nil {
		t.Fatal(err)
	}
	after, err := w.Block(3)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) == string(after) {
		t.Fatal("Write left the next block as it was")
	}
	if again, err := w.Block(2); err != nil || string(again) == string(after) {
		t.Fatalf("Write wrote over an earlier block (%v)", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if p := benchenv.Percentile(d, 0.5); p <= 0 {
		t.Fatalf("median fsync %v", p)
	}
	if fs := benchenv.FSType(t.TempDir()); fs == "" {
		t.Fatal("no file system name")
	}
}
