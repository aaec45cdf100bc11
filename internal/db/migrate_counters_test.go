package db_test

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// Migration 27 keeps every counter, and the upsert of a report still adds
// to them; on SQLite the table is then stored in the order of its key, and
// undoing the migration gives the rowid table back with the same rows.
func TestCountersClusteredMigration(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.MigrateDownTo(ctx, 26); err != nil {
			t.Fatal(err)
		}
		w := d.Write()
		dbtest.Exec(t, w, `INSERT INTO event_counters (region_code, month, category_code, measure, n) VALUES
			('230600', '2026-11', '*', 'reported', 7), ('230602', '2026-11-30', 'road', 'closed', 2)`)
		withoutRowid := func() bool {
			var wr int
			if err := d.Read().QueryRowContext(ctx, `SELECT wr FROM pragma_table_list WHERE name = 'event_counters'`).Scan(&wr); err != nil {
				t.Fatal(err)
			}
			return wr == 1
		}
		if d.Engine == db.SQLite && withoutRowid() {
			t.Fatal("before migration 27 the counters are already WITHOUT ROWID")
		}
		if err := d.Migrate(ctx, discard()); err != nil {
			t.Fatal(err)
		}
		if d.Engine == db.SQLite && !withoutRowid() {
			t.Fatal("after migration 27 the counters are not WITHOUT ROWID")
		}
		dbtest.Exec(t, w, `INSERT INTO event_counters (region_code, month, category_code, measure, n) VALUES ('230600', '2026-11', '*', 'reported', 3)
			ON CONFLICT (region_code, month, category_code, measure) DO UPDATE SET n = event_counters.n + excluded.n`)
		sum := func() (rows, n int) {
			if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*), SUM(n) FROM event_counters`).Scan(&rows, &n); err != nil {
				t.Fatal(err)
			}
			return rows, n
		}
		if rows, n := sum(); rows != 2 || n != 12 {
			t.Fatalf("after the migration and an upsert: %d rows summing to %d, want 2 rows summing to 12", rows, n)
		}
		if err := d.MigrateDownTo(ctx, 26); err != nil {
			t.Fatal(err)
		}
		if rows, n := sum(); rows != 2 || n != 12 {
			t.Fatalf("undone: %d rows summing to %d, want 2 rows summing to 12", rows, n)
		}
		if d.Engine == db.SQLite && withoutRowid() {
			t.Fatal("undone, the counters are still WITHOUT ROWID")
		}
	})
}
