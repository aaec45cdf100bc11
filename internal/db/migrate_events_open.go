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
	return sqliteOnly(e, 26,
		exec(`CREATE INDEX events_open ON events (id, state) WHERE state NOT IN ('closed', 'rejected', 'duplicate', 'voided')`),
		exec(`DROP INDEX events_open`))
}

// eventsOpenDropped (migration 30) drops events_open again: the duplicate
// search now follows the states of its events in memory, from the actions
// taken (event_actions), and the index only cost its upkeep at every report
// and every action.
func eventsOpenDropped(e Engine) *goose.Migration {
	return sqliteOnly(e, 30,
		exec(`DROP INDEX IF EXISTS events_open`),
		exec(`CREATE INDEX events_open ON events (id, state) WHERE state NOT IN ('closed', 'rejected', 'duplicate', 'voided')`))
}

// sqliteOnly is migration version, which does up and down on SQLite and
// nothing on PostgreSQL.
func sqliteOnly(e Engine, version int64, up, down func(context.Context, *sql.Tx) error) *goose.Migration {
	if e != SQLite {
		up, down = noop, noop
	}
	return goose.NewGoMigration(version, &goose.GoFunc{RunTx: up}, &goose.GoFunc{RunTx: down})
}

func noop(context.Context, *sql.Tx) error { return nil }

// exec is a migration step of statements run in turn.
func exec(queries ...string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range queries {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}
}
