package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// A stamp stores exactly what its time stores, and reads back as that time,
// in every zone and at every precision.
func TestStampStoresWhatTheTimeWould(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		typ := "TIMESTAMPTZ" // as the migrations' {{time}}
		if d.Engine == db.SQLite {
			typ = "DATETIME"
		}
		dbtest.Exec(t, d.Write(), `CREATE TABLE stamp_probe (a `+typ+` NOT NULL, b `+typ+` NOT NULL)`)
		shanghai := time.FixedZone("CST", 8*3600)
		for _, at := range []time.Time{
			time.Date(2026, 11, 30, 9, 41, 7, 0, time.UTC),
			time.Date(2026, 11, 30, 9, 41, 7, 123456000, time.UTC),
			time.Date(2026, 2, 1, 0, 0, 0, 500000000, shanghai),
		} {
			dbtest.Exec(t, d.Write(), `DELETE FROM stamp_probe`)
			dbtest.Exec(t, d.Write(), `INSERT INTO stamp_probe (a, b) VALUES ($1, $2)`, at, d.Stamp(at))
			var same bool
			var back time.Time
			if err := d.Read().QueryRowContext(ctx, `SELECT a = b, b FROM stamp_probe`).Scan(&same, &back); err != nil {
				t.Fatal(err)
			}
			if !same || !back.Equal(at) {
				t.Errorf("%v: stored alike %v, read back %v", at, same, back)
			}
		}
	})
}
