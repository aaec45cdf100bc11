package workforce_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/attach"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/workforce"
)

// fakeEvents stands in for the event service and the accounts.
type fakeEvents struct {
	got   []event.ReportInput
	as    []auth.Principal
	apErr error
}

func (f *fakeEvents) Report(_ context.Context, p auth.Principal, in event.ReportInput) (event.Filed, error) {
	if f.apErr != nil {
		return event.Filed{}, f.apErr
	}
	f.got, f.as = append(f.got, in), append(f.as, p)
	return event.Filed{Event: event.Event{ID: int64(76 + len(f.got)), Code: "20260601990101000001"}}, nil
}

func (f *fakeEvents) GetUser(_ context.Context, _ auth.Principal, id int64) (auth.User, error) {
	return auth.User{ID: id, Username: "li.worker", Role: auth.RoleWorker}, nil
}

// house and person put registry rows in place directly.
func (f *fixture) house(code, grid, path string) {
	f.t.Helper()
	now := time.Now().UTC()
	if _, err := f.d.Write().ExecContext(context.Background(), `INSERT INTO houses (code, grid_code, region_path, usage, created_at, updated_at)
		VALUES ($1, $2, $3, 'residential', $4, $4)`, code, grid, path, now); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) person(name, grid, path string) int64 {
	f.t.Helper()
	now := time.Now().UTC()
	var id int64
	if err := f.d.Write().QueryRowContext(context.Background(), `INSERT INTO persons (name, id_kind, id_number_enc, id_number_index, id_number_mask,
		birth_date, sex, residence_type, grid_code, region_path, created_at, updated_at)
		VALUES ($1, 'resident_id', $2, $3, 'x', '1940-01-01', 'female', 'registered', $4, $5, $6, $6) RETURNING id`,
		name, []byte{1}, "idx-"+name, grid, path, now).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func TestVisitRecordAndCounts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		acct := f.account("li.worker", auth.RoleWorker, "990101001001")
		w := f.worker(f.east, workforce.WorkerInput{Name: "李四", UserID: &acct, Grids: grids(gridA)})
		phone := newDevice("android-5f3a9c01", 1)
		now := f.clock.Now()
		f.clock.Set(local(2026, 5, 31, 20, 0)) // bound the evening before
		f.enrol(f.east, w.ID, phone)
		f.clock.Set(now)
		pathA, pathC := pathEast+"990101001001/"+gridA+"/", pathWest+"990101002001/"+gridC+"/"
		f.house("H-A-1", gridA, pathA)
		f.house("H-C-1", gridC, pathC)
		grandma := f.person("张奶奶", gridA, pathA)
		stranger := f.person("王某", gridC, pathC)

		const url = "/api/v1/workforce/device/visits"
		record := func(key string, in workforce.VisitInput, sink workforce.EventSink) (workforce.Visit, error) {
			return f.svc.RecordVisit(ctx, f.caller(phone, url, key, in), in, sink)
		}
		v, err := record("v-1", workforce.VisitInput{HouseCode: "H-A-1", PersonIDs: []int64{grandma}, Purpose: "elderly_care", Notes: "身体尚好",
			Photos: []string{"att-1"}, ProxyServices: []workforce.ProxyInput{{Kind: "pension", ForPersonID: &grandma, Status: "done"}}}, workforce.EventSink{})
		if err != nil || v.GridCode != gridA || len(v.ProxyServices) != 1 || v.EventID != nil || len(v.PersonIDs) != 1 {
			t.Fatalf("visit = %+v, %v", v, err)
		}

		fake := &fakeEvents{}
		sink := workforce.EventSink{Reporter: fake, Users: fake}
		future := f.clock.Now().Add(time.Hour).Format(time.RFC3339)
		cases := []struct {
			name  string
			key   string
			in    workforce.VisitInput
			sink  workforce.EventSink
			code  apperr.Code
			field string
		}{
			{"replay", "v-1", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "other"}, sink, apperr.Conflict, "Idempotency-Key"},
			{"no key", "", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "other"}, sink, apperr.Invalid, "Idempotency-Key"},
			{"house of another grid", "v-2", workforce.VisitInput{HouseCode: "H-C-1", Purpose: "other"}, sink, apperr.Invalid, "house_code"},
			{"unknown house", "v-3", workforce.VisitInput{HouseCode: "nope", Purpose: "other"}, sink, apperr.Invalid, "house_code"},
			{"person of another grid", "v-4", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "other", PersonIDs: []int64{stranger}}, sink, apperr.Invalid, "person_ids[0]"},
			{"person twice", "v-5", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "other", PersonIDs: []int64{grandma, grandma}}, sink, apperr.Invalid, "person_ids[1]"},
			{"purpose", "v-6", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "chat"}, sink, apperr.Invalid, "purpose"},
			{"future", "v-7", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "other", At: future}, sink, apperr.Invalid, "at"},
			{"proxy kind", "v-8", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "other", ProxyServices: []workforce.ProxyInput{{Kind: "x", ForName: "张三"}}}, sink, apperr.Invalid, "proxy_services[0].kind"},
			{"proxy for nobody", "v-9", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "other", ProxyServices: []workforce.ProxyInput{{Kind: "subsidy"}}}, sink, apperr.Invalid, "proxy_services[0].for_person_id"},
			{"proxy for a stranger", "v-10", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "other", ProxyServices: []workforce.ProxyInput{{Kind: "subsidy", ForPersonID: &stranger}}}, sink, apperr.Invalid, "proxy_services[0].for_person_id"},
			{"event without title", "v-11", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "dispute", RaiseEvent: &workforce.RaiseEvent{CategoryCode: "c"}}, sink, apperr.Invalid, "raise_event.title"},
			{"events not configured", "v-12", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "dispute", RaiseEvent: &workforce.RaiseEvent{CategoryCode: "c", Title: "t"}}, workforce.EventSink{}, apperr.Invalid, "raise_event"},
			{"photo id", "v-13", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "other", Photos: []string{"a b"}}, sink, apperr.Invalid, "photos[0]"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := record(tc.key, tc.in, tc.sink)
				wantField(t, err, tc.code, tc.field)
			})
		}
		// The event service refuses the event: the visit is refused too.
		refusing := &fakeEvents{apErr: apperr.Field("category_code", "unknown category")}
		_, err = record("v-14", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "dispute", RaiseEvent: &workforce.RaiseEvent{CategoryCode: "c", Title: "t"}},
			workforce.EventSink{Reporter: refusing, Users: refusing})
		wantField(t, err, apperr.Invalid, "raise_event.category_code")
		if n := count(t, d, `SELECT COUNT(*) FROM visits`); n != 1 {
			t.Fatalf("%d visits stored, want 1: no refused request may count", n)
		}

		// A dispute raises an event in one step, under the worker's account.
		v2, err := record("v-15", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "dispute", PersonIDs: []int64{grandma},
			RaiseEvent: &workforce.RaiseEvent{CategoryCode: "neighbour_dispute", Title: "邻里噪音纠纷"}}, sink)
		if err != nil || v2.EventID == nil || *v2.EventID != 77 || len(fake.got) != 1 || fake.got[0].GridCode != gridA ||
			fake.as[0].User.ID != acct || fake.got[0].Source != event.FromWorker {
			t.Fatalf("visit with event = %+v, %v (%+v)", v2, err, fake.got)
		}
		// A visit queued offline late on 31 May counts for May.
		may := local(2026, 5, 31, 23, 0).Format(time.RFC3339)
		if _, err := record("v-16", workforce.VisitInput{HouseCode: "H-A-1", Purpose: "rental_check", At: may,
			ProxyServices: []workforce.ProxyInput{{Kind: "certificate", ForName: "租户"}}}, sink); err != nil {
			t.Fatal(err)
		}

		page, err := f.svc.ListVisits(ctx, f.east, workforce.VisitQuery{})
		c := page.Counts
		if err != nil || len(page.Items) != 3 || c.Visits != 3 || c.EventsRaised != 1 || c.ByPurpose["elderly_care"] != 1 ||
			c.ByMonth["2026-06"]["dispute"] != 1 || c.ByMonth["2026-05"]["rental_check"] != 1 || c.ProxyServices != 2 ||
			c.ProxyByStatus["done"] != 1 || c.ProxyByStatus["accepted"] != 1 || c.ProxyByKind["pension"] != 1 {
			t.Fatalf("list = %+v, %v", page, err)
		}
		first := page.Items[2]
		if len(first.PersonIDs) != 1 || len(first.ProxyServices) != 1 || first.Photos[0] != "att-1" {
			t.Fatalf("first visit listed as %+v", first)
		}
		// By day, in the deployment's zone: the visit late on 31 May is
		// that day's.
		if page, err := f.svc.ListVisits(ctx, f.east, workforce.VisitQuery{Date: "2026-05-31"}); err != nil || page.Counts.Visits != 1 || len(page.Items) != 1 {
			t.Fatalf("visits of 31 May = %+v, %v", page, err)
		}
		if page, err := f.svc.ListVisits(ctx, f.east, workforce.VisitQuery{Date: "2026-05-30"}); err != nil || page.Counts.Visits != 0 {
			t.Fatalf("visits of 30 May = %+v, %v", page.Counts, err)
		}
		_, err = f.svc.ListVisits(ctx, f.east, workforce.VisitQuery{Date: "yesterday"})
		wantField(t, err, apperr.Invalid, "date")
		if page, err := f.svc.ListVisits(ctx, f.east, workforce.VisitQuery{Month: "2026-06", Purpose: "dispute"}); err != nil || page.Counts.Visits != 1 {
			t.Fatalf("june disputes = %+v, %v", page.Counts, err)
		}
		if page, err := f.svc.ListVisits(ctx, f.east, workforce.VisitQuery{Limit: 2}); err != nil || len(page.Items) != 2 || page.NextAfter == nil || page.Counts.Visits != 3 {
			t.Fatalf("first page = %+v, %v", page, err)
		} else if rest, err := f.svc.ListVisits(ctx, f.east, workforce.VisitQuery{Limit: 2, After: *page.NextAfter}); err != nil || len(rest.Items) != 1 {
			t.Fatalf("second page = %+v, %v", rest, err)
		}
		own := principal(acct, "li.worker", auth.RoleWorker, pathEast)
		if page, err := f.svc.ListVisits(ctx, own, workforce.VisitQuery{WorkerID: w.ID}); err != nil || page.Counts.Visits != 3 {
			t.Fatalf("own visits = %+v, %v", page.Counts, err)
		}
		if page, err := f.svc.ListVisits(ctx, f.west, workforce.VisitQuery{}); err != nil || page.Counts.Visits != 0 {
			t.Fatalf("other township = %+v, %v", page.Counts, err)
		}
		if _, err := f.svc.ListVisits(ctx, f.west, workforce.VisitQuery{WorkerID: w.ID}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("other township's worker: %v", err)
		}
		_, err = f.svc.ListVisits(ctx, f.west, workforce.VisitQuery{Grid: gridA})
		wantField(t, err, apperr.Invalid, "grid")
		_, err = f.svc.ListVisits(ctx, f.east, workforce.VisitQuery{Month: "June"})
		wantField(t, err, apperr.Invalid, "month")
		if page, err := f.svc.ListVisits(ctx, f.east, workforce.VisitQuery{Grid: gridA}); err != nil || page.Counts.Visits != 3 {
			t.Fatalf("grid visits = %+v, %v", page.Counts, err)
		}
	})
}

// A worker may serve grids beyond the area of their primary grid: a center
// that sees the worker reads only the visits in its own area; the worker
// and the county above both see them all.
func TestVisitsOfAWorkerAreReadWithinTheCallersArea(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		acct := f.account("wang.worker", auth.RoleWorker, "990101")
		w := f.worker(f.county, workforce.WorkerInput{Name: "王五", UserID: &acct, Grids: grids(gridA, gridC)})
		phone := newDevice("android-77aa0001", 1)
		now := f.clock.Now()
		f.clock.Set(local(2026, 5, 31, 20, 0))
		f.enrol(f.county, w.ID, phone)
		f.clock.Set(now)
		pathA, pathC := pathEast+"990101001001/"+gridA+"/", pathWest+"990101002001/"+gridC+"/"
		f.house("H-A-1", gridA, pathA)
		f.house("H-C-1", gridC, pathC)
		const url = "/api/v1/workforce/device/visits"
		for i, house := range []string{"H-A-1", "H-C-1"} {
			in := workforce.VisitInput{HouseCode: house, Purpose: "other", Notes: "入户走访"}
			if _, err := f.svc.RecordVisit(ctx, f.caller(phone, url, fmt.Sprintf("v-%d", i), in), in, workforce.EventSink{}); err != nil {
				t.Fatalf("visit at %s: %v", house, err)
			}
		}
		own := principal(acct, "wang.worker", auth.RoleWorker, "/990100/990101/")
		for _, c := range []struct {
			who   string
			p     auth.Principal
			grids []string
		}{
			{"the east township", f.east, []string{gridA}},
			{"the county", f.county, []string{gridC, gridA}},
			{"the worker", own, []string{gridC, gridA}},
		} {
			page, err := f.svc.ListVisits(ctx, c.p, workforce.VisitQuery{WorkerID: w.ID})
			if err != nil {
				t.Fatalf("%s: %v", c.who, err)
			}
			var got []string
			for _, v := range page.Items {
				got = append(got, v.GridCode)
			}
			if !slices.Equal(got, c.grids) || page.Counts.Visits != len(c.grids) {
				t.Errorf("%s reads visits in %v (%d counted), want %v", c.who, got, page.Counts.Visits, c.grids)
			}
		}
	})
}

// A device unbound by another server after its request was authenticated
// (and its binding cached) writes nothing.
func TestWritesFromADeviceUnboundMeanwhileAreRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		acct := f.account("li.worker", auth.RoleWorker, "990101001001")
		w := f.worker(f.east, workforce.WorkerInput{Name: "李四", UserID: &acct, Grids: grids(gridA)})
		phone := newDevice("android-5f3a9c01", 1)
		f.enrol(f.east, w.ID, phone)
		f.house("H-A-1", gridA, pathEast+"990101001001/"+gridA+"/")
		in := workforce.VisitInput{HouseCode: "H-A-1", Purpose: "other"}
		visitCaller := f.caller(phone, "/api/v1/workforce/device/visits", "v-1", in)
		photoCaller := f.caller(phone, "/api/v1/workforce/device/photos", "p-1", nil)
		if _, err := d.Write().ExecContext(ctx, `UPDATE worker_devices SET status = 'revoked' WHERE worker_id = $1`, w.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.RecordVisit(ctx, visitCaller, in, workforce.EventSink{})
		wantField(t, err, apperr.Unauthorized, workforce.SignatureHeader+".device")
		_, err = f.svc.AddVisitPhoto(ctx, photoCaller, workforce.PhotoInput{ContentType: "image/png", Body: []byte("\x89PNG\r\n\x1a\n")}, refuseAll{t})
		wantField(t, err, apperr.Unauthorized, workforce.SignatureHeader+".device")
		if n := count(t, d, `SELECT COUNT(*) FROM visits`) + count(t, d, `SELECT COUNT(*) FROM device_writes`); n != 0 {
			t.Fatalf("%d rows written by an unbound device", n)
		}
	})
}

// refuseAll is a photo store that fails the test when a photo reaches it.
type refuseAll struct{ t *testing.T }

func (r refuseAll) Accept(context.Context, string, string, io.Reader, attach.Limits) (attach.Attachment, error) {
	r.t.Fatal("a photo from an unbound device reached the store")
	return attach.Attachment{}, nil
}
