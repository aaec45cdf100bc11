package event_test

import (
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/reseal/resealtest"
	"github.com/gridgov/gridgov/internal/secret"
)

func TestResealReporterPhonesAfterRotation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d) // seals with k1, all-zero bytes
		f.report(t, f.city, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "路边垃圾堆积",
			Lng: ptr(125.05), Lat: ptr(46.0), ReporterPhone: "13812345678"})
		f.report(t, f.worker, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾"})
		f.report(t, f.city, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "热线：垃圾", GridCode: grid1,
			ReporterName: "王先生", ReporterPhone: "13900001111"})

		before, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
		after, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)}, secret.Key{ID: "k2", Bytes: []byte("0123456789abcdef0123456789abcdef")})
		res := resealtest.Rotate(t, d, before, after, event.SealedTables()...)
		if res[0].Rows != 3 || res[0].Resealed != 2 {
			t.Fatalf("resealed = %+v", res)
		}
		var phones []string
		for _, v := range resealtest.Values(t, d, event.SealedTables()...) {
			p, err := resealtest.Open(after, event.SealedTables(), v)
			if err != nil {
				t.Fatal(err)
			}
			phones = append(phones, string(p))
		}
		if len(phones) != 2 || phones[0] != "13812345678" || phones[1] != "13900001111" {
			t.Fatalf("phones after the rotation = %v", phones)
		}
	})
}
