package main

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/reseal/resealtest"
	"github.com/gridgov/gridgov/internal/secret"
)

// notSealed are the byte columns of the schema that hold no sealed value.
var notSealed = []string{
	"regions.boundary", "region_boundary_history.boundary", "overlays.boundary", // WKB geometry
	"worker_devices.public_key", // an Ed25519 public key
}

// Every byte column is either described for resealing or known to hold
// no sealed value, so a new sealed column cannot be forgotten by
// 'keys rotate'.
func TestEverySealedColumnIsResealed(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			c := newCLI(t, engine)
			if code, _, errOut := c.run("", "migrate"); code != 0 {
				t.Fatalf("migrate: %s", errOut)
			}
			d := c.open()
			query := `SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
				WHERE m.type = 'table' AND upper(p.type) = 'BLOB'`
			if engine == db.Postgres {
				query = `SELECT table_name || '.' || column_name FROM information_schema.columns
					WHERE table_schema = current_schema() AND data_type = 'bytea'`
			}
			rows, err := d.Read().QueryContext(context.Background(), query)
			if err != nil {
				t.Fatal(err)
			}
			var schema []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				schema = append(schema, s)
			}
			rows.Close()
			var described []string
			for _, tb := range sealedTables() {
				if err := tb.Validate(); err != nil {
					t.Fatal(err)
				}
				for _, b := range tb.Blobs {
					described = append(described, tb.Name+"."+b)
				}
			}
			for _, col := range schema {
				if !slices.Contains(described, col) && !slices.Contains(notSealed, col) {
					t.Errorf("%s is a byte column that 'keys rotate' does not reseal: describe it in its package's SealedTables, or list it in notSealed", col)
				}
			}
			for _, col := range described {
				if !slices.Contains(schema, col) {
					t.Errorf("%s is described for resealing but is not a byte column of the schema", col)
				}
			}
		})
	}
}

func TestKeysRotateResealsEverything(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			c := newCLI(t, engine)
			if code, _, errOut := c.run("", "migrate"); code != 0 {
				t.Fatalf("migrate: %s", errOut)
			}
			ctx := context.Background()
			d := c.open()
			regions := region.NewStore(d, time.Now)
			for _, r := range []region.Region{
				{Code: "990100", Name: "示范市", Level: region.City},
				{Code: "990101", Name: "东区", Level: region.County, ParentCode: "990100"},
				{Code: "990101001", Name: "东风街道", Level: region.Township, ParentCode: "990101"},
				{Code: "990101001001", Name: "友谊社区", Level: region.Village, ParentCode: "990101001"},
				{Code: "990101001001001", Name: "友谊一网格", Level: region.Grid, ParentCode: "990101001001"},
			} {
				if _, err := regions.Create(ctx, audit.System("test"), region.All(), r); err != nil {
					t.Fatal(err)
				}
			}
			keys, err := secret.LoadOrCreate("", c.dataDir)
			if err != nil {
				t.Fatal(err)
			}
			svc := registry.NewService(d, keys, nil, time.Now)
			ids := []string{"11010519491231002X", "230602194503100211", "230602199006060020"}
			for i, id := range ids {
				in := registry.PersonInput{Name: "居民" + id[14:], IDNumber: id, GridCode: "990101001001001", ResidenceType: "registered"}
				if i > 0 {
					in.Phone = "1380000000" + id[17:]
				}
				if _, _, err := svc.SavePerson(ctx, auth.System("test"), in); err != nil {
					t.Fatal(err)
				}
			}

			code, out, errOut := c.run("", "keys", "rotate")
			if code != 0 || !strings.HasPrefix(out, "new data key k2\n") || !strings.Contains(out, "\npersons: 3 rows read, 3 re-encrypted\n") ||
				!strings.Contains(out, "\nworkers: 0 rows read, 0 re-encrypted\n") || !strings.Contains(out, "3 rows re-encrypted with data key k2") {
				t.Fatalf("keys rotate: %d %q %q", code, out, errOut)
			}
			for _, tb := range sealedTables() {
				if !regexp.MustCompile(`(?m)^` + tb.Name + `: \d+ rows read`).MatchString(out) {
					t.Errorf("keys rotate says nothing of %s", tb.Name)
				}
			}
			after, err := secret.LoadOrCreate("", c.dataDir)
			if err != nil {
				t.Fatal(err)
			}
			values := resealtest.Values(t, d, sealedTables()...)
			if len(values) != 5 {
				t.Fatalf("%d sealed values, want 5", len(values))
			}
			for _, v := range values {
				if secret.SealedWith(v.Sealed) != "k2" {
					t.Fatalf("%s is sealed with %q after keys rotate", v.Where(), secret.SealedWith(v.Sealed))
				}
				if _, err := resealtest.Open(after, sealedTables(), v); err != nil {
					t.Fatalf("%s: %v", v.Where(), err)
				}
			}
			found, err := registry.NewService(d, after, nil, time.Now).Search(ctx, auth.System("test"), registry.SearchQuery{IDNumber: ids[1]})
			if err != nil || len(found.Items) != 1 {
				t.Fatalf("search by ID number after keys rotate: %+v, %v", found, err)
			}
			entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "keys.reseal"})
			if len(entries) != 1 || entries[0].Detail["table"] != "persons" || entries[0].Detail["key"] != "k2" {
				t.Fatalf("reseal audit = %+v", entries)
			}

			// Run again: nothing left to do.
			code, out, errOut = c.run("", "keys", "rotate", "--reseal-only")
			if code != 0 || strings.Contains(out, "new data key") || !strings.Contains(out, "\npersons: 3 rows read, 0 re-encrypted\n") ||
				!strings.Contains(out, "0 rows re-encrypted with data key k2") {
				t.Fatalf("keys rotate --reseal-only: %d %q %q", code, out, errOut)
			}

			// A value that no key opens is reported, by row, and the run fails.
			stranger := strangerRing(t)
			if _, err := d.Write().ExecContext(ctx, `UPDATE persons SET phone_enc = $1 WHERE id = (SELECT MAX(id) FROM persons)`,
				stranger.Seal([]byte("13800000004"), "elsewhere")); err != nil {
				t.Fatal(err)
			}
			code, out, errOut = c.run("", "keys", "rotate")
			if code != 1 || !strings.Contains(out, "new data key k3") || !strings.Contains(out, "1 values no key opens") ||
				!regexp.MustCompile(`1 sealed values could not be opened with any key.*persons id=\d+ phone_enc`).MatchString(errOut) {
				t.Fatalf("keys rotate with an unopenable value: %d %q %q", code, out, errOut)
			}

			for _, tc := range []struct {
				args []string
				env  map[string]string
				code int
				want string
			}{
				{[]string{"keys"}, nil, 2, "want 'keys rotate'"},
				{[]string{"keys", "rotate", "now"}, nil, 2, `unexpected argument "now"`},
				{[]string{"keys", "rotate"}, map[string]string{"GRIDGOV_DATA_KEY": "k9:" + strings.Repeat("A", 43) + "="}, 1, "--reseal-only"},
			} {
				var o, e strings.Builder
				code := run(ctx, tc.args, c.env(tc.env), strings.NewReader(""), &o, &e)
				if code != tc.code || !strings.Contains(e.String(), tc.want) {
					t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, e.String(), tc.code, tc.want)
				}
			}
		})
	}
}

// strangerRing is a keyring of one key that no deployment holds.
func strangerRing(t *testing.T) *secret.Keyring {
	k, err := secret.NewKeyring(secret.Key{ID: "k1", Bytes: []byte("fedcba9876543210fedcba9876543210")})
	if err != nil {
		t.Fatal(err)
	}
	return k
}
