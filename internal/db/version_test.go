package db_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// DataVersion stays the same while nothing is committed, reads included,
// and moves with every commit: this handle's own, and another process's
// (here another DB on the same database). On PostgreSQL it always moves.
func TestDataVersion(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			d, other := openTwice(t, engine)
			dbtest.Exec(t, d.Write(), `CREATE TABLE version_probe (n INTEGER NOT NULL)`)
			version := func() db.Version {
				t.Helper()
				v, err := d.DataVersion(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			before := version()
			var n int
			if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM version_probe`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if again := version(); (again == before) != (engine == db.SQLite) {
				t.Fatalf("after a read: %v, then %v", before, again)
			}
			steps := []struct {
				what  string
				write func() error
			}{
				{"a statement of this handle", func() error {
					_, err := d.Write().ExecContext(ctx, `INSERT INTO version_probe (n) VALUES (1)`)
					return err
				}},
				{"a transaction of this handle", func() error {
					return d.InTx(ctx, func(tx *sql.Tx) error {
						_, err := tx.ExecContext(ctx, `INSERT INTO version_probe (n) VALUES (2)`)
						return err
					})
				}},
				{"another process", func() error {
					_, err := other.Write().ExecContext(ctx, `INSERT INTO version_probe (n) VALUES (3)`)
					return err
				}},
			}
			for _, step := range steps {
				before := version()
				if err := step.write(); err != nil {
					t.Fatalf("%s: %v", step.what, err)
				}
				if after := version(); after == before {
					t.Fatalf("the version stayed %v after a commit by %s", after, step.what)
				}
			}
		})
	}
}
