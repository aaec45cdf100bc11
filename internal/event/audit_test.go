package event_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
)

// eventAudit lists the audit entries about events, newest first, and checks
// that the chain holds.
func eventAudit(t *testing.T, d *db.DB) []audit.Entry {
	t.Helper()
	ctx := context.Background()
	got, err := audit.List(ctx, d.Read(), audit.Filter{TargetType: "event", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(ctx, d.Read()); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	return got
}

// Every action on an event writes exactly one audit entry, in its
// transaction: who, event.<action>, the event's id, its code, the states
// and the departments, and never the note. A report writes none; a refused
// action (a stale version, an action the state does not allow, a field
// refused) writes none.
func TestActionsAreAudited(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		e := f.report(t, f.township, event.ReportInput{Source: event.FromHotline, CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾", GridCode: grid1,
			ReporterName: "张三", ReporterPhone: "13800138000"})
		if got := eventAudit(t, d); len(got) != 0 {
			t.Fatalf("a report wrote %+v", got)
		}
		e = f.act(t, f.township, e, event.ActInput{Action: event.Register, Note: "张三 13800138000 报的"})
		e = f.act(t, f.township, e, event.ActInput{Action: event.Dispatch})
		got := eventAudit(t, d)
		if len(got) != 2 {
			t.Fatalf("entries = %+v, want 2", got)
		}
		reg, disp := got[1], got[0]
		id := strconv.FormatInt(e.ID, 10)
		if reg.Action != "event.register" || reg.TargetType != "event" || reg.TargetID != id || reg.ActorID != f.township.User.ID ||
			reg.Actor != f.township.User.Username || reg.Outcome != audit.OK || reg.Detail["code"] != e.Code ||
			reg.Detail["from"] != "reported" || reg.Detail["to"] != "registered" || reg.Detail["region"] != "990101001" {
			t.Fatalf("register entry = %+v", reg)
		}
		if _, ok := reg.Detail["lead_department"]; ok {
			t.Fatalf("register entry names a department: %+v", reg.Detail)
		}
		if disp.Action != "event.dispatch" || disp.TargetID != id || disp.Detail["from"] != "registered" || disp.Detail["to"] != "dispatched" ||
			disp.Detail["lead_department"] != "D-CG" || !slices.Equal(anyStrings(disp.Detail["assisting"]), []string{"D-WATER"}) {
			t.Fatalf("dispatch entry = %+v", disp)
		}
		for _, en := range got {
			for k, v := range en.Detail {
				if s, _ := v.(string); k == "note" || s == "张三" || s == "13800138000" {
					t.Fatalf("entry %s holds %s = %v", en.Action, k, v)
				}
			}
		}

		// Refused: a stale version, an action the state does not allow, a
		// field refused after the event was loaded.
		_, err := f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Supervise, Version: e.Version - 1, Note: "催办"})
		wantCode(t, err, apperr.Conflict, "version")
		_, err = f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Register, Version: e.Version})
		wantCode(t, err, apperr.Conflict, "action")
		_, err = f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Supervise, Version: e.Version, Note: "催办", Card: "green"})
		wantCode(t, err, apperr.Invalid, "card")
		if got := eventAudit(t, d); len(got) != 2 {
			t.Fatalf("refused actions wrote %+v", got[:len(got)-2])
		}

		// The lead department signs for it: the entry names the department.
		e = f.act(t, principal(8, auth.RoleDepartment, "", "D-CG"), e, event.ActInput{Action: event.Accept})
		if got := eventAudit(t, d); len(got) != 3 || got[0].Action != "event.accept" || got[0].Detail["department"] != "D-CG" ||
			got[0].Detail["from"] != "dispatched" || got[0].Detail["to"] != "handling" {
			t.Fatalf("accept entry = %+v", got[0])
		}
		_ = e
	})
}

// Under the group commit, concurrent actions each write their entry, the
// refused ones none, and the chain holds.
func TestGroupedActionsAreAuditedOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan struct{})
		go func() { f.svc.Run(ctx); close(done) }()
		time.Sleep(10 * time.Millisecond)
		const n = 24
		events := make([]event.Event, n)
		for i := range events {
			events[i] = f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾", GridCode: grid1})
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, e := range events {
			wg.Go(func() {
				v := e.Version
				if i%3 == 0 {
					v++ // stale: refused
				}
				_, errs[i] = f.svc.Act(context.Background(), f.township, e.ID, event.ActInput{Action: event.Register, Version: v})
			})
		}
		wg.Wait()
		want := map[string]bool{}
		for i, err := range errs {
			switch {
			case i%3 == 0:
				wantCode(t, err, apperr.Conflict, "version")
			case err != nil:
				t.Fatalf("register %d: %v", i, err)
			default:
				want[strconv.FormatInt(events[i].ID, 10)] = true
			}
		}
		got := eventAudit(t, d)
		seen := map[string]bool{}
		for _, en := range got {
			if en.Action != "event.register" || !want[en.TargetID] || seen[en.TargetID] {
				t.Fatalf("entry %+v: not one of the %d registered, or twice", en, len(want))
			}
			seen[en.TargetID] = true
		}
		if len(seen) != len(want) {
			t.Fatalf("%d entries, want %d", len(seen), len(want))
		}
		cancel()
		<-done
	})
}

// An event the deadline sweep escalates by itself is audited as done by
// the system; the sweep's cards are not state changes and write nothing.
func TestAutoEscalationIsAudited(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		kept := f.act(t, f.township, garbage(f, t), event.ActInput{Action: event.Register}) // dispatch due 09:30
		if s := f.sweep(t, at(t, "09:31"), event.SweepOptions{}); s.Red != 1 || s.Escalated != 0 {
			t.Fatalf("without the rule: %+v", s)
		}
		if got := eventAudit(t, d); len(got) != 1 || got[0].Action != "event.register" {
			t.Fatalf("a card wrote %+v", got)
		}
		e := f.act(t, f.township, garbage(f, t), event.ActInput{Action: event.Register}) // due 10:01
		if s := f.sweep(t, at(t, "10:02"), event.SweepOptions{Escalate: event.EscalateRedAtTownship}); s.Escalated != 1 {
			t.Fatalf("with the rule: %+v", s)
		}
		got := eventAudit(t, d)
		if len(got) != 3 {
			t.Fatalf("entries = %+v, want 3", got)
		}
		en := got[0]
		if en.Action != "event.escalate" || en.TargetID != strconv.FormatInt(e.ID, 10) || en.ActorID != 0 || en.Actor != "system" ||
			en.Detail["from"] != "registered" || en.Detail["to"] != "registered" || en.Detail["from_region"] != "990101001" ||
			en.Detail["region"] != "990101" {
			t.Fatalf("escalation entry = %+v", en)
		}
		_ = kept
	})
}

// The demo's replayed history stays out of the audit log.
func TestReplayIsNotAudited(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
		sc := event.Script{At: t0, Report: event.ReportInput{Source: event.FromWorker, CategoryCode: "city_appearance.exposed_garbage",
			Title: "垃圾", GridCode: grid1}, Steps: []event.Step{
			{At: t0.Add(time.Hour), By: event.Center, Input: event.ActInput{Action: event.Register}},
			{At: t0.Add(2 * time.Hour), By: event.Center, Input: event.ActInput{Action: event.Dispatch}},
		}}
		got, err := f.svc.Replay(context.Background(), slices.Values([]event.Script{sc}), nil)
		if err != nil || got.Actions != 2 {
			t.Fatalf("replay = %+v, %v", got, err)
		}
		if got := eventAudit(t, d); len(got) != 0 {
			t.Fatalf("replay wrote %+v", got)
		}
	})
}
