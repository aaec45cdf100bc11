package event_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
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
