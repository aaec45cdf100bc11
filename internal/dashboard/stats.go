package dashboard

import (
	"context"
	"math/bits"
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
	var sum [numMeasures]int64
	sums := s.sumsOf(n)
	switch {
	case category == "*" && sums.days != nil:
		for d := lo; d <= hi; d++ {
			if f := sums.days[d]; f != nil {
				for i, v := range f.m {
					sum[i] += int64(v)
				}
			}
		}
	case n.Level < 5 && category == "*":
		// No event ever under the region.
	default:
		if sums.leaves == nil {
			pl, ph := pathRange(n.Path)
			held := 0
			for _, leaf := range st.leavesIn(pl, ph) {
				l := st.leaves[leaf]
				held += len(l)
				if held > scanLimit {
					return nil, false, nil
				}
				sums.leaves = append(sums.leaves, l)
			}
		}
		sums.each(lo, hi, func(f fact) {
			if c := st.name(f.category); category != "*" && c != category &&
				!(strings.HasPrefix(c, category) && c[len(category)] == '.') {
				return
			}
			for b := f.measures; b != 0; b &= b - 1 {
				if i := bits.TrailingZeros32(b); i < numMeasures {
					sum[i]++
				}
			}
		})
	}
	out := make(map[string]int64, numMeasures)
	for i, m := range event.Measures() {
		out[m] = sum[i]
	}
	return out, true, nil
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
