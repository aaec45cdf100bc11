package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// Migration 29 keeps every link of persons to houses and tags, their keys
// and their cascades; on SQLite the tables are then stored in the order of
// their keys, and undoing the migration gives the rowid tables back with the
// same rows.
func TestPersonLinksClusteredMigration(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.MigrateDownTo(ctx, 28); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
		w := d.Write()
		dbtest.Exec(t, w, `INSERT INTO regions (code, name, level, path, valid_from, created_at, updated_at) VALUES ('g1', 'Grid', 5, '/g1/', $1, $1, $1)`, now)
		dbtest.Exec(t, w, `INSERT INTO houses (code, grid_code, region_path, usage, created_at, updated_at) VALUES ('h1', 'g1', '/g1/', 'rented', $1, $1), ('h2', 'g1', '/g1/', 'rented', $1, $1)`, now)
		for i, index := range []string{"k1", "k2", "k3"} {
			dbtest.Exec(t, w, `INSERT INTO persons (id, name, id_kind, id_number_enc, id_number_index, id_number_mask, birth_date, sex,
				residence_type, grid_code, region_path, created_at, updated_at)
				VALUES ($1, 'N', 'resident', $2, $3, 'm', '1960-01-01', 'female', 'registered', 'g1', '/g1/', $4, $4)`, 10+i, []byte{1}, index, now)
		}
		dbtest.Exec(t, w, `INSERT INTO person_houses (person_id, house_id, relation) SELECT 10 + id % 2, id, 'lives' FROM houses`)
		dbtest.Exec(t, w, `INSERT INTO person_houses (person_id, house_id, relation) SELECT 12, id, 'owns' FROM houses`)
		dbtest.Exec(t, w, `INSERT INTO person_tags (person_id, tag, since) VALUES (11, 'elderly_alone', '2020-01-01'), (12, 'disabled', ''), (12, 'low_income', '')`)
		clustered := func(table string) bool {
			t.Helper()
			var wr int
			if err := d.Read().QueryRowContext(ctx, `SELECT wr FROM pragma_table_list WHERE name = $1`, table).Scan(&wr); err != nil {
				t.Fatal(err)
			}
			return wr == 1
		}
		links := func() (houses, tags int, since string) {
			t.Helper()
			if err := d.Read().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM person_houses), (SELECT COUNT(*) FROM person_tags),
				(SELECT since FROM person_tags WHERE person_id = 11)`).Scan(&houses, &tags, &since); err != nil {
				t.Fatal(err)
			}
			return houses, tags, since
		}
		check := func(stage string, wantClustered bool, wantHouses, wantTags int) {
			t.Helper()
			if d.Engine == db.SQLite {
				for _, table := range []string{"person_houses", "person_tags"} {
					if got := clustered(table); got != wantClustered {
						t.Fatalf("%s: %s WITHOUT ROWID is %v, want %v", stage, table, got, wantClustered)
					}
				}
			}
			if h, tg, since := links(); h != wantHouses || tg != wantTags || since != "2020-01-01" {
				t.Fatalf("%s: %d house links, %d tags (since %q), want %d, %d (since 2020-01-01)", stage, h, tg, since, wantHouses, wantTags)
			}
			if _, err := w.ExecContext(ctx, `INSERT INTO person_houses (person_id, house_id, relation) SELECT 12, id, 'owns' FROM houses WHERE code = 'h1'`); err == nil {
				t.Fatalf("%s: a link repeating its key was stored", stage)
			}
			if _, err := w.ExecContext(ctx, `INSERT INTO person_tags (person_id, tag) VALUES (99, 'disabled')`); err == nil {
				t.Fatalf("%s: a tag of no person was stored", stage)
			}
		}
		check("before", false, 4, 3)
		if err := d.Migrate(ctx, discard()); err != nil {
			t.Fatal(err)
		}
		check("migrated", true, 4, 3)
		// The cascades hold: a person's links go with them.
		dbtest.Exec(t, w, `DELETE FROM persons WHERE id = 12`)
		check("after a person was deleted", true, 2, 1)
		if err := d.MigrateDownTo(ctx, 28); err != nil {
			t.Fatal(err)
		}
		check("undone", false, 2, 1)
	})
}
