package workforce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// A caller who hangs up while its write runs does not take its group down
// with it: the write finishes, and those before and after it commit.
func TestGroupOutlivesACallerWhoHangsUp(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `CREATE TABLE hang_up (k TEXT PRIMARY KEY, n BIGINT NOT NULL)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// A statement that runs long enough for the caller to hang up in
		// the middle of it.
		slow := `INSERT INTO hang_up (k, n)
			SELECT $1, COUNT(*) FROM (WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 400000) SELECT i FROM r) AS t`
		if d.Engine == db.Postgres {
			slow = `INSERT INTO hang_up (k, n) SELECT $1, 1 FROM pg_sleep(0.3)`
		}
		hangUp, cancel := context.WithCancel(ctx)
		defer cancel()
		key := func(i int) string { return fmt.Sprint("write-", i) }
		s := &Service{db: d}
		group := make([]*writeJob, 3)
		for i := range group {
			jctx, query := ctx, `INSERT INTO hang_up (k, n) VALUES ($1, 1)`
			if i == 1 {
				jctx, query = hangUp, slow
			}
			group[i] = &writeJob{ctx: jctx, done: make(chan error, 1), fn: func(ctx context.Context, tx *sql.Tx) error {
				if i == 1 {
					defer time.AfterFunc(5*time.Millisecond, cancel).Stop()
				}
				_, err := tx.ExecContext(ctx, query, key(i))
				return err
			}}
		}
		s.commitGroup(group)
		if hangUp.Err() == nil {
			t.Fatal("the caller did not hang up while its write ran")
		}
		for i, j := range group {
			err := <-j.done
			var n int
			if qerr := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM hang_up WHERE k = $1`, key(i)).Scan(&n); qerr != nil {
				t.Fatal(qerr)
			}
			if err != nil || n != 1 {
				t.Errorf("write %d answered %v and left %d rows; want it stored", i, err, n)
			}
		}
	})
}

// On SQLite a write that finds the queue full waits for room and goes in a
// group: in a transaction of its own it would queue for the writer beside
// the committer, with an fsync of its own. A caller who hangs up while
// waiting is answered at once and its write never runs.
func TestAFullQueueWaitsForRoom(t *testing.T) {
	d := dbtest.Open(t, db.SQLite) // PostgreSQL's writes go alone, by design
	ctx := context.Background()
	s := &Service{db: d}
	hold, held := make(chan struct{}), make(chan struct{})
	var released atomic.Bool
	release := sync.OnceFunc(func() { released.Store(true); close(hold) })
	defer release() // should the test fail first
	var mu sync.Mutex
	txs := map[*sql.Tx]int{}
	record := func(_ context.Context, tx *sql.Tx) error {
		mu.Lock()
		defer mu.Unlock()
		txs[tx]++
		return nil
	}
	errs := make(chan error, 4*maxGroup+1)
	go func() { errs <- s.write(ctx, func(context.Context, *sql.Tx) error { close(held); <-hold; return nil }) }()
	<-held
	for range 4 * maxGroup {
		go func() { errs <- s.write(ctx, record) }()
	}
	for full := false; !full; time.Sleep(time.Millisecond) {
		s.commits.mu.Lock()
		full = len(s.commits.jobs) == cap(s.commits.jobs)
		s.commits.mu.Unlock()
	}
	// Two writes more, and one whose caller hangs up while it waits.
	lateTx := make(chan *sql.Tx, 2)
	late := make(chan error, 2)
	for range 2 {
		go func() {
			late <- s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
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
		gone <- s.write(hangUp, func(context.Context, *sql.Tx) error { goneRan.Store(true); return nil })
	}()
	// Time for the three to find the queue full; a slower machine only
	// makes the test weaker, never wrong.
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
	release()
	for i := range 4*maxGroup + 1 {
		if err := <-errs; err != nil {
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
		if txs[tx] < 2 {
			t.Fatal("a write that found the queue full ran in a transaction of its own")
		}
	}
	if goneRan.Load() {
		t.Fatal("the write of a caller who hung up while waiting ran")
	}
}
