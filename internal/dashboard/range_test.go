package dashboard

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Every day of a range is counted exactly once: by its month's row when
// the whole month (up to today) is in the range, else by its own row.
func TestSegmentsCoverTheRangeOnce(t *testing.T) {
	zone := time.FixedZone("CST", 8*3600)
	today := time.Date(2026, 11, 29, 0, 0, 0, 0, zone)
	s := New(Config{Zone: zone, Now: func() time.Time { return today.Add(10 * time.Hour) }})
	rapid.Check(t, func(t *rapid.T) {
		from := today.AddDate(0, 0, -rapid.IntRange(0, 800).Draw(t, "back"))
		to := from.AddDate(0, 0, rapid.IntRange(0, 365).Draw(t, "days"))
		if to.After(today) && rapid.Bool().Draw(t, "clip") {
			to = today
		}
		sg := s.segmentsOf(Range{From: from, To: to})
		seen := map[string]int{}
		for _, m := range sg.months {
			first, err := time.ParseInLocation("2006-01", m, zone)
			if err != nil {
				t.Fatalf("month %q", m)
			}
			for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
				if d.After(today) {
					break // no reports in the future
				}
				seen[d.Format(time.DateOnly)]++
			}
		}
		for _, r := range sg.dayRange {
			a, _ := time.ParseInLocation(time.DateOnly, r[0], zone)
			b, _ := time.ParseInLocation(time.DateOnly, r[1], zone)
			for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
				seen[d.Format(time.DateOnly)]++
			}
		}
		for d := from; !d.After(to) && !d.After(today); d = d.AddDate(0, 0, 1) {
			if seen[d.Format(time.DateOnly)] != 1 {
				t.Fatalf("%s counted %d times in %+v", d.Format(time.DateOnly), seen[d.Format(time.DateOnly)], sg)
			}
			delete(seen, d.Format(time.DateOnly))
		}
		for d := range seen {
			if d <= today.Format(time.DateOnly) {
				t.Fatalf("%s outside %s..%s counted", d, from.Format(time.DateOnly), to.Format(time.DateOnly))
			}
		}
	})
}

func TestParseRange(t *testing.T) {
	zone := time.FixedZone("CST", 8*3600)
	s := New(Config{Zone: zone, Now: func() time.Time { return time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC) }})
	for _, c := range []struct {
		from, to, want, field string
	}{
		{"", "", "2026-11-01..2026-11-29", ""},
		{"2026-01-01", "2026-01-31", "2026-01-01..2026-01-31", ""},
		{"2026-02-30", "", "", "from"},
		{"2026-01-01", "tomorrow", "", "to"},
		{"2026-03-01", "2026-02-28", "", "to"},
		{"2024-01-01", "2025-01-02", "", "to"},
	} {
		r, err := s.ParseRange(c.from, c.to)
		if c.field != "" {
			if err == nil || !fieldIs(err, c.field) {
				t.Errorf("ParseRange(%q, %q) = %v, want an error naming %s", c.from, c.to, err, c.field)
			}
			continue
		}
		if got := r.From.Format(time.DateOnly) + ".." + r.To.Format(time.DateOnly); err != nil || got != c.want {
			t.Errorf("ParseRange(%q, %q) = %s, %v; want %s", c.from, c.to, got, err, c.want)
		}
	}
}

func fieldIs(err error, field string) bool {
	e, ok := apperr.As(err)
	return ok && len(e.Fields) > 0 && e.Fields[0].Field == field
}

func TestStatsDays(t *testing.T) {
	day := func(s string) int32 {
		d, _ := time.Parse(time.DateOnly, s)
		return int32(d.Unix() / 86400)
	}
	for _, c := range []struct {
		from, to string
		lo, hi   string
		ok       bool
	}{
		{"2026-02", "2026-02", "2026-02-01", "2026-02-28", true},
		{"2024-02", "2024-03", "2024-02-01", "2024-03-31", true}, // a leap February
		{"2026-12", "2026-12", "2026-12-01", "2026-12-31", true},
		{"2026-11-29", "2026-11-29", "2026-11-29", "2026-11-29", true},
		{"2026-11-01", "2026-12-03", "2026-11-01", "2026-12-03", true},
		{"2026-13", "2026-13", "", "", false},
		{"2026-11", "2026-11-02", "", "", false},
	} {
		lo, hi, ok := statsDays(c.from, c.to)
		if ok != c.ok || ok && (lo != day(c.lo) || hi != day(c.hi)) {
			t.Errorf("statsDays(%s, %s) = %d, %d, %v; want %s, %s, %v", c.from, c.to, lo, hi, ok, c.lo, c.hi, c.ok)
		}
	}
}
