package event

import (
	"context"
	"fmt"
	"time"
)

// FastCounts answers StatsFor from figures held in memory (the
// dashboards' event facts, kept current with every change heard), where
// the counters would be read from the database. It must count what the
// counters count: an event's current measures under its region path,
// category (and the groups above it) and report day in the same zone.
type FastCounts interface {
	// Zone is where its days begin; it is used only if it is the
	// counters' zone.
	Zone() *time.Location
	// RegionPath is the path of a region code, if known.
	RegionPath(code string) (path string, ok bool)
	// Counts sums the measures of the events under a region reported in
	// from..to (months YYYY-MM or days YYYY-MM-DD, inclusive) of a category
	// leaf, group or "*", by measure name. ok is false when it cannot
	// answer (not loaded yet, or the counters are faster).
	Counts(ctx context.Context, regionCode, from, to, category string) (counts map[string]int64, ok bool, err error)
}

// UseFastCounts makes StatsFor answer regions from f where it can (nil:
// always from the counters). f must begin its days in the counters' zone.
func (s *Service) UseFastCounts(f FastCounts) error {
	if f == nil {
		s.fast.Store(nil)
		return nil
	}
	if f.Zone().String() != s.zone.String() {
		return fmt.Errorf("event: fast counts begin days in %s, the counters in %s", f.Zone(), s.zone)
	}
	s.fast.Store(&f)
	return nil
}

func (s *Service) fastCounts() FastCounts {
	if f := s.fast.Load(); f != nil {
		return *f
	}
	return nil
}
