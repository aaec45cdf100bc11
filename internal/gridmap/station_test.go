package gridmap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
)

// A station's code has the form of other codes, its name, address and
// opening hours are plain text of a sane length, and each refusal names
// the property refused.
func TestStationRefusals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.importText(t, collection(cityFixture()), gridmap.ParseOptions{}, false)
		good := func() region.Station {
			return region.Station{Code: "S-1_a", Name: "第一网格驿站", Address: "友谊路1号", OpeningHours: "08:30-17:30", Location: orb.Point{125.05, 46.02}}
		}
		for _, tc := range []struct {
			name  string
			edit  func(*region.Station)
			field string // "": stored
		}{
			{"good", func(*region.Station) {}, ""},
			{"space and punctuation in the code", func(s *region.Station) { s.Code = "S QA!" }, "code"},
			{"a code of 65 characters", func(s *region.Station) { s.Code = strings.Repeat("S", 65) }, "code"},
			{"no name", func(s *region.Station) { s.Name = " " }, "name"},
			{"a name of 300 characters", func(s *region.Station) { s.Name = strings.Repeat("驿", 300) }, "name"},
			{"markup in the opening hours", func(s *region.Station) { s.OpeningHours = "<b>" }, "opening_hours"},
			{"a control character in the address", func(s *region.Station) { s.Address = "友谊路\x071号" }, "address"},
			{"outside every grid", func(s *region.Station) { s.Location = orb.Point{100, 30} }, "lng"},
			{"an unknown grid", func(s *region.Station) { s.GridCode = "990101001001099" }, "grid_code"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st := good()
				tc.edit(&st)
				res, err := f.svc.ImportStations(ctx, audit.System("test"), region.All(), []region.Station{st})
				switch {
				case err != nil:
					t.Fatal(err)
				case tc.field == "" && len(res.Rejected) != 0:
					t.Fatalf("refused: %+v", res.Rejected)
				case tc.field != "" && (len(res.Rejected) != 1 || res.Rejected[0].Field != tc.field || res.Rejected[0].Reason == ""):
					t.Fatalf("rejected %+v, want one naming %s", res.Rejected, tc.field)
				}
			})
		}
	})
}
