package event_test

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
	"github.com/gridgov/gridgov/internal/event"
)

type note struct{ kind, who, what, title, body string }

// notes lists the in-app notifications of an event (0: of all), oldest
// first.
func notes(t *testing.T, d *db.DB, id int64) []note {
	t.Helper()
	q := `SELECT recipient_kind, recipient, kind, title, body FROM notifications`
	var args []any
	if id != 0 {
		q += ` WHERE event_id = $1`
		args = append(args, id)
	}
	rows, err := d.Read().QueryContext(context.Background(), q+` ORDER BY id`, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []note
	for rows.Next() {
		var n note
		if err := rows.Scan(&n.kind, &n.who, &n.what, &n.title, &n.body); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// An event handed to a new holder tells the holder at once, in the
// action's transaction: escalated, the center of the level above and only
// it; dispatched, the lead and the assisting departments; returned, the
// center; sent back for rework, the lead. The text names the code, the
// title and who handed it over, never the reporter or the note. Actions
// that hand nothing over, and refused ones, tell nobody.
func TestHandoverNotifies(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		e := f.report(t, f.township, event.ReportInput{Source: event.FromHotline, CategoryCode: "city_appearance.exposed_garbage",
			Title: "桥下垃圾", GridCode: grid1, ReporterName: "张三", ReporterPhone: "13800138000"})
		e = f.act(t, f.township, e, event.ActInput{Action: event.Register})
		if got := notes(t, d, 0); len(got) != 0 {
			t.Fatalf("reporting and registering told %+v", got)
		}

		// Refused: a stale version, then a note missing; nobody is told.
		_, err := f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Escalate, Note: "需区里协调", Version: e.Version - 1})
		wantCode(t, err, apperr.Conflict, "version")
		_, err = f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Dispatch, Department: "D-NONE", Version: e.Version})
		wantCode(t, err, apperr.Invalid, "department")
		if got := notes(t, d, 0); len(got) != 0 {
			t.Fatalf("refused actions told %+v", got)
		}

		e = f.act(t, f.township, e, event.ActInput{Action: event.Escalate, Note: "需区里协调，联系人张三"})
		got := notes(t, d, e.ID)
		if len(got) != 1 || got[0].kind != "region" || got[0].who != "990101" || got[0].what != "escalated" {
			t.Fatalf("escalation told %+v, want the county center alone", got)
		}
		if n := got[0]; n.title != "吹哨上报：事件 "+e.Code+" 由东风街道上报至本级" || !strings.HasPrefix(n.body, "事件：桥下垃圾；时限：2026-06-01 ") {
			t.Fatalf("escalation notification = %+v", n)
		}
		for _, n := range got {
			for _, private := range []string{"张三", "13800138000", "138", "联系人"} {
				if strings.Contains(n.title+n.body, private) {
					t.Fatalf("notification %+v names %q", n, private)
				}
			}
		}

		// The county dispatches by the routing rules: the lead and the
		// assisting department are told, nobody else.
		county := principal(9, auth.RoleCenter, "/990100/990101/", "")
		e = f.act(t, county, e, event.ActInput{Action: event.Dispatch})
		got = notes(t, d, e.ID)[1:]
		if len(got) != 2 || got[0] != (note{"department", "D-CG", "dispatched", "派遣：事件 " + e.Code + " 由东区派遣至本部门主办", got[0].body}) ||
			got[1] != (note{"department", "D-WATER", "assisting", "派遣：事件 " + e.Code + " 由东区派遣至本部门协办", got[0].body}) ||
			!strings.HasPrefix(got[0].body, "事件：桥下垃圾；时限：") {
			t.Fatalf("dispatch told %+v", got)
		}

		// The lead returns it to the county center.
		cg := principal(8, auth.RoleDepartment, "", "D-CG")
		e = f.act(t, cg, e, event.ActInput{Action: event.Return, Note: "不属本部门"})
		got = notes(t, d, e.ID)[3:]
		if len(got) != 1 || got[0].kind != "region" || got[0].who != "990101" || got[0].what != "returned" ||
			got[0].title != "退回：事件 "+e.Code+" 被城管局退回" {
			t.Fatalf("return told %+v", got)
		}

		// Dispatched to the police with the water bureau assisting, signed
		// for, fed back, sent back for rework: both are told of the
		// dispatch and of the rework.
		e = f.act(t, county, e, event.ActInput{Action: event.Dispatch, Department: "D-POLICE", Assisting: []string{"D-WATER"}})
		e = f.act(t, f.police, e, event.ActInput{Action: event.Accept})
		e = f.act(t, f.police, e, event.ActInput{Action: event.Feedback, Note: "已处理"})
		e = f.act(t, county, e, event.ActInput{Action: event.Rework, Note: "仍有残留"})
		got = notes(t, d, e.ID)[4:]
		if len(got) != 4 || got[0].who != "D-POLICE" || got[0].what != "dispatched" || got[1].who != "D-WATER" || got[1].what != "assisting" ||
			got[2] != (note{"department", "D-POLICE", "rework", "返工：事件 " + e.Code + " 被东区要求返工", got[2].body}) ||
			got[3] != (note{"department", "D-WATER", "rework", "返工：事件 " + e.Code + " 被东区要求返工（本部门协办）", got[3].body}) {
			t.Fatalf("dispatch and rework told %+v", got)
		}
		e = f.act(t, f.police, e, event.ActInput{Action: event.Feedback, Note: "已清理"})
		f.act(t, county, e, event.ActInput{Action: event.Verify})
		if n := len(notes(t, d, 0)); n != 8 {
			t.Fatalf("%d notifications in all, want 8", n)
		}
	})
}

// Under the group commit, each escalation of a group tells the county
// center of its own event, and the refused ones beside them tell nobody.
func TestHandoverNotifiesInGroupCommit(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan struct{})
		go func() { f.svc.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		var evs []event.Event
		for range 8 {
			e := f.report(t, f.township, event.ReportInput{CategoryCode: "dispute.neighbour", Title: "噪音", GridCode: grid1})
			evs = append(evs, f.act(t, f.township, e, event.ActInput{Action: event.Register}))
		}
		errs := make(chan error, len(evs))
		for i, e := range evs {
			go func() {
				v := e.Version
				if i%2 == 1 {
					v-- // stale: refused
				}
				_, err := f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Escalate, Note: "需区里协调", Version: v})
				errs <- err
			}()
		}
		for range evs {
			<-errs
		}
		for i, e := range evs {
			got := notes(t, d, e.ID)
			want := 0
			if i%2 == 0 {
				want = 1
			}
			if len(got) != want || (want == 1 && got[0].who != "990101") {
				t.Fatalf("event %d told %+v", i, got)
			}
		}
	})
}

// The demo's replayed history tells nobody.
func TestReplayNotifiesNobody(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
		sc := event.Script{At: t0, Report: event.ReportInput{Source: event.FromWorker, CategoryCode: "city_appearance.exposed_garbage",
			Title: "垃圾", GridCode: grid1}, Steps: []event.Step{
			{At: t0.Add(time.Hour), By: event.Center, Input: event.ActInput{Action: event.Register}},
			{At: t0.Add(2 * time.Hour), By: event.Center, Input: event.ActInput{Action: event.Escalate, Note: "需区里协调"}},
			{At: t0.Add(3 * time.Hour), By: event.Center, Input: event.ActInput{Action: event.Dispatch}},
			{At: t0.Add(4 * time.Hour), By: event.Dept, Input: event.ActInput{Action: event.Return, Note: "不属本部门"}},
		}}
		got, err := f.svc.Replay(context.Background(), slices.Values([]event.Script{sc}), nil)
		if err != nil || got.Actions != 4 {
			t.Fatalf("replay = %+v, %v", got, err)
		}
		if got := notes(t, d, 0); len(got) != 0 {
			t.Fatalf("replay told %+v", got)
		}
	})
}
