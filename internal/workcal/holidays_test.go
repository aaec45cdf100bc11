package workcal_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/workcal"
)

// sharedHolidays is where the project keeps the holiday-cn files beside the
// repository; they are never copied into it.
const sharedHolidays = "../../../shared/data/holidays-cn"

// sharedYears reads every year file in sharedHolidays, or skips the test.
func sharedYears(t testing.TB) map[int]workcal.Year {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(sharedHolidays, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Skipf("holiday files not found in %s (../shared is beside the repository only on development machines)", sharedHolidays)
	}
	years := map[int]workcal.Year{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		y, err := workcal.ParseHolidays(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if want := strings.TrimSuffix(filepath.Base(p), ".json"); fmt.Sprint(y.Year) != want {
			t.Fatalf("%s declares year %d", p, y.Year)
		}
		years[y.Year] = y
	}
	return years
}

func TestParseSharedFiles(t *testing.T) {
	t.Parallel()
	years := sharedYears(t)
	y, ok := years[2026]
	if !ok {
		t.Skip("2026.json not among the shared files")
	}
	if len(y.Days) != 39 || len(y.Papers) != 1 {
		t.Errorf("2026: %d days, %d papers; want 39 and 1", len(y.Days), len(y.Papers))
	}
	want := workcal.Override{Name: "春节", Date: date(t, "2026-02-14"), IsOffDay: false}
	found := false
	for _, d := range y.Days {
		found = found || d == want
	}
	if !found {
		t.Errorf("2026 lacks %+v", want)
	}
	if y, ok := years[2023]; ok && y.Days[0].Date != date(t, "2022-12-31") {
		t.Errorf("2023 starts with %s, want the 2022-12-31 New Year's Eve off day", y.Days[0].Date)
	}
}

// TestDefaultMatchesSharedFiles keeps the compiled-in years true to the
// published files.
func TestDefaultMatchesSharedFiles(t *testing.T) {
	t.Parallel()
	shared := sharedYears(t)
	for _, y := range workcal.DefaultYears() {
		s, ok := shared[y.Year]
		if !ok {
			t.Logf("%d: no shared file to compare with (2027 is provisional)", y.Year)
			continue
		}
		if diff := cmp.Diff(s, y); diff != "" {
			t.Errorf("compiled-in %d differs from the holiday-cn file (-file +compiled):\n%s", y.Year, diff)
		}
	}
}

// TestSharedCalendar loads every shared year and checks each listed day
// and each ordinary day of those years.
func TestSharedCalendar(t *testing.T) {
	t.Parallel()
	shared := sharedYears(t)
	cfg := workcal.DefaultConfig()
	listed := map[workcal.Date]bool{}
	for _, y := range shared {
		cfg = cfg.WithYears(y)
		for _, d := range y.Days {
			listed[d.Date] = !d.IsOffDay
		}
	}
	c, err := workcal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for y := range shared {
		for d := (workcal.Date{Year: y, Month: 1, Day: 1}); d.Year == y; d = d.AddDays(1) {
			want, ok := listed[d]
			if !ok {
				want = d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
			}
			if got := c.IsWorkday(d); got != want {
				t.Errorf("IsWorkday(%s) = %v, want %v", d, got, want)
			}
		}
	}
}

func TestParseHolidaysRefusals(t *testing.T) {
	t.Parallel()
	day := func(name, date, off string) string {
		return fmt.Sprintf(`{"name":%s,"date":%s,"isOffDay":%s}`, name, date, off)
	}
	ok := day(`"元旦"`, `"2026-01-01"`, "true")
	tests := []struct {
		name, json    string
		field, reason string
	}{
		{"year missing", `{"days":[]}`, "year", "missing"},
		{"year a string", `{"year":"2026","days":[]}`, "year", "want an integer"},
		{"year fractional", `{"year":2026.5,"days":[]}`, "year", "want an integer"},
		{"year zero", `{"year":0,"days":[]}`, "year", "out of range"},
		{"days missing", `{"year":2026}`, "days", "missing"},
		{"days null", `{"year":2026,"days":null}`, "days", "missing"},
		{"days an object", `{"year":2026,"days":{}}`, "days", "want a list"},
		{"papers not strings", `{"year":2026,"papers":[1],"days":[]}`, "papers", "want a list of strings"},
		{"day not an object", `{"year":2026,"days":[` + ok + `,3]}`, "days[1]", "want an object"},
		{"day null", `{"year":2026,"days":[null]}`, "days[0]", "want an object"},
		{"name missing", `{"year":2026,"days":[{"date":"2026-01-01","isOffDay":true}]}`, "days[0].name", "missing"},
		{"name empty", `{"year":2026,"days":[` + day(`""`, `"2026-01-01"`, "true") + `]}`, "days[0].name", "empty"},
		{"name a number", `{"year":2026,"days":[` + day(`1`, `"2026-01-01"`, "true") + `]}`, "days[0].name", "want a string"},
		{"date missing", `{"year":2026,"days":[{"name":"元旦","isOffDay":true}]}`, "days[0].date", "missing"},
		{"date badly formed", `{"year":2026,"days":[` + day(`"元旦"`, `"2026-1-1"`, "true") + `]}`, "days[0].date", "not a date of the form YYYY-MM-DD"},
		{"date impossible", `{"year":2026,"days":[` + day(`"元旦"`, `"2026-02-29"`, "true") + `]}`, "days[0].date", "not a date in the calendar"},
		{"date a number", `{"year":2026,"days":[` + day(`"元旦"`, `20260101`, "true") + `]}`, "days[0].date", "want a string"},
		{"date in another year", `{"year":2026,"days":[` + day(`"元旦"`, `"2027-01-01"`, "true") + `]}`, "days[0].date", "outside the declared year 2026"},
		{"date two years back", `{"year":2026,"days":[` + day(`"元旦"`, `"2024-12-31"`, "true") + `]}`, "days[0].date", "outside the declared year"},
		{"date in November before", `{"year":2026,"days":[` + day(`"元旦"`, `"2025-11-30"`, "true") + `]}`, "days[0].date", "outside the declared year"},
		{"date twice", `{"year":2026,"days":[` + ok + `,` + day(`"元旦"`, `"2026-01-01"`, "false") + `]}`, "days[1].date", "listed twice, first at days[0]"},
		{"isOffDay missing", `{"year":2026,"days":[{"name":"元旦","date":"2026-01-01"}]}`, "days[0].isOffDay", "missing"},
		{"isOffDay a string", `{"year":2026,"days":[` + day(`"元旦"`, `"2026-01-01"`, `"true"`) + `]}`, "days[0].isOffDay", "want true or false"},
		{"isOffDay null", `{"year":2026,"days":[` + day(`"元旦"`, `"2026-01-01"`, `null`) + `]}`, "days[0].isOffDay", "want true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := workcal.ParseHolidays(strings.NewReader(tt.json))
			wantField(t, err, tt.field, tt.reason)
			if !strings.HasPrefix(err.Error(), "parse holidays: ") {
				t.Errorf("error %q lacks its context", err)
			}
		})
	}

	for bad, why := range map[string]string{
		``:                           "is not a JSON object: the file is empty",
		`nope`:                       "is not a JSON object: it is not valid JSON (at byte 2)",
		`[]`:                         "is not a JSON object: it is an array",
		`"2026"`:                     "is not a JSON object: it is a string",
		`2026`:                       "is not a JSON object: it is a number",
		`true`:                       "is not a JSON object: it is true or false",
		`null`:                       "is not a JSON object: null",
		`{"year":2026,"days":[]} {}`: "is not a JSON object: unexpected data after the JSON value",
		`{"year":2026,`:              "is not a JSON object: it is not valid JSON (it ends too early)",
		strings.Repeat(" ", 1<<20+1): "larger than",
	} {
		_, err := workcal.ParseHolidays(strings.NewReader(bad))
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid || !strings.Contains(ae.Message, why) {
			t.Errorf("ParseHolidays(%.20q) = %v, want an Invalid error that says %q", bad, err, why)
		}
	}

	// Every problem is reported, not just the first.
	_, err := workcal.ParseHolidays(strings.NewReader(`{"days":[{"name":"","date":"x"}]}`))
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) != 4 {
		t.Errorf("error %v, want four field errors (year, name, date, isOffDay)", err)
	}
}

func TestParseHolidaysAcceptsPreviousDecember(t *testing.T) {
	t.Parallel()
	y, err := workcal.ParseHolidays(strings.NewReader(`{"$schema":"x","year":2023,"days":[{"name":"元旦","date":"2022-12-31","isOffDay":true}],"extra":1}`))
	if err != nil {
		t.Fatal(err)
	}
	want := workcal.Year{Year: 2023, Days: []workcal.Override{{Name: "元旦", Date: date(t, "2022-12-31"), IsOffDay: true}}}
	if diff := cmp.Diff(want, y); diff != "" {
		t.Error(diff)
	}
}

// FuzzParseHolidays checks that the parser never panics, and that what it
// accepts obeys its own rules and survives a round trip through JSON.
func FuzzParseHolidays(f *testing.F) {
	f.Add([]byte(`{"year":2026,"papers":["p"],"days":[{"name":"元旦","date":"2026-01-01","isOffDay":true}]}`))
	f.Add([]byte(`{"year":2023,"days":[{"name":"元旦","date":"2022-12-31","isOffDay":true},{"name":"x","date":"2023-01-28","isOffDay":false}]}`))
	f.Add([]byte(`{"year":2026,"days":[{"name":"a","date":"2026-01-01","isOffDay":true},{"name":"b","date":"2026-01-01","isOffDay":false}]}`))
	f.Add([]byte(`{"year":"2026","days":null}`))
	if paths, _ := filepath.Glob(filepath.Join(sharedHolidays, "*.json")); len(paths) > 0 {
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		y, err := workcal.ParseHolidays(bytes.NewReader(data))
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
				t.Fatalf("refusal %v is not an Invalid apperr error", err)
			}
			return
		}
		seen := map[workcal.Date]bool{}
		for _, d := range y.Days {
			if !d.Date.Valid() || d.Name == "" || seen[d.Date] {
				t.Fatalf("accepted a bad or repeated day %+v", d)
			}
			if d.Date.Year != y.Year && !(d.Date.Year == y.Year-1 && d.Date.Month == 12) {
				t.Fatalf("accepted %s in a file for %d", d.Date, y.Year)
			}
			seen[d.Date] = true
		}
		again, err := json.Marshal(y)
		if err != nil {
			t.Fatal(err)
		}
		y2, err := workcal.ParseHolidays(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("re-parse of %s: %v", again, err)
		}
		if diff := cmp.Diff(y, y2); diff != "" {
			t.Fatalf("round trip changed the year:\n%s", diff)
		}
		if _, err := workcal.New(workcal.DefaultConfig().WithYears(y)); err != nil {
			t.Fatalf("a parsed year does not build a calendar: %v", err)
		}
	})
}

// FuzzParseDate checks ParseDate against time.Parse and the round trip.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-02-14", "2024-02-29", "2026-02-29", "0001-01-01", "9999-12-31", "2026-1-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := workcal.ParseDate(s)
		tm, terr := time.Parse("2006-01-02", s)
		if (err == nil) != (terr == nil && tm.Year() >= 1) {
			t.Fatalf("ParseDate(%q) err %v, time.Parse err %v", s, err, terr)
		}
		if err == nil && (d.String() != s || workcal.DateOf(tm) != d) {
			t.Fatalf("ParseDate(%q) = %v", s, d)
		}
	})
}
