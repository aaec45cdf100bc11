package workcal_test

import (
	"time"

	"github.com/gridgov/gridgov/internal/workcal"
)

// naive answers the same questions as workcal.Calendar the obvious way:
// walking the calendar day by day and intersecting instants. It is the
// oracle of the property tests and the peer of the benchmarks. It shares
// nothing with the package but the Config.
type naive struct {
	loc     *time.Location
	periods []workcal.Period
	weekend map[time.Weekday]bool
	workday map[workcal.Date]bool // overrides
}

func newNaive(c *workcal.Calendar) *naive {
	cfg := c.Config()
	n := &naive{
		loc:     c.Location(),
		periods: cfg.Periods,
		weekend: map[time.Weekday]bool{},
		workday: map[workcal.Date]bool{},
	}
	for _, w := range cfg.Weekend {
		n.weekend[w] = true
	}
	for _, o := range cfg.Overrides {
		n.workday[o.Date] = !o.IsOffDay
	}
	return n
}

func (n *naive) dateOf(t time.Time) workcal.Date { return workcal.DateOf(t.In(n.loc)) }

func (n *naive) isWorkday(d workcal.Date) bool {
	if w, ok := n.workday[d]; ok {
		return w
	}
	return !n.weekend[time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()]
}

// spans returns the working periods of d as instants.
func (n *naive) spans(d workcal.Date) [][2]time.Time {
	if !n.isWorkday(d) {
		return nil
	}
	out := make([][2]time.Time, len(n.periods))
	for i, p := range n.periods {
		out[i] = [2]time.Time{
			time.Date(d.Year, d.Month, d.Day, 0, 0, int(p.Start), 0, n.loc),
			time.Date(d.Year, d.Month, d.Day, 0, 0, int(p.End), 0, n.loc),
		}
	}
	return out
}

func (n *naive) workingDuration(from, to time.Time) time.Duration {
	if to.Before(from) {
		return -n.workingDuration(to, from)
	}
	var sum time.Duration
	last := n.dateOf(to).AddDays(1)
	for d := n.dateOf(from).AddDays(-1); d.Compare(last) <= 0; d = d.AddDays(1) {
		for _, s := range n.spans(d) {
			lo, hi := s[0], s[1]
			if lo.Before(from) {
				lo = from
			}
			if hi.After(to) {
				hi = to
			}
			if hi.After(lo) {
				sum += hi.Sub(lo)
			}
		}
	}
	return sum
}

// add handles d > 0 only.
func (n *naive) add(start time.Time, d time.Duration) time.Time {
	for day := n.dateOf(start).AddDays(-1); ; day = day.AddDays(1) {
		for _, s := range n.spans(day) {
			lo, hi := s[0], s[1]
			if lo.Before(start) {
				lo = start
			}
			if !hi.After(lo) {
				continue
			}
			if avail := hi.Sub(lo); d <= avail {
				return lo.Add(d)
			} else {
				d -= avail
			}
		}
	}
}

// workdaysBetween counts working days in (a, b].
func (n *naive) workdaysBetween(a, b workcal.Date) int {
	k := 0
	for d := a.AddDays(1); d.Compare(b) <= 0; d = d.AddDays(1) {
		if n.isWorkday(d) {
			k++
		}
	}
	return k
}
