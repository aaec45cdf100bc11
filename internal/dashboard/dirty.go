package dashboard

import (
	"context"
	"strings"
	"sync"

	"github.com/gridgov/gridgov/internal/live"
)

// dirtySet holds the paths changed since their figures were read.
type dirtySet struct {
	mu    sync.Mutex
	paths map[string]bool
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

func (d *dirtySet) pending(region string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for p := range d.paths {
		if wanted(region, p) {
			return true
		}
	}
	return false
}

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
	return compactPaths(out)
}

// sync reads again the changed paths that concern the region at region
// ("" for all), one reload at a time; what fails stays marked.
func (s *Service) sync(ctx context.Context, d *dirtySet, region string, load func(ctx context.Context, path string) error) error {
	if !d.pending(region) {
		return nil
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	paths := d.take(region)
	for i, p := range paths {
		if err := load(ctx, p); err != nil {
			d.mark(paths[i:]...)
			return err
		}
	}
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
