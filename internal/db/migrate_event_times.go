package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"
)

// eventDueTimesUTC (migration 25) rewrites in UTC the deadlines that events
// stored in the working calendar's zone. SQLite keeps a time as text and
// compares it as text, so "2025-01-03 17:30:00+08:00" sorted eight hours
// late against the UTC times beside it and an overdue event was queued as
// on time. PostgreSQL stores instants and needs nothing.
func eventDueTimesUTC(e Engine) *goose.Migration {
	up := noop
	if e == SQLite {
		up = sqliteEventDueTimesUTC
	}
	// Down has nothing to undo: the times name the same instants.
	return goose.NewGoMigration(25, &goose.GoFunc{RunTx: up}, &goose.GoFunc{RunTx: noop})
}

func sqliteEventDueTimesUTC(ctx context.Context, tx *sql.Tx) error {
	for _, col := range []string{"step_due", "supervise_due"} {
		if err := sqliteColumnUTC(ctx, tx, "events", col); err != nil {
			return fmt.Errorf("events.%s in UTC: %w", col, err)
		}
	}
	return nil
}

// sqliteColumnUTC rewrites the times of one column that are not in UTC; the
// driver reads each into a time.Time and writes it back in UTC.
func sqliteColumnUTC(ctx context.Context, tx *sql.Tx, table, col string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, `+col+` FROM `+table+` WHERE `+col+` IS NOT NULL AND `+col+` NOT LIKE '%+00:00'`)
	if err != nil {
		return err
	}
	type fix struct {
		id int64
		at time.Time
	}
	var fixes []fix
	for rows.Next() {
		var f fix
		if err := rows.Scan(&f.id, &f.at); err != nil {
			rows.Close()
			return err
		}
		fixes = append(fixes, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `UPDATE `+table+` SET `+col+` = $1 WHERE id = $2`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, f := range fixes {
		if _, err := stmt.ExecContext(ctx, f.at.UTC(), f.id); err != nil {
			return err
		}
	}
	return nil
}
