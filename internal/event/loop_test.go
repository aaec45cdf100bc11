package event_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
)

// A dispatch without a lead takes the lead from the routing rules and the
// assisting departments the center named, or else the rule's; a department
// cannot lead and assist at once, whoever chose the lead.
func TestDispatchLeadAndAssisting(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		for _, tc := range []struct {
			name          string
			lead          string
			assisting     []string
			wantLead      string
			wantAssisting []string
			field, reason string // a refusal
		}{
			{name: "routed lead, the rule's assisting", wantLead: "D-CG", wantAssisting: []string{"D-WATER"}},
			{name: "routed lead, assisting named", assisting: []string{"D-POLICE"}, wantLead: "D-CG", wantAssisting: []string{"D-POLICE"}},
			{name: "routed lead, none to assist", assisting: []string{}, wantLead: "D-CG"},
			{name: "routed lead named to assist", assisting: []string{"D-POLICE", "D-CG"}, field: "assisting[1]",
				reason: "department D-CG is the lead department by the routing rules; it cannot also assist"},
			{name: "chosen lead alone", lead: "D-POLICE", wantLead: "D-POLICE"},
			{name: "chosen lead named to assist", lead: "D-POLICE", assisting: []string{"D-POLICE"}, field: "assisting[0]",
				reason: "department D-POLICE is the lead department; it cannot also assist"},
			{name: "named twice to assist", lead: "D-POLICE", assisting: []string{"D-WATER", "D-WATER"}, field: "assisting[1]",
				reason: "department D-WATER is named twice"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾", GridCode: grid1})
				e = f.act(t, f.township, e, event.ActInput{Action: event.Register})
				got, err := f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Dispatch, Version: e.Version,
					Department: tc.lead, Assisting: tc.assisting})
				if tc.field != "" {
					wantCode(t, err, apperr.Invalid, tc.field)
					if ae, _ := apperr.As(err); ae.Fields[0].Reason != tc.reason {
						t.Fatalf("reason = %q, want %q", ae.Fields[0].Reason, tc.reason)
					}
					if det, _ := f.svc.Get(ctx, f.township, e.ID); det.State != event.Registered || det.LeadDepartment != "" {
						t.Fatalf("a refused dispatch changed the event: %+v", det.Event)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.LeadDepartment != tc.wantLead || !slices.Equal(got.Assisting, tc.wantAssisting) {
					t.Fatalf("dispatched to %s with %v, want %s with %v", got.LeadDepartment, got.Assisting, tc.wantLead, tc.wantAssisting)
				}
				det, err := f.svc.Get(ctx, f.township, e.ID)
				if err != nil || det.LeadDepartment != tc.wantLead || !slices.Equal(det.Assisting, tc.wantAssisting) {
					t.Fatalf("stored: %s with %v (%v), want %s with %v", det.LeadDepartment, det.Assisting, err, tc.wantLead, tc.wantAssisting)
				}
				if h := det.History[len(det.History)-1]; h.Action != "dispatch" || h.Detail["lead"] != tc.wantLead ||
					!slices.Equal(anyStrings(h.Detail["assisting"]), tc.wantAssisting) {
					t.Fatalf("history = %+v", h)
				}
			})
		}
		assertCountersMatchRecount(t, d)
	})
}

func anyStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	return out
}

// An event taken back from its departments (unparked, reopened, returned)
// or taken on by the grid is no department's any more: the one that had it
// can neither act on it nor find it, and nothing names it the lead; the
// history still tells who had it.
func TestDepartmentsLoseAnEventTakenBack(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		cg := principal(8, auth.RoleDepartment, "", "D-CG")
		for _, tc := range []struct {
			name  string
			steps []event.ActInput // by the center, except accept and feedback by the lead
		}{
			{"unparked", []event.ActInput{{Action: event.Accept}, {Action: event.Park, Note: "待资金"}, {Action: event.Unpark}}},
			{"parked before accepting", []event.ActInput{{Action: event.Park, Note: "待资金"}, {Action: event.Unpark}}},
			{"reopened", []event.ActInput{{Action: event.Accept}, {Action: event.Feedback, Note: "已清运"}, {Action: event.Verify},
				{Action: event.Reopen, Note: "又有了"}}},
			{"returned", []event.ActInput{{Action: event.Return, Note: "不归我们"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾", GridCode: grid1})
				e = f.act(t, f.township, e, event.ActInput{Action: event.Register})
				e = f.act(t, f.township, e, event.ActInput{Action: event.Dispatch})
				for _, in := range tc.steps {
					by := f.township
					if in.Action == event.Accept || in.Action == event.Feedback || in.Action == event.Return {
						by = cg
					}
					e = f.act(t, by, e, in)
				}
				if e.State != event.Registered || e.LeadDepartment != "" || len(e.Assisting) != 0 {
					t.Fatalf("back with the center = %+v", e)
				}
				gone := func(when string) {
					t.Helper()
					for _, dept := range []auth.Principal{cg, f.water} {
						if _, err := f.svc.Get(ctx, dept, e.ID); !apperr.Is(err, apperr.NotFound) {
							t.Fatalf("%s: %s still reads the event: %v", when, dept.User.ScopeDepartment, err)
						}
						if page, err := f.svc.List(ctx, dept, event.Query{}); err != nil || slices.ContainsFunc(page.Items, func(x event.Event) bool { return x.ID == e.ID }) {
							t.Fatalf("%s: %s lists the event: %v", when, dept.User.ScopeDepartment, err)
						}
					}
					for _, a := range []event.ActInput{{Action: event.Feedback, Note: "已处理"}, {Action: event.Comment, Note: "x"},
						{Action: event.RequestExtension, Note: "x", Extension: &category.Amount{Amount: 1, Unit: category.Days}}} {
						a.Version = e.Version
						if _, err := f.svc.Act(ctx, cg, e.ID, a); !apperr.Is(err, apperr.NotFound) {
							t.Fatalf("%s: the old lead may still %s: %v", when, a.Action, err)
						}
					}
					det, err := f.svc.Get(ctx, f.township, e.ID)
					if err != nil || det.LeadDepartment != "" || len(det.Assisting) != 0 {
						t.Fatalf("%s: the center reads lead %q and %v (%v)", when, det.LeadDepartment, det.Assisting, err)
					}
				}
				gone("back with the center")
				e = f.act(t, f.township, e, event.ActInput{Action: event.SelfHandle})
				if !e.SelfHandled {
					t.Fatalf("self-handled = %+v", e)
				}
				gone("self-handled")
				e = f.act(t, f.worker, e, event.ActInput{Action: event.Feedback, Note: "网格员已清理"})
				e = f.act(t, f.township, e, event.ActInput{Action: event.Verify})
				det, err := f.svc.Get(ctx, f.township, e.ID)
				if err != nil || det.State != event.Closed || det.LeadDepartment != "" {
					t.Fatalf("closed by the grid = %+v, %v", det.Event, err)
				}
				if !slices.ContainsFunc(det.History, func(h event.Entry) bool { return h.Detail["lead"] == "D-CG" }) {
					t.Fatalf("the history forgot the department: %+v", det.History)
				}
			})
		}
		st, err := f.svc.StatsFor(ctx, cg, event.StatsQuery{Department: "D-CG", From: "2026-06"})
		if err != nil || st.Counts["reported"] != 0 || st.Counts["closed"] != 0 {
			t.Fatalf("the old lead's measures = %v, %v", st.Counts, err)
		}
		assertCountersMatchRecount(t, d)
	})
}
