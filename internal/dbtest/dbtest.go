// Package dbtest gives tests a fresh, migrated database on every engine:
// SQLite always, and PostgreSQL when GRIDGOV_TEST_DATABASE_URL names a server.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
)

// EnvURL names the PostgreSQL server tests use; `make test` starts one and sets it.
const EnvURL = "GRIDGOV_TEST_DATABASE_URL"

// EnvRequire makes a missing PostgreSQL server a test failure instead of a skip.
const EnvRequire = "GRIDGOV_TEST_REQUIRE_POSTGRES"

// Engines runs fn once per engine as subtests named after the engine.
func Engines(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			fn(t, Open(t, engine))
		})
	}
}

// Open returns a migrated, empty database of the given engine, removed when the test ends.
func Open(t testing.TB, engine db.Engine) *db.DB {
	t.Helper()
	cfg := Config(t, engine)
	ctx := context.Background()
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return d
}

// Config returns the connection settings of a fresh, empty database of the
// given engine: a file in a temp dir, or a new schema on the test server.
func Config(t testing.TB, engine db.Engine) db.Config {
	t.Helper()
	if engine == db.SQLite {
		return db.Config{Path: filepath.Join(t.TempDir(), "gridgov.db")}
	}
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv(EnvRequire) != "" {
			t.Fatalf("%s is not set but %s is: PostgreSQL tests must run", EnvURL, EnvRequire)
		}
		t.Skipf("postgres: %s not set (make test starts a throwaway server)", EnvURL)
	}
	schema := "test_" + randomHex(t, 8)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres: %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return db.Config{URL: u.String()}
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Exec runs a statement for test setup and fails the test on error.
func Exec(t testing.TB, q db.Querier, query string, args ...any) {
	t.Helper()
	if _, err := q.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("exec %q: %v", query, err)
	}
}
