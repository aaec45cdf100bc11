package resident_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/resident"
)

const garbage = "city_appearance.exposed_garbage"

func TestNearbyAndFollow(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.signIn(t, "13900000011")
		b := f.signIn(t, "13900000022")
		at := func(lng, lat float64) (*float64, *float64) { return ptr(lng), ptr(lat) }
		lng, lat := at(125.1, 46.6)
		e := f.report(t, a, event.ReportInput{CategoryCode: garbage, Title: "路口垃圾", Lng: lng, Lat: lat})
		// About 300 m north: near. About 1 km: not. Another kind: not.
		lng2, lat2 := at(125.1, 46.6027)
		near := f.report(t, a, event.ReportInput{CategoryCode: garbage, Title: "广场垃圾", Lng: lng2, Lat: lat2})
		lng3, lat3 := at(125.1, 46.61)
		f.report(t, a, event.ReportInput{CategoryCode: garbage, Title: "远处垃圾", Lng: lng3, Lat: lat3})
		f.report(t, a, event.ReportInput{CategoryCode: "city_appearance.road_damage", Title: "路面坑洼", Lng: lng, Lat: lat})
		dispute := f.report(t, a, event.ReportInput{CategoryCode: "dispute.neighbour", Title: "邻居噪音", Lng: lng, Lat: lat})

		q := resident.NearbyQuery{Category: garbage, Lng: ptr(125.1001), Lat: ptr(46.6001)}
		list, err := f.svc.Nearby(ctx, b, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != e.ID || list[1].ID != near.ID {
			t.Fatalf("nearby %+v, want %d then %d", list, e.ID, near.ID)
		}
		if list[0].Area == nil || list[0].Area[0] != 125.1 || list[0].DistanceM == nil || *list[0].DistanceM != 10 || list[0].Mine || list[0].Following {
			t.Fatalf("nearby item %+v", list[0])
		}
		// A withheld category is never listed, nor may it be followed.
		if l, err := f.svc.Nearby(ctx, b, resident.NearbyQuery{Category: "dispute.neighbour", Lng: lng, Lat: lat}); err != nil || len(l) != 0 {
			t.Fatalf("nearby disputes: %v %v", l, err)
		}
		if _, err := f.svc.FollowEvent(ctx, b, dispute.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("follow a dispute: %v", err)
		}
		// Bad input names the field.
		_, err = f.svc.Nearby(ctx, b, resident.NearbyQuery{Lng: lng})
		wantField(t, err, apperr.Invalid, "category", "required")
		wantField(t, err, apperr.Invalid, "lng", "both")

		// Following twice counts once; the reporter cannot follow their own.
		for range 2 {
			fl, err := f.svc.FollowEvent(ctx, b, e.ID)
			if err != nil || !fl.Following || fl.Followers != 1 {
				t.Fatalf("follow: %+v %v", fl, err)
			}
		}
		_, err = f.svc.FollowEvent(ctx, a, e.ID)
		wantField(t, err, apperr.Conflict, "event_id", "own report")
		if _, err := f.svc.FollowEvent(ctx, b, 999999); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("follow a missing event: %v", err)
		}
		if _, err := f.svc.FollowEvent(ctx, f.township, e.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("staff following: %v", err)
		}
		list, _ = f.svc.Nearby(ctx, b, q)
		if !list[0].Following || list[0].Followers != 1 {
			t.Fatalf("nearby after follow: %+v", list[0])
		}
		// The center sees the count on the event.
		detail, err := f.events.Get(ctx, f.township, e.ID)
		if err != nil || detail.Followers != 1 {
			t.Fatalf("detail followers %d, %v", detail.Followers, err)
		}

		// B's list holds the followed event; A's their own five reports.
		page, err := f.svc.MyEvents(ctx, b, 0, 20)
		if err != nil || len(page.Items) != 1 || page.Items[0].Relation != "following" || page.Items[0].Own != nil {
			t.Fatalf("b's events: %+v %v", page, err)
		}
		page, err = f.svc.MyEvents(ctx, a, 0, 3)
		if err != nil || len(page.Items) != 3 || page.NextAfter == 0 || page.Items[0].Relation != "reported" || page.Items[0].Own == nil {
			t.Fatalf("a's events: %+v %v", page, err)
		}
		if page.Items[0].ID != dispute.ID || page.Items[0].Title != "邻居噪音" {
			t.Fatalf("the reporter sees their withheld report: %+v", page.Items[0])
		}
		rest, err := f.svc.MyEvents(ctx, a, page.NextAfter, 3)
		if err != nil || len(rest.Items) != 2 || rest.NextAfter != 0 {
			t.Fatalf("a's second page: %+v %v", rest, err)
		}

		// Unfollowing twice is the same as once.
		for range 2 {
			fl, err := f.svc.UnfollowEvent(ctx, b, e.ID)
			if err != nil || fl.Following || fl.Followers != 0 {
				t.Fatalf("unfollow: %+v %v", fl, err)
			}
		}
		// A closed event cannot be followed any more.
		f.act(t, f.township, &near, event.ActInput{Action: event.Reject, Note: "已清理"})
		_, err = f.svc.FollowEvent(ctx, b, near.ID)
		wantField(t, err, apperr.Conflict, "event_id", "no longer open")
	})
}

// TestPublicTimelineHides walks an event through the loop with names,
// phone, address and internal notes, and checks that a follower sees the
// states, times, department and public notes only; then the reporter rates
// the result through the ordinary action.
func TestPublicTimelineHides(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.signIn(t, "13900000033")
		b := f.signIn(t, "13900000044")
		e := f.report(t, a, event.ReportInput{CategoryCode: garbage, Title: "小区门口垃圾", Description: "张三家门口堆了三天",
			Address: "幸福路8号3单元", Lng: ptr(125.123456), Lat: ptr(46.654321)})
		if _, err := f.svc.FollowEvent(ctx, b, e.ID); err != nil {
			t.Fatal(err)
		}
		f.act(t, f.township, &e, event.ActInput{Action: event.Register, Note: "已受理"})
		f.act(t, f.township, &e, event.ActInput{Action: event.Supervise, Note: "内部督办：街道主任过问"})
		f.act(t, f.township, &e, event.ActInput{Action: event.Dispatch, Note: "请城管处置"})
		f.act(t, f.cg, &e, event.ActInput{Action: event.Comment, Note: "内部备注：司机李四"})
		f.act(t, f.cg, &e, event.ActInput{Action: event.Accept})
		f.act(t, f.cg, &e, event.ActInput{Action: event.Feedback, Note: "已清运完毕"})
		f.act(t, f.township, &e, event.ActInput{Action: event.Verify, Note: "核查通过"})

		page, err := f.svc.MyEvents(ctx, b, 0, 20)
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("follower's list: %+v %v", page, err)
		}
		raw, _ := json.Marshal(page)
		text := string(raw)
		for _, secret := range []string{"张三", "1365555", "6666", "幸福路", "堆了三天", "内部督办", "内部备注", "李四", "职员",
			"125.123456", "46.654321", "居民"} {
			if strings.Contains(text, secret) {
				t.Errorf("the follower's view shows %q: %s", secret, text)
			}
		}
		for _, shown := range []string{"小区门口垃圾", "已受理", "请城管处置", "已清运完毕", "核查通过", "城管局", `"state":"closed"`, "125.123"} {
			if !strings.Contains(text, shown) {
				t.Errorf("the follower's view lacks %q: %s", shown, text)
			}
		}
		var actions []string
		for _, en := range page.Items[0].Timeline {
			actions = append(actions, en.Action)
		}
		if got := strings.Join(actions, ","); got != "report,register,supervise,dispatch,accept,feedback,verify" {
			t.Fatalf("timeline %s", got)
		}
		if tl := page.Items[0].Timeline; tl[3].Department != "城管局" || tl[4].Department != "城管局" || tl[2].Note != "" {
			t.Fatalf("timeline entries %+v", tl)
		}

		// The reporter rates through the ordinary action.
		mine, err := f.svc.MyEvents(ctx, a, 0, 20)
		if err != nil || mine.Items[0].Own == nil || !mine.Items[0].Own.CanRate || mine.Items[0].Own.Description != "张三家门口堆了三天" {
			t.Fatalf("reporter's list: %+v %v", mine, err)
		}
		if _, err := f.events.Act(ctx, b, e.ID, event.ActInput{Action: event.Rate, Version: e.Version, Rating: "satisfied"}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("a follower rating: %v", err)
		}
		if _, err := f.events.Act(ctx, a, e.ID, event.ActInput{Action: event.Rate, Version: mine.Items[0].Own.Version, Rating: "satisfied"}); err != nil {
			t.Fatalf("rate: %v", err)
		}
		mine, _ = f.svc.MyEvents(ctx, a, 0, 20)
		if o := mine.Items[0].Own; o.Rating != "satisfied" || o.CanRate {
			t.Fatalf("after rating: %+v", o)
		}
	})
}

func TestProfileAndAddressOnlyReports(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.signIn(t, "13900000055")
		// Without a grid, an address alone cannot be placed.
		_, err := f.events.Report(ctx, a, event.ReportInput{CategoryCode: garbage, Title: "楼道垃圾", Address: "幸福路8号"})
		wantField(t, err, apperr.Invalid, "lng", "choose your grid")
		prof, err := f.svc.GetProfile(ctx, a)
		if err != nil || prof.Grid != nil || prof.Phone != "139****0055" {
			t.Fatalf("profile %+v %v", prof, err)
		}
		for _, c := range []struct {
			in          resident.ProfileInput
			field, want string
		}{
			{resident.ProfileInput{}, "grid_code", "required"},
			{resident.ProfileInput{GridCode: "990101001001"}, "grid_code", "not found"},
			{resident.ProfileInput{GridCode: "990101001001999"}, "grid_code", "not found"},
			{resident.ProfileInput{GridCode: grid1, Lng: ptr(125.1), Lat: ptr(46.6)}, "grid_code", "not both"},
			{resident.ProfileInput{Lng: ptr(126.0), Lat: ptr(46.6)}, "lng", "not inside any grid"},
			{resident.ProfileInput{Lng: ptr(125.1)}, "lng", "both"},
		} {
			_, err := f.svc.SetProfile(ctx, a, c.in)
			wantField(t, err, apperr.Invalid, c.field, c.want)
		}
		prof, err = f.svc.SetProfile(ctx, a, resident.ProfileInput{Lng: ptr(125.3), Lat: ptr(46.6)})
		if err != nil || prof.Grid == nil || prof.Grid.Code != grid2 || prof.Grid.Name != "红旗一网格" || len(prof.Grid.Chain) != 5 {
			t.Fatalf("by position: %+v %v", prof, err)
		}
		prof, err = f.svc.SetProfile(ctx, a, resident.ProfileInput{GridCode: grid1})
		if err != nil || prof.Grid.Code != grid1 || prof.Grid.Chain[2].Name != "东风街道" {
			t.Fatalf("by code: %+v %v", prof, err)
		}
		out, err := f.events.Report(ctx, a, event.ReportInput{CategoryCode: garbage, Title: "楼道垃圾", Address: "幸福路8号"})
		if err != nil || out.Event.GridCode != grid1 || out.Event.Location != nil || out.Event.Source != event.FromResident {
			t.Fatalf("address-only report: %+v %v", out.Event, err)
		}
		// Choosing a grid from the region tree.
		regs, err := f.svc.Regions(ctx, a, "990101001001")
		if err != nil || len(regs) != 1 || regs[0].Code != grid1 {
			t.Fatalf("regions: %+v %v", regs, err)
		}
		if _, err := f.svc.Regions(ctx, a, "123"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("regions of a missing parent: %v", err)
		}
		if _, err := f.svc.GetProfile(ctx, f.township); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("staff profile: %v", err)
		}
	})
}
