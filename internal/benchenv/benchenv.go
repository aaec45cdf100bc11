// Package benchenv measures the machine anchors printed with every benchmark
// run (make bench), so that results can be compared across machines: memory
// bandwidth and latency, which bound in-memory lookups, the cost of a write
// into the kernel's page cache, which the storage engines pay for every page
// they write, and fsync latency, which bounds every durable write.
//
// The measurements are plain functions; BenchmarkAnchors in this package's
// tests reports them as benchmark metrics.
package benchenv

import (
	"math/rand/v2"
	"os"
	"slices"
	"time"
)

// CopyBuffers returns a source and a destination of size bytes each, filled
// so that every page is really mapped before anything is timed.
func CopyBuffers(size int) (src, dst []byte) {
	src, dst = make([]byte, size), make([]byte, size)
	for i := 0; i < size; i += 4096 {
		src[i], dst[i] = byte(i>>12), 1
	}
	return src, dst
}

// CopyGBps copies src into dst rounds times and returns the best rate in GB/s
// (1e9 bytes), counting bytes read plus bytes written as STREAM's Copy does.
func CopyGBps(src, dst []byte, rounds int) float64 {
	best := time.Duration(1<<63 - 1)
	for range max(rounds, 1) {
		t0 := time.Now()
		copy(dst, src)
		best = min(best, time.Since(t0))
	}
	return 2 * float64(len(src)) / best.Seconds() / 1e9
}

// Chase is a random cyclic walk over the cache lines of a buffer: each line's
// first word holds the index of the next line to visit, so every load
// depends on the one before and the walk measures memory latency (caches,
// TLB and DRAM together, as random lookups in a large index see them).
type Chase struct {
	next []uint32 // 16 words a line; word 16*k holds the line after k
	pos  uint32
}

// NewChase builds a walk over size bytes (rounded down to 64-byte lines) in
// one random cycle through every line (Sattolo's algorithm).
func NewChase(size int, seed uint64) *Chase {
	lines := size / 64
	if lines < 2 {
		lines = 2
	}
	perm := make([]uint32, lines)
	for i := range perm {
		perm[i] = uint32(i)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := lines - 1; i > 0; i-- {
		j := rng.IntN(i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	c := &Chase{next: make([]uint32, lines*16)}
	for i := range perm {
		c.next[16*perm[i]] = perm[(i+1)%lines]
	}
	return c
}

// Walk takes n dependent steps and returns the line reached.
func (c *Chase) Walk(n int) uint32 {
	p, next := c.pos, c.next
	for range n {
		p = next[16*p]
	}
	c.pos = p
	return p
}

// FsyncFile is a file for timing durable writes: WriteSync writes one
// block and fsyncs, cycling over a small window so the file stays small.
type FsyncFile struct {
	f     *os.File
	block []byte
	k     int
}

// fsyncWindow is how many blocks WriteSync cycles over.
const fsyncWindow = 256

// NewFsyncFile creates the file in dir and preallocates its window, so that
// WriteSync overwrites data blocks as a database's write-ahead log recycling
// does.
func NewFsyncFile(dir string, block int) (*FsyncFile, error) {
	f, err := os.CreateTemp(dir, "fsync-anchor-*")
	if err != nil {
		return nil, err
	}
	w := &FsyncFile{f: f, block: make([]byte, block)}
	for i := range w.block {
		w.block[i] = byte(i)
	}
	for range fsyncWindow {
		if _, err := f.Write(w.block); err != nil {
			w.Close()
			return nil, err
		}
	}
	if err := f.Sync(); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// Write writes the next block in place without fsync: one system call that
// hands a block to the kernel's page cache, as SQLite's pwrite of every WAL
// frame and of every page a checkpoint copies. Its cost follows the
// machine's price of a system call, which differs between machines far
// more than their CPUs do.
func (w *FsyncFile) Write() error {
	w.block[0]++
	if _, err := w.f.WriteAt(w.block, int64(w.k%fsyncWindow)*int64(len(w.block))); err != nil {
		return err
	}
	w.k++
	return nil
}

// WriteSync writes the next block and fsyncs the file, returning how long
// both took.
func (w *FsyncFile) WriteSync() (time.Duration, error) {
	t0 := time.Now()
	if err := w.Write(); err != nil {
		return 0, err
	}
	if err := w.f.Sync(); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// Close removes the file.
func (w *FsyncFile) Close() error {
	err := w.f.Close()
	if rerr := os.Remove(w.f.Name()); err == nil {
		err = rerr
	}
	return err
}

// Percentile returns the f-quantile (0..1) of d, sorting d in place.
func Percentile(d []time.Duration, f float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(f*float64(len(d))))]
}
