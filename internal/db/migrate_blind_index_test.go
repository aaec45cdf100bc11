package db_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/secret"
)

// Migration 28 cuts every stored blind index to what the keyring computes
// now for the same value, so the lookups of the registry, the resident app
// and worker enrolment still find the rows stored before it; a resident's
// pending sign-in code, whose hash cannot be carried over, expires.
func TestBlindIndexMigration(t *testing.T) {
	indexKey := bytes.Repeat([]byte{9}, secret.KeySize)
	keys, err := secret.NewKeyring(secret.Key{ID: "k1", Bytes: bytes.Repeat([]byte{7}, secret.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.SetIndexKey(indexKey); err != nil {
		t.Fatal(err)
	}
	// long is a blind index as it was stored before: the whole HMAC.
	long := func(purpose, value string) string {
		m := hmac.New(sha256.New, indexKey)
		m.Write([]byte(purpose))
		m.Write([]byte{0})
		m.Write([]byte(value))
		return hex.EncodeToString(m.Sum(nil))
	}
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.MigrateDownTo(ctx, 27); err != nil {
			t.Fatal(err)
		}
		w := d.Write()
		now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		dbtest.Exec(t, w, `INSERT INTO regions (code, name, level, path, valid_from, created_at, updated_at) VALUES ('g1', 'Grid', 5, '/g1/', $1, $1, $1)`, now)
		dbtest.Exec(t, w, `INSERT INTO users (username, password_hash, role, password_changed_at, created_at, updated_at) VALUES ('r1', 'x', 'resident', $1, $1, $1)`, now)
		dbtest.Exec(t, w, `INSERT INTO users (username, password_hash, role, password_changed_at, created_at, updated_at) VALUES ('s1', 'x', 'admin', $1, $1, $1)`, now)
		var resident, admin int64
		if err := w.QueryRowContext(ctx, `SELECT id FROM users WHERE username = 'r1'`).Scan(&resident); err != nil {
			t.Fatal(err)
		}
		if err := w.QueryRowContext(ctx, `SELECT id FROM users WHERE username = 's1'`).Scan(&admin); err != nil {
			t.Fatal(err)
		}
		person := `INSERT INTO persons (name, id_kind, id_number_enc, id_number_index, id_number_mask, birth_date, sex, phone_enc, phone_index,
			phone_mask, residence_type, grid_code, region_path, created_at, updated_at) VALUES ($1, 'resident', $2, $3, 'm', '1949-12-31', 'female', $4, $5, 'm', 'registered', 'g1', '/g1/', $6, $6)`
		dbtest.Exec(t, w, person, "甲", []byte{1}, long("id_number", "11010519491231002X"), []byte{2}, long("phone", "13800138000"), now)
		dbtest.Exec(t, w, person, "乙", []byte{1}, long("id_number", "110105194912310021"), nil, nil, now)
		dbtest.Exec(t, w, `INSERT INTO resident_accounts (user_id, phone_index, phone_enc, phone_mask, created_at, updated_at) VALUES ($1, $2, $3, 'm', $4, $4)`,
			resident, long("resident.phone", "13900139000"), []byte{3}, now)
		dbtest.Exec(t, w, `INSERT INTO resident_codes (phone_index, code_hash, expires_at, sent_at, day, day_sends) VALUES ($1, $2, $3, $4, '2026-11-30', 1)`,
			long("resident.phone", "13900139000"), long("resident.code", "x"), now.Add(5*time.Minute), now)
		dbtest.Exec(t, w, `INSERT INTO workers (name, employment, hire_date, primary_grid, region_path, created_at, updated_at) VALUES ('丙', 'full_time', '2026-01-01', 'g1', '/g1/', $1, $1)`, now)
		dbtest.Exec(t, w, `INSERT INTO enrolment_codes (worker_id, code_hash, purpose, issued_by, issued_at, expires_at) SELECT id, $1, 'first', $2, $3, $4 FROM workers`,
			long("workforce.enrolment_code", "ABCD-2345"), admin, now, now.Add(time.Hour))

		if err := d.Migrate(ctx, discard()); err != nil {
			t.Fatal(err)
		}
		count := func(query string, args ...any) int {
			t.Helper()
			var n int
			if err := d.Read().QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			return n
		}
		for _, c := range []struct {
			what, query string
			args        []any
		}{
			{"the first person by ID number", `SELECT COUNT(*) FROM persons WHERE id_number_index = $1`, []any{keys.Index("id_number", "11010519491231002X")}},
			{"the second person by ID number", `SELECT COUNT(*) FROM persons WHERE id_number_index = $1`, []any{keys.Index("id_number", "110105194912310021")}},
			{"the first person by phone", `SELECT COUNT(*) FROM persons WHERE phone_index = $1`, []any{keys.Index("phone", "13800138000")}},
			{"the second person without a phone", `SELECT COUNT(*) FROM persons WHERE phone_index IS NULL AND name = '乙'`, nil},
			{"the resident's account", `SELECT COUNT(*) FROM resident_accounts WHERE phone_index = $1`, []any{keys.Index("resident.phone", "13900139000")}},
			{"the resident's codes row", `SELECT COUNT(*) FROM resident_codes WHERE phone_index = $1`, []any{keys.Index("resident.phone", "13900139000")}},
			{"the expired pending code", `SELECT COUNT(*) FROM resident_codes WHERE expires_at <= sent_at`, nil},
			{"the enrolment code", `SELECT COUNT(*) FROM enrolment_codes WHERE code_hash = $1`, []any{keys.Index("workforce.enrolment_code", "ABCD-2345")}},
		} {
			if n := count(c.query, c.args...); n != 1 {
				t.Errorf("after the migration, %s: %d rows found, want 1", c.what, n)
			}
		}
		if n := count(`SELECT COUNT(*) FROM persons WHERE length(id_number_index) != $1`, 2*secret.IndexBytes); n != 0 {
			t.Errorf("%d persons keep an index of another length", n)
		}
	})
}
