package registry

import (
	"context"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// Dropping and rebuilding the deferred indexes gives back exactly the
// indexes the migrations made.
func TestDeferredIndexesMatchSchema(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		defs := func() map[string]string {
			q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'persons' AND sql IS NOT NULL`
			if d.Engine == db.Postgres {
				q = `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'persons' AND schemaname = current_schema()`
			}
			rows, err := d.Read().QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := map[string]string{}
			for rows.Next() {
				var name, def string
				if err := rows.Scan(&name, &def); err != nil {
					t.Fatal(err)
				}
				out[name] = def
			}
			return out
		}
		s := &Service{db: d}
		before := defs()
		for _, ix := range deferredIndexes {
			if before[ix.name] == "" {
				t.Fatalf("index %s is not in the schema: %v", ix.name, before)
			}
		}
		dropped, err := s.dropDeferredIndexes(ctx)
		if err != nil || !dropped {
			t.Fatalf("drop on an empty table = %v, %v", dropped, err)
		}
		if mid := defs(); len(mid) != len(before)-len(deferredIndexes) {
			t.Fatalf("after the drop: %v", mid)
		}
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		after := defs()
		for name, def := range before {
			if normalize(after[name]) != normalize(def) {
				t.Errorf("index %s rebuilt as %q, the migration made %q", name, after[name], def)
			}
		}
	})
}

// normalize forgets the IF NOT EXISTS that SQLite keeps in the text.
func normalize(def string) string { return strings.Replace(def, "IF NOT EXISTS ", "", 1) }
