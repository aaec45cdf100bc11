package db_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

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
