package workforce

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/db"
)

// Group commit of the phones' writes on SQLite. In the morning wave
// thousands of phones check in and upload patrol batches at once; a
// transaction each would cap them at the disk's fsync rate on SQLite's
// single writer. A
// write waits in a queue; one committer takes the writes waiting at that
// moment (up to maxGroup), runs each in a savepoint of one transaction (a
// refused write rolls back alone), commits once and only then answers
// every caller, so nothing is acknowledged before it is durable. The
// committer runs while there is work and stops when the queue is empty;
// the next write starts it again. The method is the event intake's
// (internal/event/commit.go).

const maxGroup = 256

type writeJob struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error
}

type committer struct {
	mu      sync.Mutex
	running bool
	jobs    chan *writeJob
}

// write runs fn in the next group transaction on SQLite. PostgreSQL takes
// concurrent writers and batches their WAL flushes itself, so there each
// write is a transaction of its own, on its own connection.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if s.db.Engine != db.SQLite {
		return s.writeAlone(ctx, fn)
	}
	j := &writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	c := &s.commits
	c.mu.Lock()
	if c.jobs == nil {
		c.jobs = make(chan *writeJob, 4*maxGroup)
	}
	queued := false
	select {
	case c.jobs <- j:
		queued = true
		if !c.running {
			c.running = true
			go s.commitLoop()
		}
	default:
	}
	c.mu.Unlock()
	if !queued {
		// A full queue means a running committer: wait for room. A
		// transaction of its own would queue for the single writer beside
		// the committer, with an fsync of its own, and past a moment's
		// backlog the wave would fall to the disk's fsync rate and stay
		// there (the event intake's committer, internal/event/commit.go).
		select {
		case c.jobs <- j:
		case <-ctx.Done():
			return fmt.Errorf("workforce write: waiting for the committer: %w", ctx.Err())
		}
		// The committer stops, under the lock, only on an empty queue: if
		// it did so before the send, start another.
		c.mu.Lock()
		if !c.running {
			c.running = true
			go s.commitLoop()
		}
		c.mu.Unlock()
	}
	// Once queued, the answer waits for the commit: the caller must learn
	// whether its write is durable even if it stops waiting.
	return <-j.done
}

// writeAlone runs fn in a transaction of its own.
func (s *Service) writeAlone(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error { return fn(ctx, tx) })
}

func (s *Service) commitLoop() {
	c := &s.commits
	group := make([]*writeJob, 0, maxGroup)
	for {
		c.mu.Lock()
		select {
		case j := <-c.jobs:
			group = append(group[:0], j)
		default:
			// Stopping under the lock: a write queued after this starts a
			// new committer.
			c.running = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	drain:
		for len(group) < maxGroup {
			select {
			case j := <-c.jobs:
				group = append(group, j)
			default:
				break drain
			}
		}
		s.commitGroup(group)
	}
}

func (s *Service) commitGroup(group []*writeJob) {
	errs := make([]error, len(group))
	fail := func(err error) {
		for i := range group {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	defer func() {
		for i, j := range group {
			j.done <- errs[i]
		}
	}()
	// The group's statements run on contexts that cannot be cancelled: an
	// interrupted write rolls back the whole transaction, so one caller
	// hanging up in mid-statement would fail every write of the group. A
	// write whose caller is gone before its turn is skipped; once begun,
	// it finishes.
	ctx := context.Background()
	tx, err := s.db.BeginWrite(ctx)
	if err != nil {
		fail(err)
		return
	}
	defer tx.Rollback()
	ok := 0
	for i, j := range group {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		jctx := context.WithoutCancel(j.ctx)
		if len(group) == 1 {
			errs[i] = j.fn(jctx, tx)
		} else {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
				fail(fmt.Errorf("savepoint: %w", err))
				return
			}
			errs[i] = j.fn(jctx, tx)
			if errs[i] != nil {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT w`); err != nil {
					fail(fmt.Errorf("rollback to savepoint: %w", err))
					return
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT w`); err != nil {
				fail(fmt.Errorf("release savepoint: %w", err))
				return
			}
		}
		if errs[i] == nil {
			ok++
		}
	}
	if ok == 0 {
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
	}
}

// Devices are looked up on every signed request. The lookup is cached for
// deviceTTL and dropped by this process as soon as it unbinds a device or
// deactivates a worker; every write from a device checks again, inside its
// transaction, that the device is still bound to an active worker, so a
// cached entry never lets an unbound phone store anything, and another
// process's unbinding stops reads within deviceTTL.
const deviceTTL = 30 * time.Second

type deviceEntry struct {
	caller DeviceCaller
	key    ed25519.PublicKey
	active bool
	until  time.Time
}

type deviceCache struct {
	mu sync.Mutex
	m  map[string]deviceEntry
}

func (dc *deviceCache) get(device string, now time.Time) (deviceEntry, bool) {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	e, ok := dc.m[device]
	if !ok || now.After(e.until) {
		return deviceEntry{}, false
	}
	return e, true
}

func (dc *deviceCache) put(device string, e deviceEntry) {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if dc.m == nil {
		dc.m = map[string]deviceEntry{}
	}
	if len(dc.m) > 200000 {
		clear(dc.m) // a bound on memory; entries come back on the next request
	}
	dc.m[device] = e
}

// forgetWorker drops the cached devices of a worker.
func (dc *deviceCache) forgetWorker(workerID int64) {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	for k, e := range dc.m {
		if e.caller.WorkerID == workerID {
			delete(dc.m, k)
		}
	}
}

// stillBound refuses a write from a device that was unbound, or whose
// worker was deactivated, since its request was authenticated.
func stillBound(ctx context.Context, tx *sql.Tx, c DeviceCaller) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM worker_devices d JOIN workers w ON w.id = d.worker_id
		WHERE d.id = $1 AND d.status = 'active' AND w.active`, c.deviceRow).Scan(&n); err != nil {
		return fmt.Errorf("device %s: %w", c.DeviceID, err)
	}
	if n == 0 {
		return refusal("device", fmt.Sprintf("device %s is no longer bound to an active worker", c.DeviceID))
	}
	return nil
}
