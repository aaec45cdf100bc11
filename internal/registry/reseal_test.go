package registry_test

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/reseal/resealtest"
	"github.com/gridgov/gridgov/internal/secret"
)

func TestResealPersonsAfterRotation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d) // seals with k1, all-zero bytes
		f.house(t, "H-1", "990101001001001")
		a, b, c := validID("230602", "19500101", 11), validID("230602", "19900606", 22), validID("230602", "20010203", 33)
		rep := f.importCSV(t, registry.Persons, "姓名,身份证号,联系电话,房屋编码,人口类型,标签\n"+
			"赵一,"+a+",13800000001,H-1,户籍,\n"+
			"钱二,"+b+",,H-1,流动,\n"+
			"孙三,"+c+",13800000003,H-1,户籍,\n", false)
		if rep.Created != 3 {
			t.Fatalf("import = %+v", rep)
		}
		var indexes []string
		rows, _ := d.Read().QueryContext(ctx, `SELECT id_number_index FROM persons ORDER BY id`)
		for rows.Next() {
			var s string
			rows.Scan(&s)
			indexes = append(indexes, s)
		}
		rows.Close()

		before, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
		after, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)}, secret.Key{ID: "k2", Bytes: []byte("0123456789abcdef0123456789abcdef")})
		res := resealtest.Rotate(t, d, before, after, registry.SealedTables()...)
		if res[0].Resealed != 3 {
			t.Fatalf("resealed = %+v", res)
		}

		// The blind indexes are unchanged, and the service with the new
		// keyring finds and reveals the persons as before.
		var now []string
		rows, _ = d.Read().QueryContext(ctx, `SELECT id_number_index FROM persons ORDER BY id`)
		for rows.Next() {
			var s string
			rows.Scan(&s)
			now = append(now, s)
		}
		rows.Close()
		if len(now) != 3 || now[0] != indexes[0] || now[1] != indexes[1] || now[2] != indexes[2] {
			t.Fatalf("blind indexes changed: %v → %v", indexes, now)
		}
		svc := registry.NewService(d, after, fakeLocator{}, f.clock.Now)
		found, err := svc.Search(ctx, f.admin, registry.SearchQuery{IDNumber: c})
		if err != nil || len(found.Items) != 1 || found.Items[0].Name != "孙三" {
			t.Fatalf("search by ID number after the rotation: %+v, %v", found, err)
		}
		if byPhone, err := svc.Search(ctx, f.admin, registry.SearchQuery{Phone: "13800000001"}); err != nil || len(byPhone.Items) != 1 {
			t.Fatalf("search by phone after the rotation: %+v, %v", byPhone, err)
		}
		center := principal(6, "center", auth.RoleCenter, "/990100/990101/")
		r, err := svc.Reveal(ctx, center, found.Items[0].ID, "核实身份信息")
		if err != nil || r.IDNumber != c || r.Phone != "13800000003" {
			t.Fatalf("reveal after the rotation = %+v, %v", r, err)
		}
	})
}
