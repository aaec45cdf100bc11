package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Turns between writers of several processes on one SQLite file. SQLite
// lets one connection write at a time; a writer that finds the lock taken
// polls for it (busy_timeout), sleeping up to 100 ms between tries. A bulk
// writer commits one batch after another, each about a second long, and
// frees the lock only for the moments between: a server writing beside it
// (make run serves while the demo registry loads) seldom polled in such a
// moment and gave up after ten seconds with "database is locked".
//
// So a writer says that it waits: it holds a shared flock on the file
// <database>-writers while it waits for the lock and begins. Before each
// batch a bulk writer lets them go first: it waits until it can take that
// flock exclusively, that is until no writer waits, though never longer
// than bulkPatience, so that a stream of writers cannot stop it either.
// Within one process the writers queue for the single writer connection
// (database/sql hands it over in order), and they say so too, for the
// bulk writers of the same process.
const bulkPatience = time.Second

// turns is the announcement file of a SQLite database; nil on PostgreSQL.
type turns struct {
	// mu guards the count and the files, which writers may still use while
	// the DB closes.
	mu      sync.Mutex
	closed  bool
	waiting int      // this process's writers that wait
	wait    *os.File // their shared flock, held while waiting > 0
	probe   *os.File // a bulk writer's exclusive try, on its own open file
	// patience bounds a bulk writer's wait for the writers that wait.
	patience time.Duration
}

func openTurns(dbPath string) (*turns, error) {
	name := dbPath + "-writers"
	wait, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open sqlite writers' file: %w", err)
	}
	// flock locks belong to an open file, not to a process: the probe needs
	// an open file of its own to see this process's waiting writers.
	probe, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		wait.Close()
		return nil, fmt.Errorf("open sqlite writers' file: %w", err)
	}
	return &turns{wait: wait, probe: probe, patience: bulkPatience}, nil
}

// announce says that a writer waits for the lock until the returned
// function is called, once it holds the lock (or gave up). The
// announcement is advice: when the flock fails the writer goes on
// unannounced, as every writer did before.
func (t *turns) announce(ctx context.Context) (done func()) {
	if t == nil {
		return func() {}
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return func() {}
	}
	if t.waiting == 0 {
		// Blocks only while a bulk writer probes, an instant.
		if err := lockShared(t.wait); err != nil {
			t.mu.Unlock()
			slog.Default().LogAttrs(ctx, slog.LevelWarn, "announce a waiting writer", slog.Any("err", err))
			return func() {}
		}
	}
	t.waiting++
	t.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			if t.waiting--; t.waiting == 0 && !t.closed {
				if err := unlock(t.wait); err != nil {
					slog.Default().LogAttrs(ctx, slog.LevelWarn, "end a waiting writer's announcement", slog.Any("err", err))
				}
			}
		})
	}
}

// yield returns once no writer of any process waits for the lock, or
// after t.patience.
func (t *turns) yield(ctx context.Context) error {
	if t == nil {
		return nil
	}
	deadline := time.Now().Add(t.patience)
	for {
		free, err := t.nobodyWaits()
		if err != nil {
			slog.Default().LogAttrs(ctx, slog.LevelWarn, "look for waiting writers", slog.Any("err", err))
			return nil
		}
		if free || time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for other writers: %w", ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// nobodyWaits says whether no writer holds the shared flock, by taking it
// exclusively for an instant.
func (t *turns) nobodyWaits() (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return true, nil
	}
	free, err := tryExclusive(t.probe)
	if err != nil || !free {
		return false, err
	}
	return true, unlock(t.probe)
}

func (t *turns) close() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	return errors.Join(t.wait.Close(), t.probe.Close())
}
