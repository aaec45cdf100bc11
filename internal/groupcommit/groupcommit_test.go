package groupcommit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// setUp makes the table the tests write to.
func setUp(t *testing.T, d *db.DB) {
	t.Helper()
	dbtest.Exec(t, d.Write(), `CREATE TABLE gc_rows (k TEXT PRIMARY KEY, n BIGINT NOT NULL)`)
}

// insert is a write storing one row under k.
func insert(k string) Func {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO gc_rows (k, n) VALUES ($1, 1)`, k)
		return err
	}
}

// stored counts the rows under k.
func stored(t *testing.T, d *db.DB, k string) int {
	t.Helper()
	var n int
	if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM gc_rows WHERE k = $1`, k).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// errRefused is what a write refused after its statements answers.
var errRefused = errors.New("refused")

// refusedIf is fn, refused after it ran when refuse is true.
func refusedIf(refuse bool, fn Func) Func {
	return func(ctx context.Context, tx *sql.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		if refuse {
			return errRefused
		}
		return nil
	}
}

func newJob(ctx context.Context, fn Func) *job {
	return &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
}

// A write refused inside a group rolls back alone, to its savepoint: the
// others of the group commit. Twice, as the second group runs the
// savepoint statements prepared; then a write alone in its group, which
// runs without a savepoint.
func TestARefusedWriteRollsBackAlone(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		setUp(t, d)
		ctx := context.Background()
		c := New(d, Options{})
		for round := range 2 {
			key := func(i int) string { return fmt.Sprintf("r%d-%d", round, i) }
			group := make([]*job, 3)
			for i := range group {
				group[i] = newJob(ctx, refusedIf(i == 1, insert(key(i))))
			}
			c.commitGroup(ctx, group)
			for i, j := range group {
				err, n := <-j.done, stored(t, d, key(i))
				switch {
				case i == 1 && (!errors.Is(err, errRefused) || n != 0):
					t.Fatalf("round %d: the refused write answered %v and left %d rows", round, err, n)
				case i != 1 && (err != nil || n != 1):
					t.Fatalf("round %d: write %d answered %v and left %d rows", round, i, err, n)
				}
			}
			if c.sp.Load() == nil {
				t.Fatalf("round %d: the savepoint statements are not prepared", round)
			}
		}
		// A write alone in its group, refused, leaves nothing either.
		for _, refuse := range []bool{true, false} {
			j := newJob(ctx, refusedIf(refuse, insert("alone")))
			c.commitGroup(ctx, []*job{j})
			err, n := <-j.done, stored(t, d, "alone")
			if want := map[bool]int{true: 0, false: 1}[refuse]; n != want || refuse != errors.Is(err, errRefused) || (!refuse && err != nil) {
				t.Fatalf("a write alone, refused %t: answered %v, left %d rows", refuse, err, n)
			}
		}
	})
}

// Refusals anywhere in a group roll back only their own writes, whatever
// came before them: on PostgreSQL a write's savepoint stays open until
// the next write begins, and the last one until the commit.
func TestRefusalsAnywhereInAGroup(t *testing.T) {
	patterns := []string{"r...", "...r", ".rr.", "rr..", "..rr", "r.r.", ".r.r", "rrr.", ".rrr", "rrrr", "...."}
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		setUp(t, d)
		ctx := context.Background()
		c := New(d, Options{})
		for _, p := range patterns {
			key := func(i int) string { return p + fmt.Sprint(i) }
			group := make([]*job, len(p))
			for i := range group {
				group[i] = newJob(ctx, refusedIf(p[i] == 'r', insert(key(i))))
			}
			c.commitGroup(ctx, group)
			for i, j := range group {
				err, n := <-j.done, stored(t, d, key(i))
				refused := p[i] == 'r'
				if refused != errors.Is(err, errRefused) || (!refused && err != nil) || n != map[bool]int{true: 0, false: 1}[refused] {
					t.Fatalf("%s: write %d answered %v and left %d rows", p, i, err, n)
				}
			}
		}
		// A group after all those starts clean: its writes commit.
		j := newJob(ctx, insert("after"))
		c.commitGroup(ctx, []*job{j, newJob(ctx, insert("after2"))})
		if err := <-j.done; err != nil || stored(t, d, "after") != 1 || stored(t, d, "after2") != 1 {
			t.Fatalf("the next group: %v", err)
		}
	})
}

// An audit entry appended by a write refused inside a group goes with it,
// to its savepoint: the others' entries commit and still form one chain.
func TestARefusedWritesAuditEntryRollsBackWithIt(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := New(d, Options{})
		group := make([]*job, 3)
		for i := range group {
			group[i] = newJob(ctx, refusedIf(i == 1, func(ctx context.Context, tx *sql.Tx) error {
				_, err := audit.Append(ctx, tx, time.Now(), audit.Record{Actor: audit.System("test"), Action: "group.test",
					TargetType: "row", TargetID: fmt.Sprint(i)})
				return err
			}))
		}
		c.commitGroup(ctx, group)
		for i, j := range group {
			if err := <-j.done; (i == 1) != errors.Is(err, errRefused) || (i != 1 && err != nil) {
				t.Fatalf("write %d answered %v", i, err)
			}
		}
		got, err := audit.List(ctx, d.Read(), audit.Filter{Action: "group.test"})
		if err != nil || len(got) != 2 || got[0].TargetID != "2" || got[1].TargetID != "0" {
			t.Fatalf("entries = %+v, %v; want those of writes 0 and 2", got, err)
		}
		if _, err := audit.Verify(ctx, d.Read()); err != nil {
			t.Fatal(err)
		}
	})
}

// A caller who hangs up while its write runs does not take its group down
// with it: the write finishes, and those before and after it commit.
func TestGroupOutlivesACallerWhoHangsUp(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		setUp(t, d)
		ctx := context.Background()
		c := New(d, Options{})
		// A statement that runs long enough for the caller to hang up in
		// the middle of it.
		slow := `INSERT INTO gc_rows (k, n)
			SELECT $1, COUNT(*) FROM (WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 400000) SELECT i FROM r) AS t`
		if d.Engine == db.Postgres {
			slow = `INSERT INTO gc_rows (k, n) SELECT $1, 1 FROM pg_sleep(0.3)`
		}
		hangUp, cancel := context.WithCancel(ctx)
		defer cancel()
		key := func(i int) string { return fmt.Sprint("write-", i) }
		group := make([]*job, 3)
		for i := range group {
			if i != 1 {
				group[i] = newJob(ctx, insert(key(i)))
				continue
			}
			group[i] = newJob(hangUp, func(ctx context.Context, tx *sql.Tx) error {
				defer time.AfterFunc(5*time.Millisecond, cancel).Stop()
				_, err := tx.ExecContext(ctx, slow, key(i))
				return err
			})
		}
		c.commitGroup(ctx, group)
		if hangUp.Err() == nil {
			t.Fatal("the caller did not hang up while its write ran")
		}
		for i, j := range group {
			if err, n := <-j.done, stored(t, d, key(i)); err != nil || n != 1 {
				t.Errorf("write %d answered %v and left %d rows; want it stored", i, err, n)
			}
		}
	})
}

// running waits until c runs.
func waitRunning(t *testing.T, c *Committer) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		c.mu.RLock()
		running := c.running
		c.mu.RUnlock()
		if running {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the committer did not start")
		}
	}
}

// A write that finds the queue full waits for room and goes in a group:
// in a transaction of its own it would queue for the writer beside the
// committer, with an fsync of its own. A caller who hangs up while waiting
// is answered at once and its write never runs. Writes waiting when Run
// stops go alone and are stored; an on-demand committer takes them itself.
func TestAFullQueueWaitsForRoom(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		for _, mode := range []string{"run", "run, stopping", "on demand"} {
			t.Run(mode, func(t *testing.T) {
				ctx := context.Background()
				c := New(d, Options{OnDemand: mode == "on demand"})
				runCtx, stop := context.WithCancel(ctx)
				ran := make(chan struct{})
				defer func() { stop(); <-ran }()
				if c.opts.OnDemand {
					close(ran)
				} else {
					go func() { c.Run(runCtx); close(ran) }()
					waitRunning(t, c)
				}
				// The committer holds a group open while the queue fills.
				hold, held := make(chan struct{}), make(chan struct{})
				var released atomic.Bool
				release := sync.OnceFunc(func() { released.Store(true); close(hold) })
				defer release() // before Run's end, should the test fail first
				first := c.Submit(ctx, func(context.Context, *sql.Tx) error { close(held); <-hold; return nil })
				<-held
				var mu sync.Mutex
				txs := map[*sql.Tx]int{}
				record := func(_ context.Context, tx *sql.Tx) error {
					mu.Lock()
					defer mu.Unlock()
					txs[tx]++
					return nil
				}
				var waits []func() error
				for range cap(c.jobs) {
					waits = append(waits, c.Submit(ctx, record))
				}
				// Two writes more, and one whose caller hangs up while it waits.
				lateTx := make(chan *sql.Tx, 2)
				late := make(chan error, 2)
				for range 2 {
					go func() {
						late <- c.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
							if !released.Load() {
								return errors.New("ran while the queue was full")
							}
							lateTx <- tx
							return record(ctx, tx)
						})
					}()
				}
				hangUp, cancel := context.WithCancel(ctx)
				gone := make(chan error, 1)
				var goneRan atomic.Bool
				go func() {
					gone <- c.Write(hangUp, func(context.Context, *sql.Tx) error { goneRan.Store(true); return nil })
				}()
				// Time for the three to find the queue full; a slower
				// machine only makes the test weaker, never wrong.
				time.Sleep(100 * time.Millisecond)
				cancel()
				select {
				case err := <-gone:
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("a caller who hung up while waiting: answered %v", err)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("a caller who hung up while waiting was not answered")
				}
				stopping := mode == "run, stopping"
				if stopping {
					stop()
				}
				release()
				for i, wait := range append([]func() error{first}, waits...) {
					if err := wait(); err != nil {
						t.Fatalf("queued write %d: %v", i, err)
					}
				}
				for range 2 {
					if err := <-late; err != nil {
						t.Fatalf("a write that waited for room: %v", err)
					}
				}
				close(lateTx)
				mu.Lock()
				defer mu.Unlock()
				for tx := range lateTx {
					if !stopping && txs[tx] < 2 {
						t.Fatal("a write that found the queue full ran in a transaction of its own")
					}
				}
				if goneRan.Load() {
					t.Fatal("the write of a caller who hung up while waiting ran")
				}
			})
		}
	})
}

// An on-demand committer stops when its queue is empty and starts again
// at the next write; writers racing its stops lose nothing and store
// nothing twice.
func TestOnDemandStopsWhenIdleAndStartsAgain(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		setUp(t, d)
		ctx := context.Background()
		c := New(d, Options{OnDemand: true})
		if err := c.Write(ctx, insert("first")); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			c.mu.RLock()
			running := c.running
			c.mu.RUnlock()
			if !running {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("an idle committer did not stop")
			}
		}
		// Bursts with pauses, so that the committer stops and starts
		// between and within them.
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for burst := range 20 {
			for i := range 10 {
				wg.Go(func() { errs <- c.Write(ctx, insert(fmt.Sprintf("b%d-%d", burst, i))) })
			}
			time.Sleep(time.Duration(burst%3) * time.Millisecond)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM gc_rows`).Scan(&n); err != nil || n != 201 {
			t.Fatalf("%d rows stored (%v), want 201", n, err)
		}
	})
}

// A committer run with a context that is never cancelled, as a server's
// may be, commits for as long as the process lives: it does not stop
// when its queue is empty, as an on-demand one does.
func TestRunWithoutCancelKeepsRunning(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	setUp(t, d)
	ctx := context.Background()
	c := New(d, Options{})
	go c.Run(context.WithoutCancel(ctx)) // lives as long as the test binary
	waitRunning(t, c)
	for i := range 3 {
		if err := c.Write(ctx, insert(fmt.Sprint("idle-", i))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // idle: the queue is empty
		c.mu.RLock()
		running := c.running
		c.mu.RUnlock()
		if !running {
			t.Fatalf("write %d: the committer stopped when its queue emptied", i)
		}
	}
}

// countBatch gathers the n of each write and flushes their sum as one row.
type countBatch struct {
	pending, total int
	closed         *atomic.Int64
	flushes        *atomic.Int64
	begun          *[][]string // the keys each Begin was given
}

func (b *countBatch) Begin(_ context.Context, _ *sql.Tx, keys []string) error {
	*b.begun = append(*b.begun, slices.Clone(keys))
	return nil
}

func (b *countBatch) Write(ctx context.Context, tx *sql.Tx, fn Func) error {
	b.pending = 0
	if err := fn(ctx, tx); err != nil {
		return err
	}
	b.total += b.pending
	return nil
}

func (b *countBatch) Flush(ctx context.Context, tx *sql.Tx) error {
	b.flushes.Add(1)
	_, err := tx.ExecContext(ctx, `INSERT INTO gc_rows (k, n) VALUES ('total', $1)
		ON CONFLICT (k) DO UPDATE SET n = gc_rows.n + excluded.n`, b.total)
	return err
}

func (b *countBatch) Close() { b.closed.Add(1) }

// A batch gathers what its transaction's stored writes add, not what a
// refused one did, and flushes it once before the commit, in a group and
// in a write's own transaction alike; a transaction with nothing stored
// flushes nothing. Every batch is closed. Before the writes run, it learns
// their keys, in their order.
func TestABatchFlushesOnlyStoredWrites(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		setUp(t, d)
		ctx := context.Background()
		var made, closed, flushes atomic.Int64
		var begun [][]string
		batches := sync.Map{} // tx → *countBatch
		c := New(d, Options{Batch: func(tx *sql.Tx) Batch {
			made.Add(1)
			b := &countBatch{closed: &closed, flushes: &flushes, begun: &begun}
			batches.Store(tx, b)
			return b
		}})
		add := func(n int, refuse bool) Func {
			return func(ctx context.Context, tx *sql.Tx) error {
				b, _ := batches.Load(tx)
				b.(*countBatch).pending += n
				if refuse {
					return errors.New("refused")
				}
				return nil
			}
		}
		total := func() int {
			var n int
			if err := d.Read().QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM gc_rows WHERE k = 'total'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		group := []*job{newJob(ctx, add(1, false)), newJob(ctx, add(10, true)), newJob(ctx, add(100, false))}
		group[0].key, group[2].key = "b", "a"
		c.commitGroup(ctx, group)
		for _, j := range group {
			<-j.done
		}
		if got := total(); got != 101 {
			t.Fatalf("after a group: total %d, want 101", got)
		}
		// All refused: no flush.
		group = []*job{newJob(ctx, add(1000, true)), newJob(ctx, add(1000, true))}
		c.commitGroup(ctx, group)
		for _, j := range group {
			<-j.done
		}
		// Without a committer running, a write goes alone, with a batch
		// of its own.
		if err := c.SubmitKeyed(ctx, "k", add(5, false))(); err != nil {
			t.Fatal(err)
		}
		if err := c.Write(ctx, add(7, true)); err == nil {
			t.Fatal("a refused write alone answered nil")
		}
		if got := total(); got != 106 {
			t.Fatalf("after two writes alone: total %d, want 106", got)
		}
		if flushes.Load() != 2 {
			t.Fatalf("%d flushes, want 2: one per transaction that stored something", flushes.Load())
		}
		if made.Load() != 4 || closed.Load() != 4 {
			t.Fatalf("%d batches made, %d closed; want 4 and 4", made.Load(), closed.Load())
		}
		if want := [][]string{{"b", "", "a"}, {"", ""}, {"k"}, {""}}; !slices.EqualFunc(begun, want, slices.Equal) {
			t.Fatalf("keys begun with = %q, want %q", begun, want)
		}
	})
}

// gather takes what is queued at once when no wait is due, waits for more
// until the window ends, and stops waiting as soon as the group is full.
func TestGatherWaitsOnlyWithinTheGap(t *testing.T) {
	const max = 16
	queue := func(n int) chan *job {
		jobs := make(chan *job, max+n)
		for range n {
			jobs <- &job{}
		}
		return jobs
	}
	// No wait due: the queued jobs, at once.
	if got := gather([]*job{{}}, queue(3), max, 0); len(got) != 4 {
		t.Fatalf("no wait: %d jobs, want 4", len(got))
	}
	// A queue longer than a group: one group's worth.
	if got := gather([]*job{{}}, queue(2*max), max, -time.Second); len(got) != max {
		t.Fatalf("long queue: %d jobs, want %d", len(got), max)
	}
	// A window with nothing arriving ends with the window.
	start := time.Now()
	if got := gather([]*job{{}}, queue(0), max, 20*time.Millisecond); len(got) != 1 {
		t.Fatalf("empty window: %d jobs, want 1", len(got))
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Fatalf("empty window: returned after %s, before the window's end", waited)
	}
	// A job arriving within the window joins the group, and a full group
	// stops the wait however long the window.
	jobs := queue(max - 2)
	go func() {
		time.Sleep(10 * time.Millisecond)
		jobs <- &job{}
	}()
	done := make(chan []*job)
	go func() { done <- gather([]*job{{}}, jobs, max, time.Hour) }()
	select {
	case got := <-done:
		if len(got) != max {
			t.Fatalf("window: %d jobs, want %d", len(got), max)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a full group still waited for the window's end")
	}
}
