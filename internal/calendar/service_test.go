package calendar_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/workcal"
)

func principal(role auth.Role, scopePath string) auth.Principal {
	u := auth.User{ID: 1, Username: string(role), Role: role}
	if scopePath != "" {
		u = auth.TestUserScopedTo(u, scopePath)
	}
	return auth.Principal{User: u}
}

var (
	admin        = principal(auth.RoleAdmin, "")
	cityCenter   = principal(auth.RoleCenter, "/990100/")
	countyCenter = principal(auth.RoleCenter, "/990100/990101/")
	worker       = principal(auth.RoleWorker, "/990100/")
)

func newService(d *db.DB) *calendar.Service {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	return calendar.NewService(d, slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return now })
}

// seeded returns a service over a seeded calendar and its version.
func seeded(t *testing.T, d *db.DB) (*calendar.Service, int64) {
	t.Helper()
	svc := newService(d)
	if _, err := svc.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := svc.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return svc, st.Version
}

func wantCode(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if field != "" && !slices.ContainsFunc(e.Fields, func(f apperr.FieldError) bool { return f.Field == field }) {
		t.Fatalf("error %v does not name %s", err, field)
	}
}

func date(s string) workcal.Date {
	d, err := workcal.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func verifyAudit(t *testing.T, d *db.DB) int64 {
	t.Helper()
	rep, err := audit.Verify(context.Background(), d.Read())
	if err != nil || rep.First != nil {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
	return rep.Entries
}

func TestSeedGetAndYear(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := newService(d)
		// Before anything is loaded the compiled-in calendar answers.
		if svc.Current().IsWorkday(date("2026-02-16")) || !svc.Current().IsWorkday(date("2026-02-14")) {
			t.Fatal("Current before the first load is not workcal.Default")
		}
		if ok, err := svc.Seed(ctx); err != nil || !ok {
			t.Fatalf("Seed = %v, %v", ok, err)
		}
		if ok, err := svc.Seed(ctx); err != nil || ok {
			t.Fatalf("second Seed = %v, %v; want nothing stored", ok, err)
		}
		st, err := svc.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Version != 1 || st.TimeZone != "Asia/Shanghai" || st.WorkdayHours != 7.5 || !slices.Equal(st.Weekend, []time.Weekday{0, 6}) ||
			len(st.Periods) != 2 || st.Periods[1].String() != "13:30–17:30" || st.UpdatedBy != "seed" {
			t.Fatalf("state = %+v", st)
		}
		var years []int
		for _, y := range st.Years {
			years = append(years, y.Year)
			if y.Source != calendar.SourceDefault {
				t.Errorf("year %d source = %q", y.Year, y.Source)
			}
		}
		if !slices.Equal(years, []int{2025, 2026, 2027}) || st.Years[1].WorkDays != 6 || st.Years[1].OffDays != 33 {
			t.Fatalf("years = %+v", st.Years)
		}
		def := workcal.Default()
		v, err := svc.Year(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for d := date("2026-01-01"); d.Year == 2026; d = d.AddDays(1) {
			if def.IsWorkday(d) {
				want++
			}
		}
		if v.Workdays != want || len(v.Days) != 39 || v.Source != calendar.SourceDefault || len(v.Papers) != 1 || len(v.OtherDays) != 0 {
			t.Fatalf("year 2026 = %d workdays (want %d), %d days, %q, %v", v.Workdays, want, len(v.Days), v.Source, v.Papers)
		}
		if v.Days[0] != (calendar.Day{Name: "元旦", Date: date("2026-01-01"), IsOffDay: true, Year: 2026}) {
			t.Fatalf("first day = %+v", v.Days[0])
		}
		// A year with nothing stored shows the weekly pattern.
		if v, err := svc.Year(ctx, 2030); err != nil || v.Source != "" || len(v.Days) != 0 || v.Workdays != 261 {
			t.Fatalf("year 2030 = %+v, %v", v, err)
		}
		_, err = svc.Year(ctx, 1800)
		wantCode(t, err, apperr.Invalid, "year")
		// The stored calendar is the compiled-in one.
		for d := date("2025-01-01"); d.Year < 2028; d = d.AddDays(1) {
			if svc.Current().IsWorkday(d) != def.IsWorkday(d) {
				t.Fatalf("%s differs from the compiled-in calendar", d)
			}
		}
		if n := verifyAudit(t, d); n != 1 {
			t.Fatalf("audit entries = %d, want the seed", n)
		}
	})
}

func TestUpdateConfig(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc, v := seeded(t, d)
		summer := calendar.Settings{TimeZone: "Asia/Shanghai", Weekend: []time.Weekday{time.Sunday, time.Saturday},
			Periods: []workcal.Period{{Start: workcal.Clock(8, 0, 0), End: workcal.Clock(12, 0, 0)}, {Start: workcal.Clock(14, 30, 0), End: workcal.Clock(18, 0, 0)}}}
		_, err := svc.UpdateConfig(ctx, worker, v, summer)
		wantCode(t, err, apperr.Forbidden, "")
		_, err = svc.UpdateConfig(ctx, countyCenter, v, summer)
		wantCode(t, err, apperr.Forbidden, "")
		_, err = svc.UpdateConfig(ctx, admin, 0, summer)
		wantCode(t, err, apperr.Invalid, "version")
		_, err = svc.UpdateConfig(ctx, admin, v+1, summer)
		wantCode(t, err, apperr.Conflict, "version")

		bad := summer
		bad.TimeZone = "Mars/Olympus"
		_, err = svc.UpdateConfig(ctx, admin, v, bad)
		wantCode(t, err, apperr.Invalid, "time_zone")
		bad = summer
		bad.Periods = []workcal.Period{summer.Periods[1], summer.Periods[0]}
		_, err = svc.UpdateConfig(ctx, admin, v, bad)
		wantCode(t, err, apperr.Invalid, "periods[1]")
		bad = summer
		bad.Weekend = []time.Weekday{7}
		_, err = svc.UpdateConfig(ctx, admin, v, bad)
		wantCode(t, err, apperr.Invalid, "weekend[0]")

		st, err := svc.UpdateConfig(ctx, cityCenter, v, summer)
		if err != nil {
			t.Fatal(err)
		}
		// The weekend comes back sorted, and the memory copy follows.
		if st.Version != v+1 || !slices.Equal(st.Weekend, []time.Weekday{0, 6}) || st.WorkdayHours != 7.5 || st.UpdatedBy != "center" {
			t.Fatalf("updated = %+v", st)
		}
		if got := svc.Current().Config().Periods[0].String(); got != "08:00–12:00" {
			t.Fatalf("current periods start %s", got)
		}
		// The same settings again change nothing.
		if again, err := svc.UpdateConfig(ctx, admin, st.Version, summer); err != nil || again.Version != st.Version {
			t.Fatalf("no-op update = %+v, %v", again, err)
		}
		// The holidays stay.
		if svc.Current().IsWorkday(date("2026-10-01")) {
			t.Fatal("National Day became a working day")
		}
		if n := verifyAudit(t, d); n != 2 {
			t.Fatalf("audit entries = %d, want seed and one change", n)
		}
	})
}

func yearOf(y int, days ...workcal.Override) workcal.Year {
	return workcal.Year{Year: y, Papers: []string{"https://www.gov.cn/notice"}, Days: days}
}

func off(name, d string) workcal.Override {
	return workcal.Override{Name: name, Date: date(d), IsOffDay: true}
}

func work(name, d string) workcal.Override {
	return workcal.Override{Name: name, Date: date(d), IsOffDay: false}
}

func TestImportYear(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc, v := seeded(t, d)
		// 2027 as the notice might have it: the provisional days replaced.
		y2027 := yearOf(2027,
			off("元旦", "2027-01-01"), off("元旦", "2027-01-02"), off("元旦", "2027-01-03"),
			off("春节", "2027-02-05"), off("春节", "2027-02-06"), work("春节", "2027-02-20"),
			off("清明", "2027-04-05"))
		_, err := svc.ImportYear(ctx, worker, v, y2027)
		wantCode(t, err, apperr.Forbidden, "")
		_, err = svc.ImportYear(ctx, admin, v+5, y2027)
		wantCode(t, err, apperr.Conflict, "version")
		_, err = svc.ImportYear(ctx, admin, v, yearOf(2027, off("元旦", "2025-12-31")))
		wantCode(t, err, apperr.Invalid, "days[0].date")
		_, err = svc.ImportYear(ctx, admin, v, yearOf(2027, off(" ", "2027-01-01")))
		wantCode(t, err, apperr.Invalid, "days[0].name")
		_, err = svc.ImportYear(ctx, admin, v, yearOf(1800))
		wantCode(t, err, apperr.Invalid, "year")

		res, err := svc.ImportYear(ctx, admin, v, y2027)
		if err != nil {
			t.Fatal(err)
		}
		// Stored 2027: 01-01 元旦, 02-05..02-08 春节, 04-05 清明节, 05-01..02, 06-09, 09-15, 10-01..03.
		if !res.Stored || res.Version != v+1 || res.Added != 3 || res.Changed != 1 || res.Removed != 9 || res.Unchanged != 3 {
			t.Fatalf("import = %+v", res)
		}
		if c := res.Changes[0]; c.Date != date("2027-01-02") || c.Before != nil || c.After == nil {
			t.Fatalf("first change = %+v", c)
		}
		if !svc.Current().IsWorkday(date("2027-02-20")) || svc.Current().IsWorkday(date("2027-01-03")) || !svc.Current().IsWorkday(date("2027-02-08")) {
			t.Fatal("the import did not reach the calendar in memory")
		}
		view, err := svc.Year(ctx, 2027)
		if err != nil || len(view.Days) != 7 || view.Source != calendar.SourceImport || view.Papers[0] != "https://www.gov.cn/notice" {
			t.Fatalf("year 2027 = %+v, %v", view, err)
		}
		// The same file again changes nothing.
		again, err := svc.ImportYear(ctx, admin, res.Version, y2027)
		if err != nil || again.Stored || again.Version != res.Version || again.Unchanged != 7 || len(again.Changes) != 0 {
			t.Fatalf("import again = %+v, %v", again, err)
		}

		// A December date may be declared by the next year's notice, but
		// not against what the year's own arrangement says.
		set, err := svc.SetDay(ctx, admin, res.Version, work("测试", "2027-12-31"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.ImportYear(ctx, admin, set.Version, yearOf(2028, off("元旦", "2027-12-31"), off("元旦", "2028-01-01")))
		wantCode(t, err, apperr.Invalid, "days[0].isOffDay")
		set, err = svc.SetDay(ctx, admin, set.Version, off("元旦", "2027-12-31"))
		if err != nil {
			t.Fatal(err)
		}
		res, err = svc.ImportYear(ctx, admin, set.Version, yearOf(2028, off("元旦", "2027-12-31"), off("元旦", "2028-01-01")))
		if err != nil || res.Added != 2 {
			t.Fatalf("import 2028 = %+v, %v", res, err)
		}
		view, _ = svc.Year(ctx, 2027)
		if n := len(view.OtherDays); n != 1 || view.OtherDays[0].Year != 2028 || view.Days[len(view.Days)-1].Date != date("2027-12-31") {
			t.Fatalf("year 2027 other days = %+v", view.OtherDays)
		}
		// Setting a date declared twice changes both declarations.
		set, err = svc.SetDay(ctx, admin, res.Version, off("元旦假期", "2027-12-31"))
		if err != nil {
			t.Fatal(err)
		}
		view, _ = svc.Year(ctx, 2027)
		if view.OtherDays[0].Name != "元旦假期" || view.Days[len(view.Days)-1].Name != "元旦假期" {
			t.Fatalf("both declarations = %+v / %+v", view.Days[len(view.Days)-1], view.OtherDays[0])
		}
		verifyAudit(t, d)
	})
}

func TestSetAndDeleteDay(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc, v := seeded(t, d)
		monday := date("2026-03-02")
		_, err := svc.SetDay(ctx, countyCenter, v, off("停电", "2026-03-02"))
		wantCode(t, err, apperr.Forbidden, "")
		_, err = svc.SetDay(ctx, admin, v, off("", "2026-03-02"))
		wantCode(t, err, apperr.Invalid, "name")
		_, err = svc.SetDay(ctx, admin, v, workcal.Override{Name: "x", Date: workcal.Date{Year: 2026, Month: 2, Day: 30}})
		wantCode(t, err, apperr.Invalid, "date")
		_, err = svc.SetDay(ctx, admin, v, off("x", "2999-01-01"))
		wantCode(t, err, apperr.Invalid, "date")

		res, err := svc.SetDay(ctx, cityCenter, v, off("停电", "2026-03-02"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Version != v+1 || res.Before != nil || res.After == nil || res.After.Year != 2026 || !res.After.IsOffDay {
			t.Fatalf("set = %+v", res)
		}
		if svc.Current().IsWorkday(monday) {
			t.Fatal("the day off did not reach the calendar")
		}
		st, _ := svc.Get(ctx)
		if i := slices.IndexFunc(st.Years, func(y calendar.YearSummary) bool { return y.Year == 2026 }); st.Years[i].Source != calendar.SourceManual || st.Years[i].OffDays != 34 {
			t.Fatalf("2026 after an edit = %+v", st.Years[i])
		}
		// A stale edit is refused; the same edit again changes nothing.
		_, err = svc.SetDay(ctx, admin, v, work("停电", "2026-03-02"))
		wantCode(t, err, apperr.Conflict, "version")
		if same, err := svc.SetDay(ctx, admin, res.Version, off("停电", "2026-03-02")); err != nil || same.Version != res.Version {
			t.Fatalf("same edit = %+v, %v", same, err)
		}
		// A make-up Saturday becomes a day off by name.
		sat, err := svc.SetDay(ctx, admin, res.Version, off("劳动节", "2026-05-09"))
		if err != nil || sat.Before == nil || sat.Before.IsOffDay || svc.Current().IsWorkday(date("2026-05-09")) {
			t.Fatalf("make-up day off = %+v, %v", sat, err)
		}
		// A date in a year with no arrangement starts a hand-made one.
		y30, err := svc.SetDay(ctx, admin, sat.Version, off("测试", "2030-01-02"))
		if err != nil {
			t.Fatal(err)
		}
		if view, _ := svc.Year(ctx, 2030); view.Source != calendar.SourceManual || len(view.Days) != 1 {
			t.Fatalf("2030 = %+v", view)
		}

		del, err := svc.DeleteDay(ctx, admin, y30.Version, monday)
		if err != nil || del.Before == nil || del.Before.Name != "停电" || del.After != nil || del.Version != y30.Version+1 {
			t.Fatalf("delete = %+v, %v", del, err)
		}
		if !svc.Current().IsWorkday(monday) {
			t.Fatal("the deleted day is still off")
		}
		_, err = svc.DeleteDay(ctx, admin, del.Version, monday)
		wantCode(t, err, apperr.NotFound, "")
		_, err = svc.DeleteDay(ctx, admin, v, date("2026-05-09"))
		wantCode(t, err, apperr.Conflict, "version")
		_, err = svc.DeleteDay(ctx, worker, del.Version, date("2026-05-09"))
		wantCode(t, err, apperr.Forbidden, "")
		if n := verifyAudit(t, d); n != 5 {
			t.Fatalf("audit entries = %d, want seed + 4 changes", n)
		}
	})
}

func TestConcurrentEditsOneWins(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc, v := seeded(t, d)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = svc.SetDay(ctx, admin, v, off("测试", date("2026-03-02").AddDays(i).String()))
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else {
				wantCode(t, err, apperr.Conflict, "version")
			}
		}
		if won != 1 {
			t.Fatalf("%d edits of version %d won: %v", won, v, errs)
		}
		if st, _ := svc.Get(ctx); st.Version != v+1 {
			t.Fatalf("version = %d", st.Version)
		}
	})
}

func TestOtherServersFollowOnRefresh(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, v := seeded(t, d)
		b := newService(d)
		if err := b.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		before := b.Current()
		if _, err := a.SetDay(ctx, admin, v, off("停电", "2026-03-02")); err != nil {
			t.Fatal(err)
		}
		if b.Current() != before {
			t.Fatal("b changed without a refresh")
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); b.Watch(wctx, 10*time.Millisecond) }()
		deadline := time.Now().Add(5 * time.Second)
		for b.Current().IsWorkday(date("2026-03-02")) {
			if time.Now().After(deadline) {
				t.Fatal("Watch did not pick up the change")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
	})
}

func TestDeadline(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc, _ := seeded(t, d)
		shanghai := time.FixedZone("CST", 8*3600)
		from := time.Date(2026, 9, 30, 16, 0, 0, 0, shanghai)
		// 1.5 h on 30 September, then the National Day holiday (1–7
		// October), then 2.5 h on the 8th.
		got, err := svc.Deadline(ctx, from, 4, calendar.Hours)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 10, 8, 11, 0, 0, 0, shanghai); !got.At.Equal(want) || got.Local != "2026-10-08T11:00:00+08:00" || got.At.Location() != time.UTC {
			t.Fatalf("4 hours = %+v, want %s", got, want)
		}
		got, err = svc.Deadline(ctx, from, 2, calendar.Days)
		if want := time.Date(2026, 10, 9, 17, 30, 0, 0, shanghai); err != nil || !got.At.Equal(want) {
			t.Fatalf("2 days = %+v, %v; want %s", got, err, want)
		}
		_, err = svc.Deadline(ctx, from, 1, "weeks")
		wantCode(t, err, apperr.Invalid, "unit")
		_, err = svc.Deadline(ctx, from, 1.5, calendar.Days)
		wantCode(t, err, apperr.Invalid, "amount")
		_, err = svc.Deadline(ctx, from, 0, calendar.Hours)
		wantCode(t, err, apperr.Invalid, "amount")
	})
}

// TestRealHolidayFiles imports the holiday-cn files kept beside the
// repository and checks that every date they declare is what the stored
// calendar answers, and that the compiled-in years match them.
func TestRealHolidayFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "data", "holidays-cn", "*.json"))
	if len(files) == 0 {
		t.Skip("no holiday-cn files in ../shared/data/holidays-cn")
	}
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc, v := seeded(t, d)
		var years []workcal.Year
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			y, err := workcal.ParseHolidays(f)
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			res, err := svc.ImportYear(ctx, admin, v, y)
			if err != nil {
				t.Fatalf("import %s: %v", name, err)
			}
			if !res.Stored {
				t.Fatalf("import %s stored nothing", name)
			}
			if compiled := slices.ContainsFunc(workcal.DefaultYears(), func(c workcal.Year) bool { return c.Year == y.Year && c.Papers != nil }); compiled && len(res.Changes) != 0 {
				t.Errorf("%d: the compiled-in year differs from the file: %+v", y.Year, res.Changes)
			}
			v = res.Version
			years = append(years, y)
		}
		cal := svc.Current()
		for _, y := range years {
			for _, day := range y.Days {
				if cal.IsWorkday(day.Date) == day.IsOffDay {
					t.Errorf("%d: %s %s is answered the other way", y.Year, day.Date, day.Name)
				}
			}
			view, err := svc.Year(ctx, y.Year)
			if err != nil || view.Source != calendar.SourceImport || len(view.Days) != len(y.Days) {
				t.Fatalf("year %d = %d days, %q, %v", y.Year, len(view.Days), view.Source, err)
			}
		}
		// 2023's notice begins the New Year holiday on 31 December 2022.
		if view, err := svc.Year(ctx, 2022); err == nil && len(years) > 0 && years[0].Year == 2023 {
			if len(view.OtherDays) != 1 || view.OtherDays[0].Date != date("2022-12-31") || view.OtherDays[0].Year != 2023 {
				t.Fatalf("2022 = %+v", view.OtherDays)
			}
		}
		// 2026: 261 weekdays, 19 of them off, 6 make-up weekend days.
		if view, _ := svc.Year(ctx, 2026); view.Workdays != 248 {
			t.Errorf("2026 has %d working days", view.Workdays)
		}
	})
}
