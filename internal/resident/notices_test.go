package resident_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/resident"
)

func TestNoticeScoping(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		now := f.clock.Now()
		post := func(p auth.Principal, title, region string) resident.Notice {
			t.Helper()
			n, err := f.svc.PostNotice(ctx, p, resident.NoticeInput{Title: title, Body: "正文", RegionCode: region})
			if err != nil {
				t.Fatalf("post %s: %v", title, err)
			}
			return n
		}
		city := post(f.city, "全市停水通知", "990100")
		post(f.township, "东风街道通知", "990101001")
		post(f.township, "友谊社区通知", "990101001001")
		grid := post(f.township, "网格通知", grid1)
		post(f.otherTownship, "红旗街道通知", "990101002")
		later := now.Add(24 * time.Hour)
		if _, err := f.svc.PostNotice(ctx, f.township, resident.NoticeInput{Title: "明日通知", Body: "正文", RegionCode: "990101001",
			PublishAt: &later}); err != nil {
			t.Fatal(err)
		}
		soon := now.Add(time.Hour)
		if _, err := f.svc.PostNotice(ctx, f.township, resident.NoticeInput{Title: "一小时通知", Body: "正文", RegionCode: "990101001",
			ExpiresAt: &soon}); err != nil {
			t.Fatal(err)
		}
		withdrawn := post(f.township, "撤回的通知", "990101001")
		for range 2 { // withdrawing twice is the same as once
			n, err := f.svc.WithdrawNotice(ctx, f.township, withdrawn.ID)
			if err != nil || n.Status != "withdrawn" || n.WithdrawnAt == nil {
				t.Fatalf("withdraw: %+v %v", n, err)
			}
		}

		// Refusals: out of scope, not a center, bad input.
		for _, c := range []struct {
			p           auth.Principal
			in          resident.NoticeInput
			code        apperr.Code
			field, want string
		}{
			{f.township, resident.NoticeInput{Title: "t", Body: "b", RegionCode: "990101002"}, apperr.Invalid, "region_code", "not found"},
			{f.township, resident.NoticeInput{Title: "t", Body: "b", RegionCode: "990100"}, apperr.Invalid, "region_code", "not found"},
			{f.township, resident.NoticeInput{Title: "", Body: "b", RegionCode: "990101001"}, apperr.Invalid, "title", "required"},
			{f.township, resident.NoticeInput{Title: "t", Body: "<script>x</script>", RegionCode: "990101001"}, apperr.Invalid, "body", "plain text"},
			{f.township, resident.NoticeInput{Title: "t", Body: "停水\u0007通知", RegionCode: "990101001"}, apperr.Invalid, "body", "control character"},
			{f.township, resident.NoticeInput{Title: strings.Repeat("长", 101), Body: "b", RegionCode: "990101001"}, apperr.Invalid, "title", "at most 100"},
			{f.township, resident.NoticeInput{Title: "t", Body: "b", RegionCode: "990101001", PublishAt: &later, ExpiresAt: &soon}, apperr.Invalid, "expires_at", "after publish_at"},
			{f.township, resident.NoticeInput{Title: "t", Body: "b"}, apperr.Invalid, "region_code", "required"},
		} {
			_, err := f.svc.PostNotice(ctx, c.p, c.in)
			wantField(t, err, c.code, c.field, c.want)
		}
		if _, err := f.svc.PostNotice(ctx, f.cg, resident.NoticeInput{Title: "t", Body: "b", RegionCode: "990100"}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("department posting: %v", err)
		}
		if _, err := f.svc.WithdrawNotice(ctx, f.otherTownship, grid.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("withdraw out of scope: %v", err)
		}
		if _, err := f.svc.WithdrawNotice(ctx, f.township, city.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("withdraw above the scope: %v", err)
		}

		// Staff lists hold their scope only.
		titles := func(ns []resident.Notice) []string {
			var out []string
			for _, n := range ns {
				out = append(out, n.Title)
			}
			return out
		}
		page, err := f.svc.ListNotices(ctx, f.otherTownship, resident.NoticeQuery{})
		if err != nil || !slices.Equal(titles(page.Items), []string{"红旗街道通知"}) {
			t.Fatalf("other township's list: %v %v", titles(page.Items), err)
		}
		page, err = f.svc.ListNotices(ctx, f.township, resident.NoticeQuery{Limit: 3})
		if err != nil || len(page.Items) != 3 || page.NextBefore == 0 || page.Items[0].Status != "withdrawn" {
			t.Fatalf("township's list: %+v %v", page, err)
		}
		if _, err := f.svc.ListNotices(ctx, f.township, resident.NoticeQuery{Region: "990101002"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("list another township: %v", err)
		}

		// A resident sees the notices of every region on their grid's path
		// that are published now.
		a := f.signIn(t, "13900000066")
		got, err := f.svc.MyNotices(ctx, a)
		if err != nil || got.GridChosen || len(got.Items) != 0 {
			t.Fatalf("without a grid: %+v %v", got, err)
		}
		if _, err := f.svc.SetProfile(ctx, a, resident.ProfileInput{GridCode: grid1}); err != nil {
			t.Fatal(err)
		}
		got, err = f.svc.MyNotices(ctx, a)
		want := []string{"一小时通知", "网格通知", "友谊社区通知", "东风街道通知", "全市停水通知"}
		if err != nil || !got.GridChosen || !sameSet(titles(got.Items), want) {
			t.Fatalf("resident's notices %v %v, want %v", titles(got.Items), err, want)
		}
		if got.Items[0].CreatedByName != "" {
			t.Fatalf("staff name shown to residents: %q", got.Items[0].CreatedByName)
		}
		// Two hours on, the expired one is gone; a day on, the scheduled one is there.
		f.clock.Add(2 * time.Hour)
		got, _ = f.svc.MyNotices(ctx, a)
		if slices.Contains(titles(got.Items), "一小时通知") || slices.Contains(titles(got.Items), "明日通知") {
			t.Fatalf("after two hours: %v", titles(got.Items))
		}
		f.clock.Add(24 * time.Hour)
		got, _ = f.svc.MyNotices(ctx, a)
		if !slices.Contains(titles(got.Items), "明日通知") {
			t.Fatalf("after a day: %v", titles(got.Items))
		}
		if _, err := f.svc.ListNotices(ctx, a, resident.NoticeQuery{}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("resident listing the desk: %v", err)
		}
		// Text with "<" or ">" that starts no tag is text.
		if n, err := f.svc.PostNotice(ctx, f.township, resident.NoticeInput{Title: "水压 < 0.1 MPa 时停泵", Body: "当温度 < T 且压力 > P 时停泵", RegionCode: "990101001"}); err != nil || n.Title != "水压 < 0.1 MPa 时停泵" {
			t.Fatalf("a notice with < and >: %+v, %v", n, err)
		}
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
