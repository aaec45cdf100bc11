package registry_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/tabular"
)

// A file of many chunks: links and tags of new persons are stored with
// them, each chunk's creations are audited once, and a second import of the
// same file running at the same time stores nothing twice.
func TestImportChunksAndConcurrentImports(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		var houses, persons strings.Builder
		houses.WriteString("house_code,address,grid_code,usage\n")
		persons.WriteString("name,id_number,phone,house_code,house_relation,tags\n")
		const n = 60
		for i := range n {
			grid := "990101001001001"
			if i%3 == 0 {
				grid = "990101002001001"
			}
			fmt.Fprintf(&houses, "B-%03d,路%d号,%s,rented\n", i, i, grid)
			tags := ""
			if i%5 == 0 {
				tags = "disabled,low_income"
			}
			fmt.Fprintf(&persons, "人%d,%s,1380000%04d,B-%03d,rents,\"%s\"\n", i, validID("230602", "19800101", i+1), i, i, tags)
		}
		run := func(kind registry.Kind, text string) (registry.ImportReport, error) {
			return f.svc.Import(ctx, f.admin, kind, openText(t, "f.csv", text, tabular.Auto), registry.ImportOptions{BatchRows: 7})
		}
		reports := make([]registry.ImportReport, 2)
		errs := make([]error, 2)
		for _, kind := range []registry.Kind{registry.Houses, registry.Persons} {
			text := houses.String()
			if kind == registry.Persons {
				text = persons.String()
			}
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Go(func() { reports[i], errs[i] = run(kind, text) })
			}
			wg.Wait()
			for i := range 2 {
				if errs[i] != nil {
					t.Fatalf("%s import %d: %v", kind, i, errs[i])
				}
				if r := reports[i]; r.Rows != n || len(r.Rejected) != 0 || r.Updated != 0 || r.Created+r.Unchanged != n {
					t.Fatalf("%s import %d = %+v", kind, i, r)
				}
			}
			if c := reports[0].Created + reports[1].Created; c != n {
				t.Fatalf("%s: the two imports created %d rows, want %d", kind, c, n)
			}
		}
		var links, tags int
		_ = d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM person_houses WHERE relation = 'rents'`).Scan(&links)
		_ = d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM person_tags`).Scan(&tags)
		if links != n || tags != 2*12 {
			t.Fatalf("%d links and %d tags stored, want %d and %d", links, tags, n, 2*12)
		}
		res, err := f.svc.Search(ctx, f.admin, registry.SearchQuery{IDNumber: validID("230602", "19800101", 4)})
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("search = %+v, %v", res, err)
		}
		if p := res.Items[0]; p.GridCode != "990101002001001" || len(p.Houses) != 1 || p.Houses[0].HouseCode != "B-003" {
			t.Fatalf("person placed = %+v", p)
		}
		if a := auditCount(t, d, "person.import"); a < n/7 {
			t.Fatalf("%d chunk audits for persons, want at least %d", a, n/7)
		}
	})
}

// Chunks commit together up to CommitRows rows, and fewer when storing
// them outlasts CommitAfter; the progress callback hears of each commit.
func TestImportCommitGroups(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, tc := range []struct {
			name        string
			commitRows  int
			commitAfter time.Duration
			want        []int
		}{
			{"one commit", 100, time.Hour, []int{10}},
			{"by rows", 4, time.Hour, []int{4, 8, 10}},
			{"by time", 100, time.Nanosecond, []int{2, 4, 6, 8, 10}},
		} {
			var text strings.Builder
			text.WriteString("house_code,address,grid_code,usage\n")
			for i := range 10 {
				fmt.Fprintf(&text, "G-%s-%02d,路%d号,990101001001001,rented\n", strings.ReplaceAll(tc.name, " ", ""), i, i)
			}
			var got []int
			rep, err := f.svc.Import(context.Background(), f.admin, registry.Houses, openText(t, "f.csv", text.String(), tabular.Auto),
				registry.ImportOptions{BatchRows: 2, CommitRows: tc.commitRows, CommitAfter: tc.commitAfter,
					Progress: func(rows int) { got = append(got, rows) }})
			if err != nil || rep.Created != 10 {
				t.Fatalf("%s: %+v, %v", tc.name, rep, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: commits after rows %v, want %v", tc.name, got, tc.want)
			}
		}
	})
}

// A first load of persons stores them without the unique index on ID
// numbers and builds it at the end. A person saved meanwhile builds it
// first, and the load goes on as any import: the file's row of that person
// updates it, and no ID number is stored twice.
func TestFirstLoadAndAPersonSavedMeanwhile(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.house(t, "F-1", "990101001001001")
		indexes := func(name string) int {
			t.Helper()
			q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'persons' AND name LIKE $1`
			if d.Engine == db.Postgres {
				q = `SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'persons' AND indexname LIKE $1 AND schemaname = current_schema()`
			}
			var n int
			if err := d.Read().QueryRowContext(ctx, q, name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		hasIndex := func() bool {
			t.Helper()
			has, err := d.HasIndex(ctx, d.Read(), "persons_id_number")
			if err != nil {
				t.Fatal(err)
			}
			return has
		}
		const n = 12
		var text strings.Builder
		text.WriteString("name,id_number,phone,house_code,residence_type\n")
		for i := range n {
			fmt.Fprintf(&text, "人%d,%s,1380000%04d,F-1,registered\n", i, validID("230602", "19800101", i+1), i)
		}
		late := validID("230602", "19800101", n) // the file's last row
		var during []bool
		rep, err := f.svc.Import(ctx, f.admin, registry.Persons, openText(t, "f.csv", text.String(), tabular.Auto),
			registry.ImportOptions{BatchRows: 2, CommitRows: 2, Progress: func(int) {
				during = append(during, hasIndex())
				if len(during) == 2 {
					_, created, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "早到", IDNumber: late, Phone: "13900000000",
						ResidenceType: "registered", Houses: []registry.HouseLink{{HouseCode: "F-1", Relation: "lives"}}})
					if err != nil || !created {
						t.Errorf("person saved during the load: created %v, %v", created, err)
					}
				}
			}})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if rep.Created != n-1 || rep.Updated != 1 || len(rep.Rejected) != 0 {
			t.Fatalf("report = %+v, want %d created and 1 updated", rep, n-1)
		}
		if len(during) < 3 || during[0] || during[1] || !during[2] {
			t.Fatalf("unique index present after each commit: %v; want absent until the person was saved", during)
		}
		want := 5 // region, and the four a first load drops
		if d.Engine == db.Postgres {
			want++ // and the primary key's
		}
		if !hasIndex() || indexes("persons%") != want {
			t.Fatalf("after the load: unique index %v, %d indexes on persons; want it and %d", hasIndex(), indexes("persons%"), want)
		}
		var stored, distinct int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT id_number_index) FROM persons`).Scan(&stored, &distinct); err != nil {
			t.Fatal(err)
		}
		if stored != n || distinct != n {
			t.Fatalf("%d persons with %d ID numbers stored, want %d", stored, distinct, n)
		}
		res, err := f.svc.Search(ctx, f.admin, registry.SearchQuery{IDNumber: late})
		if err != nil || len(res.Items) != 1 || res.Items[0].Name != fmt.Sprintf("人%d", n-1) {
			t.Fatalf("the person saved meanwhile after the load = %+v, %v", res.Items, err)
		}
	})
}

// A first load of houses inserts them without asking which are stored. A
// house saved meanwhile under a code of the file fails that chunk's
// transaction; the chunk is stored again as in any import, and the file's
// row updates the house saved meanwhile.
func TestFirstLoadOfHousesAndAHouseSavedMeanwhile(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		const n = 10
		var text strings.Builder
		text.WriteString("house_code,address,grid_code,usage\n")
		for i := range n {
			fmt.Fprintf(&text, "E-%02d,路%d号,990101001001001,rented\n", i, i)
		}
		late := fmt.Sprintf("E-%02d", n-1) // the file's last row
		commits := 0
		rep, err := f.svc.Import(ctx, f.admin, registry.Houses, openText(t, "f.csv", text.String(), tabular.Auto),
			registry.ImportOptions{BatchRows: 2, CommitRows: 2, Progress: func(int) {
				if commits++; commits == 1 {
					f.house(t, late, "990101002001001")
				}
			}})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if rep.Rows != n || rep.Created != n-1 || rep.Updated != 1 || len(rep.Rejected) != 0 {
			t.Fatalf("report = %+v, want %d created and 1 updated", rep, n-1)
		}
		var stored, grids int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT grid_code) FROM houses`).Scan(&stored, &grids); err != nil {
			t.Fatal(err)
		}
		if stored != n || grids != 1 {
			t.Fatalf("%d houses in %d grids stored, want %d in the file's one grid", stored, grids, n)
		}
		again := f.importCSV(t, registry.Houses, text.String(), false)
		if again.Unchanged != n || again.Created+again.Updated != 0 {
			t.Fatalf("second import = %+v, want %d unchanged", again, n)
		}
	})
}
