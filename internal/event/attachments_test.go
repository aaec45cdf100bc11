package event_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/attach"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
)

func key(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// photo is an accepted photo whose original carries a location.
func photo(n int) attach.Attachment {
	return attach.Attachment{Key: key(fmt.Sprint("orig", n)), PublicKey: key(fmt.Sprint("pub", n)), ThumbKey: key(fmt.Sprint("thumb", n)),
		Size: 2000, PublicSize: 1800, ContentType: "image/jpeg", Width: 640, Height: 480, Name: "IMG_1.jpg",
		GPS: &attach.Location{Lat: 46.0, Lng: 125.05}}
}

// Files on an event: the reporter and the staff handling it add them;
// staff see originals and locations, the reporter and onlookers the public
// variant only; out-of-scope callers find nothing.
func TestAttachments(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		e := f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "路边垃圾堆积",
			Lng: ptr(125.05), Lat: ptr(46.0)})
		leader := principal(10, auth.RoleLeader, "/990100/", "")
		stranger := principal(11, auth.RoleResident, "", "")

		pub, err := f.svc.Attach(ctx, f.resident, e.ID, nil, photo(1))
		if err != nil {
			t.Fatal(err)
		}
		if pub.Key != "" || pub.GPS != nil || pub.PublicKey != photo(1).PublicKey || pub.Size != 0 || pub.EventID != e.ID {
			t.Fatalf("the reporter's view = %+v", pub)
		}
		if _, err := f.svc.Attach(ctx, f.worker, e.ID, nil, photo(2)); err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name  string
			p     auth.Principal
			staff bool
		}{
			{"township center", f.township, true},
			{"city center", f.city, true},
			{"grid worker", f.worker, true},
			{"reporter", f.resident, false},
			{"leader", leader, false},
		} {
			list, err := f.svc.Attachments(ctx, tc.p, e.ID)
			if err != nil || len(list) != 2 {
				t.Fatalf("%s: %v %+v", tc.name, err, list)
			}
			a := list[0]
			if tc.staff != (a.Key == photo(1).Key) || tc.staff != (a.GPS != nil) {
				t.Fatalf("%s sees %+v", tc.name, a)
			}
			if tc.staff && (a.GPS.Lat != 46.0 || a.Size != 2000) {
				t.Fatalf("%s sees %+v", tc.name, a)
			}
			ref, err := f.svc.Blob(ctx, tc.p, photo(1).ThumbKey, event.VariantThumb)
			if err != nil || ref.ContentType != "image/jpeg" || !ref.Image || ref.Name != "IMG_1-thumb.jpg" {
				t.Fatalf("%s thumbnail: %v %+v", tc.name, err, ref)
			}
			if _, err := f.svc.Blob(ctx, tc.p, photo(1).PublicKey, ""); err != nil {
				t.Fatalf("%s public: %v", tc.name, err)
			}
			_, err = f.svc.Blob(ctx, tc.p, photo(1).Key, event.VariantOriginal)
			if tc.staff && err != nil {
				t.Fatalf("%s original: %v", tc.name, err)
			}
			if !tc.staff {
				wantCode(t, err, apperr.Forbidden, "")
			}
			// A key asked for as another variant than it is.
			_, err = f.svc.Blob(ctx, tc.p, photo(1).Key, event.VariantPublic)
			wantCode(t, err, apperr.NotFound, "")
		}

		for _, tc := range []struct {
			name string
			p    auth.Principal
		}{{"other township", f.otherTownship}, {"department not on it", f.police}, {"another resident", stranger}} {
			_, err := f.svc.Attachments(ctx, tc.p, e.ID)
			wantCode(t, err, apperr.NotFound, "")
			_, err = f.svc.Attach(ctx, tc.p, e.ID, nil, photo(3))
			wantCode(t, err, apperr.NotFound, "")
			wantCode(t, f.svc.MayAttach(ctx, tc.p, e.ID), apperr.NotFound, "")
			for _, v := range []event.Variant{event.VariantPublic, event.VariantThumb, event.VariantOriginal} {
				_, err = f.svc.Blob(ctx, tc.p, photo(1).PublicKey, v)
				wantCode(t, err, apperr.NotFound, "")
			}
		}
		// Onlookers may read but not add.
		_, err = f.svc.Attach(ctx, leader, e.ID, nil, photo(3))
		wantCode(t, err, apperr.Forbidden, "")

		_, err = f.svc.Blob(ctx, f.city, photo(1).Key, "raw")
		wantCode(t, err, apperr.Invalid, "variant")
		_, err = f.svc.Blob(ctx, f.city, "../../etc/passwd", event.VariantPublic)
		wantCode(t, err, apperr.Invalid, "key")

		// On an action: only one of the event's, taken by the caller.
		det, err := f.svc.Get(ctx, f.city, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		reportAction := det.History[0].ID
		onAction, err := f.svc.Attach(ctx, f.resident, e.ID, &reportAction, photo(4))
		if err != nil || onAction.ActionID == nil || *onAction.ActionID != reportAction {
			t.Fatalf("on the report: %v %+v", err, onAction)
		}
		_, err = f.svc.Attach(ctx, f.worker, e.ID, &reportAction, photo(5))
		wantCode(t, err, apperr.Invalid, "action_id")
		other := f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "另一处", GridCode: grid1})
		_, err = f.svc.Attach(ctx, f.resident, other.ID, &reportAction, photo(5))
		wantCode(t, err, apperr.Invalid, "action_id")

		// Bounded per event; the refusal stores nothing.
		for i := 3; i <= event.MaxAttachments; i++ {
			if i == 4 {
				continue
			}
			if _, err := f.svc.Attach(ctx, f.township, e.ID, nil, photo(i)); err != nil {
				t.Fatalf("attachment %d: %v", i, err)
			}
		}
		_, err = f.svc.Attach(ctx, f.township, e.ID, nil, photo(99))
		wantCode(t, err, apperr.Conflict, "file")
		wantCode(t, f.svc.MayAttach(ctx, f.township, e.ID), apperr.Conflict, "file")
		if list, _ := f.svc.Attachments(ctx, f.city, e.ID); len(list) != event.MaxAttachments {
			t.Fatalf("%d attachments, want %d", len(list), event.MaxAttachments)
		}

		// A voided event takes no more files.
		other = f.act(t, f.township, other, event.ActInput{Action: event.Void, Note: "重复上报"})
		_, err = f.svc.Attach(ctx, f.township, other.ID, nil, photo(1))
		wantCode(t, err, apperr.Conflict, "")

		// What the attach service did not accept is not attached.
		bad := photo(1)
		bad.Key = "../x"
		if _, err := f.svc.Attach(ctx, f.township, e.ID, nil, bad); err == nil || apperr.CodeOf(err) != apperr.Internal {
			t.Fatalf("malformed key = %v", err)
		}
	})
}

// Concurrent uploads to one event cannot pass the limit together.
func TestAttachmentLimitUnderConcurrency(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		e := f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "井盖缺失", GridCode: grid1})
		for i := range event.MaxAttachments - 2 {
			if _, err := f.svc.Attach(ctx, f.township, e.ID, nil, photo(i)); err != nil {
				t.Fatal(err)
			}
		}
		errs := make(chan error, 6)
		for i := range cap(errs) {
			go func() {
				_, err := f.svc.Attach(ctx, f.township, e.ID, nil, photo(100+i))
				errs <- err
			}()
		}
		ok := 0
		for range cap(errs) {
			switch err := <-errs; {
			case err == nil:
				ok++
			case !apperr.Is(err, apperr.Conflict):
				t.Fatalf("concurrent attach: %v", err)
			}
		}
		list, err := f.svc.Attachments(ctx, f.city, e.ID)
		if err != nil || ok != 2 || len(list) != event.MaxAttachments {
			t.Fatalf("%d succeeded, %d stored (%v); want 2 and %d", ok, len(list), err, event.MaxAttachments)
		}
	})
}
