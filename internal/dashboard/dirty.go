package dashboard

import (
	"context"
	"strings"
	"sync"

	"github.com/gridgov/gridgov/internal/live"
)

// dirtySet holds the paths changed since their figures were read, and
// those being read again: a panel waits for both, so that it never shows
// less than the changes heard before it was asked for, even while another
// reload (Run's, another panel's) has taken them.
type dirtySet struct {
	mu      sync.Mutex
	paths   map[string]bool
	loading map[string]int
}

func (d *dirtySet) mark(paths ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.paths == nil {
		d.paths = map[string]bool{}
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		d.paths[p] = true
	}
}

// wanted says whether a path is to be read for a panel of the region at
// region ("" for everything, the root included). The root is read in
// full by Run only: it stands for every event or worker.
func wanted(region, p string) bool {
	if region == "" {
		return true
	}
	return p != live.Root && live.Related(region, p)
}

// pending says whether paths concerning region are changed or being
// read again.
func (d *dirtySet) pending(region string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for p := range d.paths {
		if wanted(region, p) {
			return true
		}
	}
	for p := range d.loading {
		if wanted(region, p) {
			return true
		}
	}
	return false
}

// take hands out the changed paths concerning region, held as being read
// until done.
func (d *dirtySet) take(region string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for p := range d.paths {
		if wanted(region, p) {
			out = append(out, p)
			delete(d.paths, p)
		}
	}
	if d.loading == nil {
		d.loading = map[string]int{}
	}
	for _, p := range out {
		d.loading[p]++
	}
	return out
}

// done ends the reading of paths handed out by take; failed ones are
// marked changed again.
func (d *dirtySet) done(taken, failed []string) {
	d.mu.Lock()
	for _, p := range taken {
		if d.loading[p]--; d.loading[p] <= 0 {
			delete(d.loading, p)
		}
	}
	d.mu.Unlock()
	d.mark(failed...)
}

// sync reads again the changed paths that concern the region at region
// ("" for all), one reload at a time; what fails stays marked. When
// another reload holds such paths, it waits for that reload to end.
func (s *Service) sync(ctx context.Context, d *dirtySet, region string, load func(ctx context.Context, path string) error) error {
	if !d.pending(region) {
		return nil
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	taken := d.take(region)
	paths := compactPaths(taken)
	for i, p := range paths {
		if err := load(ctx, p); err != nil {
			d.done(taken, paths[i:])
			return err
		}
	}
	d.done(taken, nil)
	return nil
}

func (s *Service) markEvents(paths ...string)     { s.evDirty.mark(paths...) }
func (s *Service) markOperations(paths ...string) { s.opDirty.mark(paths...) }

// syncEvents reads again the events of the changed leaves around region.
func (s *Service) syncEvents(ctx context.Context, region string) error {
	return s.sync(ctx, &s.evDirty, region, s.loadEvents)
}

// syncOperations reads again the operations figures of the changed
// leaves around region.
func (s *Service) syncOperations(ctx context.Context, region string) error {
	return s.sync(ctx, &s.opDirty, region, func(ctx context.Context, path string) error {
		return s.loadOperations(ctx, path, true)
	})
}
