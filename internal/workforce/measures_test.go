package workforce_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/workcal"
	"github.com/gridgov/gridgov/internal/workforce"
)

func rate(r *float64) string {
	if r == nil {
		return "null"
	}
	return fmt.Sprintf("%.3f", *r)
}

func TestAttendanceRatesLeaveAndHolidays(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		a := f.worker(f.east, workforce.WorkerInput{Name: "李四", HireDate: "2024-03-01", Grids: grids(gridA)})
		b := f.worker(f.west, workforce.WorkerInput{Name: "赵六", Employment: workforce.PartTime, HireDate: "2024-03-01", Grids: grids(gridC),
			Schedule: &workforce.Schedule{Days: []int{6, 0}, Start: "09:00", End: "17:00"}})
		pa, pb := newDevice("android-aaaaaaaa", 1), newDevice("android-bbbbbbbb", 2)
		f.enrol(f.east, a.ID, pa)
		f.enrol(f.west, b.ID, pb)

		// A: Mon–Wed present (late on Wed), Thu on leave, Fri absent.
		for i, at := range []time.Time{local(2026, 6, 1, 8, 20), local(2026, 6, 2, 8, 25), local(2026, 6, 3, 9, 0)} {
			f.clock.Set(at)
			if _, err := f.check(pa, workforce.CheckIn, fmt.Sprintf("a-%d", i), 125.05, 46.1); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Set(local(2026, 6, 1, 17, 0))
		if _, err := f.check(pa, workforce.CheckOut, "a-out", 125.05, 46.1); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(local(2026, 6, 5, 10, 0))
		if _, err := f.svc.AddLeave(ctx, f.east, a.ID, workforce.LeaveInput{Kind: "sick", From: "2026-06-04", To: "2026-06-04"}); err != nil {
			t.Fatal(err)
		}
		// B keeps weekends: present on Saturday, absent on Sunday.
		f.clock.Set(local(2026, 6, 6, 8, 50))
		if _, err := f.check(pb, workforce.CheckIn, "b-1", 125.3, 46.1); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(local(2026, 6, 7, 18, 0))

		// Leave refusals.
		leaveCases := []struct {
			name  string
			p     auth.Principal
			in    workforce.LeaveInput
			code  apperr.Code
			field string
		}{
			{"kind", f.east, workforce.LeaveInput{Kind: "holiday", From: "2026-06-08"}, apperr.Invalid, "kind"},
			{"from", f.east, workforce.LeaveInput{Kind: "annual", From: "6/8"}, apperr.Invalid, "from"},
			{"to before from", f.east, workforce.LeaveInput{Kind: "annual", From: "2026-06-09", To: "2026-06-08"}, apperr.Invalid, "to"},
			{"overlap", f.east, workforce.LeaveInput{Kind: "annual", From: "2026-06-03", To: "2026-06-05"}, apperr.Conflict, "from"},
			{"outside scope", f.west, workforce.LeaveInput{Kind: "annual", From: "2026-06-08"}, apperr.NotFound, ""},
		}
		for _, tc := range leaveCases {
			_, err := f.svc.AddLeave(ctx, tc.p, a.ID, tc.in)
			wantField(t, err, tc.code, tc.field)
		}

		wa, err := f.svc.WorkerAttendanceOf(ctx, f.east, a.ID, workforce.Period{Month: "2026-06"})
		if err != nil {
			t.Fatal(err)
		}
		if wa.From != "2026-06-01" || wa.To != "2026-06-30" || len(wa.Days) != 30 || wa.Tally.ScheduledDays != 4 || wa.Tally.LeaveDays != 1 ||
			wa.Tally.AttendedDays != 3 || wa.Tally.LateDays != 1 || rate(wa.Tally.Rate) != "0.750" {
			t.Fatalf("worker month = %+v", wa.Tally)
		}
		statuses := ""
		for _, d := range wa.Days[:9] {
			statuses += d.Status[:2] + " "
		}
		if statuses != "pr pr pr le ab of of up up " || !wa.Days[0].Early || wa.Days[0].CheckOut == nil || !wa.Days[2].Late {
			t.Fatalf("days = %s %+v", statuses, wa.Days[:3])
		}
		// The worker reads their own; another township does not.
		if _, err := f.svc.WorkerAttendanceOf(ctx, f.west, a.ID, workforce.Period{}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("attendance outside scope: %v", err)
		}
		if _, err := f.svc.WorkerAttendanceOf(ctx, f.east, a.ID, workforce.Period{Month: "2026-13"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("bad month: %v", err)
		}

		// Rolled up: the county and each township.
		sum, err := f.svc.AttendanceRates(ctx, f.county, "", workforce.Period{Month: "2026-06"})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Region != "990101" || sum.Workers != 2 || sum.Tally.ScheduledDays != 6 || sum.Tally.AttendedDays != 4 ||
			rate(sum.Tally.Rate) != "0.667" || len(sum.Children) != 2 {
			t.Fatalf("county = %+v", sum)
		}
		if c := sum.Children; rate(c[0].Tally.Rate) != "0.750" || rate(c[1].Tally.Rate) != "0.500" || c[1].Workers != 1 {
			t.Fatalf("townships = %+v", c)
		}
		day, _ := f.svc.AttendanceRates(ctx, f.county, "990101", workforce.Period{Date: "2026-06-03"})
		if day.Tally.ScheduledDays != 1 || day.Tally.AttendedDays != 1 || day.Workers != 2 {
			t.Fatalf("daily = %+v", day)
		}
		if _, err := f.svc.AttendanceRates(ctx, f.west, "990101001", workforce.Period{}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("rates of another township: %v", err)
		}
		if _, err := f.svc.AttendanceRates(ctx, principal(8, "w", auth.RoleWorker, pathEast), "", workforce.Period{}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a worker read the rates: %v", err)
		}
		page, err := f.svc.WorkerRates(ctx, f.county, "", workforce.Period{Month: "2026-06"}, 0, 1)
		if err != nil || len(page.Items) != 1 || page.Items[0].WorkerID != a.ID || page.NextAfter != a.ID {
			t.Fatalf("per worker = %+v, %v", page, err)
		}
		page, _ = f.svc.WorkerRates(ctx, f.county, "", workforce.Period{Month: "2026-06"}, page.NextAfter, 1)
		if len(page.Items) != 1 || rate(page.Items[0].Tally.Rate) != "0.500" || page.NextAfter != 0 {
			t.Fatalf("per worker, page 2 = %+v", page)
		}

		// With the holiday calendar, Friday the 5th is a public holiday:
		// not due for anyone; and a make-up Sunday is due for A only.
		cfg := workcal.DefaultConfig()
		cfg.Overrides = []workcal.Override{{Name: "假日", Date: workcal.Date{Year: 2026, Month: 6, Day: 5}, IsOffDay: true},
			{Name: "假日", Date: workcal.Date{Year: 2026, Month: 6, Day: 7}}}
		cal, err := workcal.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		withCal := f.cfg
		withCal.Calendar = calendars{cal}
		svc := workforce.NewService(withCal)
		wa, _ = svc.WorkerAttendanceOf(ctx, f.east, a.ID, workforce.Period{Month: "2026-06"})
		if wa.Tally.ScheduledDays != 4 || wa.Tally.AttendedDays != 3 || wa.Days[4].Status != "off" || wa.Days[6].Status != "absent" {
			t.Fatalf("with holidays = %+v %+v", wa.Tally, wa.Days[4:7])
		}
		wb, _ := svc.WorkerAttendanceOf(ctx, f.west, b.ID, workforce.Period{Month: "2026-06"})
		if wb.Tally.ScheduledDays != 2 {
			t.Fatalf("own schedule with holidays = %+v", wb.Tally)
		}

		// Cancelled leave counts the day again; nothing is counted twice.
		leave, _ := f.svc.ListLeave(ctx, f.east, a.ID)
		if len(leave) != 1 {
			t.Fatalf("leave = %+v", leave)
		}
		if _, err := f.svc.CancelLeave(ctx, f.west, leave[0].ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("cancel outside scope: %v", err)
		}
		if l, err := f.svc.CancelLeave(ctx, f.east, leave[0].ID); err != nil || !l.Cancelled {
			t.Fatalf("cancel = %+v, %v", l, err)
		}
		wa, _ = f.svc.WorkerAttendanceOf(ctx, f.east, a.ID, workforce.Period{Month: "2026-06"})
		if wa.Tally.ScheduledDays != 5 || wa.Tally.AttendedDays != 3 || rate(wa.Tally.Rate) != "0.600" {
			t.Fatalf("after cancelling leave = %+v", wa.Tally)
		}
	})
}

func TestStaffing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		st, err := f.svc.StaffingOf(ctx, f.county, "")
		if err != nil || st.Grids != 3 || st.Workers != 0 || st.StaffingRate == nil || *st.StaffingRate != 0 || st.FullTimeRate != nil {
			t.Fatalf("empty staffing = %+v, %v", st, err)
		}
		f.worker(f.east, workforce.WorkerInput{Name: "李四", Grids: []workforce.GridAssignment{{GridCode: gridA, Primary: true, GridChief: true}}})
		f.worker(f.west, workforce.WorkerInput{Name: "赵六", Employment: workforce.PartTime, Grids: grids(gridC)})
		f.worker(f.west, workforce.WorkerInput{Name: "钱七", Employment: workforce.FullTime, Grids: grids(gridC)})
		gone := f.worker(f.east, workforce.WorkerInput{Name: "孙八", Grids: grids(gridB)})
		off := false
		if _, err := f.svc.UpdateWorker(ctx, f.east, gone.ID, workforce.WorkerPatch{Version: gone.Version, Active: &off}); err != nil {
			t.Fatal(err)
		}
		st, err = f.svc.StaffingOf(ctx, f.county, "990101")
		if err != nil {
			t.Fatal(err)
		}
		if st.Grids != 3 || st.StaffedGrids != 2 || st.UnstaffedGrids != 1 || st.Workers != 3 || st.FullTimeWorkers != 2 ||
			rate(st.StaffingRate) != "1.000" || rate(st.FullTimeRate) != "0.667" || len(st.Children) != 2 {
			t.Fatalf("county = %+v", st)
		}
		east, west := st.Children[0], st.Children[1]
		if east.Region != "990101001" || east.Grids != 2 || east.StaffedGrids != 1 || east.Workers != 1 || rate(east.StaffingRate) != "0.500" {
			t.Fatalf("east = %+v", east)
		}
		if west.Grids != 1 || west.Workers != 2 || rate(west.StaffingRate) != "2.000" || rate(west.FullTimeRate) != "0.500" {
			t.Fatalf("west (over 100%%) = %+v", west)
		}
		page, err := f.svc.UnstaffedGrids(ctx, f.county, "", "", 10)
		if err != nil || len(page.Items) != 1 || page.Items[0].Code != gridB || page.Items[0].Name != "友谊二网格" {
			t.Fatalf("unstaffed = %+v, %v", page, err)
		}
		if page, _ := f.svc.UnstaffedGrids(ctx, f.west, "", "", 10); len(page.Items) != 0 {
			t.Fatalf("unstaffed in the west = %+v", page)
		}
		if _, err := f.svc.StaffingOf(ctx, f.west, "990101001"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("staffing of another township: %v", err)
		}
		leader := principal(9, "leader", auth.RoleLeader, pathCounty)
		if _, err := f.svc.StaffingOf(ctx, leader, ""); err != nil {
			t.Fatalf("a leader reads the staffing: %v", err)
		}
	})
}
