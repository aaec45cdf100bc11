package db_test

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

func openTwice(t *testing.T, engine db.Engine) (*db.DB, *db.DB) {
	t.Helper()
	cfg := dbtest.Config(t, engine)
	var out [2]*db.DB
	for i := range out {
		d, err := db.Open(context.Background(), cfg)
		if err != nil {
			t.Fatalf("open %s: %v", engine, err)
		}
		t.Cleanup(func() { d.Close() })
		out[i] = d
	}
	return out[0], out[1]
}

// A bulk writer that commits one batch after another lets a writer of
// another process (here another DB on the same database: SQLite's locks
// between connections are those between processes) in at the next batch,
// by InTx and by a single statement alike, instead of holding the lock
// until it is done.
func TestBulkWriterLetsOtherWritersIn(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			bulk, server := openTwice(t, engine)
			dbtest.Exec(t, bulk.Write(), `CREATE TABLE turn_probe (who TEXT NOT NULL, n INTEGER NOT NULL)`)
			const batches = 20
			began := make(chan struct{})
			var served atomic.Bool
			errc := make(chan error, 1)
			go func() {
				<-began
				err := server.InTx(ctx, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, `INSERT INTO turn_probe (who, n) VALUES ('server', 1)`)
					return err
				})
				if err == nil {
					_, err = server.Write().ExecContext(ctx, `INSERT INTO turn_probe (who, n) VALUES ('server', 2)`)
				}
				served.Store(err == nil)
				errc <- err
			}()
			servedAt := -1
			for i := range batches {
				tx, err := bulk.BeginBulk(ctx)
				if err != nil {
					t.Fatalf("batch %d: %v", i, err)
				}
				if i == 0 {
					close(began)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO turn_probe (who, n) VALUES ('bulk', $1)`, i); err != nil {
					t.Fatalf("batch %d: %v", i, err)
				}
				time.Sleep(50 * time.Millisecond) // a batch's work, the lock held
				if err := tx.Commit(); err != nil {
					t.Fatalf("batch %d: %v", i, err)
				}
				if servedAt < 0 && served.Load() {
					servedAt = i
				}
			}
			if err := <-errc; err != nil {
				t.Fatalf("the other writer: %v", err)
			}
			if servedAt < 0 || servedAt > batches/2 {
				t.Fatalf("the other writer's two writes were done after batch %d of %d (-1: after the last), want within the first half",
					servedAt, batches)
			}
			var n int
			if err := bulk.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM turn_probe`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != batches+2 {
				t.Fatalf("%d rows stored, want %d", n, batches+2)
			}
		})
	}
}

// A bulk writer waits for the writers that wait for a while only: one that
// says it waits forever stops no import.
func TestBulkWriterWaitsForOthersOnlySoLong(t *testing.T) {
	bulk, other := openTwice(t, db.SQLite)
	bulk.SetBulkPatience(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := other.AnnounceWaiting(ctx)
	defer done()
	start := time.Now()
	tx, err := bulk.BeginBulk(ctx)
	if err != nil {
		t.Fatalf("begin while another writer says it waits: %v", err)
	}
	waited := time.Since(start)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if waited < 100*time.Millisecond {
		t.Fatalf("the bulk writer began after %s, before its patience of 100ms ran out", waited)
	}
	// The announcement was seen while it lasted; without it the bulk
	// writer begins at once.
	done()
	bulk.SetBulkPatience(time.Hour)
	tx, err = bulk.BeginBulk(ctx)
	if err != nil {
		t.Fatalf("begin once nobody waits: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
}

// Writers that are still at work while the DB closes (a background job
// stopping late) get the pool's error, and nothing races on the writers'
// file (run with -race).
func TestWritersAtWorkWhileClosing(t *testing.T) {
	d, err := db.Open(context.Background(), dbtest.Config(t, db.SQLite))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	held := d.AnnounceWaiting(ctx)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				_ = d.InTx(ctx, func(*sql.Tx) error { return nil })
				if tx, err := d.BeginBulk(ctx); err == nil {
					_ = tx.Rollback()
				}
			}
		}()
	}
	if err := d.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	held()
	wg.Wait()
	if err := d.InTx(ctx, func(*sql.Tx) error { return nil }); err == nil {
		t.Fatal("a transaction began on a closed DB")
	}
	if _, err := d.BeginBulk(ctx); err == nil {
		t.Fatal("a bulk transaction began on a closed DB")
	}
}
