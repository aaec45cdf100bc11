package event

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/region"
)

// The deadline sweep watches the timed step of every open event. Within a
// step it raises, once each: the yellow card at the category's YellowAt
// share of the step's working time, the red card at its RedAt share (with
// the default 1.0: as soon as the deadline has passed) or when a
// supervision deadline (督办) lapses, and the overdue mark when the step's
// deadline has passed, which sets the overdue measure. Each raise bumps the
// event's version (so an action begun before it conflicts instead of
// overwriting it), appends a history line by "system" and yields a Warning
// to notify.
//
// Finding the events to look at uses two partial indexes (migration 00009)
// instead of events_due: step_due alone cannot say when a step turns yellow
// (that is a share of working time, with holidays), and "step_due < now"
// would re-read the whole overdue backlog every minute. Instead:
//   - next_warn_at is the next moment at which something may be raised for
//     the event (the yellow moment, then the red one, then the deadline);
//     a sweep reads only rows with next_warn_at < now.
//   - swept_version is the version the sweep last looked at; every action
//     bumps version, so "swept_version <> version" finds exactly the events
//     changed since (a new step, an extension, a supervision), whose
//     next_warn_at the sweep then works out afresh.

// Warning is one raise of the sweep, to be notified.
type Warning struct {
	EventID  int64  `json:"event_id"`
	Code     string `json:"code"`
	Title    string `json:"title"`
	Category string `json:"category_code"`
	State    State  `json:"state"`
	// Kind is the history action: warn_yellow, warn_red or step_overdue
	// (the deadline passed while the card stays yellow, when the category
	// gives the red card later than the deadline).
	Kind string `json:"kind"`
	// Level is the card of the step now (yellow or red); Overdue says the
	// step's deadline passed with this raise.
	Level   string `json:"level"`
	Overdue bool   `json:"overdue"`
	// Reason is what was crossed: yellow_at, red_at, step_due or
	// supervise_due.
	Reason        string        `json:"reason"`
	Step          category.Step `json:"step"`
	StepStartedAt time.Time     `json:"step_started_at"`
	StepDue       *time.Time    `json:"step_due,omitempty"`
	SuperviseDue  *time.Time    `json:"supervise_due,omitempty"`
	// Who is concerned: the center holding the event (its level and region
	// code), the lead department if the event is dispatched, and the grid.
	HolderLevel string `json:"holder_level"`
	Region      string `json:"region_code"`
	Department  string `json:"department,omitempty"`
	Grid        string `json:"grid_code"`
	// EscalatedTo is the region the event was escalated to by itself after
	// this raise (SweepOptions.Escalate), if it was.
	EscalatedTo string    `json:"escalated_to,omitempty"`
	At          time.Time `json:"at"`
}

// Sweep reports what a sweep did.
type Sweep struct {
	Checked   int `json:"checked"`   // events looked at
	Yellow    int `json:"yellow"`    // yellow cards raised
	Red       int `json:"red"`       // red cards raised
	Overdue   int `json:"overdue"`   // steps newly marked overdue
	Escalated int `json:"escalated"` // events escalated by themselves
	Conflicts int `json:"conflicts"` // events changed meanwhile, left to the next sweep
	// More is set when the sweep stopped after its batch limit with work
	// left; the next sweep continues.
	More     bool      `json:"more"`
	Warnings []Warning `json:"warnings"`
	paths    []string  // region paths of the events raised, for Changes
}

func (s *Sweep) add(b Sweep) {
	s.Checked += b.Checked
	s.Yellow += b.Yellow
	s.Red += b.Red
	s.Overdue += b.Overdue
	s.Escalated += b.Escalated
	s.Conflicts += b.Conflicts
	s.Warnings = append(s.Warnings, b.Warnings...)
}

// SweepOptions tune SweepDeadlinesWith.
type SweepOptions struct {
	// Limit is the number of events per transaction (default 500).
	Limit int
	// Escalate decides whether an event whose step just turned red
	// escalates one level (吹哨) by itself, through the state machine, as
	// "system". nil never escalates. This is the hook for auto-escalation
	// configured per category: a rule may read it from cat.
	Escalate func(e Event, cat category.Category) bool
	// Deliver runs inside each batch's transaction with the batch's
	// warnings, so that notifications are stored with the raises or not
	// at all; an error rolls the batch back.
	Deliver func(ctx context.Context, tx *sql.Tx, ws []Warning) error
}

// EscalateRedAtTownship is the escalation rule of --auto-escalate-red: an
// event a township center has registered but not dispatched in time goes
// up to the county.
func EscalateRedAtTownship(e Event, _ category.Category) bool {
	return e.State == Registered && e.Level == region.Township.String()
}

// maxSweepBatches bounds one call, so that a backlog (the first sweep after
// an upgrade, a long outage) is worked off over several runs.
const maxSweepBatches = 100

// SweepDeadlines raises the deadline warnings due at now, limit events per
// transaction; see SweepDeadlinesWith.
func (s *Service) SweepDeadlines(ctx context.Context, now time.Time, limit int) (Sweep, error) {
	return s.SweepDeadlinesWith(ctx, now, SweepOptions{Limit: limit})
}

// SweepDeadlinesWith raises the deadline warnings due at now, batch after
// batch until nothing is due (at most maxSweepBatches). Running it again
// with the same now changes nothing.
func (s *Service) SweepDeadlinesWith(ctx context.Context, now time.Time, opt SweepOptions) (Sweep, error) {
	now = audit.Canonical(now)
	if opt.Limit <= 0 {
		opt.Limit = 500
	}
	out := Sweep{Warnings: []Warning{}}
	for range maxSweepBatches {
		var b Sweep
		err := s.db.InTx(ctx, func(tx *sql.Tx) error {
			b = Sweep{}
			return s.sweepBatch(ctx, tx, now, opt, &b)
		})
		if err != nil {
			return out, fmt.Errorf("deadline sweep: %w", err)
		}
		if b.Yellow+b.Red+b.Overdue+b.Escalated > 0 {
			// Colours changed: the screens above those events refetch.
			s.published(ctx, b.paths...)
		}
		out.add(b)
		if b.Checked < opt.Limit {
			return out, nil
		}
	}
	out.More = true
	return out, nil
}

// sweepRow is an event with the sweep's own columns.
type sweepRow struct {
	Event
	warnStepAt   *time.Time // the step the memory below is about
	warnLevel    string     // card raised in that step
	warnOverdue  bool       // overdue marked in that step
	nextWarnAt   *time.Time
	sweptVersion int
}

// withExtra scans the event columns and then the extra ones.
type withExtra struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }

const sweepColumns = eventColumns + `, warn_step_at, warn_level, warn_overdue, next_warn_at, swept_version`

func (s *Service) sweepCandidates(ctx context.Context, tx *sql.Tx, now time.Time, limit int) ([]sweepRow, error) {
	var out []sweepRow
	seen := map[int64]bool{}
	read := func(query string, args ...any) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r sweepRow
			var stepAt, next sql.NullTime
			var overdue int
			e, err := scanEvent(withExtra{rows, []any{&stepAt, &r.warnLevel, &overdue, &next, &r.sweptVersion}})
			if err != nil {
				return err
			}
			if seen[e.ID] {
				continue
			}
			seen[e.ID] = true
			r.Event, r.warnStepAt, r.warnOverdue, r.nextWarnAt = e, timePtr(stepAt), overdue == 1, timePtr(next)
			out = append(out, r)
		}
		return rows.Err()
	}
	// Both queries match the predicates of the partial indexes
	// events_unswept and events_next_warn word for word.
	if err := read(`SELECT `+sweepColumns+` FROM events WHERE swept_version <> version ORDER BY id LIMIT $1`, limit); err != nil {
		return nil, fmt.Errorf("changed events: %w", err)
	}
	if n := limit - len(out); n > 0 {
		if err := read(`SELECT `+sweepColumns+` FROM events WHERE next_warn_at < $1 ORDER BY next_warn_at LIMIT $2`, now, n); err != nil {
			return nil, fmt.Errorf("events due: %w", err)
		}
	}
	return out, nil
}

func (s *Service) sweepBatch(ctx context.Context, tx *sql.Tx, now time.Time, opt SweepOptions, b *Sweep) error {
	rows, err := s.sweepCandidates(ctx, tx, now, opt.Limit)
	if err != nil {
		return err
	}
	cats := map[string]*category.Category{}
	for i := range rows {
		r := &rows[i]
		b.Checked++
		cat, ok := cats[r.CategoryCode]
		if !ok {
			c, err := s.cats.Get(ctx, r.CategoryCode)
			switch {
			case apperr.Is(err, apperr.NotFound):
				// An event outlives a removed category: default thresholds.
				s.log.LogAttrs(ctx, slog.LevelWarn, "deadline sweep: category not found", slog.String("event", r.Code),
					slog.String("category", r.CategoryCode))
				cat = &category.Category{Code: r.CategoryCode, YellowAt: category.DefaultYellowAt, RedAt: category.DefaultRedAt}
			case err != nil:
				return fmt.Errorf("category of event %s: %w", r.Code, err)
			default:
				cat = &c
			}
			cats[r.CategoryCode] = cat
		}
		raised := b.Yellow + b.Red + b.Overdue + b.Escalated
		if err := s.sweepOne(ctx, tx, r, *cat, now, opt, b); err != nil {
			return err
		}
		if b.Yellow+b.Red+b.Overdue+b.Escalated != raised {
			b.paths = append(b.paths, r.regionPath)
		}
	}
	if len(b.Warnings) > 0 && opt.Deliver != nil {
		if err := opt.Deliver(ctx, tx, b.Warnings); err != nil {
			return fmt.Errorf("deliver warnings: %w", err)
		}
	}
	return nil
}

// Card colours, in the order they rise.
func rank(card string) int {
	switch card {
	case "yellow":
		return 1
	case "red":
		return 2
	}
	return 0
}

// moments are the instants at which a step's warnings fall due; nil when
// the step has none.
type moments struct {
	start                    time.Time
	yellow, red, due, superv *time.Time
	yellowAt, redAt          float64
}

func (s *Service) stepMoments(e *Event, cat category.Category) (moments, bool) {
	if !e.State.Open() || e.Step == "" || e.StepStartedAt == nil {
		return moments{}, false
	}
	m := moments{start: *e.StepStartedAt, yellowAt: cat.YellowAt, redAt: cat.RedAt}
	if m.yellowAt <= 0 || m.yellowAt >= 1 {
		m.yellowAt = category.DefaultYellowAt
	}
	if m.redAt <= 0 {
		m.redAt = category.DefaultRedAt
	}
	if e.StepDue != nil {
		due := *e.StepDue
		m.due = &due
		m.yellow = s.shareMoment(m.start, due, m.yellowAt)
		if m.redAt != 1 {
			m.red = s.shareMoment(m.start, due, m.redAt)
		}
	}
	// A supervision deadline counts in the step during which it lapses.
	if e.Supervised && e.SuperviseDue != nil && !e.SuperviseDue.Before(m.start) {
		sd := *e.SuperviseDue
		m.superv = &sd
	}
	return m, true
}

// shareMoment is the first instant at which a share of the working time
// from start to due has elapsed.
func (s *Service) shareMoment(start, due time.Time, share float64) *time.Time {
	cal := s.cal() // one calendar for both counts
	total := cal.WorkingDuration(start, due)
	if total <= 0 {
		// No working time in the step: Progress jumps to 1 at due.
		t := due
		return &t
	}
	t := audit.Canonical(cal.AddWorkingDuration(start, time.Duration(math.Ceil(share*float64(total)))))
	return &t
}

// reached reports whether the share of the step's working time is used up
// at now: by Progress, or by the precomputed moment (which rounds up).
func (s *Service) reached(m moments, at *time.Time, share float64, now time.Time) bool {
	if at == nil || m.due == nil {
		return false
	}
	return !now.Before(*at) || s.cal().Progress(m.start, *m.due, now) >= share
}

// assess returns the card a step should show at now and why, and whether
// its deadline has passed.
func (s *Service) assess(m moments, now time.Time) (card, reason string, overdue bool) {
	overdue = m.due != nil && now.After(*m.due)
	switch {
	case m.redAt == 1 && overdue:
		card, reason = "red", "step_due"
	case m.redAt != 1 && s.reached(m, m.red, m.redAt, now):
		card, reason = "red", "red_at"
	case m.superv != nil && now.After(*m.superv):
		card, reason = "red", "supervise_due"
	case s.reached(m, m.yellow, m.yellowAt, now):
		card, reason = "yellow", "yellow_at"
	}
	return card, reason, overdue
}

// next is when to look at the step again: the earliest moment at which
// something not yet raised may be.
func (m moments) next(card string, overdue bool) *time.Time {
	var out *time.Time
	consider := func(t *time.Time) {
		if t != nil && (out == nil || t.Before(*out)) {
			out = t
		}
	}
	if rank(card) < 1 {
		consider(m.yellow)
	}
	if rank(card) < 2 {
		consider(m.red)
		consider(m.superv)
		if m.redAt == 1 {
			consider(m.due)
		}
	}
	if !overdue {
		consider(m.due)
	}
	return out
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// sweepOne raises what is due for one event, or only notes when to look
// at it again.
func (s *Service) sweepOne(ctx context.Context, tx *sql.Tx, r *sweepRow, cat category.Category, now time.Time, opt SweepOptions, b *Sweep) error {
	e := &r.Event
	m, timed := s.stepMoments(e, cat)
	// What was raised already in this step; a new step starts afresh.
	hadCard, hadOverdue := "", false
	if timed && r.warnStepAt != nil && r.warnStepAt.Equal(m.start) {
		hadCard, hadOverdue = r.warnLevel, r.warnOverdue
	}
	var card, reason string
	var overdue bool
	if timed {
		card, reason, overdue = s.assess(m, now)
	}
	newCard := rank(card) > rank(hadCard)
	newOverdue := overdue && !hadOverdue
	if !newCard {
		card = hadCard
	}
	next := m.next(card, overdue || hadOverdue)
	if !newCard && !newOverdue {
		if sameTime(next, r.nextWarnAt) && r.sweptVersion == e.Version {
			return nil
		}
		// Bookkeeping only: no version bump, so nobody's action conflicts
		// with it; a row changed meanwhile keeps its old swept_version
		// and is looked at again.
		if _, err := tx.ExecContext(ctx, `UPDATE events SET next_warn_at = $1, swept_version = version WHERE id = $2 AND version = $3`,
			next, e.ID, e.Version); err != nil {
			return fmt.Errorf("event %s: %w", e.Code, err)
		}
		return nil
	}

	before := e.measures
	if newOverdue {
		e.measures |= fOverdue
	}
	e.measures = derive(e.measures)
	if rank(card) > rank(e.Warning) {
		e.Warning = card
	}
	e.Version++
	e.UpdatedAt = now
	res, err := tx.ExecContext(ctx, `UPDATE events SET warning = $1, measures = $2, warn_step_at = $3, warn_level = $4, warn_overdue = $5,
		next_warn_at = $6, swept_version = $7, version = $7, updated_at = $8 WHERE id = $9 AND version = $10`,
		e.Warning, int(e.measures), m.start, card, b2i(overdue || hadOverdue), next, e.Version, now, e.ID, e.Version-1)
	if err != nil {
		return fmt.Errorf("event %s: %w", e.Code, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		// An action won the race; the event is looked at again afresh.
		b.Conflicts++
		return nil
	}

	kind := "step_overdue"
	switch {
	case newCard && card == "red":
		kind = "warn_red"
		b.Red++
	case newCard:
		kind = "warn_yellow"
		b.Yellow++
	}
	if newOverdue {
		b.Overdue++
		if !newCard {
			reason = "step_due"
		}
	}
	w := Warning{EventID: e.ID, Code: e.Code, Title: e.Title, Category: e.CategoryCode, State: e.State, Kind: kind, Level: card,
		Overdue: newOverdue, Reason: reason, Step: e.Step, StepStartedAt: m.start, StepDue: e.StepDue, SuperviseDue: m.superv,
		HolderLevel: e.Level, Region: e.RegionCode, Department: e.LeadDepartment, Grid: e.GridCode, At: now}
	detail := map[string]any{"card": card, "reason": reason, "step_started_at": m.start}
	if e.StepDue != nil {
		detail["step_due"] = *e.StepDue
	}
	if newOverdue {
		// The recount of the overdue measure from the history looks for this.
		detail["overdue"] = true
	}
	sys := auth.System("system")
	if err := s.record(ctx, tx, e, sys, []Party{partySystem}, kind, "", e.State, warningNote(w, m), detail, e.Step, nil, now); err != nil {
		return err
	}
	if err := s.moveCounters(ctx, tx, e, before, e.measures); err != nil {
		return err
	}

	if newCard && card == "red" && opt.Escalate != nil && opt.Escalate(*e, cat) {
		from, prior := e.RegionCode, *e
		in := ActInput{Action: Escalate, Version: e.Version, Note: fmt.Sprintf("escalated by itself: the %s step turned red at %s", e.Step, e.Level)}
		switch err := s.apply(ctx, tx, e, sys, []Party{Center}, in, cat, now); {
		case err == nil:
			if err := auditAction(ctx, tx, sys, &prior, e, Escalate, now); err != nil {
				return err
			}
			w.EscalatedTo = e.RegionCode
			b.Escalated++
			s.log.LogAttrs(ctx, slog.LevelInfo, "event escalated by its deadline", slog.String("event", e.Code),
				slog.String("from", from), slog.String("to", e.RegionCode))
		case apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Forbidden):
			// Refused before anything was written (already at the top,
			// say): the warning stands without the escalation.
			s.log.LogAttrs(ctx, slog.LevelWarn, "deadline escalation refused", slog.String("event", e.Code), slog.Any("err", err))
		default:
			return err
		}
	}
	b.Warnings = append(b.Warnings, w)
	return nil
}

// partySystem is the capacity in which the sweep writes history.
const partySystem Party = "system"

func warningNote(w Warning, m moments) string {
	switch {
	case w.Kind == "warn_yellow":
		return fmt.Sprintf("%s step: yellow card, %.0f%% of the time limit used", w.Step, 100*m.yellowAt)
	case w.Reason == "supervise_due":
		return fmt.Sprintf("%s step: red card, the supervision deadline has passed", w.Step)
	case w.Reason == "red_at":
		return fmt.Sprintf("%s step: red card, %.0f%% of the time limit used", w.Step, 100*m.redAt)
	case w.Kind == "warn_red":
		return fmt.Sprintf("%s step: red card, the time limit has run out", w.Step)
	}
	return fmt.Sprintf("%s step: the time limit has run out", w.Step)
}
