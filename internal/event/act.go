package event

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/plaintext"
	"github.com/gridgov/gridgov/internal/region"
)

// ActInput is one action on an event. Version is the version the actor
// saw; an event changed meanwhile refuses the action with a conflict.
type ActInput struct {
	Action  Action `json:"action"`
	Version int    `json:"version"`
	Note    string `json:"note"`
	// Dispatch: the lead department (default: the routing rules) and any
	// assisting ones (default, for a lead by the routing rules: the rule's;
	// an empty list given: none).
	Department string   `json:"department"`
	Assisting  []string `json:"assisting"`
	// Merge: the event this one repeats.
	DuplicateOf int64 `json:"duplicate_of"`
	// RequestExtension: how much more time.
	Extension *category.Amount `json:"extension"`
	// Rate: satisfied, basic or unsatisfied.
	Rating string `json:"rating"`
	// Supervise: yellow or red card, and the working days given.
	Card string `json:"card"`
}

var ratings = []string{"satisfied", "basic", "unsatisfied"}

// Act applies an action to an event for a principal.
func (s *Service) Act(ctx context.Context, p auth.Principal, id int64, in ActInput) (Event, error) {
	if err := checkInput(&in); err != nil {
		return Event{}, err
	}
	now := audit.Canonical(s.now())
	var e Event
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		e, err = s.actTx(ctx, tx, p, id, in, now)
		return err
	})
	if err != nil {
		return Event{}, err
	}
	s.published(ctx, e.regionPath)
	e.Actions = s.actions(ctx, s.db.Read(), &e, p, s.parties(ctx, p, &e))
	return e, nil
}

// checkInput checks what an action's input must hold whatever the event.
func checkInput(in *ActInput) error {
	in.Note = strings.TrimSpace(in.Note)
	var fs apperr.Fields
	plaintext.Check(&fs, "note", in.Note, 2000, false)
	if t, ok := machine[in.Action]; !ok {
		fs.Add("action", fmt.Sprintf("unknown action %q", in.Action))
	} else if t.note && in.Note == "" {
		fs.Add("note", fmt.Sprintf("say why (%s needs a note)", in.Action))
	}
	switch {
	case in.Version == 0:
		fs.Add("version", "give the version of the event you saw")
	case in.Version < 0:
		fs.Add("version", "must be a positive integer")
	}
	return fs.Err()
}

// actTx loads the event and applies the action inside tx, with its audit
// entry and the notification of whoever the action hands the event to.
func (s *Service) actTx(ctx context.Context, tx *sql.Tx, p auth.Principal, id int64, in ActInput, now time.Time) (Event, error) {
	e, err := s.loadEventTx(ctx, tx, id)
	if err != nil {
		return Event{}, err
	}
	parties := s.partiesTx(ctx, tx, p, &e)
	if len(parties) == 0 {
		return Event{}, apperr.New(apperr.NotFound, "event not found")
	}
	cat, err := s.cats.Get(ctx, e.CategoryCode)
	if err != nil {
		return Event{}, fmt.Errorf("category of event %s: %w", e.Code, err)
	}
	before := e
	if err := s.apply(ctx, tx, &e, p, parties, in, cat, now); err != nil {
		return e, err
	}
	if err := auditAction(ctx, tx, p, &before, &e, in.Action, now); err != nil {
		return e, err
	}
	return e, s.notifyHandover(ctx, tx, p, &before, &e, in.Action, now)
}

// querier reads inside a transaction or from the read pool.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// may checks that p, acting in the parties given, may take action a on e
// now: the machine's state and party, then the event's own rules (the lead
// department signs for it, returns it, feeds back and asks for time; the
// grid feeds back only on an event it handles itself; the reporter rates,
// once per closing; an extension is decided only while one waits; nothing
// escalates above the city). Only what the action's input must give (a
// note, a department, a rating) is left to apply. apply and the actions
// offered on an event both ask it, so that what is offered is exactly what
// would succeed.
func (s *Service) may(ctx context.Context, q querier, e *Event, p auth.Principal, parties []Party, a Action) (State, error) {
	to, err := next(a, e.State, parties)
	if errors.Is(err, errNotYours) {
		return "", apperr.New(apperr.Forbidden, "you may not %s this event", strings.ReplaceAll(string(a), "_", " "))
	}
	if err != nil {
		return "", &apperr.Error{Code: apperr.Conflict, Message: err.Error(), Fields: []apperr.FieldError{{Field: "action", Reason: err.Error()}}}
	}
	switch a {
	case Accept, Return:
		if e.LeadDepartment != p.User.ScopeDepartment {
			what := map[Action]string{Accept: "signs for", Return: "returns"}[a]
			return "", apperr.New(apperr.Forbidden, "only the lead department %s the event", what)
		}
	case Feedback, RequestExtension:
		// The lead department answers for a dispatched event, the grid for
		// one it handles itself.
		lead := slices.Contains(parties, Dept) && e.LeadDepartment == p.User.ScopeDepartment
		grid := slices.Contains(parties, Worker) && e.SelfHandled
		if !lead && !grid {
			return "", apperr.New(apperr.Forbidden, "only the lead department (or the grid, for an event it handles itself) may do this")
		}
	case ApproveExtension, RefuseExtension:
		if _, err := pendingExtension(ctx, q, e.ID); err != nil {
			return "", err
		}
	case Escalate:
		if lvl, err := region.ParseLevel(e.Level); err != nil || lvl <= region.City {
			return "", apperr.Field("action", "the event is already with the city center; dispatch it")
		}
	case Rate:
		if !slices.Contains(parties, Reporter) && !e.centerRates() {
			return "", apperr.New(apperr.Forbidden, "only the reporter rates a resident's report")
		}
		if e.Rating != "" {
			return "", apperr.New(apperr.Conflict, "the event was rated already (%s)", e.Rating)
		}
	}
	return to, nil
}

// actions lists what p may do on e now: every action may allows, and no
// other.
func (s *Service) actions(ctx context.Context, q querier, e *Event, p auth.Principal, parties []Party) []Action {
	out := []Action{}
	for _, a := range actionOrder {
		if !permits(a, e.State, parties) {
			continue
		}
		if _, err := s.may(ctx, q, e, p, parties, a); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// apply checks and performs one action inside tx.
func (s *Service) apply(ctx context.Context, tx *sql.Tx, e *Event, p auth.Principal, parties []Party, in ActInput, cat category.Category, now time.Time) error {
	if in.Version != e.Version {
		return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("event %s changed meanwhile (version %d, you saw %d); reload it", e.Code, e.Version, in.Version),
			Fields: []apperr.FieldError{{Field: "version", Reason: "is stale"}}}
	}
	from := e.State
	to, err := s.may(ctx, tx, e, p, parties, in.Action)
	if err != nil {
		return err
	}
	before, oldLead := e.measures, e.LeadDepartment
	detail := map[string]any{}
	dept := ""
	if slices.Contains(parties, Dept) {
		dept = p.User.ScopeDepartment
	}
	restart := to != from
	switch in.Action {
	case Register:
		e.measures |= fNeedDispose
	case Reject:
		e.measures |= fRejected
	case Merge:
		if err := s.merge(ctx, tx, p, e, in.DuplicateOf); err != nil {
			return err
		}
		detail["duplicate_of"] = in.DuplicateOf
		e.measures |= fDuplicate
	case SelfHandle:
		e.measures |= fNeedDispose | fSelfHandled
	case Dispatch:
		if err := s.dispatch(ctx, tx, p, e, in); err != nil {
			return err
		}
		detail["lead"], detail["assisting"] = e.LeadDepartment, e.Assisting
		e.measures |= fNeedDispose | fDispatched
	case Escalate:
		lvl, _ := region.ParseLevel(e.Level) // may checked it
		e.Level, e.RegionCode = holder(e.regionPath, lvl-1)
		detail["to_level"], detail["to_region"] = e.Level, e.RegionCode
		e.measures |= fEscalated | fNeedDispose
		restart = true
	case Accept:
		if e.StepDue == nil || !now.After(*e.StepDue) {
			e.measures |= fResponded
		}
		if _, err := tx.ExecContext(ctx, `UPDATE event_departments SET accepted_at = $1 WHERE event_id = $2 AND department = $3`, now, e.ID, dept); err != nil {
			return fmt.Errorf("accept: %w", err)
		}
	case Return:
		detail["department"] = e.LeadDepartment
		e.measures &^= fDispatched
	case RequestExtension:
		if in.Extension == nil {
			return apperr.Field("extension", "say how much more time: {\"amount\": 3, \"unit\": \"days\"}")
		}
		if err := checkAmount(*in.Extension); err != nil {
			return err
		}
		detail["extension"] = in.Extension
	case ApproveExtension, RefuseExtension:
		ext, err := pendingExtension(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		if in.Action == ApproveExtension {
			// A step without a time limit has no deadline to move.
			if e.StepDue != nil {
				due := s.addLimit(*e.StepDue, ext.Amount, ext.Unit)
				e.StepDue = &due
				detail["step_due"] = due
			}
			e.Extended = true
			e.measures |= fExtended
		}
	case Feedback:
		e.measures |= fDisposed
		if e.StepDue == nil || !now.After(*e.StepDue) {
			e.measures |= fDisposedOnTime
		}
	case Verify:
		e.ClosedAt = &now
		e.measures |= fClosed
		onTime, err := allStepsOnTime(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		if onTime && (e.StepDue == nil || !now.After(*e.StepDue)) {
			e.measures |= fClosedOnTime
		}
	case Rework:
		e.ReworkCount++
		e.measures |= fReworked
		e.measures &^= fDisposed | fDisposedOnTime
	case Rate:
		if !slices.Contains(ratings, in.Rating) {
			return apperr.Field("rating", "must be satisfied, basic or unsatisfied")
		}
		e.Rating = in.Rating
		detail["rating"] = in.Rating
		// A second rating, after a reopening, replaces the first in the
		// measures: one event, one rating, the latest.
		e.measures |= fRated
		e.measures &^= fSatisfied
		if in.Rating != "unsatisfied" {
			e.measures |= fSatisfied
		}
	case Reopen:
		// The reporter rates the event again when it is closed again; until
		// then the first rating stays counted, so that reopening an event
		// rated unsatisfied does not take it out of the satisfaction rate.
		e.ClosedAt, e.Rating = nil, ""
		e.measures &^= fClosed | fClosedOnTime | fDisposed | fDisposedOnTime
	case Park:
		e.measures |= fParked
	case Unpark:
		e.measures &^= fParked
	case Void:
		e.measures |= fVoided
	case Supervise:
		card := orDefault(in.Card, "yellow")
		if card != "yellow" && card != "red" {
			return apperr.Field("card", "must be yellow or red")
		}
		days := 2
		if card == "red" {
			days = 1
		}
		due := s.addLimit(now, float64(days), category.Days)
		e.Supervised, e.SuperviseDue = true, &due
		e.Warning = card
		detail["card"], detail["due"] = card, due
		e.measures |= fSupervised
	}
	// An event back with the center (returned, escalated, reopened,
	// unparked) or taken on by the grid is no department's any more: the
	// departments it had lose their part in it until it is dispatched
	// again; the history keeps who had it.
	if to == Registered || in.Action == SelfHandle {
		if err := s.release(ctx, tx, e); err != nil {
			return err
		}
		e.SelfHandled = in.Action == SelfHandle
	}
	// Leaving a timed step freezes whether it was on time.
	var step category.Step
	var onTime *bool
	if restart && e.Step != "" {
		step = e.Step
		ok := e.StepDue == nil || !now.After(*e.StepDue)
		onTime = &ok
		if !ok {
			e.measures |= fOverdue
		}
	}
	e.measures = derive(e.measures)
	e.State = to
	if restart {
		s.startStep(e, cat, now)
	}
	e.Version++
	e.UpdatedAt = now
	var dup any
	if e.DuplicateOf != nil {
		dup = *e.DuplicateOf
	}
	res, err := s.txExec(ctx, tx, `UPDATE events SET state=$1, level=$2, region_code=$3, lead_department=$4, duplicate_of=$5,
		self_handled=$6, supervised=$7, supervise_due=$8, step=$9, step_started_at=$10, step_due=$11, warning=$12, rework_count=$13,
		extended=$14, rating=$15, measures=$16, closed_at=$17, updated_at=$18, version=$19 WHERE id=$20 AND version=$21`,
		string(e.State), e.Level, e.RegionCode, e.LeadDepartment, dup, b2i(e.SelfHandled), b2i(e.Supervised), e.SuperviseDue, string(e.Step),
		e.StepStartedAt, e.StepDue, e.Warning, e.ReworkCount, b2i(e.Extended), e.Rating, int(e.measures), e.ClosedAt, now, e.Version, e.ID, e.Version-1)
	if err != nil {
		return fmt.Errorf("update event %s: %w", e.Code, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "event %s changed meanwhile; reload it", e.Code)
	}
	if err := s.record(ctx, tx, e, p, parties, string(in.Action), dept, from, in.Note, detail, step, onTime, now); err != nil {
		return err
	}
	if err := s.moveDepartment(ctx, tx, e, oldLead, before); err != nil {
		return err
	}
	return s.moveCounters(ctx, tx, e, before, e.measures)
}

// centerRates reports whether a center may record the rating of e. The
// reporter rates; a center rates in their stead (the call-back of hotline
// practice) only for a reporter who cannot rate in the resident app: a
// report with no account behind it (another system, a replayed history)
// or one not filed by a resident (a hotline call taken by staff, a
// worker's or a department's report). A resident's own report is theirs
// alone to rate, so that a center can neither take their say nor count a
// rating in the satisfaction measures that they never gave.
func (e *Event) centerRates() bool {
	return e.reporterID == nil || e.Source != FromResident
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func checkAmount(a category.Amount) error {
	switch {
	case a.Unit != category.Hours && a.Unit != category.Days:
		return apperr.Field("extension.unit", "must be hours or days")
	case a.Amount <= 0 || a.Amount > 365:
		return apperr.Field("extension.amount", "must be more than 0 and at most 365")
	case a.Unit == category.Days && a.Amount != float64(int(a.Amount)):
		return apperr.Field("extension.amount", "must be whole days")
	}
	return nil
}

// addLimit counts a limit from a moment in working time. Every deadline
// of an event is counted here; the calendar answers in its own zone, the
// event keeps (and stores, and shows) UTC.
func (s *Service) addLimit(from time.Time, amount float64, unit category.Unit) time.Time {
	if unit == category.Days {
		return audit.Canonical(s.cal().AddWorkingDays(from, int(amount)))
	}
	return audit.Canonical(s.cal().AddWorkingDuration(from, time.Duration(amount*float64(time.Hour))))
}

// startStep starts the timed step of the event's state, with the category's
// limit at the level that holds the event.
func (s *Service) startStep(e *Event, cat category.Category, now time.Time) {
	e.Step, e.StepStartedAt, e.StepDue = stepOf(e.State), nil, nil
	// A new step starts uncoloured; a supervision card stays until the end.
	if !e.Supervised {
		e.Warning = ""
	}
	if e.Step == "" {
		return
	}
	t := now
	e.StepStartedAt = &t
	lvl, _ := region.ParseLevel(e.Level)
	amount, unit := cat.Limit(e.Step, lvl)
	if amount <= 0 {
		return
	}
	due := s.addLimit(now, amount, unit)
	e.StepDue = &due
}

// dispatch gives e to its lead department and the assisting ones, named
// by the caller or chosen by the routing rules. Each must be one the
// caller may see by the department service's rule (of the caller's region
// or below, or a county's or the city's bureau above it); one of another
// county or township is not found, exactly as one that does not exist, so
// that a center can neither hand an event out of its area nor learn which
// departments exist there.
func (s *Service) dispatch(ctx context.Context, tx *sql.Tx, p auth.Principal, e *Event, in ActInput) error {
	lead, assisting := strings.TrimSpace(in.Department), in.Assisting
	routed := lead == ""
	if routed {
		r, ok, err := s.router.Route(ctx, e.CategoryCode, e.regionPath)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Field("department", "no routing rule covers this category here; choose the lead department")
		}
		// The rule chooses the lead; the assisting departments the caller
		// named, if any, stand instead of the rule's.
		lead = r.Lead
		if assisting == nil {
			assisting = r.Assisting
		}
	}
	all := append([]string{lead}, assisting...)
	for i, code := range all {
		field := "department"
		if i > 0 {
			field = fmt.Sprintf("assisting[%d]", i-1)
			if code == lead {
				how := ""
				if routed {
					how = " by the routing rules"
				}
				return apperr.Field(field, fmt.Sprintf("department %s is the lead department%s; it cannot also assist", code, how))
			}
		}
		d, err := department.Visible(ctx, tx, p, code)
		switch {
		case apperr.Is(err, apperr.NotFound):
			return apperr.Field(field, fmt.Sprintf("department %s not found", code))
		case err != nil:
			return fmt.Errorf("dispatch: %w", err)
		case !d.Active:
			return apperr.Field(field, fmt.Sprintf("department %s is inactive", code))
		}
		if slices.Contains(all[:i], code) {
			return apperr.Field(field, fmt.Sprintf("department %s is named twice", code))
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_departments WHERE event_id = $1`, e.ID); err != nil {
		return fmt.Errorf("dispatch: %w", err)
	}
	for i, code := range all {
		role := "assist"
		if i == 0 {
			role = "lead"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_departments (event_id, department, role) VALUES ($1, $2, $3)`, e.ID, code, role); err != nil {
			return fmt.Errorf("dispatch: %w", err)
		}
	}
	e.LeadDepartment, e.Assisting = lead, assisting
	return nil
}

// release takes e away from its departments.
func (s *Service) release(ctx context.Context, tx *sql.Tx, e *Event) error {
	if e.LeadDepartment == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_departments WHERE event_id = $1`, e.ID); err != nil {
		return fmt.Errorf("release event %s from its departments: %w", e.Code, err)
	}
	e.LeadDepartment, e.Assisting = "", nil
	return nil
}

// merge marks e a duplicate of target, an open event the center can see:
// one out of its sight is not found, as everywhere else.
func (s *Service) merge(ctx context.Context, tx *sql.Tx, p auth.Principal, e *Event, target int64) error {
	if target == 0 {
		return apperr.Field("duplicate_of", "name the event this one repeats")
	}
	if target == e.ID {
		return apperr.Field("duplicate_of", "an event cannot repeat itself")
	}
	o, err := loadEvent(ctx, tx, target)
	if apperr.Is(err, apperr.NotFound) || (err == nil && len(s.partiesTx(ctx, tx, p, &o)) == 0) {
		return apperr.Field("duplicate_of", fmt.Sprintf("event %d not found", target))
	}
	if err != nil {
		return err
	}
	if !o.State.Open() {
		return apperr.Field("duplicate_of", fmt.Sprintf("event %s is %s; merge into an open event", o.Code, o.State))
	}
	e.DuplicateOf = &o.ID
	return nil
}

// pendingExtension is the extension asked for and not yet decided.
func pendingExtension(ctx context.Context, q querier, id int64) (category.Amount, error) {
	var action, detail string
	err := q.QueryRowContext(ctx, `SELECT action, detail FROM event_actions WHERE event_id = $1
		AND action IN ('request_extension', 'approve_extension', 'refuse_extension') ORDER BY id DESC LIMIT 1`, id).Scan(&action, &detail)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && action != string(RequestExtension)) {
		return category.Amount{}, &apperr.Error{Code: apperr.Conflict, Message: "no extension is waiting for a decision",
			Fields: []apperr.FieldError{{Field: "action", Reason: "no extension was requested"}}}
	}
	if err != nil {
		return category.Amount{}, fmt.Errorf("extension: %w", err)
	}
	var d struct {
		Extension category.Amount `json:"extension"`
	}
	if err := json.Unmarshal([]byte(detail), &d); err != nil {
		return category.Amount{}, fmt.Errorf("extension: %w", err)
	}
	return d.Extension, nil
}

func allStepsOnTime(ctx context.Context, tx *sql.Tx, id int64) (bool, error) {
	var late int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_actions WHERE event_id = $1 AND step_on_time = 0`, id).Scan(&late)
	if err != nil {
		return false, fmt.Errorf("steps on time: %w", err)
	}
	return late == 0, nil
}

// record appends one line to the history.
func (s *Service) record(ctx context.Context, tx *sql.Tx, e *Event, p auth.Principal, parties []Party, action, dept string, from State,
	note string, detail map[string]any, step category.Step, onTime *bool, now time.Time) error {
	row, err := historyRow(e, p, parties, action, dept, from, note, detail, step, onTime, now)
	if err != nil {
		return err
	}
	if _, err := s.txExec(ctx, tx, insertHistory, append([]any{e.ID}, row...)...); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

// historyColumns are the columns of a history line after its event_id.
const historyColumns = `action, actor_id, actor_name, role, department, from_state, to_state, note, detail, step, step_on_time, at`

const insertHistory = `INSERT INTO event_actions (event_id, ` + historyColumns + `) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`

// historyRow is a history line's values in historyColumns' order.
func historyRow(e *Event, p auth.Principal, parties []Party, action, dept string, from State, note string, detail map[string]any,
	step category.Step, onTime *bool, now time.Time) ([]any, error) {
	b := []byte("{}")
	if len(detail) > 0 {
		var err error
		if b, err = json.Marshal(detail); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
	}
	var actor any
	if p.User.ID != 0 {
		actor = p.User.ID
	}
	role := string(p.User.Role)
	if len(parties) > 0 {
		role = string(parties[0])
	}
	var ot any
	if onTime != nil {
		ot = 0
		if *onTime {
			ot = 1
		}
	}
	name := p.User.DisplayName
	if name == "" {
		name = p.User.Username
	}
	return []any{action, actor, name, role, dept, string(from), string(e.State), note, string(b), string(step), ot, now}, nil
}

// parties are the capacities in which p may act on e.
func (s *Service) parties(ctx context.Context, p auth.Principal, e *Event) []Party {
	return s.partiesTx(ctx, s.db.Read(), p, e)
}

func (s *Service) partiesTx(ctx context.Context, q querier, p auth.Principal, e *Event) []Party {
	var out []Party
	scope := p.User.Scope()
	switch p.User.Role {
	case auth.RoleAdmin, auth.RoleCenter:
		// A center holds the event when its region is the holding region
		// or above; centers below may see it but not act as the center.
		if scope.Contains(pathOf(e.regionPath, e.RegionCode)) {
			out = append(out, Center)
		} else if scope.Contains(e.regionPath) {
			out = append(out, partyViewer)
		}
	case auth.RoleDepartment:
		if p.User.ScopeDepartment != "" {
			var n int
			_ = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_departments WHERE event_id = $1 AND department = $2`, e.ID, p.User.ScopeDepartment).Scan(&n)
			if n > 0 {
				out = append(out, Dept)
			}
		}
	case auth.RoleWorker:
		if !scope.IsAll() && scope.Contains(e.regionPath) {
			out = append(out, Worker)
		}
	case auth.RoleLeader:
		if scope.Contains(e.regionPath) {
			out = append(out, partyViewer)
		}
	}
	if e.reporterID != nil && p.User.ID != 0 && *e.reporterID == p.User.ID {
		out = append(out, Reporter)
	}
	return out
}

// partyViewer may read an event but takes no action on it.
const partyViewer Party = "viewer"

func partyOf(p auth.Principal, e Event) []Party {
	switch p.User.Role {
	case auth.RoleWorker:
		return []Party{Worker}
	case auth.RoleResident:
		return []Party{Reporter}
	case auth.RoleDepartment:
		return []Party{Dept}
	}
	return []Party{Center}
}

const eventColumns = `id, code, source, category_code, title, description, urgency, state, level, region_code, grid_code, region_path,
	lng, lat, address, reporter_id, reporter_name, reporter_phone_mask, lead_department, duplicate_of, self_handled, supervised,
	supervise_due, step, step_started_at, step_due, warning, rework_count, extended, rating, measures, token, created_at, updated_at,
	closed_at, version, occurred_at`

func scanEvent(row interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var src, urg, state, step string
	var lng, lat sql.NullFloat64
	var reporter, dup sql.NullInt64
	var superviseDue, started, due, closed, occurred sql.NullTime
	var measures int64
	err := row.Scan(&e.ID, &e.Code, &src, &e.CategoryCode, &e.Title, &e.Description, &urg, &state, &e.Level, &e.RegionCode, &e.GridCode,
		&e.regionPath, &lng, &lat, &e.Address, &reporter, &e.ReporterName, &e.ReporterPhone, &e.LeadDepartment, &dup, &e.SelfHandled,
		&e.Supervised, &superviseDue, &step, &started, &due, &e.Warning, &e.ReworkCount, &e.Extended, &e.Rating, &measures, &e.token,
		&e.CreatedAt, &e.UpdatedAt, &closed, &e.Version, &occurred)
	if err != nil {
		return Event{}, err
	}
	e.Source, e.Urgency, e.State, e.Step, e.measures = Source(src), category.Urgency(urg), State(state), category.Step(step), flags(measures)
	if lng.Valid && lat.Valid {
		e.Location = &orb.Point{lng.Float64, lat.Float64}
	}
	if reporter.Valid {
		e.reporterID = &reporter.Int64
	}
	if dup.Valid {
		e.DuplicateOf = &dup.Int64
	}
	e.SuperviseDue, e.StepStartedAt, e.StepDue, e.ClosedAt = timePtr(superviseDue), timePtr(started), timePtr(due), timePtr(closed)
	e.OccurredAt = timePtr(occurred)
	return e, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

// loadEventTx loads an event inside a write, through a prepared statement.
func (s *Service) loadEventTx(ctx context.Context, tx *sql.Tx, id int64) (Event, error) {
	e, err := scanEvent(s.txQueryRow(ctx, tx, `SELECT `+eventColumns+` FROM events WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, apperr.New(apperr.NotFound, "event not found")
	}
	if err != nil {
		return Event{}, fmt.Errorf("load event: %w", err)
	}
	return e, nil
}

func loadEvent(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, id int64) (Event, error) {
	e, err := scanEvent(q.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, apperr.New(apperr.NotFound, "event not found")
	}
	if err != nil {
		return Event{}, fmt.Errorf("load event: %w", err)
	}
	return e, nil
}
