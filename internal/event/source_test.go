package event_test

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
)

// A report's source follows from who files it: residents, workers,
// departments and API clients report as themselves whatever they send;
// only the center chooses, between the hotline and a sensor feed; a
// leader files nothing.
func TestReportSourceFollowsReporter(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		admin := principal(20, auth.RoleAdmin, "", "")
		leader := principal(21, auth.RoleLeader, "/990100/", "")
		client := apikey.Client{ID: 1, Name: "fixmystreet"}.Principal("192.0.2.1")
		const refused, forbidden = event.Source("-"), event.Source("403")
		all := []event.Source{"", event.FromResident, event.FromWorker, event.FromHotline, event.FromDepartment, event.FromAPI, event.FromSensor, "fax"}
		for _, tc := range []struct {
			name string
			p    auth.Principal
			// want holds the source filed for each of all, in order:
			// refused is a 400 naming source.
			want []event.Source
		}{
			{"resident", f.resident, []event.Source{event.FromResident, event.FromResident, refused, refused, refused, refused, refused, refused}},
			{"worker", f.worker, []event.Source{event.FromWorker, refused, event.FromWorker, refused, refused, refused, refused, refused}},
			{"department", f.police, []event.Source{event.FromDepartment, refused, refused, refused, event.FromDepartment, refused, refused, refused}},
			{"api client", client, []event.Source{event.FromAPI, refused, refused, refused, refused, event.FromAPI, refused, refused}},
			{"center", f.city, []event.Source{event.FromHotline, refused, refused, event.FromHotline, refused, refused, event.FromSensor, refused}},
			{"admin", admin, []event.Source{event.FromHotline, refused, refused, event.FromHotline, refused, refused, event.FromSensor, refused}},
			{"leader", leader, []event.Source{forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden}},
		} {
			for i, src := range all {
				t.Run(tc.name+"/"+string(src), func(t *testing.T) {
					out, err := f.svc.Report(ctx, tc.p, event.ReportInput{Source: src, CategoryCode: "city_appearance.exposed_garbage",
						Title: "垃圾", GridCode: grid1})
					switch want := tc.want[i]; want {
					case refused:
						e, ok := apperr.As(err)
						if !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "source" || e.Fields[0].Reason == "" {
							t.Fatalf("source %q: %v, want invalid source", src, err)
						}
					case forbidden:
						wantCode(t, err, apperr.Forbidden, "")
					default:
						if err != nil || out.Event.Source != want {
							t.Fatalf("source %q: filed as %q, %v; want %q", src, out.Event.Source, err, want)
						}
					}
				})
			}
		}
	})
}
