package workforce_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/workforce"
)

func TestEnrolmentBindAndRebind(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		acct := f.account("li.worker", auth.RoleWorker, "990101001001")
		w := f.worker(f.east, workforce.WorkerInput{Name: "李四", UserID: &acct, Grids: grids(gridA)})
		phone := newDevice("android-5f3a9c01", 1)
		bindReq := func(code string, dv device, keyOf device) (workforce.SignedRequest, workforce.BindInput) {
			in := workforce.BindInput{Code: code, DeviceID: dv.id, PublicKey: keyOf.publicKey()}
			body, _ := json.Marshal(in)
			return f.request(dv, "POST", "/api/v1/workforce/devices/bind", "", body), in
		}

		if _, err := f.svc.IssueEnrolment(ctx, f.west, w.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("enrolment outside scope: %v", err)
		}
		if _, err := f.svc.IssueEnrolment(ctx, principal(acct, "li.worker", auth.RoleWorker, pathEast), w.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a worker issued their own code: %v", err)
		}
		old, err := f.svc.IssueEnrolment(ctx, f.east, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		e, err := f.svc.IssueEnrolment(ctx, f.east, w.ID)
		if err != nil || len(e.Code) != 11 || !e.ExpiresAt.Equal(f.clock.Now().Add(15*time.Minute)) {
			t.Fatalf("enrolment = %+v, %v", e, err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM enrolment_codes WHERE code_hash LIKE $1`, "%"+strings.ReplaceAll(e.Code, "-", "")+"%"); n != 0 {
			t.Fatal("the code is stored in clear")
		}

		// Refusals: the earlier code was withdrawn, a signature by another
		// key, a device id other than the signer's, a malformed key.
		req, in := bindReq(old.Code, phone, phone)
		_, err = f.svc.Bind(ctx, req, in)
		wantField(t, err, apperr.Invalid, "code")
		req, in = bindReq(e.Code, phone, newDevice("x", 2))
		_, err = f.svc.Bind(ctx, req, in)
		wantField(t, err, apperr.Unauthorized, "Gridgov-Signature.sig")
		req, in = bindReq(e.Code, phone, phone)
		in.DeviceID = "android-other-01"
		_, err = f.svc.Bind(ctx, req, in)
		wantField(t, err, apperr.Invalid, "device_id")
		req, in = bindReq(e.Code, phone, phone)
		in.PublicKey = "c2hvcnQ"
		_, err = f.svc.Bind(ctx, req, in)
		wantField(t, err, apperr.Invalid, "public_key")
		req, in = bindReq(e.Code, phone, phone)
		f.clock.Add(-10 * time.Minute) // the phone's clock runs 10 minutes fast
		_, err = f.svc.Bind(ctx, req, in)
		wantField(t, err, apperr.Unauthorized, "Gridgov-Signature.ts")
		f.clock.Add(10 * time.Minute)

		// The code is accepted as typed (lower case, no dash) and only once.
		req, in = bindReq(strings.ToLower(strings.ReplaceAll(e.Code, "-", "")), phone, phone)
		b, err := f.svc.Bind(ctx, req, in)
		if err != nil || b.WorkerID != w.ID || b.Device.DeviceID != phone.id || len(b.Grids) != 1 {
			t.Fatalf("bind = %+v, %v", b, err)
		}
		req, in = bindReq(e.Code, phone, phone)
		_, err = f.svc.Bind(ctx, req, in)
		wantField(t, err, apperr.Invalid, "code")
		if got, _ := f.svc.GetWorker(ctx, f.east, w.ID); got.Device == nil || got.Device.DeviceID != phone.id {
			t.Fatalf("worker device = %+v", got.Device)
		}
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "device.bind"})
		if len(entries) != 1 || entries[0].ActorID != acct || entries[0].Actor != "device:"+phone.id {
			t.Fatalf("bind audit = %+v", entries)
		}

		// A bound worker gets no new code: re-binding goes through a request.
		if _, err := f.svc.IssueEnrolment(ctx, f.east, w.ID); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second enrolment: %v", err)
		}
		// An expired code is refused naming the field.
		w2 := f.worker(f.east, workforce.WorkerInput{Name: "王五", Grids: grids(gridB)})
		e2, _ := f.svc.IssueEnrolment(ctx, f.east, w2.ID)
		f.clock.Add(16 * time.Minute)
		req, in = bindReq(e2.Code, newDevice("android-00000002", 3), newDevice("android-00000002", 3))
		_, err = f.svc.Bind(ctx, req, in)
		wantField(t, err, apperr.Invalid, "code")
		if e, _ := apperr.As(err); !strings.Contains(e.Fields[0].Reason, "expired") {
			t.Fatalf("expired code reason = %v", e)
		}
		// A device bound to one worker cannot be bound to another.
		e2, _ = f.svc.IssueEnrolment(ctx, f.east, w2.ID)
		req, in = bindReq(e2.Code, phone, phone)
		_, err = f.svc.Bind(ctx, req, in)
		wantField(t, err, apperr.Conflict, "device_id")

		// Re-binding: the worker asks, a supervisor other than the requester decides.
		if _, err := f.svc.RequestRebind(ctx, f.west, w.ID, "手机丢失"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("rebind request outside scope: %v", err)
		}
		self := principal(acct, "li.worker", auth.RoleWorker, "/990100/990101/990101001/990101001001/")
		_, err = f.svc.RequestRebind(ctx, self, w.ID, "")
		wantField(t, err, apperr.Invalid, "reason")
		rq, err := f.svc.RequestRebind(ctx, self, w.ID, "手机丢失")
		if err != nil || rq.Status != "pending" || rq.WorkerName != "李四" {
			t.Fatalf("rebind request = %+v, %v", rq, err)
		}
		if _, err := f.svc.RequestRebind(ctx, f.east, w.ID, "换新手机"); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second pending request: %v", err)
		}
		if list, _ := f.svc.ListRebinds(ctx, f.county, workforce.RebindQuery{Status: "pending"}); len(list) != 1 {
			t.Fatalf("pending requests = %+v", list)
		}
		if list, _ := f.svc.ListRebinds(ctx, f.west, workforce.RebindQuery{}); len(list) != 0 {
			t.Fatalf("requests outside scope listed: %+v", list)
		}
		if _, err := f.svc.DecideRebind(ctx, self, rq.ID, true, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("the worker approved their own request: %v", err)
		}
		if _, err := f.svc.DecideRebind(ctx, f.west, rq.ID, true, ""); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("approval outside scope: %v", err)
		}
		dec, err := f.svc.DecideRebind(ctx, f.east, rq.ID, true, "核实属实")
		if err != nil || dec.Request.Status != "approved" || dec.Enrolment == nil || dec.Enrolment.Purpose != "rebind" {
			t.Fatalf("approval = %+v, %v", dec, err)
		}
		if _, err := f.svc.DecideRebind(ctx, f.county, rq.ID, false, ""); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("deciding twice: %v", err)
		}
		// The lost phone stops working at once; the new one binds with the code.
		_, err = f.check(phone, workforce.CheckIn, "k-lost-1", 125.05, 46.1)
		wantField(t, err, apperr.Unauthorized, "Gridgov-Signature.device")
		if e, _ := apperr.As(err); !strings.Contains(e.Fields[0].Reason, "unbound") {
			t.Fatalf("unbound reason = %v", e)
		}
		newPhone := newDevice("ios-7E1C2D3F-0001", 4)
		req, in = bindReq(dec.Enrolment.Code, newPhone, newPhone)
		if _, err := f.svc.Bind(ctx, req, in); err != nil {
			t.Fatal(err)
		}
		if _, err := f.check(newPhone, workforce.CheckIn, "k-new-1", 125.05, 46.1); err != nil {
			t.Fatalf("check-in from the new phone: %v", err)
		}
		for _, action := range []string{"device.rebind_request", "device.rebind_approve", "device.unbind", "device.enrolment_issue"} {
			if auditCount(t, d, action) == 0 {
				t.Fatalf("%s was not audited", action)
			}
		}
		// A rejected request leaves the device bound.
		rq2, _ := f.svc.RequestRebind(ctx, f.east, w.ID, "误报")
		if _, err := f.svc.DecideRebind(ctx, f.east, rq2.ID, false, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("the requester decided: %v", err)
		}
		if dec, err := f.svc.DecideRebind(ctx, f.county, rq2.ID, false, "无需换绑"); err != nil || dec.Enrolment != nil || dec.Request.Status != "rejected" {
			t.Fatalf("rejection = %+v, %v", dec, err)
		}
		if _, err := f.check(newPhone, workforce.CheckOut, "k-new-2", 125.05, 46.1); err != nil {
			t.Fatalf("the device was unbound by a rejection: %v", err)
		}
	})
}

func TestCheckInRulesAndRefusals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		w := f.worker(f.east, workforce.WorkerInput{Name: "李四", Grids: grids(gridA)})
		phone := newDevice("android-5f3a9c01", 1)
		f.enrol(f.east, w.ID, phone)
		target := "/api/v1/workforce/attendance/check-in"
		body := []byte(`{"lng":125.05,"lat":46.1}`)
		sign := func(dv device, key string, b []byte) workforce.SignedRequest {
			return f.request(dv, "POST", target, key, b)
		}

		// Signature refusals, each naming the part at fault.
		stranger := newDevice("android-unbound1", 9)
		_, err := f.svc.Authenticate(ctx, sign(stranger, "k1", body))
		wantField(t, err, apperr.Unauthorized, "Gridgov-Signature.device")
		forged := sign(newDevice(phone.id, 9), "k1", body)
		_, err = f.svc.Authenticate(ctx, forged)
		wantField(t, err, apperr.Unauthorized, "Gridgov-Signature.sig")
		tampered := sign(phone, "k1", body)
		tampered.Body = []byte(`{"lng":125.06,"lat":46.1}`)
		_, err = f.svc.Authenticate(ctx, tampered)
		wantField(t, err, apperr.Unauthorized, "Gridgov-Signature.sig")
		swapped := sign(phone, "k1", body)
		swapped.IdempotencyKey = "k2"
		_, err = f.svc.Authenticate(ctx, swapped)
		wantField(t, err, apperr.Unauthorized, "Gridgov-Signature.sig")
		stale := sign(phone, "k1", body)
		f.clock.Add(6 * time.Minute)
		_, err = f.svc.Authenticate(ctx, stale)
		wantField(t, err, apperr.Unauthorized, "Gridgov-Signature.ts")
		f.clock.Add(-6 * time.Minute)
		missing := sign(phone, "k1", body)
		missing.Header = ""
		_, err = f.svc.Authenticate(ctx, missing)
		wantField(t, err, apperr.Invalid, "Gridgov-Signature")
		_, err = f.svc.Authenticate(ctx, sign(phone, "bad key!", body))
		wantField(t, err, apperr.Invalid, "Idempotency-Key")

		// Input refusals.
		lng, lat := 125.05, 46.1
		future := f.clock.Now().Add(time.Hour).Format(time.RFC3339)
		old := f.clock.Now().Add(-13 * time.Hour).Format(time.RFC3339)
		beforeBinding := f.clock.Now().Add(-5 * time.Minute).Format(time.RFC3339)
		cases := []struct {
			name  string
			key   string
			in    workforce.CheckInput
			field string
		}{
			{"no key", "", workforce.CheckInput{Lng: &lng, Lat: &lat}, "Idempotency-Key"},
			{"no point", "k1", workforce.CheckInput{}, "lng"},
			{"future time", "k1", workforce.CheckInput{Lng: &lng, Lat: &lat, At: future}, "at"},
			{"too old", "k1", workforce.CheckInput{Lng: &lng, Lat: &lat, At: old}, "at"},
			{"before the device was bound", "k1", workforce.CheckInput{Lng: &lng, Lat: &lat, At: beforeBinding}, "at"},
			{"bad time", "k1", workforce.CheckInput{Lng: &lng, Lat: &lat, At: "08:30"}, "at"},
			{"bad crs", "k1", workforce.CheckInput{Lng: &lng, Lat: &lat, CRS: "bd09"}, "crs"},
			{"latitude", "k1", workforce.CheckInput{Lng: &lng, Lat: ptr(95)}, "lat"},
			{"accuracy", "k1", workforce.CheckInput{Lng: &lng, Lat: &lat, AccuracyM: ptr(-1)}, "accuracy_m"},
		}
		for _, tc := range cases {
			b, _ := json.Marshal(tc.in)
			c, err := f.svc.Authenticate(ctx, sign(phone, tc.key, b))
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			_, err = f.svc.Check(ctx, c, workforce.CheckIn, tc.in)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Fields[0].Field != tc.field {
				t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
			}
		}

		// Outside the grid beyond the tolerance: refused and audited.
		_, err = f.check(phone, workforce.CheckIn, "k-far", 125.15, 46.1)
		wantField(t, err, apperr.Invalid, "lng")
		if e, _ := apperr.As(err); !strings.Contains(e.Fields[0].Reason, "outside your grids") || !strings.Contains(e.Fields[0].Reason, gridA) {
			t.Fatalf("outside reason = %v", e)
		}
		_, err = f.check(phone, workforce.CheckIn, "k-nowhere", 124.99, 46.1)
		wantField(t, err, apperr.Invalid, "lng")
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "attendance.refused"})
		if len(entries) != 2 || entries[0].Outcome != audit.Denied {
			t.Fatalf("refusal audit = %+v", entries)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM attendance`); n != 0 {
			t.Fatalf("%d records stored from refusals", n)
		}

		// Just outside the grid, within the tolerance: accepted, with the distance.
		rec, err := f.check(phone, workforce.CheckIn, "k-edge", 125.1005, 46.1)
		if err != nil || rec.Inside || rec.GridCode != gridA || rec.LocatedGrid != gridB || rec.DistanceM < 30 || rec.DistanceM > 50 ||
			rec.Day != "2026-06-01" || rec.Late {
			t.Fatalf("edge check-in = %+v, %v", rec, err)
		}
		// The same key again is a replay; another check-in the same day is refused too.
		_, err = f.check(phone, workforce.CheckIn, "k-edge", 125.1005, 46.1)
		wantField(t, err, apperr.Conflict, "Idempotency-Key")
		_, err = f.check(phone, workforce.CheckIn, "k-again", 125.05, 46.1)
		wantField(t, err, apperr.Conflict, "at")
		if n := count(t, d, `SELECT COUNT(*) FROM attendance`); n != 1 {
			t.Fatalf("%d records after a replay, want 1", n)
		}
		// A check-out in GCJ-02 (as Amap reports it) inside the grid, early.
		f.clock.Set(local(2026, 6, 1, 17, 0))
		glng, glat := geo.WGS84ToGCJ02(125.05, 46.1)
		out := workforce.CheckInput{Lng: &glng, Lat: &glat, CRS: "gcj02"}
		b, _ := json.Marshal(out)
		c, _ := f.svc.Authenticate(ctx, f.request(phone, "POST", "/api/v1/workforce/attendance/check-out", "k-out", b))
		rec, err = f.svc.Check(ctx, c, workforce.CheckOut, out)
		if err != nil || !rec.Inside || rec.GridCode != gridA || !rec.Early || math.Abs(rec.Lng-125.05) > 1e-6 || math.Abs(rec.Lat-46.1) > 1e-6 {
			t.Fatalf("gcj02 check-out = %+v, %v", rec, err)
		}
		// A check-out needs a check-in that day.
		f.clock.Set(local(2026, 6, 2, 17, 40))
		_, err = f.check(phone, workforce.CheckOut, "k-out-2", 125.05, 46.1)
		wantField(t, err, apperr.Invalid, "at")
		// A record queued offline is accepted within the delay, on its own day.
		f.clock.Set(local(2026, 6, 2, 19, 0))
		at := local(2026, 6, 2, 8, 45).Format(time.RFC3339)
		queued := workforce.CheckInput{Lng: &lng, Lat: &lat, At: at}
		b, _ = json.Marshal(queued)
		c, _ = f.svc.Authenticate(ctx, sign(phone, "k-queued", b))
		if rec, err := f.svc.Check(ctx, c, workforce.CheckIn, queued); err != nil || rec.Day != "2026-06-02" || !rec.Late {
			t.Fatalf("queued check-in = %+v, %v", rec, err)
		}
		// The device's status shows the day.
		f.clock.Set(local(2026, 6, 3, 8, 10))
		if _, err := f.check(phone, workforce.CheckIn, "k-3", 125.05, 46.1); err != nil {
			t.Fatal(err)
		}
		c, _ = f.svc.Authenticate(ctx, f.request(phone, "GET", "/api/v1/workforce/device", "", nil))
		st, err := f.svc.Status(ctx, c)
		if err != nil || st.Worker.ID != w.ID || st.Day != "2026-06-03" || !st.Scheduled || st.CheckIn == nil || st.CheckOut != nil {
			t.Fatalf("status = %+v, %v", st, err)
		}
		// A deactivated worker's device is refused.
		off := false
		cur, _ := f.svc.GetWorker(ctx, f.east, w.ID)
		if _, err := f.svc.UpdateWorker(ctx, f.east, w.ID, workforce.WorkerPatch{Version: cur.Version, Active: &off}); err != nil {
			t.Fatal(err)
		}
		_, err = f.check(phone, workforce.CheckOut, "k-4", 125.05, 46.1)
		wantField(t, err, apperr.Unauthorized, "Gridgov-Signature.device")
	})
}

func ptr(v float64) *float64 { return &v }

// A worker who has ever bound a phone gets a new one only through a
// re-binding request decided by a second supervisor, even when their
// binding was ended by deactivating them: deactivating and reactivating is
// no way around the second supervisor.
func TestEnrolmentAfterDeactivation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		w := f.worker(f.east, workforce.WorkerInput{Name: "李四", Grids: grids(gridA)})
		f.enrol(f.east, w.ID, newDevice("android-5f3a9c01", 1))
		if _, err := f.svc.IssueEnrolment(ctx, f.east, w.ID); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("enrolment of a bound worker: %v", err)
		}

		on, off := true, false
		cur, err := f.svc.UpdateWorker(ctx, f.east, w.ID, workforce.WorkerPatch{Version: w.Version, Active: &off})
		if err != nil || cur.Device != nil {
			t.Fatalf("deactivate = %+v, %v", cur, err)
		}
		if _, err := f.svc.IssueEnrolment(ctx, f.east, w.ID); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("enrolment of an inactive worker: %v", err)
		}
		cur, err = f.svc.UpdateWorker(ctx, f.east, w.ID, workforce.WorkerPatch{Version: cur.Version, Active: &on})
		if err != nil || !cur.Active || cur.Device != nil {
			t.Fatalf("reactivate = %+v, %v", cur, err)
		}
		// The bypass: the same supervisor, or any other, gets no code directly.
		for _, p := range []auth.Principal{f.east, f.county} {
			_, err := f.svc.IssueEnrolment(ctx, p, w.ID)
			if e, _ := apperr.As(err); !apperr.Is(err, apperr.Conflict) || !strings.Contains(e.Message, "re-binding request approved by a supervisor") {
				t.Fatalf("enrolment by %s after reactivation: %v", p.User.Username, err)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM enrolment_codes WHERE worker_id = $1 AND used_at IS NULL AND withdrawn_at IS NULL`, w.ID); n != 0 {
			t.Fatalf("%d usable codes after the refusals", n)
		}

		// The legitimate way: a request, decided by a supervisor other than its requester.
		rq, err := f.svc.RequestRebind(ctx, f.east, w.ID, "换新手机")
		if err != nil {
			t.Fatalf("rebind request for an unbound worker: %v", err)
		}
		if _, err := f.svc.DecideRebind(ctx, f.east, rq.ID, true, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("the requester approved their own request: %v", err)
		}
		dec, err := f.svc.DecideRebind(ctx, f.county, rq.ID, true, "核实属实")
		if err != nil || dec.Enrolment == nil || dec.Enrolment.Purpose != "rebind" {
			t.Fatalf("approval = %+v, %v", dec, err)
		}
		phone := newDevice("ios-7E1C2D3F-0001", 4)
		if b := f.bind(dec.Enrolment.Code, phone); b.Device.DeviceID != phone.id {
			t.Fatalf("bind = %+v", b)
		}
		if _, err := f.check(phone, workforce.CheckIn, "k-1", 125.05, 46.1); err != nil {
			t.Fatalf("check-in from the new phone: %v", err)
		}

		// A worker who never bound a phone still gets a code directly, also
		// after being deactivated and reactivated; they have nothing to re-bind.
		fresh := f.worker(f.east, workforce.WorkerInput{Name: "王五", Grids: grids(gridB)})
		if _, err := f.svc.RequestRebind(ctx, f.east, fresh.ID, "换新手机"); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("rebind request for a worker who never bound a phone: %v", err)
		}
		cur, err = f.svc.UpdateWorker(ctx, f.east, fresh.ID, workforce.WorkerPatch{Version: fresh.Version, Active: &off})
		if err == nil {
			_, err = f.svc.UpdateWorker(ctx, f.east, fresh.ID, workforce.WorkerPatch{Version: cur.Version, Active: &on})
		}
		if err != nil {
			t.Fatal(err)
		}
		if e, err := f.svc.IssueEnrolment(ctx, f.east, fresh.ID); err != nil || e.Purpose != "bind" {
			t.Fatalf("first enrolment = %+v, %v", e, err)
		}
	})
}
