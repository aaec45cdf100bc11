package event

import (
	"context"
	"database/sql"
	"math/bits"
	"strings"
	"time"
)

// flags are the facts about one event that the measures count (GB/T
// 30428.4 practice): each is 0 or 1 per event, except reworks, counted
// separately. They are kept on the event, and every change of one moves the
// counters of every region above the event's grid, for the month of the
// report, under the event's category, each of its groups and "*".
type flags uint32

const (
	fReported       flags = 1 << iota // every event
	fNeedDispose                      // registered: the center took it on (应处置)
	fDispatched                       // sent to a department
	fResponded                        // the lead department signed for it in time (响应)
	fSelfHandled                      // handled in the grid without a department (网格自办)
	fDisposed                         // fed back as handled (已处置)
	fDisposedOnTime                   // ... within the handling limit
	fClosed                           // verified and closed (结案)
	fClosedOnTime                     // ... with every step on time
	fOverdue                          // a step ran over its limit
	fExtended                         // an extension was granted (延期)
	fReworked                         // sent back at least once (返工)
	fParked                           // parked now (挂账): out of the disposal measures
	fRated                            // rated by the reporter
	fSatisfied                        // rated satisfied or basically satisfied
	fRejected                         // not registered
	fDuplicate                        // merged into another event
	fVoided                           // voided
	fEscalated                        // escalated at least once (吹哨)
	fSupervised                       // supervised (督办)
	// Derived from the others by derive, so that the rates need no
	// intersections of counters.
	fShouldClose // 应结案: registered, disposed or overdue, and not parked, voided, merged or rejected
	fDisposeBase // 应处置 without the parked, voided and merged
	fSelfClosed  // closed and self-handled
	numFlags     = iota
)

var flagNames = [numFlags]string{
	"reported", "need_dispose", "dispatched", "responded", "self_handled", "disposed", "disposed_on_time",
	"closed", "closed_on_time", "overdue", "extended", "reworked", "parked", "rated", "satisfied",
	"rejected", "duplicate", "voided", "escalated", "supervised", "should_close", "dispose_base", "self_closed",
}

// derive sets the derived flags from the others.
func derive(f flags) flags {
	f &^= fShouldClose | fDisposeBase | fSelfClosed
	out := f&(fParked|fVoided|fDuplicate|fRejected) != 0
	if f&(fDisposed|fOverdue|fClosed) != 0 && f&fNeedDispose != 0 && !out {
		f |= fShouldClose
	}
	if f&fNeedDispose != 0 && !out {
		f |= fDisposeBase
	}
	if f&(fClosed|fSelfHandled) == fClosed|fSelfHandled {
		f |= fSelfClosed
	}
	return f
}

// Measures names every counted fact, in order.
func Measures() []string { return flagNames[:] }

// counterKeys are the counter rows an event moves: its region at every
// level × its category, its groups and "*".
func counterKeys(regionPath, categoryCode string, reported time.Time, loc *time.Location) (regions, categories []string, month string) {
	regions = strings.Split(strings.Trim(regionPath, "/"), "/")
	categories = []string{"*"}
	for i := 0; i < len(categoryCode); i++ {
		if categoryCode[i] == '.' {
			categories = append(categories, categoryCode[:i])
		}
	}
	categories = append(categories, categoryCode)
	return regions, categories, reported.In(loc).Format("2006-01")
}

// moveCounters applies the difference between two sets of flags to the
// counters, inside the caller's transaction.
func (s *Service) moveCounters(ctx context.Context, tx *sql.Tx, e *Event, before, after flags) error {
	after = derive(after)
	e.measures = after
	changed := before ^ after
	if changed == 0 {
		return nil
	}
	regions, cats, month := counterKeys(e.regionPath, e.CategoryCode, e.CreatedAt, s.zone)
	buf, buffered := s.counters.Load(tx)
	direct := counterBuf{}
	if buffered {
		direct = buf.(counterBuf)
	}
	for changed != 0 {
		bit := bits.TrailingZeros32(uint32(changed))
		changed &^= 1 << bit
		delta := int64(1)
		if before&(1<<bit) != 0 {
			delta = -1
		}
		for _, r := range regions {
			for _, c := range cats {
				direct[counterKey{r, month, c, flagNames[bit]}] += delta
			}
		}
	}
	if buffered {
		return nil
	}
	return s.flushCounters(ctx, tx, direct)
}
