package dashboard

import (
	"context"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/event"
)

// scanLimit is how many events under a region the event service's
// measures of one category are summed from in memory; above it (a city's
// year) the counters are read, a few index seeks.
const scanLimit = 20000

// EventCounts answers the event service's measures of a region (GET
// /api/v1/stats/events) from the facts in memory: every category from the
// sums per day, one category from the events under the region.
func (s *Service) EventCounts() event.FastCounts { return eventCounts{s} }

type eventCounts struct{ s *Service }

func (c eventCounts) Zone() *time.Location { return c.s.cfg.Zone }

func (c eventCounts) RegionPath(code string) (string, bool) {
	n := c.s.loadedNode(code)
	if n == nil {
		return "", false
	}
	return n.Path, true
}

func (c eventCounts) Counts(ctx context.Context, code, from, to, category string) (map[string]int64, bool, error) {
	s := c.s
	n := s.loadedNode(code)
	if n == nil {
		return nil, false, nil
	}
	lo, hi, ok := statsDays(from, to)
	if !ok {
		return nil, false, nil
	}
	if err := s.syncEvents(ctx, n.Path); err != nil {
		return nil, false, err
	}
	st := s.events
	st.mu.RLock()
	defer st.mu.RUnlock()
	if category == "*" {
		return byMeasure(s.sumsOf(n).sumDays(lo, hi, nil)), true, nil
	}
	// One category: summed from the events under the region, unless there
	// are too many of them.
	leaves, ok := st.factsUnder(n.Path, scanLimit)
	if !ok {
		return nil, false, nil
	}
	one := eventSums{s: s, leaves: leaves}
	return byMeasure(one.sumDays(lo, hi, func(f fact) bool {
		c := st.name(f.category)
		return c == category || strings.HasPrefix(c, category) && c[len(category)] == '.'
	})), true, nil
}

// loadedNode is a region of the tree once Start has finished, else nil.
func (s *Service) loadedNode(code string) *node {
	select {
	case <-s.started:
	default:
		return nil
	}
	t := s.tree.Load()
	if t == nil {
		return nil
	}
	return t.byCode[code]
}

// statsDays are the day numbers of from..to: months YYYY-MM (from the
// first day of from to the last of to) or days YYYY-MM-DD.
func statsDays(from, to string) (int32, int32, bool) {
	layout := time.DateOnly
	if len(from) == len("2006-01") {
		layout = "2006-01"
	}
	f, err1 := time.Parse(layout, from)
	t, err2 := time.Parse(layout, to)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	if layout == "2006-01" {
		t = t.AddDate(0, 1, -1)
	}
	return int32(f.Unix() / 86400), int32(t.Unix() / 86400), true
}
