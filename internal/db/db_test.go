package db_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

func TestMigrateIsIdempotentAndVersioned(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		v1, err := d.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v1 < 1 {
			t.Fatalf("schema version = %d, want >= 1", v1)
		}
		if err := d.Migrate(ctx, discard()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		v2, _ := d.SchemaVersion(ctx)
		if v1 != v2 {
			t.Fatalf("version changed on re-run: %d -> %d", v1, v2)
		}
	})
}

func TestNumberedPlaceholdersWorkOnBothEngines(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		var a, b string
		err := d.Read().QueryRowContext(context.Background(), `SELECT CAST($2 AS TEXT), CAST($1 AS TEXT)`, "one", "two").Scan(&a, &b)
		if err != nil {
			t.Fatal(err)
		}
		if a != "two" || b != "one" {
			t.Fatalf("got %q %q, want two one", a, b)
		}
	})
}

func TestValuesBindRowsInOrder(t *testing.T) {
	for _, c := range []struct {
		engine     db.Engine
		rows, cols int
		want       string
	}{
		{db.SQLite, 2, 3, "(?, ?, ?), (?, ?, ?)"},
		{db.Postgres, 2, 3, "($1, $2, $3), ($4, $5, $6)"},
		{db.Postgres, 1, 1, "($1)"},
		{db.SQLite, 0, 3, ""},
	} {
		if got := c.engine.Values(c.rows, c.cols); got != c.want {
			t.Errorf("%s.Values(%d, %d) = %q, want %q", c.engine, c.rows, c.cols, got, c.want)
		}
	}
	// Each engine reads the values back in the order they were given.
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		rows, err := d.Read().QueryContext(context.Background(), `SELECT * FROM (VALUES `+d.Engine.Values(3, 2)+`) AS v ORDER BY 1`,
			"a", "1", "b", "2", "c", "3")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got string
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			got += k + v
		}
		if err := rows.Err(); err != nil || got != "a1b2c3" {
			t.Fatalf("rows = %q, %v; want a1b2c3", got, err)
		}
	})
}

// Bulk writers widen SQLite's checkpoint interval and the writer's cache
// while any of them runs, and the last one done restores both, on a new
// connection.
func TestBulkWritesWidenTheCheckpointInterval(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		pragma := func(name string) int {
			t.Helper()
			if d.Engine != db.SQLite {
				return 0
			}
			var n int
			if err := d.Write().QueryRowContext(ctx, `PRAGMA `+name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		interval := func() int { return pragma("wal_autocheckpoint") }
		usual, usualCache := interval(), pragma("cache_size")
		first, err := d.BulkWrites(ctx)
		if err != nil {
			t.Fatal(err)
		}
		second, err := d.BulkWrites(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wide, bulkCache := interval(), pragma("cache_size")
		if d.Engine == db.SQLite {
			// A temporary table lives as long as the writer's connection.
			dbtest.Exec(t, d.Write(), `CREATE TEMP TABLE connection_probe (x INTEGER)`)
		}
		if err := first(); err != nil {
			t.Fatal(err)
		}
		if err := first(); err != nil { // twice is once
			t.Fatal(err)
		}
		stillWide := interval()
		if err := second(); err != nil {
			t.Fatal(err)
		}
		if d.Engine != db.SQLite {
			return
		}
		if usual != 50_000 || wide != 200_000 || stillWide != wide || interval() != usual {
			t.Fatalf("checkpoint interval: usual %d, during %d, after the first is done %d, after both %d", usual, wide, stillWide, interval())
		}
		if usualCache != -16384 || bulkCache != -65536 || pragma("cache_size") != usualCache {
			t.Fatalf("writer's cache: usual %d, during %d, after %d; want 16 MiB, 64 MiB, 16 MiB", usualCache, bulkCache, pragma("cache_size"))
		}
		// Shrinking the cache would keep its hash table large: the
		// connection must be a new one.
		var probes int
		if err := d.Write().QueryRowContext(ctx, `SELECT COUNT(*) FROM temp.sqlite_master WHERE name = 'connection_probe'`).Scan(&probes); err != nil {
			t.Fatal(err)
		}
		if probes != 0 {
			t.Fatal("after the bulk writes the writer still has the connection it had during them")
		}
	})
}

func TestInTxRollsBackOnError(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_head (id, seq, hash) VALUES (1, 99, 'x') ON CONFLICT (id) DO UPDATE SET seq = 99`); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		var seq int64
		if err := d.Read().QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		if seq != 0 {
			t.Fatalf("seq = %d after rollback, want 0", seq)
		}
	})
}

func TestUniqueViolationRecognised(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		_, err := d.Write().ExecContext(context.Background(), `INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, 'x')`)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("IsUniqueViolation(%v) = false", err)
		}
		if db.IsUniqueViolation(errors.New("UNIQUE constraint failed")) {
			t.Fatal("a plain error with the words must not count")
		}
	})
}

func TestConcurrentTransactionsAllCommit(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const n = 20
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- d.InTx(ctx, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1`)
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var seq int64
		if err := d.Read().QueryRowContext(ctx, `SELECT seq FROM audit_head`).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		if seq != n {
			t.Fatalf("seq = %d, want %d: an increment was lost", seq, n)
		}
	})
}

// On SQLite a committed write reaches the database file within a few
// seconds, copied from the WAL by the background checkpointer, though the
// WAL is far from the writer's own checkpoint.
func TestBackgroundCheckpointCopiesTheWAL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gridgov.db")
	d, err := db.Open(ctx, db.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	dbtest.Exec(t, d.Write(), `CREATE TABLE filler (b BLOB)`)
	before := size()
	// 4 MiB: a thousand pages, against the writer's 50,000.
	dbtest.Exec(t, d.Write(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1024)
		INSERT INTO filler SELECT randomblob(4096) FROM n`)
	deadline := time.Now().Add(10 * time.Second)
	for size() < before+4<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("the database file holds %d bytes 10 s after a 4 MiB commit (it held %d): nothing copied it from the WAL", size(), before)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("close with the checkpointer running: %v", err)
	}
}
