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
	fRated                            // rated (by the reporter, or a center for them), once or again after a reopening
	fSatisfied                        // the latest rating is satisfied or basically satisfied
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

// NumMeasures is len(Measures()), for arrays of figures by measure.
const NumMeasures = numFlags

// Counter rows: for each measure, the event's region at every level and
// its lead department (as "dept:CODE"), × its category, its groups and
// "*", × the month and the day of its report. A week or any range of days
// is a sum of day rows; a department's events follow it when the event is
// returned and dispatched elsewhere.
const deptPrefix = "dept:"

// counterKeys are the owners, categories and periods an event counts under.
func counterKeys(regionPath, lead, categoryCode string, reported time.Time, loc *time.Location) (owners, categories, periods []string) {
	owners = strings.Split(strings.Trim(regionPath, "/"), "/")
	if lead != "" {
		owners = append(owners, deptPrefix+lead)
	}
	categories = []string{"*"}
	for i := 0; i < len(categoryCode); i++ {
		if categoryCode[i] == '.' {
			categories = append(categories, categoryCode[:i])
		}
	}
	categories = append(categories, categoryCode)
	local := reported.In(loc)
	return owners, categories, []string{local.Format("2006-01"), local.Format("2006-01-02")}
}

// buffer is where a transaction's counter moves gather: the open write's
// buffer, or one to flush at once.
func (s *Service) buffer(tx *sql.Tx) (counterBuf, bool) {
	v, _ := s.counters.Load(tx)
	switch b := v.(type) {
	case *counterBatch:
		return b.write, true
	case counterBuf:
		return b, true
	}
	return counterBuf{}, false
}

// count adds delta to every counter of the flags set in f.
func count(buf counterBuf, owners, cats, periods []string, f flags, delta int64) {
	for f != 0 {
		bit := bits.TrailingZeros32(uint32(f))
		f &^= 1 << bit
		for _, o := range owners {
			for _, c := range cats {
				for _, p := range periods {
					buf[counterKey{o, p, c, flagNames[bit]}] += delta
				}
			}
		}
	}
}

// moveCounters applies the difference between two sets of flags to the
// counters, inside the caller's transaction.
func (s *Service) moveCounters(ctx context.Context, tx *sql.Tx, e *Event, before, after flags) error {
	after = derive(after)
	e.measures = after
	if before == after {
		return nil
	}
	owners, cats, periods := counterKeys(e.regionPath, e.LeadDepartment, e.CategoryCode, e.CreatedAt, s.zone)
	buf, buffered := s.buffer(tx)
	count(buf, owners, cats, periods, after&^before, 1)
	count(buf, owners, cats, periods, before&^after, -1)
	if buffered {
		return nil
	}
	return s.flushCounters(ctx, tx, buf)
}

// moveDepartment moves an event's counted facts (as they were before the
// action) from its old lead department to its new one.
func (s *Service) moveDepartment(ctx context.Context, tx *sql.Tx, e *Event, oldLead string, facts flags) error {
	if oldLead == e.LeadDepartment || facts == 0 {
		return nil
	}
	_, cats, periods := counterKeys(e.regionPath, "", e.CategoryCode, e.CreatedAt, s.zone)
	buf, buffered := s.buffer(tx)
	if oldLead != "" {
		count(buf, []string{deptPrefix + oldLead}, cats, periods, facts, -1)
	}
	if e.LeadDepartment != "" {
		count(buf, []string{deptPrefix + e.LeadDepartment}, cats, periods, facts, 1)
	}
	if buffered {
		return nil
	}
	return s.flushCounters(ctx, tx, buf)
}
