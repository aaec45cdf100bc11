package event

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// A write refused inside a group rolls back alone, to its savepoint: the
// others of the group commit. Twice, as the second group runs the
// savepoint statements prepared; then a write alone in its group, which
// runs without a savepoint.
func TestGroupRollsBackARefusedWriteAlone(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Service{db: d}
		refused := errors.New("refused")
		for round := range 2 {
			day := func(i int) string { return fmt.Sprintf("r%d-%d", round, i) }
			batch := make([]*job, 3)
			for i := range batch {
				batch[i] = &job{ctx: ctx, done: make(chan error, 1), fn: func(ctx context.Context, tx *sql.Tx) error {
					if _, err := s.txExec(ctx, tx, `INSERT INTO event_serials (day, county, last) VALUES ($1, 'c', 1)`, day(i)); err != nil {
						return err
					}
					if i == 1 {
						return refused
					}
					return nil
				}}
			}
			s.commitGroup(ctx, batch, &groupBufs{})
			for i, j := range batch {
				err := <-j.done
				var n int
				if qerr := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM event_serials WHERE day = $1`, day(i)).Scan(&n); qerr != nil {
					t.Fatal(qerr)
				}
				switch {
				case i == 1 && (!errors.Is(err, refused) || n != 0):
					t.Fatalf("round %d: the refused write answered %v and left %d rows", round, err, n)
				case i != 1 && (err != nil || n != 1):
					t.Fatalf("round %d: write %d answered %v and left %d rows", round, i, err, n)
				}
			}
		}
		if len(s.prepared.m) == 0 {
			t.Fatal("the second group ran nothing prepared")
		}
		// A write alone in its group, refused, leaves nothing either.
		for _, refuse := range []bool{true, false} {
			j := &job{ctx: ctx, done: make(chan error, 1), fn: func(ctx context.Context, tx *sql.Tx) error {
				if _, err := s.txExec(ctx, tx, `INSERT INTO event_serials (day, county, last) VALUES ('alone', 'c', 1)`); err != nil {
					return err
				}
				if refuse {
					return refused
				}
				return nil
			}}
			s.commitGroup(ctx, []*job{j}, &groupBufs{})
			err := <-j.done
			var n int
			if qerr := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM event_serials WHERE day = 'alone'`).Scan(&n); qerr != nil {
				t.Fatal(qerr)
			}
			if want := map[bool]int{true: 0, false: 1}[refuse]; n != want || (refuse != errors.Is(err, refused)) || (!refuse && err != nil) {
				t.Fatalf("a write alone, refused %t: answered %v, left %d rows", refuse, err, n)
			}
		}
	})
}

// An audit entry appended by a write refused inside a group goes with it,
// to its savepoint: the others' entries commit and still form one chain.
func TestGroupRollsBackARefusedWritesAuditEntry(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Service{db: d}
		refused := errors.New("refused")
		batch := make([]*job, 3)
		for i := range batch {
			batch[i] = &job{ctx: ctx, done: make(chan error, 1), fn: func(ctx context.Context, tx *sql.Tx) error {
				if _, err := audit.Append(ctx, tx, time.Now(), audit.Record{Actor: audit.System("test"), Action: "event.test",
					TargetType: "event", TargetID: fmt.Sprint(i)}); err != nil {
					return err
				}
				if i == 1 {
					return refused
				}
				return nil
			}}
		}
		s.commitGroup(ctx, batch, &groupBufs{})
		for i, j := range batch {
			if err := <-j.done; (i == 1) != errors.Is(err, refused) || (i != 1 && err != nil) {
				t.Fatalf("write %d answered %v", i, err)
			}
		}
		got, err := audit.List(ctx, d.Read(), audit.Filter{Action: "event.test"})
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
		ctx := context.Background()
		s := &Service{db: d}
		// A statement that runs long enough for the caller to hang up in
		// the middle of it.
		slow := `INSERT INTO event_serials (day, county, last)
			SELECT $1, 'c', COUNT(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400000) SELECT i FROM n) AS t`
		if d.Engine == db.Postgres {
			slow = `INSERT INTO event_serials (day, county, last) SELECT $1, 'c', 1 FROM pg_sleep(0.3)`
		}
		hangUp, cancel := context.WithCancel(ctx)
		defer cancel()
		day := func(i int) string { return fmt.Sprintf("hang-up-%d", i) }
		batch := make([]*job, 3)
		for i := range batch {
			jctx, query := ctx, `INSERT INTO event_serials (day, county, last) VALUES ($1, 'c', 1)`
			if i == 1 {
				jctx, query = hangUp, slow
			}
			batch[i] = &job{ctx: jctx, done: make(chan error, 1), fn: func(ctx context.Context, tx *sql.Tx) error {
				if i == 1 {
					defer time.AfterFunc(5*time.Millisecond, cancel).Stop()
				}
				_, err := s.txExec(ctx, tx, query, day(i))
				return err
			}}
		}
		s.commitGroup(ctx, batch, &groupBufs{})
		if hangUp.Err() == nil {
			t.Fatal("the caller did not hang up while its write ran")
		}
		for i, j := range batch {
			err := <-j.done
			var n int
			if qerr := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM event_serials WHERE day = $1`, day(i)).Scan(&n); qerr != nil {
				t.Fatal(qerr)
			}
			if err != nil || n != 1 {
				t.Errorf("write %d answered %v and left %d rows; want it stored", i, err, n)
			}
		}
	})
}

// A write that finds the queue full waits for room and goes in a group:
// in a transaction of its own it would queue for the writer beside the
// committer, with an fsync of its own. A caller who hangs up while waiting
// is answered at once and its write never runs; writes waiting when Run
// stops go alone and are stored.
func TestAFullQueueWaitsForRoom(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		for _, stopping := range []bool{false, true} {
			s := &Service{db: d, now: time.Now, log: slog.New(slog.DiscardHandler)}
			runCtx, stop := context.WithCancel(context.Background())
			ran := make(chan struct{})
			go func() { s.Run(runCtx); close(ran) }()
			defer func() { stop(); <-ran }()
			for {
				s.commits.mu.RLock()
				running := s.commits.running
				s.commits.mu.RUnlock()
				if running {
					break
				}
				time.Sleep(time.Millisecond)
			}
			ctx := context.Background()
			// The committer holds a group open while the queue fills.
			hold, held := make(chan struct{}), make(chan struct{})
			var released atomic.Bool
			release := sync.OnceFunc(func() { released.Store(true); close(hold) })
			defer release() // before Run's end, should the test fail first
			first := s.submit(ctx, func(context.Context, *sql.Tx) error { close(held); <-hold; return nil })
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
			for range cap(s.commits.jobs) {
				waits = append(waits, s.submit(ctx, record))
			}
			// Two writes more, and one whose caller hangs up while it waits.
			lateTx := make(chan *sql.Tx, 2)
			late := make(chan error, 2)
			for range 2 {
				go func() {
					late <- s.submit(ctx, func(ctx context.Context, tx *sql.Tx) error {
						if !released.Load() {
							return errors.New("ran while the queue was full")
						}
						lateTx <- tx
						return record(ctx, tx)
					})()
				}()
			}
			hangUp, cancel := context.WithCancel(ctx)
			gone := make(chan error, 1)
			var goneRan atomic.Bool
			go func() {
				gone <- s.submit(hangUp, func(context.Context, *sql.Tx) error { goneRan.Store(true); return nil })()
			}()
			// Time for the three to find the queue full; a slower machine
			// only makes the test weaker, never wrong.
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
			for tx := range lateTx {
				if !stopping && txs[tx] < 2 {
					t.Fatal("a write that found the queue full ran in a transaction of its own")
				}
			}
			mu.Unlock()
			if goneRan.Load() {
				t.Fatal("the write of a caller who hung up while waiting ran")
			}
			stop()
			<-ran
		}
	})
}

// gather takes what is queued at once when no wait is due, waits for more
// until the window ends, and stops waiting as soon as the group is full.
func TestGatherWaitsOnlyWithinTheGap(t *testing.T) {
	queue := func(n int) chan *job {
		jobs := make(chan *job, maxBatch+n)
		for range n {
			jobs <- &job{}
		}
		return jobs
	}
	first := []*job{{}}

	// No wait due: the queued jobs, at once.
	if got := gather(first, queue(3), 0); len(got) != 4 {
		t.Fatalf("no wait: %d jobs, want 4", len(got))
	}
	// A queue longer than a group: one group's worth.
	if got := gather([]*job{{}}, queue(2*maxBatch), -time.Second); len(got) != maxBatch {
		t.Fatalf("long queue: %d jobs, want %d", len(got), maxBatch)
	}
	// A window with nothing arriving ends with the window.
	start := time.Now()
	if got := gather([]*job{{}}, queue(0), 20*time.Millisecond); len(got) != 1 {
		t.Fatalf("empty window: %d jobs, want 1", len(got))
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Fatalf("empty window: returned after %s, before the window's end", waited)
	}
	// A job arriving within the window joins the group, and a full group
	// stops the wait however long the window.
	jobs := queue(maxBatch - 2)
	go func() {
		time.Sleep(10 * time.Millisecond)
		jobs <- &job{}
	}()
	done := make(chan []*job)
	go func() { done <- gather([]*job{{}}, jobs, time.Hour) }()
	select {
	case got := <-done:
		if len(got) != maxBatch {
			t.Fatalf("window: %d jobs, want %d", len(got), maxBatch)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a full group still waited for the window's end")
	}
}
