package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/httpapi"
	"github.com/gridgov/gridgov/internal/workcal"
)

func calendarEnv(t *testing.T, d *db.DB) (*env, *calendar.Service) {
	t.Helper()
	svc := calendar.NewService(d, slog.New(slog.DiscardHandler), time.Now)
	if _, err := svc.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, d, options{ui: httpapi.Options{Calendar: svc}})
	e.user("admin1", auth.RoleAdmin, "")
	e.user("city1", auth.RoleCenter, "230600")
	e.user("town1", auth.RoleCenter, "230602001")
	e.user("worker1", auth.RoleWorker, "230602001001")
	return e, svc
}

// holidayFile is a year in the holiday-cn format, indented as the real
// files are, so that it is larger than an ordinary JSON body may be.
func holidayFile(t *testing.T, year int, days ...workcal.Override) string {
	t.Helper()
	b, err := json.MarshalIndent(workcal.Year{Year: year, Papers: []string{"https://www.gov.cn/notice"}, Days: days}, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCalendarReadAndDeadline(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e, _ := calendarEnv(t, d)
		wantProblem(t, e.browser().do("GET", "/api/v1/calendar", ""), 401, "unauthorized", "")
		w := e.loggedIn("worker1")
		r := w.do("GET", "/api/v1/calendar", "")
		if r.status != 200 {
			t.Fatalf("calendar: %d %s", r.status, r.body)
		}
		var st calendar.State
		if err := json.Unmarshal(r.body, &st); err != nil {
			t.Fatal(err)
		}
		if st.Version != 1 || st.TimeZone != "Asia/Shanghai" || len(st.Years) != 3 || st.WorkdayHours != 7.5 ||
			!strings.Contains(string(r.body), `"periods":[{"start":"08:30","end":"12:00"},{"start":"13:30","end":"17:30"}]`) ||
			!strings.Contains(string(r.body), `"weekend":[0,6]`) {
			t.Fatalf("calendar = %s", r.body)
		}
		r = w.do("GET", "/api/v1/calendar/2026", "")
		var v calendar.YearView
		if r.status != 200 || json.Unmarshal(r.body, &v) != nil || v.Workdays != 248 || len(v.Days) != 39 ||
			!strings.Contains(string(r.body), `{"name":"元旦","date":"2026-01-01","isOffDay":true,"year":2026}`) {
			t.Fatalf("2026: %d %s", r.status, r.body)
		}
		// The year view reads back as a holiday-cn file.
		if y, err := workcal.ParseHolidays(strings.NewReader(string(r.body))); err != nil || y.Year != 2026 || len(y.Days) != 39 {
			t.Fatalf("year view as a holiday file: %+v %v", y, err)
		}
		wantProblem(t, w.do("GET", "/api/v1/calendar/twenty", ""), 400, "invalid", "year")
		wantProblem(t, w.do("GET", "/api/v1/calendar/1800", ""), 400, "invalid", "year")

		// 1.5 h on 30 September, the National Day holiday, 2.5 h on 8 October.
		r = w.do("GET", "/api/v1/calendar/deadline?from=2026-09-30T16:00:00%2B08:00&amount=4&unit=hours", "")
		if r.status != 200 || r.json(t)["deadline"] != "2026-10-08T03:00:00Z" || r.json(t)["local"] != "2026-10-08T11:00:00+08:00" {
			t.Fatalf("deadline: %d %s", r.status, r.body)
		}
		// An offset typed with a bare "+" still reads.
		r = w.do("GET", "/api/v1/calendar/deadline?from=2026-09-30T16:00:00+08:00&amount=2&unit=days", "")
		if r.status != 200 || r.json(t)["deadline"] != "2026-10-09T09:30:00Z" {
			t.Fatalf("deadline in days: %d %s", r.status, r.body)
		}
		wantProblem(t, w.do("GET", "/api/v1/calendar/deadline?from=yesterday&amount=4&unit=hours", ""), 400, "invalid", "from")
		wantProblem(t, w.do("GET", "/api/v1/calendar/deadline?from=2026-09-30T08:00:00Z&amount=x&unit=hours", ""), 400, "invalid", "amount")
		wantProblem(t, w.do("GET", "/api/v1/calendar/deadline?from=2026-09-30T08:00:00Z&amount=4&unit=weeks", ""), 400, "invalid", "unit")
		wantProblem(t, w.do("GET", "/api/v1/calendar/deadline?from=2026-09-30T08:00:00Z&amount=1.5&unit=days", ""), 400, "invalid", "amount")
		// What is missing is said to be required, not to be malformed.
		wantReason(t, w.do("GET", "/api/v1/calendar/deadline?from=2026-09-30T08:00:00Z&unit=hours", ""), "amount", "is required")
		wantReason(t, w.do("GET", "/api/v1/calendar/deadline?amount=4&unit=hours", ""), "from", "is required")
		wantReason(t, w.do("GET", "/api/v1/calendar/deadline?from=2026-09-30T08:00:00Z&amount=4", ""), "unit", "is required")
	})
}

func TestCalendarEdits(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e, svc := calendarEnv(t, d)
		admin, city, town, w := e.loggedIn("admin1"), e.loggedIn("city1"), e.loggedIn("town1"), e.loggedIn("worker1")

		// Working hours.
		summer := `{"version":1,"time_zone":"Asia/Shanghai","periods":[{"start":"08:00","end":"12:00"},{"start":"14:30","end":"18:00"}],"weekend":[6,0]}`
		wantProblem(t, w.do("PUT", "/api/v1/calendar/config", summer), 403, "forbidden", "")
		wantProblem(t, town.do("PUT", "/api/v1/calendar/config", summer), 403, "forbidden", "")
		wantProblem(t, admin.do("PUT", "/api/v1/calendar/config", strings.Replace(summer, `"version":1`, `"version":7`, 1)), 409, "conflict", "version")
		wantProblem(t, admin.do("PUT", "/api/v1/calendar/config", strings.Replace(summer, `"08:00"`, `"25:00"`, 1)), 400, "invalid", "periods[0].start")
		wantProblem(t, admin.do("PUT", "/api/v1/calendar/config", strings.Replace(summer, `"18:00"`, `"14:00"`, 1)), 400, "invalid", "periods[1]")
		wantProblem(t, admin.do("PUT", "/api/v1/calendar/config", strings.Replace(summer, `Asia/Shanghai`, `Mars/Olympus`, 1)), 400, "invalid", "time_zone")
		wantProblem(t, admin.do("PUT", "/api/v1/calendar/config", strings.Replace(summer, `[6,0]`, `[6,6]`, 1)), 400, "invalid", "weekend[1]")
		wantProblem(t, admin.do("PUT", "/api/v1/calendar/config", strings.Replace(summer, `"weekend"`, `"weekends"`, 1)), 400, "invalid", "weekends")
		r := city.do("PUT", "/api/v1/calendar/config", summer)
		if r.status != 200 || r.json(t)["version"] != float64(2) || !strings.Contains(string(r.body), `"weekend":[0,6]`) || r.json(t)["updated_by"] != "city1" {
			t.Fatalf("config: %d %s", r.status, r.body)
		}
		if got := svc.Current().Config().Periods[1].String(); got != "14:30–18:00" {
			t.Fatalf("the calendar in memory has %s", got)
		}

		// Single dates.
		day := `{"version":2,"name":"停电","isOffDay":true}`
		wantProblem(t, w.do("PUT", "/api/v1/calendar/days/2026-03-02", day), 403, "forbidden", "")
		wantProblem(t, admin.do("PUT", "/api/v1/calendar/days/2026-02-30", day), 400, "invalid", "date")
		wantProblem(t, admin.do("PUT", "/api/v1/calendar/days/2026-03-02", `{"version":2,"name":"停电"}`), 400, "invalid", "isOffDay")
		wantProblem(t, admin.do("PUT", "/api/v1/calendar/days/2026-03-02", `{"version":2,"name":"","isOffDay":true}`), 400, "invalid", "name")
		wantProblem(t, admin.do("PUT", "/api/v1/calendar/days/2026-03-02", `{"version":1,"name":"停电","isOffDay":true}`), 409, "conflict", "version")
		r = admin.do("PUT", "/api/v1/calendar/days/2026-03-02", day)
		if r.status != 200 || r.json(t)["version"] != float64(3) || r.json(t)["before"] != nil ||
			!strings.Contains(string(r.body), `"after":{"name":"停电","date":"2026-03-02","isOffDay":true,"year":2026}`) {
			t.Fatalf("set day: %d %s", r.status, r.body)
		}
		if svc.Current().IsWorkday(workcal.Date{Year: 2026, Month: 3, Day: 2}) {
			t.Fatal("the day off did not reach the calendar in memory")
		}
		wantProblem(t, admin.do("DELETE", "/api/v1/calendar/days/2026-03-02", ""), 400, "invalid", "version")
		wantProblem(t, admin.do("DELETE", "/api/v1/calendar/days/2026-03-02", "", "If-Match", `"2"`), 409, "conflict", "version")
		r = admin.do("DELETE", "/api/v1/calendar/days/2026-03-02", "", "If-Match", `"3"`)
		if r.status != 200 || r.json(t)["version"] != float64(4) || r.json(t)["after"] != nil {
			t.Fatalf("delete day: %d %s", r.status, r.body)
		}
		wantProblem(t, admin.do("DELETE", "/api/v1/calendar/days/2026-03-02?version=4", ""), 404, "not_found", "")

		// Whole years, as a JSON body larger than an ordinary one may be
		// (every Wednesday off; 9 June and 15 September were holidays already)…
		var days []workcal.Override
		for d := (workcal.Date{Year: 2027, Month: 1, Day: 1}); d.Year == 2027; d = d.AddDays(1) {
			if d.Weekday() == time.Wednesday {
				days = append(days, workcal.Override{Name: "测试假期", Date: d, IsOffDay: true})
			}
		}
		file := holidayFile(t, 2027, days...)
		if len(file) <= 4096 {
			t.Fatalf("the test file is only %d bytes", len(file))
		}
		wantProblem(t, w.do("POST", "/api/v1/calendar/years", file, "If-Match", "4"), 403, "forbidden", "")
		wantProblem(t, admin.do("POST", "/api/v1/calendar/years", file), 400, "invalid", "version")
		wantProblem(t, admin.do("POST", "/api/v1/calendar/years", file, "If-Match", "3"), 409, "conflict", "version")
		wantProblem(t, admin.do("POST", "/api/v1/calendar/years", file, "If-Match", "4", "Content-Type", "text/csv"), 400, "invalid", "Content-Type")
		wantProblem(t, admin.do("POST", "/api/v1/calendar/years", `{"year":2027,"days":[{"name":"元旦","date":"2027-13-01","isOffDay":true}]}`, "If-Match", "4"),
			400, "invalid", "days[0].date")
		r = admin.do("POST", "/api/v1/calendar/years", file, "If-Match", "4")
		if r.status != 200 || r.json(t)["version"] != float64(5) || r.json(t)["added"] != float64(len(days)-2) ||
			r.json(t)["changed"] != float64(2) || r.json(t)["stored"] != true {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		// …or uploaded as a file, with the version in the form.
		second := holidayFile(t, 2027, workcal.Override{Name: "元旦", Date: workcal.Date{Year: 2027, Month: 1, Day: 1}, IsOffDay: true})
		r = admin.uploadNamed("/api/v1/calendar/years", map[string]string{"version": "5"}, "2027.json", second)
		if r.status != 200 || r.json(t)["removed"] != float64(len(days)) || r.json(t)["version"] != float64(6) {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		r = admin.uploadNamed("/api/v1/calendar/years", map[string]string{"version": "6"}, "2027.json", second)
		if r.status != 200 || r.json(t)["stored"] != false || r.json(t)["version"] != float64(6) {
			t.Fatalf("upload again: %d %s", r.status, r.body)
		}
		wantProblem(t, admin.uploadNamed("/api/v1/calendar/years", map[string]string{"version": "6"}, "2027.json", "not json"), 400, "invalid", "")
		wantProblem(t, admin.uploadNamed("/api/v1/calendar/years", map[string]string{"version": "6", "year": "2027"}, "2027.json", second), 400, "invalid", "year")

		r = w.do("GET", "/api/v1/calendar", "")
		if !strings.Contains(string(r.body), `"year":2027,"papers":["https://www.gov.cn/notice"],"source":"import","off_days":1`) {
			t.Fatalf("years after the imports: %s", r.body)
		}
		// Every change was audited.
		r = admin.do("GET", "/api/v1/audit?action=calendar.import", "")
		if r.status != 200 || strings.Count(string(r.body), `"action":"calendar.import"`) != 2 {
			t.Fatalf("audit: %d %s", r.status, r.body)
		}
		for _, action := range []string{"calendar.config", "calendar.day.set", "calendar.day.delete"} {
			if r := admin.do("GET", fmt.Sprintf("/api/v1/audit?action=%s", action), ""); !strings.Contains(string(r.body), `"action":"`+action+`"`) {
				t.Errorf("no audit entry %s: %s", action, r.body)
			}
		}
	})
}
