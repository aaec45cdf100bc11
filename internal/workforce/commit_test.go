package workforce

import (
	"context"
	"database/sql"
	"fmt"
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
