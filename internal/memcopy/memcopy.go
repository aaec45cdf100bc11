// Package memcopy keeps in memory a copy of stored data that changes
// rarely and is read at every request, such as the category tree, the
// routing rules and the working calendar. The copy is reloaded when the
// data's stored version moves: after this process's own changes, and at
// every tick of Watch for those of other server processes.
package memcopy

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Copy holds the copy of one kind of data, as a value of T that is never
// changed once loaded: a reload replaces it whole, so readers need no lock.
type Copy[T any] struct {
	what    string
	log     *slog.Logger
	version func(ctx context.Context) (int64, error)
	load    func(ctx context.Context, version int64) (*T, error)

	mu  sync.Mutex // one reload at a time
	cur atomic.Pointer[held[T]]
}

type held[T any] struct {
	version int64
	value   *T
}

// New returns an empty copy. version reads the data's stored version;
// load reads the data at that version (or, should it change meanwhile, a
// later one, which the next Refresh loads again). what names the data in
// logs, as in "routing rules".
func New[T any](what string, log *slog.Logger, version func(ctx context.Context) (int64, error),
	load func(ctx context.Context, version int64) (*T, error)) *Copy[T] {
	if log == nil {
		log = slog.Default()
	}
	return &Copy[T]{what: what, log: log, version: version, load: load}
}

// Loaded returns the copy as of the last Refresh, or nil before the first.
// It never waits.
func (c *Copy[T]) Loaded() *T {
	if h := c.cur.Load(); h != nil {
		return h.value
	}
	return nil
}

// Get returns the copy, loading it on first use.
func (c *Copy[T]) Get(ctx context.Context) (*T, error) {
	if v := c.Loaded(); v != nil {
		return v, nil
	}
	if err := c.Refresh(ctx); err != nil {
		return nil, err
	}
	return c.Loaded(), nil
}

// Refresh reloads the copy when the stored version differs from the one
// in memory. A failed load keeps the copy there was.
func (c *Copy[T]) Refresh(ctx context.Context) error {
	v, err := c.version(ctx)
	if err != nil {
		return err
	}
	if h := c.cur.Load(); h != nil && h.version == v {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Another reload may have loaded it while this one waited.
	if h := c.cur.Load(); h != nil && h.version == v {
		return nil
	}
	start := time.Now()
	value, err := c.load(ctx, v)
	if err != nil {
		return err
	}
	c.cur.Store(&held[T]{version: v, value: value})
	c.log.LogAttrs(ctx, slog.LevelDebug, c.what+" loaded", slog.Int64("version", v), slog.Duration("took", time.Since(start)))
	return nil
}

// Watch refreshes every interval until ctx ends, so that changes made
// through other server processes reach this one.
func (c *Copy[T]) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
				c.log.LogAttrs(ctx, slog.LevelWarn, "refresh "+c.what, slog.Any("err", err))
			}
		}
	}
}

// AfterWrite reloads the copy once a change has committed. A failure only
// delays the change here until the next Watch tick; the write itself
// stands, so it is logged, not returned.
func (c *Copy[T]) AfterWrite(ctx context.Context) {
	if err := c.Refresh(ctx); err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "reload "+c.what+" after a change", slog.Any("err", err))
	}
}
