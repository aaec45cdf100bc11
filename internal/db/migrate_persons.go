package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
)

// personsIDNumberIndex (migration 24) turns the UNIQUE constraint on
// persons.id_number_index into a unique index of its own name,
// persons_id_number, so that a first bulk load can drop it and build it once
// at the end by sorting: its keys are blind indexes, random by design, and
// kept up to date row by row they cost a first load of millions of persons a
// sixth of its time. PostgreSQL swaps the constraint for the index; SQLite,
// which cannot drop a column's constraint, rebuilds the table.
func personsIDNumberIndex(e Engine) *goose.Migration {
	if e == SQLite {
		return goose.NewGoMigration(24, &goose.GoFunc{RunDB: sqlitePersonsUp}, &goose.GoFunc{RunDB: sqlitePersonsDown})
	}
	return goose.NewGoMigration(24, &goose.GoFunc{RunTx: postgresPersonsUp}, &goose.GoFunc{RunTx: postgresPersonsDown})
}

func postgresPersonsUp(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx,
		`ALTER TABLE persons DROP CONSTRAINT persons_id_number_index_key`,
		`CREATE UNIQUE INDEX persons_id_number ON persons (id_number_index)`)
}

func postgresPersonsDown(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx,
		`CREATE UNIQUE INDEX IF NOT EXISTS persons_id_number ON persons (id_number_index)`,
		`ALTER TABLE persons ADD CONSTRAINT persons_id_number_index_key UNIQUE USING INDEX persons_id_number`)
}

func sqlitePersonsUp(ctx context.Context, d *sql.DB) error {
	return sqliteRebuildPersons(ctx, d, true)
}

func sqlitePersonsDown(ctx context.Context, d *sql.DB) error {
	return sqliteRebuildPersons(ctx, d, false)
}

// sqliteRebuildPersons gives persons a new definition, keeping its rows and
// ids, the way SQLite documents for changes ALTER TABLE cannot make: a new
// table, the rows copied, the old one dropped, the new one renamed. Foreign
// keys are off meanwhile, or dropping the old table would delete the
// persons' links through ON DELETE CASCADE; they are checked before the
// commit. The pragma holds per connection and not inside a transaction, so
// it runs on a connection of its own and outside the transaction; a rebuild
// cut short is rolled back and runs again in full.
func sqliteRebuildPersons(ctx context.Context, d *sql.DB, up bool) (err error) {
	conn, err := d.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer func() {
		if _, ferr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); ferr != nil && err == nil {
			err = ferr
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	unique, index := "", `CREATE UNIQUE INDEX persons_id_number ON persons (id_number_index)`
	if !up {
		unique, index = " UNIQUE", ""
	}
	table := fmt.Sprintf(`CREATE TABLE persons_new (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    id_kind         TEXT NOT NULL,
    id_number_enc   BLOB NOT NULL,
    id_number_index TEXT NOT NULL%s,
    id_number_mask  TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    sex             TEXT NOT NULL,
    phone_enc       BLOB,
    phone_index     TEXT,
    phone_mask      TEXT NOT NULL DEFAULT '',
    residence_type  TEXT NOT NULL,
    household_no    TEXT NOT NULL DEFAULT '',
    relation        TEXT NOT NULL DEFAULT '',
    grid_code       TEXT NOT NULL REFERENCES regions (code),
    region_path     TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
)`, unique)
	// The indexes a bulk load may have dropped are built here in any case,
	// as EnsureIndexes would.
	stmts := []string{
		table,
		`INSERT INTO persons_new SELECT * FROM persons`,
		`DROP TABLE persons`,
		`ALTER TABLE persons_new RENAME TO persons`,
		`CREATE INDEX persons_region ON persons (region_path, id)`,
		`CREATE INDEX persons_name ON persons (name, region_path)`,
		`CREATE INDEX persons_phone ON persons (phone_index)`,
		`CREATE INDEX persons_birth ON persons (birth_date)`,
	}
	if index != "" {
		stmts = append(stmts, index)
	}
	if err := execAll(ctx, tx, stmts...); err != nil {
		return err
	}
	var broken int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&broken); err != nil {
		return fmt.Errorf("check foreign keys: %w", err)
	}
	if broken > 0 {
		return fmt.Errorf("rebuild persons: %d rows would break foreign keys", broken)
	}
	return tx.Commit()
}

func execAll(ctx context.Context, tx *sql.Tx, stmts ...string) error {
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%.60s: %w", q, err)
		}
	}
	return nil
}
