package workcal_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/workcal"
)

// at reads "2006-01-02 15:04" (or with seconds) on the Shanghai clock.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	loc := workcal.Default().Location()
	layout := "2006-01-02 15:04"
	if len(s) == len("2006-01-02 15:04:05") {
		layout = "2006-01-02 15:04:05"
	}
	v, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func date(t testing.TB, s string) workcal.Date {
	t.Helper()
	d, err := workcal.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIsWorkday(t *testing.T) {
	t.Parallel()
	c := workcal.Default()
	tests := []struct {
		date string
		want bool
		why  string
	}{
		{"2026-03-04", true, "ordinary Wednesday"},
		{"2026-03-07", false, "ordinary Saturday"},
		{"2026-03-08", false, "ordinary Sunday"},
		{"2026-01-02", false, "New Year bridge Friday"},
		{"2026-01-04", true, "make-up Sunday for New Year"},
		{"2026-02-14", true, "make-up Saturday before Spring Festival"},
		{"2026-02-16", false, "Spring Festival Monday"},
		{"2026-02-23", false, "last day of Spring Festival, a Monday"},
		{"2026-02-24", true, "first working day after Spring Festival"},
		{"2026-02-28", true, "make-up Saturday after Spring Festival"},
		{"2026-09-20", true, "make-up Sunday for National Day"},
		{"2026-09-25", false, "Mid-Autumn Friday"},
		{"2026-10-07", false, "National Day Wednesday"},
		{"2026-10-08", true, "Thursday after National Day"},
		{"2026-10-10", true, "make-up Saturday after National Day"},
		{"2025-09-28", true, "make-up Sunday 2025"},
		{"2025-10-08", false, "eighth day of the 2025 National Day holiday"},
		{"2027-02-08", false, "provisional: third day of the 2027 Spring Festival"},
		{"2027-02-09", true, "provisional: in-lieu days of 2027 are not known"},
		{"2024-02-12", true, "2024 is not compiled in: only the weekly pattern"},
		{"2031-01-01", true, "beyond the data: only the weekly pattern"},
	}
	for _, tt := range tests {
		if got := c.IsWorkday(date(t, tt.date)); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v (%s)", tt.date, got, tt.want, tt.why)
		}
	}
	if o, ok := c.Override(date(t, "2026-02-14")); !ok || o.Name != "春节" || o.IsOffDay {
		t.Errorf("Override(2026-02-14) = %+v, %v; want the Spring Festival make-up day", o, ok)
	}
	if _, ok := c.Override(date(t, "2026-03-04")); ok {
		t.Error("Override(2026-03-04) found an override on an ordinary day")
	}
}

func TestAddWorkingDuration(t *testing.T) {
	t.Parallel()
	c := workcal.Default()
	early, err := workcal.New(workcal.Config{Periods: []workcal.Period{
		{Start: workcal.Clock(8, 0, 0), End: workcal.Clock(12, 0, 0)},
		{Start: workcal.Clock(13, 30, 0), End: workcal.Clock(17, 30, 0)},
	}, Weekend: []time.Weekday{time.Saturday, time.Sunday}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cal   *workcal.Calendar
		start string
		d     time.Duration
		want  string
	}{
		{"Friday 17:00 + 2h carries over the weekend", c, "2026-03-06 17:00", 2 * time.Hour, "2026-03-09 10:00"},
		{"the same with an 08:00 start of work lands 09:30", early, "2026-03-06 17:00", 2 * time.Hour, "2026-03-09 09:30"},
		{"inside a period", c, "2026-03-04 09:00", 2 * time.Hour, "2026-03-04 11:00"},
		{"over lunch", c, "2026-03-04 11:00", 2 * time.Hour, "2026-03-04 14:30"},
		{"start in the lunch break counts from 13:30", c, "2026-03-04 12:30", time.Hour, "2026-03-04 14:30"},
		{"start before work counts from 08:30", c, "2026-03-04 07:00", 30 * time.Minute, "2026-03-04 09:00"},
		{"start after work counts from tomorrow", c, "2026-03-04 20:00", 30 * time.Minute, "2026-03-05 09:00"},
		{"using up the morning ends at 12:00, not 13:30", c, "2026-03-04 08:30", 3*time.Hour + 30*time.Minute, "2026-03-04 12:00"},
		{"a full day ends at the close", c, "2026-03-04 08:30", 7*time.Hour + 30*time.Minute, "2026-03-04 17:30"},
		{"a full day from the evening ends at the next close", c, "2026-03-04 18:00", 7*time.Hour + 30*time.Minute, "2026-03-05 17:30"},
		{"exposed garbage, 4 working hours", c, "2026-03-04 16:00", 4 * time.Hour, "2026-03-05 11:00"},
		{"seconds survive", c, "2026-03-04 09:00:07", 90 * time.Second, "2026-03-04 09:01:37"},
		{"Spring Festival: make-up Saturday counts", c, "2026-02-13 16:30", 4 * time.Hour, "2026-02-14 11:30"},
		{"Spring Festival: from the make-up Saturday to after the holiday", c, "2026-02-14 17:00", time.Hour, "2026-02-24 09:00"},
		{"Spring Festival: a start during the holiday waits for it to end", c, "2026-02-18 10:00", 2 * time.Hour, "2026-02-24 10:30"},
		{"National Day week: eight working hours from 30 September", c, "2026-09-30 17:00", 8 * time.Hour, "2026-10-08 17:30"},
		{"Friday after National Day to the make-up Saturday", c, "2026-10-09 17:00", time.Hour, "2026-10-10 09:00"},
		{"make-up Sunday counts", c, "2025-09-27 10:00", time.Hour, "2025-09-28 09:30"},
		{"New Year into provisional 2027", c, "2026-12-31 17:00", time.Hour, "2027-01-04 09:00"},
		{"zero is the start itself, even off hours", c, "2026-03-07 10:00", 0, "2026-03-07 10:00"},
		{"backwards within a day", c, "2026-03-04 14:30", -2 * time.Hour, "2026-03-04 11:00"},
		{"backwards onto the lunch break lands at its start", c, "2026-03-04 14:30", -time.Hour, "2026-03-04 12:00"},
		{"backwards over the Spring Festival", c, "2026-02-24 09:00", -time.Hour, "2026-02-14 17:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, want := at(t, tt.start), at(t, tt.want)
			got := tt.cal.AddWorkingDuration(start, tt.d)
			if !got.Equal(want) {
				t.Errorf("AddWorkingDuration(%s, %v) = %s, want %s", tt.start, tt.d, got.Format(time.DateTime), tt.want)
			}
			if got.Location() != tt.cal.Location() {
				t.Errorf("result in %v, want the calendar's zone %v", got.Location(), tt.cal.Location())
			}
			if back := tt.cal.WorkingDuration(start, got); back != tt.d {
				t.Errorf("WorkingDuration(start, result) = %v, want %v", back, tt.d)
			}
		})
	}
}

func TestAddWorkingDays(t *testing.T) {
	t.Parallel()
	c := workcal.Default()
	tests := []struct {
		name  string
		start string
		n     int
		want  string
	}{
		{"1 day from a Wednesday morning", "2026-03-04 09:00", 1, "2026-03-05 17:30"},
		{"the hour of receipt does not matter", "2026-03-04 23:59", 1, "2026-03-05 17:30"},
		{"from a Friday, over the weekend", "2026-03-06 10:00", 1, "2026-03-09 17:30"},
		{"received on Saturday: Monday is the first day", "2026-03-07 10:00", 1, "2026-03-09 17:30"},
		{"3 days over Mid-Autumn", "2026-09-24 10:00", 3, "2026-09-30 17:30"},
		{"to the make-up Saturday", "2026-02-13 10:00", 1, "2026-02-14 17:30"},
		{"over the Spring Festival", "2026-02-14 10:00", 1, "2026-02-24 17:30"},
		{"received during the holiday", "2026-02-18 10:00", 2, "2026-02-25 17:30"},
		{"20 days from 2 February 2026", "2026-02-02 09:00", 20, "2026-03-06 17:30"},
		{"0: close of the same working day", "2026-03-04 16:00", 0, "2026-03-04 17:30"},
		{"0 on a holiday: close of the next working day", "2026-10-03 16:00", 0, "2026-10-08 17:30"},
		{"-1: the previous working day", "2026-02-24 10:00", -1, "2026-02-14 17:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingDays(at(t, tt.start), tt.n)
			if want := at(t, tt.want); !got.Equal(want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.start, tt.n, got.Format(time.DateTime), tt.want)
			}
		})
	}
}

func TestWorkingDuration(t *testing.T) {
	t.Parallel()
	c := workcal.Default()
	tests := []struct {
		from, to string
		want     time.Duration
	}{
		{"2026-03-04 09:00", "2026-03-04 09:00", 0},
		{"2026-03-04 09:00", "2026-03-04 17:00", 6*time.Hour + 30*time.Minute},
		{"2026-03-04 12:10", "2026-03-04 13:20", 0},
		{"2026-03-07 00:00", "2026-03-09 00:00", 0},
		{"2026-03-02 00:00", "2026-03-09 00:00", 5 * 15 * time.Hour / 2},
		{"2026-03-04 17:00", "2026-03-04 09:00", -(6*time.Hour + 30*time.Minute)},
		// February 2026: 20 weekdays, 6 of them holidays, 2 make-up Saturdays.
		{"2026-02-01 00:00", "2026-03-01 00:00", 16 * 15 * time.Hour / 2},
		// 2025 and 2026 have 248 working days each.
		{"2026-01-01 00:00", "2027-01-01 00:00", 248 * 15 * time.Hour / 2},
		{"2025-01-01 00:00", "2026-01-01 00:00", 248 * 15 * time.Hour / 2},
	}
	for _, tt := range tests {
		if got := c.WorkingDuration(at(t, tt.from), at(t, tt.to)); got != tt.want {
			t.Errorf("WorkingDuration(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestProgress(t *testing.T) {
	t.Parallel()
	c := workcal.Default()
	start := at(t, "2026-03-06 16:30")    // Friday
	deadline := at(t, "2026-03-09 11:30") // 4 working hours later
	if got := c.AddWorkingDuration(start, 4*time.Hour); !got.Equal(deadline) {
		t.Fatalf("deadline %s, want %s", got, deadline)
	}
	tests := []struct {
		now  string
		want float64
	}{
		{"2026-03-06 12:00", 0},
		{"2026-03-06 16:30", 0},
		{"2026-03-06 17:30", 0.25},
		{"2026-03-07 12:00", 0.25}, // the weekend does not count
		{"2026-03-09 10:42", 0.8},  // yellow
		{"2026-03-09 11:30", 1},
		{"2026-03-09 14:00", 1.25}, // red: 1 hour over
	}
	for _, tt := range tests {
		if got := c.Progress(start, deadline, at(t, tt.now)); got != tt.want {
			t.Errorf("Progress at %s = %v, want %v", tt.now, got, tt.want)
		}
	}
	// No working time between start and deadline.
	sat := at(t, "2026-03-07 10:00")
	if got := c.Progress(sat, sat.Add(time.Hour), sat); got != 0 {
		t.Errorf("Progress before an off-hours deadline = %v, want 0", got)
	}
	if got := c.Progress(sat, sat.Add(time.Hour), sat.Add(time.Hour)); got != 1 {
		t.Errorf("Progress at an off-hours deadline = %v, want 1", got)
	}
}

func TestIsWorkingTimeAndDateOf(t *testing.T) {
	t.Parallel()
	c := workcal.Default()
	for s, want := range map[string]bool{
		"2026-03-04 08:29:59": false,
		"2026-03-04 08:30":    true,
		"2026-03-04 11:59:59": true,
		"2026-03-04 12:00":    false,
		"2026-03-04 13:30":    true,
		"2026-03-04 17:30":    false,
		"2026-02-16 10:00":    false,
		"2026-02-14 10:00":    true,
	} {
		if got := c.IsWorkingTime(at(t, s)); got != want {
			t.Errorf("IsWorkingTime(%s) = %v, want %v", s, got, want)
		}
	}
	// 2026-02-16 02:00 in Shanghai is still 15 February in UTC.
	utc := time.Date(2026, 2, 15, 18, 0, 0, 0, time.UTC)
	if got := c.DateOf(utc); got != date(t, "2026-02-16") {
		t.Errorf("DateOf(%s) = %s, want 2026-02-16", utc, got)
	}
}

func TestNewRefusals(t *testing.T) {
	t.Parallel()
	p := func(a, b string) workcal.Period {
		s, err1 := workcal.ParseTimeOfDay(a)
		e, err2 := workcal.ParseTimeOfDay(b)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		return workcal.Period{Start: s, End: e}
	}
	base := workcal.DefaultConfig
	tests := []struct {
		name   string
		cfg    func() workcal.Config
		field  string
		reason string
	}{
		{"unknown zone", func() workcal.Config { c := base(); c.TimeZone = "Mars/Olympus"; return c }, "time_zone", "unknown time zone"},
		{"no periods", func() workcal.Config { c := base(); c.Periods = nil; return c }, "periods", "at least one"},
		{"empty period", func() workcal.Config { c := base(); c.Periods = []workcal.Period{p("09:00", "09:00")}; return c }, "periods[0]", "ends before it starts"},
		{"reversed period", func() workcal.Config { c := base(); c.Periods = []workcal.Period{p("12:00", "08:30")}; return c }, "periods[0]", "ends before it starts"},
		{"overlap", func() workcal.Config {
			c := base()
			c.Periods = []workcal.Period{p("08:30", "12:00"), p("11:00", "17:00")}
			return c
		}, "periods[1]", "not overlap"},
		{"out of order", func() workcal.Config {
			c := base()
			c.Periods = []workcal.Period{p("13:30", "17:30"), p("08:30", "12:00")}
			return c
		}, "periods[1]", "in order"},
		{"beyond the day", func() workcal.Config {
			c := base()
			c.Periods = []workcal.Period{{Start: workcal.Clock(20, 0, 0), End: workcal.Clock(25, 0, 0)}}
			return c
		}, "periods[0]", "within 00:00–24:00"},
		{"weekday out of range", func() workcal.Config { c := base(); c.Weekend = []time.Weekday{7}; return c }, "weekend[0]", "not a day of the week"},
		{"weekday twice", func() workcal.Config {
			c := base()
			c.Weekend = []time.Weekday{time.Sunday, time.Sunday}
			return c
		}, "weekend[1]", "listed twice"},
		{"no working weekday", func() workcal.Config {
			c := base()
			c.Weekend = []time.Weekday{0, 1, 2, 3, 4, 5, 6}
			return c
		}, "weekend", "at least one"},
		{"conflicting overrides", func() workcal.Config {
			c := base()
			c.Overrides = []workcal.Override{
				{Name: "a", Date: date(t, "2026-02-14"), IsOffDay: false},
				{Name: "b", Date: date(t, "2026-02-14"), IsOffDay: true},
			}
			return c
		}, "overrides[1].date", "declared an off day here and a working day at overrides[0]"},
		{"invalid override date", func() workcal.Config {
			c := base()
			c.Overrides = []workcal.Override{{Name: "a", Date: workcal.Date{Year: 2026, Month: 2, Day: 30}}}
			return c
		}, "overrides[0].date", "not a date"},
		{"overrides too far apart", func() workcal.Config {
			c := base()
			c.Overrides = []workcal.Override{
				{Name: "a", Date: date(t, "1900-01-01"), IsOffDay: true},
				{Name: "b", Date: date(t, "2400-01-01"), IsOffDay: true},
			}
			return c
		}, "overrides", "span 501 years"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := workcal.New(tt.cfg())
			wantField(t, err, tt.field, tt.reason)
		})
	}
}

// wantField checks that err is an apperr Invalid naming field with a reason
// containing reason.
func wantField(t *testing.T, err error, field, reason string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Fatalf("error %v, want an apperr Invalid error", err)
	}
	for _, f := range ae.Fields {
		if f.Field == field && strings.Contains(f.Reason, reason) {
			return
		}
	}
	t.Fatalf("error %v does not name %s with reason %q", err, field, reason)
}

func TestConfigRoundTrip(t *testing.T) {
	t.Parallel()
	c := workcal.Default()
	cfg := c.Config()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"periods":[{"start":"08:30","end":"12:00"},{"start":"13:30","end":"17:30"}]`) ||
		!strings.Contains(string(raw), `{"name":"春节","date":"2026-02-14","isOffDay":false}`) {
		t.Errorf("unexpected JSON form: %.300s", raw)
	}
	var back workcal.Config
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cfg, back); diff != "" {
		t.Fatalf("config changed through JSON (-before +after):\n%s", diff)
	}
	c2, err := workcal.New(back)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cfg, c2.Config()); diff != "" {
		t.Fatalf("config not stable through New (-before +after):\n%s", diff)
	}
	// Config returns a copy: changing it does not change the calendar.
	cfg.Overrides[0].IsOffDay = !cfg.Overrides[0].IsOffDay
	if c.Config().Overrides[0].IsOffDay == cfg.Overrides[0].IsOffDay {
		t.Error("Config shares its slices with the calendar")
	}
}

func TestNewNormalises(t *testing.T) {
	t.Parallel()
	cfg := workcal.Config{
		Periods: []workcal.Period{{Start: workcal.Clock(9, 0, 0), End: workcal.Clock(17, 0, 0)}},
		Weekend: []time.Weekday{time.Saturday, time.Sunday},
		Overrides: []workcal.Override{
			{Name: "国庆节", Date: date(t, "2026-10-02"), IsOffDay: true},
			{Name: "元旦", Date: date(t, "2026-01-01"), IsOffDay: true},
			{Name: "元旦 again", Date: date(t, "2026-01-01"), IsOffDay: true},
		},
	}
	c, err := workcal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Config()
	want := workcal.Config{
		TimeZone: "Asia/Shanghai",
		Periods:  cfg.Periods,
		Weekend:  []time.Weekday{time.Sunday, time.Saturday},
		Overrides: []workcal.Override{
			{Name: "元旦", Date: date(t, "2026-01-01"), IsOffDay: true},
			{Name: "国庆节", Date: date(t, "2026-10-02"), IsOffDay: true},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Config() (-want +got):\n%s", diff)
	}
	if c.WorkdayLength() != 8*time.Hour {
		t.Errorf("WorkdayLength = %v, want 8h", c.WorkdayLength())
	}
}

func TestFarFromTheData(t *testing.T) {
	t.Parallel()
	// Plain pattern far before and after the table: whole weeks hold five
	// working days, in both directions.
	c := workcal.Default()
	for _, monday := range []string{"1996-01-01", "2019-12-30", "2024-12-30", "2027-12-27", "2099-12-28"} {
		d := date(t, monday)
		from := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, c.Location())
		for _, weeks := range []int{1, 10, 52, 520} {
			to := from.AddDate(0, 0, 7*weeks)
			got := c.WorkingDuration(from, to)
			if to.Year() < 2025 || from.Year() > 2027 { // clear of the holidays
				if want := time.Duration(weeks*5) * c.WorkdayLength(); got != want {
					t.Errorf("WorkingDuration(%s, +%d weeks) = %v, want %v", monday, weeks, got, want)
				}
			}
			if back := c.AddWorkingDuration(to, -got); c.WorkingDuration(back, to) != got {
				t.Errorf("AddWorkingDuration(%s, %v) does not invert", to, -got)
			}
		}
	}
	// Saturation rather than overflow over absurd spans.
	if got := c.WorkingDuration(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)); got <= 0 {
		t.Errorf("WorkingDuration over 10,000 years = %v, want a positive saturated value", got)
	}
}

func TestParseDateAndTimeOfDay(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"2026-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026/01/01", "0000-01-01", "2026-01-00", " 2026-01-01", "２０２６-01-01"} {
		if _, err := workcal.ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
	if d, err := workcal.ParseDate("2024-02-29"); err != nil || d.String() != "2024-02-29" || d.Weekday() != time.Thursday {
		t.Errorf("ParseDate(2024-02-29) = %v, %v", d, err)
	}
	for _, s := range []string{"24:01", "8:30", "08:60", "08:30:60", "25:00", "08-30", "08:30:", ""} {
		if _, err := workcal.ParseTimeOfDay(s); err == nil {
			t.Errorf("ParseTimeOfDay(%q) accepted", s)
		}
	}
	for s, want := range map[string]workcal.TimeOfDay{"00:00": 0, "08:30": 30600, "24:00": 86400, "17:30:15": 63015} {
		if got, err := workcal.ParseTimeOfDay(s); err != nil || got != want || got.String() != s {
			t.Errorf("ParseTimeOfDay(%q) = %d (%s), %v; want %d", s, got, got, err, want)
		}
	}
}
