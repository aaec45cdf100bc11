package event

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/db"
)

// Group commit. Every durable commit costs an fsync, and SQLite has one
// writer, so a commit per report caps intake at the disk's fsync rate.
// Run starts a committer that takes the writes waiting at that moment, or
// arriving within commitGap of the last commit (up to maxBatch), runs
// each inside its own savepoint of one transaction (a refused write rolls
// back alone), applies the measure counters of the whole batch at once in
// key order (fewer statements, and no deadlocks between concurrent batches
// on PostgreSQL), commits once, and only then answers every caller.
// Nothing is acknowledged before it is durable. Without Run, each write is
// a transaction of its own.

const maxBatch = 256

type job struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error
}

// committer holds the queue while Run runs. A write finding the queue
// full waits for room rather than going alone: a transaction of its own
// would queue for the single writer beside the committer with a commit and
// an fsync of its own, so past a moment's backlog intake would fall to the
// disk's fsync rate and stay there while the load lasted (an overload of
// seconds at 4,000 reports/s fell to some 600/s). Waiting, the writes go
// in groups of maxBatch as fast as the writer commits them.
type committer struct {
	// mu is held for reading while a write is handed over, and for
	// writing to stop: once Run has stopped no write can be left queued.
	mu       sync.RWMutex
	running  bool
	jobs     chan *job
	stopping chan struct{} // closed when Run stops, releasing those waiting for room
}

// Run commits the event writes of this process in groups until ctx ends;
// on SQLite it also keeps the duplicate search's index current (nearby.go).
func (s *Service) Run(ctx context.Context) {
	s.commits.mu.Lock()
	if s.commits.running {
		s.commits.mu.Unlock()
		return
	}
	s.commits.running = true
	s.commits.jobs = make(chan *job, 4*maxBatch)
	s.commits.stopping = make(chan struct{})
	jobs, stopping := s.commits.jobs, s.commits.stopping
	s.commits.mu.Unlock()
	if s.db.Engine == db.SQLite {
		go s.near.follow(ctx, s.db, s.now, s.log)
	}
	defer func() {
		// Those waiting for room give up the queue and release the read
		// lock, so that the lock below is not held up by them.
		close(stopping)
		s.commits.mu.Lock()
		s.commits.running = false
		s.commits.mu.Unlock()
		// Whatever is still queued gets its own transaction.
		for {
			select {
			case j := <-jobs:
				j.done <- s.db.InTx(j.ctx, func(tx *sql.Tx) error { return s.inBuffer(j.ctx, tx, j.fn) })
			default:
				return
			}
		}
	}()
	batch := make([]*job, 0, maxBatch)
	var bufs groupBufs
	gapped := s.db.Engine == db.SQLite // see commitGap
	var last time.Time                 // when the last group began to commit
	busy := false                      // whether it held more than one write
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-jobs:
			batch = append(batch[:0], j)
		}
		wait := time.Duration(0)
		if gapped && busy {
			wait = time.Until(last.Add(commitGap))
		}
		batch = gather(batch, jobs, wait)
		last, busy = time.Now(), len(batch) > 1
		s.commitGroup(ctx, batch, &bufs)
	}
}

// commitGap is the least time from the start of one group's commit to the
// next. A commit writes some thirty pages to the WAL whatever its size (the
// last leaves of the tables and of their ordered indexes, the counters of
// the city and its districts, the header), so a writer committing as soon
// as anything waited made groups of three or four at 3,000 reports/s, and
// those pages were most of its work. With the gap the groups double and a
// report costs a third fewer pages and some 14% less CPU
// (docs/BENCHMARKS.md). Only a busy writer waits: one whose last group
// held more than one write, and only for what is left of the gap since
// that group began to commit. An idle writer, or one client's writes in
// turn, commit at once. PostgreSQL's commits write no such pages, and
// there the gap only added its wait, so it is SQLite's only.
const commitGap = 2 * time.Millisecond

// gather adds to batch the jobs that arrive within wait (none if wait is
// not positive), then those already queued, up to maxBatch.
func gather(batch []*job, jobs <-chan *job, wait time.Duration) []*job {
	if wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
	window:
		for len(batch) < maxBatch {
			select {
			case j := <-jobs:
				batch = append(batch, j)
			case <-timer.C:
				break window
			}
		}
	}
	for len(batch) < maxBatch {
		select {
		case j := <-jobs:
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

// write runs fn in a transaction: the group's when Run is running, its
// own otherwise.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.submit(ctx, fn)()
}

// submit is write in two halves: it hands fn to the committer and returns
// the wait for its answer, so that the caller may work meanwhile. Without
// Run, fn has run in a transaction of its own when submit returns.
func (s *Service) submit(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) (wait func() error) {
	j := &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	// The send happens under the read lock, which Run takes for writing
	// before it drains the queue, so no job can be left in it once Run has
	// stopped. A full queue means waiting for room (see committer).
	c := &s.commits
	c.mu.RLock()
	queued := false
	if c.running {
		select {
		case c.jobs <- j:
			queued = true
		case <-ctx.Done():
			c.mu.RUnlock()
			err := fmt.Errorf("event write: waiting for the committer: %w", ctx.Err())
			return func() error { return err }
		case <-c.stopping:
		}
	}
	c.mu.RUnlock()
	if !queued {
		s.warm(ctx)
		err := s.db.InTx(ctx, func(tx *sql.Tx) error { return s.inBuffer(ctx, tx, fn) })
		return func() error { return err }
	}
	// Once queued, the answer waits for the commit: the caller must learn
	// whether its write is durable even if it stops waiting.
	return func() error { return <-j.done }
}

// inBuffer runs fn with the counters buffered and applies them after.
func (s *Service) inBuffer(ctx context.Context, tx *sql.Tx, fn func(ctx context.Context, tx *sql.Tx) error) error {
	buf := counterBuf{}
	s.counters.Store(tx, buf)
	defer s.counters.Delete(tx)
	if err := fn(ctx, tx); err != nil {
		return err
	}
	return s.flushCounters(ctx, tx, buf)
}

// groupBufs are the counter buffers of a group's writes, kept from group
// to group by the committer: made anew, they were a twentieth of what
// intake allocated.
type groupBufs struct{ total, write counterBuf }

// commitGroup commits batch in one transaction, each write in a savepoint
// of its own; bufs are cleared and used for its counters.
func (s *Service) commitGroup(ctx context.Context, batch []*job, bufs *groupBufs) {
	errs := make([]error, len(batch))
	fail := func(err error) {
		for i := range batch {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	defer func() {
		for i, j := range batch {
			j.done <- errs[i]
		}
	}()
	s.warm(ctx)
	// The group's statements run on contexts that cannot be cancelled. An
	// interrupted write rolls back the whole transaction on SQLite and
	// breaks the connection on PostgreSQL, so one reporter hanging up in
	// mid-statement would fail every write of the group. A write whose
	// caller is gone before its turn is skipped (below); once begun, it
	// finishes. The drivers then also skip watching a context for each
	// statement, a goroutine apiece on SQLite.
	ctx = context.WithoutCancel(ctx)
	tx, err := s.db.BeginWrite(ctx)
	if err != nil {
		fail(err)
		return
	}
	defer tx.Rollback()
	// A report moves some thirty counters; its buffer is cleared and used
	// again by the next write rather than grown anew for each.
	if bufs.total == nil {
		bufs.total, bufs.write = make(counterBuf, 256), make(counterBuf, 64)
	}
	total, buf := bufs.total, bufs.write
	clear(total)
	s.counters.Store(tx, buf)
	defer s.counters.Delete(tx)
	ok := 0
	// A write alone in its group needs no savepoint: refused, it takes the
	// transaction down with it, and nothing else was in it. At low rates
	// that is most groups, and on PostgreSQL two round trips of five.
	alone := len(batch) == 1
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if !alone {
			if _, err := s.txExec(ctx, tx, `SAVEPOINT w`); err != nil {
				fail(fmt.Errorf("savepoint: %w", err))
				return
			}
		}
		clear(buf)
		err := j.fn(context.WithoutCancel(j.ctx), tx)
		if err != nil {
			errs[i] = err
			if alone {
				return
			}
			if _, rerr := s.txExec(ctx, tx, `ROLLBACK TO SAVEPOINT w`); rerr != nil {
				fail(fmt.Errorf("rollback to savepoint: %w", rerr))
				return
			}
		}
		if !alone {
			if _, err := s.txExec(ctx, tx, `RELEASE SAVEPOINT w`); err != nil {
				fail(fmt.Errorf("release savepoint: %w", err))
				return
			}
		}
		if errs[i] == nil {
			total.add(buf)
			ok++
		}
	}
	if ok == 0 {
		return
	}
	if err := s.flushCounters(ctx, tx, total); err != nil {
		fail(err)
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
	}
}

// counterKey is one row of event_counters.
type counterKey struct{ region, month, category, measure string }

// counterBuf gathers counter moves until the transaction's end.
type counterBuf map[counterKey]int64

func (b counterBuf) add(o counterBuf) {
	for k, v := range o {
		b[k] += v
	}
}

// flushCounters writes a buffer's moves in key order, counterChunk rows
// to a statement: a group of reports moves hundreds of counters, and one
// statement per row cost more than the rows.
func (s *Service) flushCounters(ctx context.Context, tx *sql.Tx, buf counterBuf) error {
	keys := make([]counterKey, 0, len(buf))
	for k, v := range buf {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b counterKey) int {
		return cmp.Or(cmp.Compare(a.region, b.region), cmp.Compare(a.month, b.month), cmp.Compare(a.category, b.category),
			cmp.Compare(a.measure, b.measure))
	})
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), counterChunk)]
		keys = keys[len(chunk):]
		query := s.fullCounters
		if len(chunk) < counterChunk {
			query = upsertCounters(s.db.Engine, len(chunk))
		}
		args := make([]any, 0, 5*len(chunk))
		for _, k := range chunk {
			args = append(args, k.region, k.month, k.category, k.measure, buf[k])
		}
		if _, err := s.txExec(ctx, tx, query, args...); err != nil {
			return fmt.Errorf("event counters: %w", err)
		}
	}
	return nil
}

// counterChunk is how many counter rows one statement moves.
const counterChunk = 64

// upsertCounters is the statement adding to n counter rows.
func upsertCounters(engine db.Engine, n int) string {
	return "INSERT INTO event_counters (region_code, month, category_code, measure, n) VALUES " + engine.Values(n, 5) +
		" ON CONFLICT (region_code, month, category_code, measure) DO UPDATE SET n = event_counters.n + excluded.n"
}
