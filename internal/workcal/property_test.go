package workcal_test

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gridgov/gridgov/internal/workcal"
)

// genCalendar draws either the default calendar or a random one: one to
// four periods (sometimes touching), any weekend but a full week, up to 80
// overrides in 2024–2026, and zones without summer time (the package counts
// on the wall clock; see the package comment).
func genCalendar(t *rapid.T) *workcal.Calendar {
	if rapid.Bool().Draw(t, "default") {
		return workcal.Default()
	}
	n := rapid.IntRange(1, 4).Draw(t, "periods")
	marks := rapid.SliceOfNDistinct(rapid.IntRange(0, 24*60), 2*n, 2*n, rapid.ID[int]).Draw(t, "marks")
	slices.Sort(marks)
	touching := rapid.Bool().Draw(t, "touching")
	var periods []workcal.Period
	for i := 0; i < n; i++ {
		p := workcal.Period{Start: workcal.TimeOfDay(marks[2*i] * 60), End: workcal.TimeOfDay(marks[2*i+1] * 60)}
		if touching && i > 0 {
			p.Start = periods[i-1].End
		}
		periods = append(periods, p)
	}
	days := rapid.SliceOfNDistinct(rapid.IntRange(0, 6), 0, 6, rapid.ID[int]).Draw(t, "weekend")
	weekend := make([]time.Weekday, len(days))
	for i, d := range days {
		weekend[i] = time.Weekday(d)
	}
	first := workcal.Date{Year: 2024, Month: 1, Day: 1}
	offsets := rapid.SliceOfNDistinct(rapid.IntRange(0, 3*366), 0, 80, rapid.ID[int]).Draw(t, "override days")
	var overrides []workcal.Override
	for _, o := range offsets {
		overrides = append(overrides, workcal.Override{Name: "x", Date: first.AddDays(o), IsOffDay: rapid.Bool().Draw(t, "off")})
	}
	cfg := workcal.Config{
		TimeZone:  rapid.SampledFrom([]string{"Asia/Shanghai", "UTC", "Asia/Kolkata", "Asia/Kathmandu"}).Draw(t, "zone"),
		Periods:   periods,
		Weekend:   weekend,
		Overrides: overrides,
	}
	c, err := workcal.New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return c
}

// genInstant draws an instant from mid-2022 to mid-2028, around and beyond
// the overridden years, often at or next to a period boundary.
func genInstant(t *rapid.T, c *workcal.Calendar, label string) time.Time {
	day := time.Date(2022, 6, 1, 0, 0, 0, 0, c.Location()).AddDate(0, 0, rapid.IntRange(0, 6*365).Draw(t, label+" day"))
	var ns int64
	if rapid.Bool().Draw(t, label+" at a boundary") {
		var marks []int64
		for _, p := range c.Config().Periods {
			marks = append(marks, int64(p.Start), int64(p.End))
		}
		mark := rapid.SampledFrom(marks).Draw(t, label+" boundary") * int64(time.Second)
		ns = mark + rapid.SampledFrom([]int64{-1, 0, 0, 1, int64(time.Second)}).Draw(t, label+" nudge")
	} else {
		ns = rapid.Int64Range(0, 24*int64(time.Hour)-1).Draw(t, label+" time")
	}
	y, m, d := day.Date()
	return time.Date(y, m, d, 0, 0, 0, int(ns), c.Location())
}

// genDuration draws working durations up to 300 working days either way,
// often whole days or whole periods.
func genDuration(t *rapid.T, c *workcal.Calendar, label string) time.Duration {
	per := c.WorkdayLength()
	switch rapid.IntRange(0, 3).Draw(t, label+" kind") {
	case 0:
		return time.Duration(rapid.IntRange(-300, 300).Draw(t, label+" days")) * per
	case 1:
		ps := c.Config().Periods
		p := rapid.SampledFrom(ps).Draw(t, label+" period")
		return time.Duration(p.End-p.Start) * time.Second * time.Duration(rapid.IntRange(-3, 3).Draw(t, label+" periods"))
	case 2:
		return time.Duration(rapid.Int64Range(-int64(2*per), int64(2*per)).Draw(t, label+" short"))
	default:
		return time.Duration(rapid.Int64Range(-300*int64(per), 300*int64(per)).Draw(t, label+" long"))
	}
}

func TestPropertyAddInvertsWorkingDuration(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		c := genCalendar(t)
		start := genInstant(t, c, "start")
		d := genDuration(t, c, "d")
		end := c.AddWorkingDuration(start, d)
		if got := c.WorkingDuration(start, end); got != d {
			t.Fatalf("WorkingDuration(%s, AddWorkingDuration(start, %v) = %s) = %v", start, d, end, got)
		}
		if (d > 0 && end.Before(start)) || (d < 0 && end.After(start)) {
			t.Fatalf("AddWorkingDuration(%s, %v) = %s goes the wrong way", start, d, end)
		}
	})
}

func TestPropertyMatchesNaive(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		c := genCalendar(t)
		n := newNaive(c)
		a, b := genInstant(t, c, "a"), genInstant(t, c, "b")
		if got, want := c.WorkingDuration(a, b), n.workingDuration(a, b); got != want {
			t.Fatalf("WorkingDuration(%s, %s) = %v, naive %v", a, b, got, want)
		}
		if d := genDuration(t, c, "d"); d > 0 {
			if got, want := c.AddWorkingDuration(a, d), n.add(a, d); !got.Equal(want) {
				t.Fatalf("AddWorkingDuration(%s, %v) = %s, naive %s", a, d, got, want)
			}
		}
		day := n.dateOf(a).AddDays(rapid.IntRange(-4000, 4000).Draw(t, "far day"))
		if got, want := c.IsWorkday(day), n.isWorkday(day); got != want {
			t.Fatalf("IsWorkday(%s) = %v, naive %v", day, got, want)
		}
	})
}

func TestPropertyAdditive(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		c := genCalendar(t)
		a, b, x := genInstant(t, c, "a"), genInstant(t, c, "b"), genInstant(t, c, "x")
		if ab, bx, ax := c.WorkingDuration(a, b), c.WorkingDuration(b, x), c.WorkingDuration(a, x); ab+bx != ax {
			t.Fatalf("WorkingDuration: %v + %v != %v for %s, %s, %s", ab, bx, ax, a, b, x)
		}
	})
}

func TestPropertyMonotonic(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		c := genCalendar(t)
		a, b := genInstant(t, c, "a"), genInstant(t, c, "b")
		if b.Before(a) {
			a, b = b, a
		}
		x := genInstant(t, c, "x")
		if c.WorkingDuration(x, a) > c.WorkingDuration(x, b) {
			t.Fatalf("WorkingDuration(x, ·) decreases from %s to %s", a, b)
		}
		d1, d2 := genDuration(t, c, "d1"), genDuration(t, c, "d2")
		if d2 < d1 {
			d1, d2 = d2, d1
		}
		if c.AddWorkingDuration(x, d1).After(c.AddWorkingDuration(x, d2)) {
			t.Fatalf("AddWorkingDuration(%s, ·) decreases from %v to %v", x, d1, d2)
		}
		if d1 != 0 && c.AddWorkingDuration(a, d1).After(c.AddWorkingDuration(b, d1)) {
			t.Fatalf("AddWorkingDuration(·, %v) decreases from %s to %s", d1, a, b)
		}
	})
}

// TestPropertyLandsInWorkingTime: a deadline is the end of counted working
// time, so it lies in (start, end] of a period of a working day, and one
// nanosecond earlier the duration is not yet used up.
func TestPropertyLandsInWorkingTime(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		c := genCalendar(t)
		start := genInstant(t, c, "start")
		d := genDuration(t, c, "d")
		if d <= 0 {
			d = -d + 1
		}
		end := c.AddWorkingDuration(start, d)
		if !c.IsWorkday(c.DateOf(end)) && !c.IsWorkday(c.DateOf(end.Add(-time.Nanosecond))) {
			t.Fatalf("AddWorkingDuration(%s, %v) = %s, not on a working day", start, d, end)
		}
		if !c.IsWorkingTime(end.Add(-time.Nanosecond)) {
			t.Fatalf("AddWorkingDuration(%s, %v) = %s, not at or inside a working period", start, d, end)
		}
		if got := c.WorkingDuration(start, end.Add(-time.Nanosecond)); got != d-time.Nanosecond {
			t.Fatalf("one nanosecond before %s already %v of %v elapsed", end, got, d)
		}
	})
}

func TestPropertyAddWorkingDays(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		c := genCalendar(t)
		n := newNaive(c)
		start := genInstant(t, c, "start")
		k := rapid.IntRange(-40, 40).Draw(t, "n")
		end := c.AddWorkingDays(start, k)
		from, to := c.DateOf(start), c.DateOf(end.Add(-time.Nanosecond))
		if !c.IsWorkday(to) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, not the close of a working day", start, k, end)
		}
		periods := c.Config().Periods
		if close := periods[len(periods)-1].End; workcal.Clock(end.Add(-time.Nanosecond).Clock())+1 != close {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, not at the close of work %s", start, k, end, close)
		}
		switch {
		case k > 0:
			if got := n.workdaysBetween(from, to); got != k {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, %d working days after %s", start, k, end, got, from)
			}
		case k == 0:
			if got := n.workdaysBetween(from.AddDays(-1), to); got != 1 {
				t.Fatalf("AddWorkingDays(%s, 0) = %s, not the first working day from %s", start, end, from)
			}
		default:
			if got := n.workdaysBetween(to.AddDays(-1), from.AddDays(-1)); got != -k {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, %d working days before %s", start, k, end, got, from)
			}
		}
	})
}
