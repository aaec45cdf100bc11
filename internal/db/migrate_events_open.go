package db

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// eventsOpen (migration 26) indexes the open events by id on SQLite, where
// the duplicate search of a report (internal/event, nearby.go) finds the
// nearest candidates in memory and reads here which of them are still open,
// and in what state: the newest events sit side by side at the end of this
// narrow index, where the table holds them a page or more apart.
// PostgreSQL searches in SQL and would only pay the index's upkeep.
func eventsOpen(e Engine) *goose.Migration {
	up, down := noop, noop
	if e == SQLite {
		up = exec(`CREATE INDEX events_open ON events (id, state) WHERE state NOT IN ('closed', 'rejected', 'duplicate', 'voided')`)
		down = exec(`DROP INDEX events_open`)
	}
	return goose.NewGoMigration(26, &goose.GoFunc{RunTx: up}, &goose.GoFunc{RunTx: down})
}

func noop(context.Context, *sql.Tx) error { return nil }

// exec is a migration step of one statement.
func exec(query string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query)
		return err
	}
}
