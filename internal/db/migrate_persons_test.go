package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// Migration 24 swaps the unique constraint on persons' ID numbers for a
// unique index of its own name. Down and up again on stored rows keep the
// rows, their ids, their links and every foreign key, and ID numbers stay
// unique throughout.
func TestPersonsIDNumberIndexMigration(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		w := d.Write()
		dbtest.Exec(t, w, `INSERT INTO regions (code, name, level, path, valid_from, created_at, updated_at) VALUES ('g1', 'Grid', 5, '/g1/', $1, $1, $1)`, now)
		dbtest.Exec(t, w, `INSERT INTO houses (code, grid_code, region_path, usage, created_at, updated_at) VALUES ('h1', 'g1', '/g1/', 'rented', $1, $1)`, now)
		person := func(id int64, index string) error {
			_, err := w.ExecContext(ctx, `INSERT INTO persons (id, name, id_kind, id_number_enc, id_number_index, id_number_mask, birth_date, sex,
				residence_type, grid_code, region_path, created_at, updated_at)
				VALUES ($1, 'N', 'resident', $2, $3, 'm', '1960-01-01', 'female', 'registered', 'g1', '/g1/', $4, $4)`, id, []byte{1}, index, now)
			return err
		}
		for i, index := range []string{"k1", "k2", "k3"} {
			if err := person(int64(10+i), index); err != nil {
				t.Fatal(err)
			}
		}
		dbtest.Exec(t, w, `INSERT INTO person_houses (person_id, house_id, relation) SELECT 11, id, 'lives' FROM houses`)
		dbtest.Exec(t, w, `INSERT INTO person_tags (person_id, tag) VALUES (11, 'elderly_alone'), (12, 'disabled')`)

		check := func(stage string, wantIndex bool) {
			t.Helper()
			if err := person(20, "k2"); err == nil {
				t.Fatalf("%s: a second person with a stored ID number was accepted", stage)
			}
			var n, links, tags int
			err := d.Read().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM persons WHERE id IN (10, 11, 12)),
				(SELECT COUNT(*) FROM person_houses WHERE person_id = 11), (SELECT COUNT(*) FROM person_tags)`).Scan(&n, &links, &tags)
			if err != nil || n != 3 || links != 1 || tags != 2 {
				t.Fatalf("%s: persons %d, links %d, tags %d, %v; want 3, 1, 2", stage, n, links, tags, err)
			}
			if _, err := w.ExecContext(ctx, `INSERT INTO person_tags (person_id, tag) VALUES (99, 'disabled')`); err == nil {
				t.Fatalf("%s: a tag of no person was accepted", stage)
			}
			if has, err := d.HasIndex(ctx, d.Read(), "persons_id_number"); err != nil || has != wantIndex {
				t.Fatalf("%s: index persons_id_number present %v, %v; want %v", stage, has, err, wantIndex)
			}
		}
		check("migrated", true)
		if err := d.MigrateDownTo(ctx, 23); err != nil {
			t.Fatal(err)
		}
		check("down", false)
		if err := d.Migrate(ctx, discard()); err != nil {
			t.Fatal(err)
		}
		check("up again", true)
		// Links still follow their person out.
		dbtest.Exec(t, w, `DELETE FROM persons WHERE id = 12`)
		var tags int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM person_tags`).Scan(&tags); err != nil || tags != 1 {
			t.Fatalf("tags after deleting their person: %d, %v; want 1", tags, err)
		}
	})
}
