package db_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// Migration 25 rewrites in UTC the deadlines events stored in the calendar's
// zone, so that SQLite, which compares times as text, finds the overdue
// ones; the instants do not change, on either engine.
func TestEventDueTimesMigration(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.MigrateDownTo(ctx, 24); err != nil {
			t.Fatal(err)
		}
		beijing := time.FixedZone("CST", 8*3600)
		now := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
		due := time.Date(2026, 11, 30, 9, 30, 0, 0, beijing) // 01:30 UTC: overdue at now
		w := d.Write()
		dbtest.Exec(t, w, `INSERT INTO regions (code, name, level, path, valid_from, created_at, updated_at) VALUES ('g1', 'Grid', 5, '/g1/', $1, $1, $1)`, now)
		event := func(id int64, stepDue, superviseDue any) {
			dbtest.Exec(t, w, `INSERT INTO events (id, code, source, category_code, title, urgency, state, level, region_code, grid_code,
				region_path, token, created_at, updated_at, step_due, supervise_due)
				VALUES ($1, $2, 'resident', 'c', 't', 'normal', 'dispatched', 'grid', 'g1', 'g1', '/g1/', $2, $3, $3, $4, $5)`,
				id, "E"+string(rune('0'+id)), now, stepDue, superviseDue)
		}
		event(1, due, due)
		event(2, due.UTC(), nil)
		event(3, nil, nil)
		if err := d.Migrate(ctx, discard()); err != nil {
			t.Fatal(err)
		}
		var overdue []int64
		rows, err := d.Read().QueryContext(ctx, `SELECT id FROM events WHERE step_due < $1 ORDER BY id`, now)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			overdue = append(overdue, id)
		}
		rows.Close()
		if len(overdue) != 2 || overdue[0] != 1 || overdue[1] != 2 {
			t.Fatalf("overdue events %v, want [1 2]", overdue)
		}
		var stepDue, superviseDue time.Time
		if err := d.Read().QueryRowContext(ctx, `SELECT step_due, supervise_due FROM events WHERE id = 1`).Scan(&stepDue, &superviseDue); err != nil {
			t.Fatal(err)
		}
		if !stepDue.Equal(due) || !superviseDue.Equal(due) {
			t.Fatalf("times moved: %v, %v; want %v", stepDue, superviseDue, due)
		}
		if d.Engine == db.SQLite {
			var text string
			if err := d.Read().QueryRowContext(ctx, `SELECT CAST(step_due AS TEXT) FROM events WHERE id = 1`).Scan(&text); err != nil || !strings.HasSuffix(text, "+00:00") {
				t.Fatalf("stored %q, %v; want a UTC time", text, err)
			}
		}
	})
}
