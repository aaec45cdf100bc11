package event

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/region"
)

// Detail is an event with its history.
type Detail struct {
	Event
	History []Entry `json:"history"`
	// Followers counts the residents following the event (the resident
	// app offers following instead of reporting it again).
	Followers int `json:"followers"`
}

// Get returns an event the caller may see, with its history.
func (s *Service) Get(ctx context.Context, p auth.Principal, id int64) (Detail, error) {
	e, err := loadEvent(ctx, s.db.Read(), id)
	if err != nil {
		return Detail{}, err
	}
	parties := s.parties(ctx, p, &e)
	if len(parties) == 0 {
		return Detail{}, apperr.New(apperr.NotFound, "event not found")
	}
	e.Actions = s.actions(ctx, s.db.Read(), &e, p, parties)
	// A reporter who is not also staff on it reads the history as told to
	// the reporter.
	reporterOnly := !slices.ContainsFunc(parties, func(p Party) bool { return p != Reporter })
	s.warn(&e)
	d := Detail{Event: e, History: []Entry{}}
	if err := s.db.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM event_follows WHERE event_id = $1`, id).Scan(&d.Followers); err != nil {
		return Detail{}, fmt.Errorf("event followers: %w", err)
	}
	if e.LeadDepartment != "" {
		assisting, err := assistingOf(ctx, s.db.Read(), id)
		if err != nil {
			return Detail{}, err
		}
		d.Assisting = assisting
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, action, actor_name, role, department, from_state, to_state, note, detail, step,
		step_on_time, at FROM event_actions WHERE event_id = $1 ORDER BY id`, id)
	if err != nil {
		return Detail{}, fmt.Errorf("event history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var en Entry
		var from, to, detail, step string
		var onTime sql.NullInt64
		if err := rows.Scan(&en.ID, &en.Action, &en.ActorName, &en.Role, &en.Department, &from, &to, &en.Note, &detail, &step, &onTime, &en.At); err != nil {
			return Detail{}, fmt.Errorf("event history: %w", err)
		}
		en.From, en.To, en.Step = State(from), State(to), category.Step(step)
		if onTime.Valid {
			ok := onTime.Int64 == 1
			en.StepOnTime = &ok
		}
		if detail != "{}" {
			_ = json.Unmarshal([]byte(detail), &en.Detail)
		}
		if reporterOnly && !forReporter(&en) {
			continue
		}
		d.History = append(d.History, en)
	}
	return d, rows.Err()
}

// forReporter cuts a history line down to what its reporter is told, as the
// resident's timeline does: no internal comments, notes only where they
// are written for the reporter, and the names of the staff who acted left
// out. It reports whether the line is shown at all.
func forReporter(en *Entry) bool {
	if en.Action == string(Comment) {
		return false
	}
	if !slices.Contains(publicNotes, Action(en.Action)) {
		en.Note, en.Detail = "", nil
	}
	if en.Role != string(Reporter) {
		en.ActorName = ""
	}
	return true
}

// warn shows an open step past its deadline as red at once; the deadline
// sweep (deadlines.go) stores the yellow and red warnings by the category's
// thresholds, which is what the event carries otherwise.
func (s *Service) warn(e *Event) {
	if e.StepDue != nil && e.State.Open() && s.now().After(*e.StepDue) {
		e.Warning = "red"
	}
}

// Query filters a list of events.
type Query struct {
	// Queue picks a work queue: to_register, to_dispatch, to_accept,
	// handling, to_verify, overdue, supervised, mine (reported by the
	// caller); empty for all.
	Queue      string `json:"queue"`
	State      State  `json:"state"`
	Category   string `json:"category"`
	Region     string `json:"region"`
	Department string `json:"department"`
	Text       string `json:"q"`
	After      int64  `json:"after"`
	Limit      int    `json:"limit"`
}

// Page is one page of events, newest first; NextAfter continues it.
type Page struct {
	Items     []Event `json:"items"`
	NextAfter int64   `json:"next_after,omitempty"`
}

var queues = map[string]string{
	"to_register": "state = 'reported'",
	"to_dispatch": "state = 'registered'",
	"to_accept":   "state = 'dispatched'",
	"handling":    "state = 'handling'",
	"to_verify":   "state = 'handled'",
	"overdue":     "state NOT IN ('closed', 'rejected', 'duplicate', 'voided', 'parked') AND step_due < $NOW",
	"supervised":  "supervised = 1 AND state NOT IN ('closed', 'rejected', 'duplicate', 'voided')",
	"parked":      "state = 'parked'",
	"closed":      "state = 'closed'",
}

// List returns the events the caller may see, filtered.
func (s *Service) List(ctx context.Context, p auth.Principal, q Query) (Page, error) {
	var fs apperr.Fields
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q.Queue != "" {
		cond, ok := queues[q.Queue]
		switch {
		case q.Queue == "mine":
			where = append(where, "reporter_id = "+arg(p.User.ID))
		case !ok:
			fs.Add("queue", "must be one of to_register, to_dispatch, to_accept, handling, to_verify, overdue, supervised, parked, closed, mine")
		case strings.Contains(cond, "$NOW"):
			where = append(where, strings.ReplaceAll(cond, "$NOW", arg(s.now().UTC())))
		default:
			where = append(where, cond)
		}
	}
	if q.State != "" {
		if _, ok := stateNames[q.State]; !ok {
			fs.Add("state", fmt.Sprintf("unknown state %q", q.State))
		}
		where = append(where, "state = "+arg(string(q.State)))
	}
	if q.Category != "" {
		where = append(where, "(category_code = "+arg(q.Category)+" OR category_code LIKE "+arg(q.Category+".%")+")")
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 200)
	scope := p.User.Scope()
	if q.Region != "" {
		r, err := region.Lookup(ctx, s.db.Read(), q.Region)
		if apperr.Is(err, apperr.NotFound) || (err == nil && !scope.Contains(r.Path) && !strings.HasPrefix(scope.Path(), r.Path)) {
			fs.Add("region", fmt.Sprintf("region %s not found", q.Region))
		} else if err != nil {
			return Page{}, err
		} else {
			scope = scope.Narrow(r.Path)
		}
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		if len([]rune(t)) > 50 {
			fs.Add("q", "must be at most 50 characters")
		}
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(t) + "%"
		where = append(where, "(title LIKE "+arg(like)+" ESCAPE '\\' OR code = "+arg(t)+")")
	}
	if err := fs.Err(); err != nil {
		return Page{}, err
	}
	switch p.User.Role {
	case auth.RoleDepartment:
		dept := p.User.ScopeDepartment
		if q.Department != "" && q.Department != dept {
			return Page{}, apperr.Field("department", "you see your own department's events only")
		}
		where = append(where, "id IN (SELECT event_id FROM event_departments WHERE department = "+arg(dept)+")")
	case auth.RoleResident:
		where = append(where, "reporter_id = "+arg(p.User.ID))
	default:
		if !scope.IsAll() {
			lo, hi := scope.Range()
			where = append(where, "region_path >= "+arg(lo)+" AND region_path < "+arg(hi))
		}
		if q.Department != "" {
			where = append(where, "id IN (SELECT event_id FROM event_departments WHERE department = "+arg(q.Department)+")")
		}
	}
	if q.After > 0 {
		where = append(where, "id < "+arg(q.After))
	}
	query := `SELECT ` + eventColumns + ` FROM events`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY id DESC LIMIT ` + arg(q.Limit+1)
	rows, err := s.db.Read().QueryContext(ctx, query, args...)
	if err != nil {
		return Page{}, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	page := Page{Items: []Event{}}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return Page{}, fmt.Errorf("list events: %w", err)
		}
		s.warn(&e)
		page.Items = append(page.Items, e)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		page.NextAfter = page.Items[len(page.Items)-1].ID
	}
	return page, rows.Err()
}

var stateNames = map[State]bool{Reported: true, Registered: true, Dispatched: true, Handling: true, Handled: true, Closed: true,
	Rejected: true, Duplicate: true, Parked: true, Voided: true}

// Stats are the measures of one region (or department), period and
// category.
type Stats struct {
	Region     string              `json:"region,omitempty"`
	Department string              `json:"department,omitempty"`
	From       string              `json:"from"`
	To         string              `json:"to"`
	Category   string              `json:"category"`
	Counts     map[string]int64    `json:"counts"`
	Rates      map[string]*float64 `json:"rates"`
}

// StatsQuery picks the counters to sum: a region (everything under it) or
// a department (the events it leads), months YYYY-MM or days YYYY-MM-DD
// from..to inclusive (a week is seven days), and a category leaf, group or
// "*".
type StatsQuery struct {
	Region     string
	Department string
	From, To   string
	Category   string
}

var (
	monthPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)
	dayPattern   = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$`)
)

// Stats sums the counters of a region for the months from..to.
func (s *Service) Stats(ctx context.Context, p auth.Principal, regionCode, from, to, cat string) (Stats, error) {
	return s.StatsFor(ctx, p, StatsQuery{Region: regionCode, From: from, To: to, Category: cat})
}

// StatsFor sums the counters a query picks and works out the rates of
// DESIGN.md: a few dozen rows at most, whatever the number of events.
func (s *Service) StatsFor(ctx context.Context, p auth.Principal, q StatsQuery) (Stats, error) {
	var fs apperr.Fields
	byDay := dayPattern.MatchString(q.From)
	if !byDay && !monthPattern.MatchString(q.From) {
		fs.Add("from", "must be a month as YYYY-MM or a day as YYYY-MM-DD")
	}
	if q.To == "" {
		q.To = q.From
	}
	switch {
	case byDay && !dayPattern.MatchString(q.To):
		fs.Add("to", "must be a day as YYYY-MM-DD, like from")
	case !byDay && !monthPattern.MatchString(q.To):
		fs.Add("to", "must be a month as YYYY-MM, like from")
	case q.To < q.From:
		fs.Add("to", "must not be before from")
	}
	if byDay {
		if f, err := time.Parse(time.DateOnly, q.From); err == nil {
			if t, err := time.Parse(time.DateOnly, q.To); err == nil && t.Sub(f) > 366*24*time.Hour {
				fs.Add("to", "a range of days spans at most a year; use months")
			}
		}
	}
	if q.Category == "" {
		q.Category = "*"
	}
	if q.Region != "" && q.Department != "" {
		fs.Add("department", "give a region or a department, not both")
	}
	if err := fs.Err(); err != nil {
		return Stats{}, err
	}
	owner, st := "", Stats{From: q.From, To: q.To, Category: q.Category, Counts: map[string]int64{}}
	if q.Department != "" {
		var path string
		err := s.db.Read().QueryRowContext(ctx, `SELECT region_path FROM departments WHERE code = $1`, q.Department).Scan(&path)
		mine := p.User.Role == auth.RoleDepartment && p.User.ScopeDepartment == q.Department
		staff := p.User.Role != auth.RoleDepartment && p.User.Role != auth.RoleResident && p.User.Scope().Contains(path)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !mine && !staff) {
			return Stats{}, apperr.Field("department", fmt.Sprintf("department %s not found", q.Department))
		}
		if err != nil {
			return Stats{}, fmt.Errorf("event stats: %w", err)
		}
		owner, st.Department = deptPrefix+q.Department, q.Department
	} else {
		code, err := s.statsRegion(ctx, p, q.Region)
		if err != nil {
			return Stats{}, err
		}
		owner, st.Region = code, code
		if f := s.fastCounts(); f != nil {
			counts, ok, err := f.Counts(ctx, code, q.From, q.To, q.Category)
			if err != nil {
				return Stats{}, fmt.Errorf("event stats: %w", err)
			}
			if ok {
				st.Counts, st.Rates = counts, rates(counts)
				return st, nil
			}
		}
	}
	// Month rows are 7 characters long, day rows 10; the range keeps to one kind.
	rows, err := s.db.Read().QueryContext(ctx, `SELECT measure, SUM(n) FROM event_counters WHERE region_code = $1 AND month >= $2 AND month <= $3
		AND LENGTH(month) = $4 AND category_code = $5 GROUP BY measure`, owner, q.From, q.To, len(q.From), q.Category)
	if err != nil {
		return Stats{}, fmt.Errorf("event stats: %w", err)
	}
	defer rows.Close()
	for _, m := range flagNames {
		st.Counts[m] = 0
	}
	for rows.Next() {
		var m string
		var n int64
		if err := rows.Scan(&m, &n); err != nil {
			return Stats{}, fmt.Errorf("event stats: %w", err)
		}
		st.Counts[m] = n
	}
	if err := rows.Err(); err != nil {
		return Stats{}, err
	}
	st.Rates = rates(st.Counts)
	return st, nil
}

// statsRegion is the region a caller asks about: the one given, else the
// caller's own, else the city.
func (s *Service) statsRegion(ctx context.Context, p auth.Principal, code string) (string, error) {
	if code == "" {
		sc := p.User.Scope()
		if !sc.IsAll() {
			return lastCode(sc.Path()), nil
		}
		if err := s.db.Read().QueryRowContext(ctx, `SELECT code FROM regions WHERE level = 1 ORDER BY code LIMIT 1`).Scan(&code); err != nil {
			return "", apperr.Field("region", "give a region code")
		}
	}
	if f := s.fastCounts(); f != nil {
		if path, ok := f.RegionPath(code); ok {
			if !p.User.Scope().Contains(path) {
				return "", apperr.Field("region", fmt.Sprintf("region %s not found", code))
			}
			return code, nil
		}
	}
	r, err := region.Lookup(ctx, s.db.Read(), code)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !p.User.Scope().Contains(r.Path)) {
		return "", apperr.Field("region", fmt.Sprintf("region %s not found", code))
	}
	if err != nil {
		return "", err
	}
	return r.Code, nil
}

// A RateDef is one of the rates of DESIGN.md: the count Of ÷ the count
// Over, null when Over is zero.
type RateDef struct{ Name, Of, Over string }

var rateDefs = []RateDef{
	{"closure", "closed", "should_close"},
	{"on_time_closure", "closed_on_time", "should_close"},
	{"disposal", "disposed", "dispose_base"},
	{"on_time_disposal", "disposed_on_time", "dispose_base"},
	{"rework", "reworked", "should_close"},
	{"extension", "extended", "dispose_base"},
	{"response", "responded", "dispatched"},
	{"satisfaction", "satisfied", "rated"},
	{"self_handled", "self_closed", "closed"},
}

// RateDefs lists the rates Stats works out, in a stable order.
func RateDefs() []RateDef { return slices.Clone(rateDefs) }

// RateNames lists the names of RateDefs, in the same order.
func RateNames() []string {
	names := make([]string, len(rateDefs))
	for i, r := range rateDefs {
		names[i] = r.Name
	}
	return names
}

// RatesOf works out the rates of RateNames from summed counts, for callers
// that sum the counters themselves.
func RatesOf(counts map[string]int64) map[string]*float64 { return rates(counts) }

// rates are the measures of DESIGN.md from the counts; a rate without a
// denominator is null.
func rates(c map[string]int64) map[string]*float64 {
	out := make(map[string]*float64, len(rateDefs))
	for _, r := range rateDefs {
		if over := c[r.Over]; over != 0 {
			v := float64(c[r.Of]) / float64(over)
			out[r.Name] = &v
		} else {
			out[r.Name] = nil
		}
	}
	return out
}
