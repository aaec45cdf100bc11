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

// closeByGrid takes a reported event round the shortest loop to closed.
func (f *fixture) closeByGrid(t *testing.T, e event.Event) event.Event {
	t.Helper()
	e = f.act(t, f.township, e, event.ActInput{Action: event.Register})
	e = f.act(t, f.township, e, event.ActInput{Action: event.SelfHandle})
	e = f.act(t, f.worker, e, event.ActInput{Action: event.Feedback, Note: "已处理"})
	return f.act(t, f.township, e, event.ActInput{Action: event.Verify})
}

// The reporter rates. A center records the rating only for a reporter who
// cannot rate in the resident app: a caller on the hotline, a worker's
// report, one filed by another system; never over a resident.
func TestOnlyTheReporterRates(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		apiClient := auth.Principal{User: auth.User{Username: "apikey:12345", Role: auth.RoleResident}, APIClient: true}
		for _, tc := range []struct {
			name       string
			reporter   auth.Principal
			source     event.Source
			centerMay  bool
			reporterIs bool // the reporter can rate through the API
		}{
			{name: "a resident's report", reporter: f.resident, reporterIs: true},
			{name: "a hotline call taken by the city", reporter: f.city, source: event.FromHotline, centerMay: true, reporterIs: true},
			{name: "a worker's report", reporter: f.worker, centerMay: true, reporterIs: true},
			{name: "another system's report", reporter: apiClient, source: event.FromAPI, centerMay: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, by := range []string{"center", "reporter"} {
					if by == "reporter" && !tc.reporterIs {
						continue
					}
					e := f.closeByGrid(t, f.report(t, tc.reporter, event.ReportInput{Source: tc.source, CategoryCode: "city_appearance.exposed_garbage",
						Title: "垃圾", GridCode: grid1}))
					p := tc.reporter
					if by == "center" {
						p = f.township
					}
					_, err := f.svc.Act(ctx, p, e.ID, event.ActInput{Action: event.Rate, Rating: "unsatisfied", Version: e.Version})
					if by == "center" && !tc.centerMay {
						wantCode(t, err, apperr.Forbidden, "")
						// The resident still has their say.
						e = f.act(t, tc.reporter, e, event.ActInput{Action: event.Rate, Rating: "satisfied"})
						if e.Rating != "satisfied" {
							t.Fatalf("rated = %+v", e)
						}
						continue
					}
					if err != nil {
						t.Fatalf("the %s rates: %v", by, err)
					}
				}
			})
		}
		// A resident cannot pass their report off as a hotline call.
		_, err := f.svc.Report(ctx, f.resident, event.ReportInput{Source: event.FromHotline, CategoryCode: "city_appearance.exposed_garbage",
			Title: "垃圾", GridCode: grid1})
		wantCode(t, err, apperr.Invalid, "source")
		st, _ := f.svc.Stats(ctx, f.city, "", "2026-06", "", "")
		// Rated: the resident's twice (once after the center was refused),
		// the hotline's and the worker's twice, the system's once; only
		// the resident's own rating after the refusal was satisfied.
		if st.Counts["rated"] != 7 || st.Counts["satisfied"] != 1 {
			t.Fatalf("counts = %v", st.Counts)
		}
		assertCountersMatchRecount(t, d)
	})
}

// A reopened event is rated again when it is closed again; the second
// rating replaces the first in the measures, which stays counted meanwhile,
// and the counters match a recount all along.
func TestRatedAgainAfterReopening(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		counts := func(when string, rated, satisfied int64) {
			t.Helper()
			st, err := f.svc.Stats(ctx, f.city, "", "2026-06", "", "")
			if err != nil || st.Counts["rated"] != rated || st.Counts["satisfied"] != satisfied {
				t.Fatalf("%s: counts = %v, %v; want rated %d, satisfied %d", when, st.Counts, err, rated, satisfied)
			}
			assertCountersMatchRecount(t, d)
		}
		e := f.closeByGrid(t, f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾", GridCode: grid1}))
		e = f.act(t, f.resident, e, event.ActInput{Action: event.Rate, Rating: "unsatisfied"})
		counts("rated unsatisfied", 1, 0)
		e = f.act(t, f.township, e, event.ActInput{Action: event.Reopen, Note: "居民不满意"})
		if e.Rating != "" {
			t.Fatalf("reopened = %+v", e)
		}
		counts("reopened", 1, 0)
		// Not while it is open.
		_, err := f.svc.Act(ctx, f.resident, e.ID, event.ActInput{Action: event.Rate, Rating: "satisfied", Version: e.Version})
		wantCode(t, err, apperr.Conflict, "action")
		e = f.act(t, f.township, e, event.ActInput{Action: event.SelfHandle})
		e = f.act(t, f.worker, e, event.ActInput{Action: event.Feedback, Note: "再次清理"})
		e = f.act(t, f.township, e, event.ActInput{Action: event.Verify})
		e = f.act(t, f.resident, e, event.ActInput{Action: event.Rate, Rating: "basic"})
		if e.Rating != "basic" {
			t.Fatalf("rated again = %+v", e)
		}
		counts("rated basic", 1, 1)
		_, err = f.svc.Act(ctx, f.resident, e.ID, event.ActInput{Action: event.Rate, Rating: "satisfied", Version: e.Version})
		wantCode(t, err, apperr.Conflict, "")
		// Round again, unsatisfied this time: satisfied goes back.
		e = f.act(t, f.township, e, event.ActInput{Action: event.Reopen, Note: "又有了"})
		counts("reopened after basic", 1, 1)
		e = f.act(t, f.township, e, event.ActInput{Action: event.SelfHandle})
		e = f.act(t, f.worker, e, event.ActInput{Action: event.Feedback, Note: "第三次清理"})
		e = f.act(t, f.township, e, event.ActInput{Action: event.Verify})
		f.act(t, f.resident, e, event.ActInput{Action: event.Rate, Rating: "unsatisfied"})
		counts("rated unsatisfied at last", 1, 0)
		det, err := f.svc.Get(ctx, f.township, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var rates []string
		for _, h := range det.History {
			if h.Action == "rate" {
				rates = append(rates, h.Detail["rating"].(string))
			}
		}
		if !slices.Equal(rates, []string{"unsatisfied", "basic", "unsatisfied"}) {
			t.Fatalf("the history's ratings = %v", rates)
		}
	})
}

// What an event offers each person is exactly what they could do with it
// now: in every scenario, for everyone, each action offered succeeds (tried
// and rolled back) and each action not offered is refused.
func TestActionsOfferedAreTheActionsThatSucceed(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		cg := principal(8, auth.RoleDepartment, "", "D-CG")
		neighbour := principal(20, auth.RoleResident, "", "")
		leader := principal(21, auth.RoleLeader, "/990100/", "")
		people := []struct {
			name string
			p    auth.Principal
		}{
			{"township center", f.township}, {"city center", f.city}, {"other township", f.otherTownship},
			{"lead department", cg}, {"assisting department", f.water}, {"other department", f.police},
			{"grid worker", f.worker}, {"reporter", f.resident}, {"other resident", neighbour}, {"leader", leader},
		}
		target := f.report(t, f.city, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "原事件", GridCode: grid1})
		type step struct {
			by auth.Principal
			in event.ActInput
		}
		center := func(a event.Action) step { return step{f.township, event.ActInput{Action: a, Note: "中心"}} }
		lead := func(a event.Action) step { return step{cg, event.ActInput{Action: a, Note: "部门"}} }
		grid := func(a event.Action) step { return step{f.worker, event.ActInput{Action: a, Note: "网格"}} }
		ask := step{cg, event.ActInput{Action: event.RequestExtension, Note: "需协调", Extension: &category.Amount{Amount: 1, Unit: category.Days}}}
		rate := func(r string) step { return step{f.resident, event.ActInput{Action: event.Rate, Rating: r}} }
		dispatched := []step{center(event.Register), center(event.Dispatch)}
		handling := append(slices.Clone(dispatched), lead(event.Accept))
		closed := append(slices.Clone(handling), lead(event.Feedback), center(event.Verify))
		for _, sc := range []struct {
			name     string
			reporter auth.Principal
			steps    []step
		}{
			{"reported", f.resident, nil},
			{"registered", f.resident, []step{center(event.Register)}},
			{"escalated to the county", f.resident, []step{center(event.Register), center(event.Escalate)}},
			{"dispatched", f.resident, dispatched},
			{"handling", f.resident, handling},
			{"handling, extension asked", f.resident, append(slices.Clone(handling), ask)},
			{"handling, extension refused", f.resident, append(slices.Clone(handling), ask, center(event.RefuseExtension))},
			{"handled", f.resident, append(slices.Clone(handling), lead(event.Feedback))},
			{"closed", f.resident, closed},
			{"closed and rated", f.resident, append(slices.Clone(closed), rate("unsatisfied"))},
			{"reopened", f.resident, append(slices.Clone(closed), rate("unsatisfied"), center(event.Reopen))},
			{"self-handled", f.resident, []step{center(event.Register), center(event.SelfHandle)}},
			{"self-handled, extension asked", f.resident, []step{center(event.Register), grid(event.SelfHandle),
				{f.worker, event.ActInput{Action: event.RequestExtension, Note: "等车", Extension: &category.Amount{Amount: 2, Unit: category.Hours}}}}},
			{"parked while handling", f.resident, append(slices.Clone(handling), center(event.Park))},
			{"unparked", f.resident, append(slices.Clone(handling), center(event.Park), center(event.Unpark))},
			{"voided", f.resident, append(slices.Clone(dispatched), center(event.Void))},
			{"hotline call, closed", f.city, closed},
			{"worker's report, closed by the grid", f.worker, []step{center(event.Register), grid(event.SelfHandle), grid(event.Feedback), center(event.Verify)}},
		} {
			t.Run(sc.name, func(t *testing.T) {
				in := event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: sc.name, GridCode: grid1}
				if sc.reporter.User.Role == auth.RoleCenter {
					in.Source = event.FromHotline
				}
				e := f.report(t, sc.reporter, in)
				for _, s := range sc.steps {
					e = f.act(t, s.by, e, s.in)
				}
				for _, who := range people {
					det, err := f.svc.Get(ctx, who.p, e.ID)
					if err != nil && !apperr.Is(err, apperr.NotFound) {
						t.Fatal(err)
					}
					if err == nil && det.Actions == nil {
						t.Errorf("%s: actions null, want a list", who.name)
					}
					for _, a := range event.Actions() {
						try := event.ActInput{Action: a, Version: e.Version, Note: "试一试", Rating: "basic", Card: "yellow",
							DuplicateOf: target.ID, Extension: &category.Amount{Amount: 1, Unit: category.Days}}
						err := f.svc.TryAct(ctx, who.p, e.ID, try)
						if offered := slices.Contains(det.Actions, a); offered != (err == nil) {
							t.Errorf("%s on %s: offered %v, but %s: %v", who.name, e.State, offered, a, err)
						}
					}
				}
				if got, err := f.svc.Get(ctx, f.township, e.ID); err != nil || got.Version != e.Version {
					t.Fatalf("trying changed the event: %+v, %v", got.Event, err)
				}
			})
		}
		assertCountersMatchRecount(t, d)
	})
}
