package db_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// An index build on SQLite sorts with a helper thread, through temporary
// files and a small cache, and the writer gets its own settings back after
// it, whether the build commits or fails; on either engine what it builds
// commits, and what fails is rolled back.
func TestInIndexBuild(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dbtest.Exec(t, d.Write(), `CREATE TABLE build_probe (v TEXT NOT NULL)`)
		dbtest.Exec(t, d.Write(), `INSERT INTO build_probe (v) VALUES ('b'), ('a'), ('c')`)
		type settings struct{ tempStore, threads, cache int }
		read := func(q db.Querier) settings {
			t.Helper()
			var s settings
			for _, p := range []struct {
				name string
				to   *int
			}{{"temp_store", &s.tempStore}, {"threads", &s.threads}, {"cache_size", &s.cache}} {
				if err := q.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(p.to); err != nil {
					t.Fatalf("PRAGMA %s: %v", p.name, err)
				}
			}
			return s
		}
		var writer settings
		if d.Engine == db.SQLite {
			writer = read(d.Write())
			if writer.tempStore != 2 || writer.threads != 0 || writer.cache != -16384 {
				t.Fatalf("the writer starts with %+v, want in-memory temporary storage, no helper and a 16 MiB cache", writer)
			}
		}
		err := d.InIndexBuild(ctx, func(tx *sql.Tx) error {
			if d.Engine == db.SQLite {
				if during := read(tx); during.tempStore != 1 || during.threads != 1 || during.cache != -16384 {
					t.Errorf("during the build: %+v, want temporary files, one helper and a 16 MiB cache", during)
				}
			}
			_, err := tx.ExecContext(ctx, `CREATE UNIQUE INDEX build_probe_v ON build_probe (v)`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := d.HasIndex(ctx, d.Read(), "build_probe_v"); err != nil || !ok {
			t.Fatalf("the built index: found %v (%v), want it committed", ok, err)
		}
		failed := errors.New("the build failed")
		err = d.InIndexBuild(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE INDEX build_probe_other ON build_probe (v DESC)`); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatalf("a failed build returned %v, want its error", err)
		}
		if ok, err := d.HasIndex(ctx, d.Read(), "build_probe_other"); err != nil || ok {
			t.Fatalf("the failed build's index: found %v (%v), want it rolled back", ok, err)
		}
		if d.Engine == db.SQLite {
			if after := read(d.Write()); after != writer {
				t.Fatalf("after the builds the writer has %+v, want %+v back", after, writer)
			}
		}
		// A build inside bulk writes gives the writer the bulk cache back.
		done, err := d.BulkWrites(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.InIndexBuild(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `CREATE INDEX build_probe_bulk ON build_probe (v DESC)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if d.Engine == db.SQLite {
			if after := read(d.Write()); after.cache != -65536 {
				t.Errorf("after a build inside bulk writes the writer has %+v, want the 64 MiB cache back", after)
			}
		}
		if err := done(); err != nil {
			t.Fatal(err)
		}
	})
}
