// Package groupcommit commits many callers' writes in one transaction.
//
// Every durable commit costs an fsync, and SQLite has one writer, so a
// transaction per write caps the writers at the disk's fsync rate. A
// Committer queues the writes; one goroutine takes those waiting at that
// moment (up to a group's size), runs each inside a savepoint of one
// transaction (a refused write rolls back alone), commits once, and only
// then answers every caller. Nothing is acknowledged before it is durable.
//
// The event intake and the phones' check-ins and patrols use it.
package groupcommit

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridgov/gridgov/internal/db"
)

// Func is one write, run in the group's transaction.
type Func func(ctx context.Context, tx *sql.Tx) error

// A Batch keeps what the writes of one transaction gather beside their
// rows, to apply once before it commits, such as the event measures'
// counter moves: a group of reports moves hundreds of counters, and a
// statement per write cost more than the writes.
type Batch interface {
	// Begin runs before the writes, with the keys they were submitted
	// with ("" for none), in the order they run. A write whose caller is
	// gone by its turn is skipped, so its key may go unused.
	Begin(ctx context.Context, tx *sql.Tx, keys []string) error
	// Write runs fn, one write of the transaction. A write that fails is
	// rolled back, so what it gathered must be dropped.
	Write(ctx context.Context, tx *sql.Tx, fn Func) error
	// Flush applies what the stored writes gathered, before the commit.
	// It is not called when no write of the transaction was stored.
	Flush(ctx context.Context, tx *sql.Tx) error
	// Close ends the batch when its transaction has ended, either way.
	Close()
}

// Options shape a Committer; the zero value is a committer with the
// defaults that only Run starts.
type Options struct {
	// Name names the writes in errors, as in "event write".
	Name string
	// MaxGroup is the most writes in one transaction; 256 by default.
	// The queue holds four groups.
	MaxGroup int
	// Gap is the least time from the start of one busy group's commit to
	// the next (see Committer.loop). Zero commits as soon as anything
	// waits.
	Gap time.Duration
	// OnDemand starts the committer at the first write and stops it when
	// the queue is empty, for services with no lifetime of their own to
	// run it in. Otherwise only Run runs it, and without Run each write is
	// a transaction of its own.
	OnDemand bool
	// Warm runs before each transaction the committer begins, with none
	// open on its goroutine: the place to prepare statements, which needs
	// a connection, and SQLite's one writer connection is the
	// transaction's own.
	Warm func(ctx context.Context)
	// Batch, if set, makes the batch of each transaction.
	Batch func(tx *sql.Tx) Batch
}

const defaultMaxGroup = 256

type job struct {
	ctx  context.Context
	key  string
	fn   Func
	done chan error
}

// Committer groups writes into transactions. A write that finds the queue
// full waits for room rather than going alone: a transaction of its own
// would queue for the single writer beside the committer with a commit and
// an fsync of its own, so past a moment's backlog intake would fall to the
// disk's fsync rate and stay there while the load lasted (an overload of
// seconds at 4,000 reports/s fell to some 600/s). Waiting, the writes go
// in full groups as fast as the writer commits them.
type Committer struct {
	db   *db.DB
	opts Options
	sp   atomic.Pointer[savepoints]

	// mu is held for reading while a write is handed over, and for
	// writing to start or stop the committer: once it has stopped no
	// write can be left queued.
	mu       sync.RWMutex
	running  bool
	jobs     chan *job
	stopping chan struct{} // closed as the committer stops, releasing those waiting for room
}

// New returns a committer of writes to d.
func New(d *db.DB, o Options) *Committer {
	if o.MaxGroup <= 0 {
		o.MaxGroup = defaultMaxGroup
	}
	if o.Name == "" {
		o.Name = "write"
	}
	return &Committer{db: d, opts: o, jobs: make(chan *job, 4*o.MaxGroup)}
}

// Run commits the writes in groups until ctx ends; writes still queued
// then go alone. A second Run while one runs returns at once.
func (c *Committer) Run(ctx context.Context) {
	stopping, ok := c.start()
	if !ok {
		return
	}
	defer func() {
		// Those waiting for room give up the queue and release the read
		// lock, so that the lock below is not held up by them.
		close(stopping)
		c.mu.Lock()
		c.running = false
		c.mu.Unlock()
		for {
			select {
			case j := <-c.jobs:
				j.done <- c.alone(j.ctx, j.key, j.fn)
			default:
				return
			}
		}
	}()
	c.loop(context.WithoutCancel(ctx), ctx.Done(), false)
}

// start marks the committer running, unless it was.
func (c *Committer) start() (stopping chan struct{}, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return nil, false
	}
	c.running = true
	c.stopping = make(chan struct{})
	return c.stopping, true
}

// Write runs fn in a group's transaction, or in one of its own when no
// committer runs, and returns once it is durable or refused.
func (c *Committer) Write(ctx context.Context, fn Func) error {
	return c.Submit(ctx, fn)()
}

// Submit is Write in two halves: it hands fn to the committer and returns
// the wait for its answer, so that the caller may work meanwhile. With no
// committer running, fn has run in a transaction of its own when Submit
// returns.
func (c *Committer) Submit(ctx context.Context, fn Func) (wait func() error) {
	return c.SubmitKeyed(ctx, "", fn)
}

// SubmitKeyed is Submit for a write that shares something named by key
// with other writes, such as a row each of them updates: the batch of its
// transaction learns the keys of all its writes before they run
// (Batch.Begin), to take what they share once, in an order of its choosing.
func (c *Committer) SubmitKeyed(ctx context.Context, key string, fn Func) (wait func() error) {
	j := &job{ctx: ctx, key: key, fn: fn, done: make(chan error, 1)}
	for {
		// The send happens under the read lock, which the committer takes
		// for writing before it stops, so no job can be left in the queue.
		c.mu.RLock()
		if c.running {
			select {
			case c.jobs <- j:
				c.mu.RUnlock()
				// Once queued, the answer waits for the commit: the caller
				// must learn whether its write is durable even if it stops
				// waiting.
				return func() error { return <-j.done }
			case <-ctx.Done():
				c.mu.RUnlock()
				err := fmt.Errorf("%s: waiting for the committer: %w", c.opts.Name, ctx.Err())
				return func() error { return err }
			case <-c.stopping:
				// The committer is stopping: look again once it has.
				c.mu.RUnlock()
				continue
			}
		}
		c.mu.RUnlock()
		if !c.opts.OnDemand {
			err := c.alone(ctx, key, fn)
			return func() error { return err }
		}
		c.mu.Lock()
		if !c.running {
			c.running = true
			c.stopping = make(chan struct{})
			c.jobs <- j // a stopped committer's queue is empty
			c.mu.Unlock()
			go c.loop(context.Background(), nil, true)
			return func() error { return <-j.done }
		}
		c.mu.Unlock() // another write started it meanwhile
	}
}

// alone runs fn in a transaction of its own.
func (c *Committer) alone(ctx context.Context, key string, fn Func) error {
	c.warm(ctx)
	return c.db.InTx(ctx, func(tx *sql.Tx) error {
		if c.opts.Batch == nil {
			return fn(ctx, tx)
		}
		b := c.opts.Batch(tx)
		defer b.Close()
		if err := b.Begin(ctx, tx, []string{key}); err != nil {
			return err
		}
		if err := b.Write(ctx, tx, fn); err != nil {
			return err
		}
		return b.Flush(ctx, tx)
	})
}

// loop commits groups until stop is closed or, on demand, until the queue
// is empty. (A context that is never cancelled has a nil Done channel,
// which never closes.)
//
// A commit on SQLite writes some thirty pages to the WAL whatever its
// size (the last leaves of the tables and of their ordered indexes, the
// header), so a writer committing as soon as anything waited made groups
// of three or four at 3,000 reports/s, and those pages were most of its
// work. With a gap (Options.Gap) between the starts of its commits the
// groups grow. Only a busy writer waits: one whose last group held more
// than one write, and only for what is left of the gap since that group
// began to commit. An idle writer, or one client's writes in turn, commit
// at once.
func (c *Committer) loop(ctx context.Context, stop <-chan struct{}, onDemand bool) {
	group := make([]*job, 0, c.opts.MaxGroup)
	var last time.Time // when the last group began to commit
	busy := false      // whether it held more than one write
	for {
		if onDemand {
			select {
			case j := <-c.jobs:
				group = append(group[:0], j)
			default:
				if c.stopIdle() {
					return
				}
				continue
			}
		} else {
			select {
			case <-stop:
				return
			case j := <-c.jobs:
				group = append(group[:0], j)
			}
		}
		wait := time.Duration(0)
		if c.opts.Gap > 0 && busy {
			wait = time.Until(last.Add(c.opts.Gap))
		}
		group = gather(group, c.jobs, c.opts.MaxGroup, wait)
		last, busy = time.Now(), len(group) > 1
		c.commitGroup(ctx, group)
	}
}

// stopIdle stops an on-demand committer whose queue is empty, and reports
// whether it did. Those waiting for room are released first, as Run's end
// does; they look again, and find it running or start another.
func (c *Committer) stopIdle() bool {
	close(c.stopping)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.jobs) > 0 {
		c.stopping = make(chan struct{})
		return false
	}
	c.running = false
	return true
}

// gather adds to group the jobs that arrive within wait (none if wait is
// not positive), then those already queued, up to max.
func gather(group []*job, jobs <-chan *job, max int, wait time.Duration) []*job {
	if wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
	window:
		for len(group) < max {
			select {
			case j := <-jobs:
				group = append(group, j)
			case <-timer.C:
				break window
			}
		}
	}
	for len(group) < max {
		select {
		case j := <-jobs:
			group = append(group, j)
		default:
			return group
		}
	}
	return group
}

// commitGroup commits group in one transaction, each write in a savepoint
// of its own, and answers each.
func (c *Committer) commitGroup(ctx context.Context, group []*job) {
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
	// ctx cannot be cancelled, nor can the writes' own below. An
	// interrupted write rolls back the whole transaction on SQLite and
	// breaks the connection on PostgreSQL, so one caller hanging up in
	// mid-statement would fail every write of the group. A write whose
	// caller is gone before its turn is skipped; once begun, it finishes.
	// The drivers then also skip watching a context for each statement, a
	// goroutine apiece on SQLite.
	c.warm(ctx)
	sp := c.savepoints(ctx)
	tx, err := c.db.BeginWrite(ctx)
	if err != nil {
		fail(err)
		return
	}
	defer tx.Rollback()
	var b Batch
	if c.opts.Batch != nil {
		b = c.opts.Batch(tx)
		defer b.Close()
		keys := make([]string, len(group))
		for i, j := range group {
			keys[i] = j.key
		}
		if err := b.Begin(ctx, tx, keys); err != nil {
			fail(err)
			return
		}
	}
	// A write alone in its group needs no savepoint: refused, it takes the
	// transaction down with it, and nothing else was in it. At low rates
	// that is most groups, and on PostgreSQL two round trips of five.
	alone := len(group) == 1
	// On PostgreSQL each statement is a round trip, and the committer's
	// one connection waits on every one of them: a write's savepoint is
	// released as the next one's begins, in one round trip, and the last
	// is released by the commit.
	fold := c.db.Engine == db.Postgres
	open := false // a savepoint of an earlier write is still open
	ok := 0
	for i, j := range group {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if !alone {
			if err := sp.begin(ctx, tx, open); err != nil {
				fail(fmt.Errorf("savepoint: %w", err))
				return
			}
			open = fold
		}
		jctx := context.WithoutCancel(j.ctx)
		if b != nil {
			errs[i] = b.Write(jctx, tx, j.fn)
		} else {
			errs[i] = j.fn(jctx, tx)
		}
		if errs[i] != nil {
			if alone {
				return
			}
			if err := sp.exec(ctx, tx, spRollback); err != nil {
				fail(fmt.Errorf("rollback to savepoint: %w", err))
				return
			}
		}
		if !alone && !fold {
			if err := sp.exec(ctx, tx, spRelease); err != nil {
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
	if b != nil {
		if err := b.Flush(ctx, tx); err != nil {
			fail(err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
	}
}

func (c *Committer) warm(ctx context.Context) {
	if c.opts.Warm != nil {
		c.opts.Warm(ctx)
	}
}

// The savepoint statements, run around every write of a group.
const (
	spBegin = iota
	spRollback
	spRelease
)

var spQueries = [...]string{spBegin: `SAVEPOINT w`, spRollback: `ROLLBACK TO SAVEPOINT w`, spRelease: `RELEASE SAVEPOINT w`}

// savepoints holds the savepoint statements prepared on the writer, so
// that a group does not parse them again for every write.
type savepoints [len(spQueries)]*sql.Stmt

// savepoints prepares the statements once; until that succeeds they run
// unprepared. Call it with no transaction open on this goroutine.
func (c *Committer) savepoints(ctx context.Context) *savepoints {
	if sp := c.sp.Load(); sp != nil {
		return sp
	}
	var sp savepoints
	for i, q := range spQueries {
		st, err := c.db.PrepareWrite(ctx, q)
		if err != nil {
			sp.close()
			return nil
		}
		sp[i] = st
	}
	if !c.sp.CompareAndSwap(nil, &sp) {
		sp.close()
		return c.sp.Load()
	}
	return &sp
}

func (sp *savepoints) close() {
	for _, st := range sp {
		if st != nil {
			_ = st.Close()
		}
	}
}

// releaseAndBegin releases the open savepoint and begins the next, in one
// round trip: a string of two statements without parameters, which the
// PostgreSQL driver sends as one simple query.
const releaseAndBegin = `RELEASE SAVEPOINT w; SAVEPOINT w`

// begin begins a write's savepoint, releasing the one still open first.
func (sp *savepoints) begin(ctx context.Context, tx *sql.Tx, open bool) error {
	if open {
		_, err := tx.ExecContext(ctx, releaseAndBegin)
		return err
	}
	return sp.exec(ctx, tx, spBegin)
}

// exec runs savepoint statement i in tx, prepared when it can be.
func (sp *savepoints) exec(ctx context.Context, tx *sql.Tx, i int) error {
	var err error
	if sp != nil {
		_, err = tx.StmtContext(ctx, sp[i]).ExecContext(ctx)
	} else {
		_, err = tx.ExecContext(ctx, spQueries[i])
	}
	return err
}
