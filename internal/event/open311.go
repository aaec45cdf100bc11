package event

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/region"
)

// The public reading of events (Open311 GeoReport v2): no login and no
// scope, so what may be shown is decided here, not by the caller.

// Whether a category is withheld from the public (shown with its category,
// status and dates only: no title, description, address, location or
// notes) is the category's private flag, kept in the catalog.

// publicNotes are the actions whose notes are written for the reporter (why
// a report was refused, what was done); the notes of the others (returns,
// escalations, supervision, comments) are internal to the handling.
var publicNotes = []Action{Register, Reject, Merge, SelfHandle, Dispatch, Feedback, Verify, Reopen, Park, Unpark, Void}

// Public is an event as the public sees it: never the reporter; for a
// report of a person (a resident's, a hotline caller's) what the resident
// app shows of another's report, the title and the rough place; and for a
// withheld category neither text nor place (nor region or grid; lists of a
// region below the city leave it out).
type Public struct {
	Code         string
	CategoryCode string
	State        State
	Urgency      category.Urgency
	Title        string
	Description  string
	Address      string
	Location     *orb.Point
	Level        string
	RegionCode   string
	GridCode     string
	// LeadDepartment is the lead department's name ("" before dispatch).
	LeadDepartment string
	// StatusNote is the latest note written for the reporter.
	StatusNote string
	Step       category.Step
	StepDue    *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ClosedAt   *time.Time
	Withheld   bool
	// History is filled when asked for: what happened, without notes or names.
	History []PublicEntry
}

// PublicEntry is one line of the public history.
type PublicEntry struct {
	Action string
	From   State
	To     State
	At     time.Time
}

// PublicQuery selects events for the public list, newest report first.
type PublicQuery struct {
	// Codes picks events by code; the other filters still apply.
	Codes []string
	// Categories are leaf codes; empty for all.
	Categories []string
	// From and To bound the report time, both inclusive; zero for open ends.
	From, To time.Time
	// Open: nil for all, else open or not open (see State.Open).
	Open *bool
	// RegionPath limits the list to a region's subtree; "" for all.
	RegionPath    string
	Offset, Limit int
	History       bool
}

// MaxPublicPage is the most events one public page holds.
const MaxPublicPage = 1000

// Token is the event's public token: a stand-in for its code that a client
// can be given before it needs the code.
func (e Event) Token() string { return e.token }

const publicExtra = `, (SELECT d.name FROM departments d WHERE d.code = events.lead_department),
	(SELECT a.note FROM event_actions a WHERE a.event_id = events.id AND a.note <> '' AND a.action IN (%s) ORDER BY a.id DESC LIMIT 1)`

func publicNoteActions() string {
	q := make([]string, len(publicNotes))
	for i, a := range publicNotes {
		q[i] = "'" + string(a) + "'"
	}
	return strings.Join(q, ", ")
}

// PublicList lists events for the public.
func (s *Service) PublicList(ctx context.Context, q PublicQuery) ([]Public, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	in := func(col string, vs []string) string {
		ph := make([]string, len(vs))
		for i, v := range vs {
			ph[i] = arg(v)
		}
		return col + " IN (" + strings.Join(ph, ", ") + ")"
	}
	if len(q.Codes) > 0 {
		where = append(where, in("code", q.Codes))
	}
	if len(q.Categories) > 0 {
		where = append(where, in("category_code", q.Categories))
	}
	if !q.From.IsZero() {
		where = append(where, "created_at >= "+arg(q.From.UTC()))
	}
	if !q.To.IsZero() {
		where = append(where, "created_at <= "+arg(q.To.UTC()))
	}
	if q.Open != nil {
		op := "IN"
		if *q.Open {
			op = "NOT IN"
		}
		where = append(where, "state "+op+" ('closed', 'rejected', 'duplicate', 'voided')")
	}
	if q.RegionPath != "" {
		lo, hi := region.Under(q.RegionPath).Range()
		where = append(where, "region_path >= "+arg(lo)+" AND region_path < "+arg(hi))
		withheld, err := s.withheldBelowCity(ctx, q.RegionPath)
		if err != nil {
			return nil, fmt.Errorf("public events: %w", err)
		}
		if len(withheld) > 0 {
			where = append(where, "NOT "+in("category_code", withheld))
		}
	}
	q.Limit = min(max(q.Limit, 1), MaxPublicPage)
	query := `SELECT ` + eventColumns + fmt.Sprintf(publicExtra, publicNoteActions()) + ` FROM events`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ` + arg(q.Limit) + ` OFFSET ` + arg(max(q.Offset, 0))
	rows, err := s.db.Read().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("public events: %w", err)
	}
	defer rows.Close()
	out := []Public{}
	var ids []int64
	for rows.Next() {
		p, id, err := s.scanPublic(ctx, rows)
		if err != nil {
			return nil, fmt.Errorf("public events: %w", err)
		}
		out = append(out, p)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("public events: %w", err)
	}
	rows.Close()
	if q.History && len(out) > 0 {
		if err := s.publicHistory(ctx, out, ids); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PublicGet returns one event by its code.
func (s *Service) PublicGet(ctx context.Context, code string, history bool) (Public, error) {
	if code == "" || len(code) > 40 {
		return Public{}, apperr.New(apperr.NotFound, "event %q not found", code)
	}
	list, err := s.PublicList(ctx, PublicQuery{Codes: []string{code}, Limit: 1, History: history})
	if err != nil {
		return Public{}, err
	}
	if len(list) == 0 {
		return Public{}, apperr.New(apperr.NotFound, "event %q not found", code)
	}
	return list[0], nil
}

// CodeOfToken returns the code of the event a public token stands for.
func (s *Service) CodeOfToken(ctx context.Context, token string) (string, error) {
	if token == "" || len(token) > 64 {
		return "", apperr.New(apperr.NotFound, "token %q not found", token)
	}
	var code string
	err := s.db.Read().QueryRowContext(ctx, `SELECT code FROM events WHERE token = $1`, token).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.New(apperr.NotFound, "token %q not found", token)
	}
	if err != nil {
		return "", fmt.Errorf("event token: %w", err)
	}
	return code, nil
}

// extraScan scans an event row followed by more columns.
type extraScan struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (x extraScan) Scan(dest ...any) error { return x.row.Scan(append(dest, x.extra...)...) }

func (s *Service) scanPublic(ctx context.Context, row interface{ Scan(...any) error }) (Public, int64, error) {
	var lead, note sql.NullString
	e, err := scanEvent(extraScan{row: row, extra: []any{&lead, &note}})
	if err != nil {
		return Public{}, 0, err
	}
	withheld, err := s.cats.Withheld(ctx, e.CategoryCode)
	if err != nil {
		return Public{}, 0, err
	}
	p := Public{Code: e.Code, CategoryCode: e.CategoryCode, State: e.State, Urgency: e.Urgency, Title: e.Title,
		Description: e.Description, Address: e.Address, Location: e.Location, Level: e.Level, RegionCode: e.RegionCode,
		GridCode: e.GridCode, LeadDepartment: lead.String, StatusNote: note.String, Step: e.Step, StepDue: e.StepDue,
		CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(), ClosedAt: e.ClosedAt, Withheld: withheld}
	if p.LeadDepartment == "" {
		p.LeadDepartment = e.LeadDepartment
	}
	switch {
	case p.Withheld:
		p.Title, p.Description, p.Address, p.Location, p.StatusNote = "", "", "", nil, ""
		p.Level, p.RegionCode, p.GridCode = "", "", ""
	case e.fromAPerson():
		// As the resident app shows another resident's report
		// (publicView): the title and the point rounded to about 100 m,
		// never the reporter's own words or the exact address or point.
		p.Description, p.Address = "", ""
		if e.Location != nil {
			a := roughen(*e.Location)
			p.Location = &a
		}
	}
	return p, e.ID, nil
}

// withheldBelowCity are the categories a public list narrowed to a region
// below the city leaves out: that a withheld event is listed under a
// township or a grid would already say where it is, which it never does.
func (s *Service) withheldBelowCity(ctx context.Context, regionPath string) ([]string, error) {
	if strings.Count(strings.Trim(regionPath, "/"), "/") == 0 {
		return nil, nil
	}
	return s.cats.WithheldCodes(ctx)
}

// publicHistory fills the histories of a page of events in one query.
func (s *Service) publicHistory(ctx context.Context, out []Public, ids []int64) error {
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	at := make(map[int64]int, len(ids))
	for i, id := range ids {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
		at[id] = i
		out[i].History = []PublicEntry{}
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT event_id, action, from_state, to_state, at FROM event_actions
		WHERE event_id IN (`+strings.Join(ph, ", ")+`) AND action <> 'comment' ORDER BY event_id, id`, args...)
	if err != nil {
		return fmt.Errorf("public history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var en PublicEntry
		var from, to string
		if err := rows.Scan(&id, &en.Action, &from, &to, &en.At); err != nil {
			return fmt.Errorf("public history: %w", err)
		}
		en.From, en.To, en.At = State(from), State(to), en.At.UTC()
		i := at[id]
		out[i].History = append(out[i].History, en)
	}
	return rows.Err()
}

// PublicUpdate is one change of an event's state, for the public feed.
type PublicUpdate struct {
	ID           int64
	Code         string
	CategoryCode string
	Action       string
	State        State
	At           time.Time
	// Note is the note written for the reporter, if any.
	Note string
}

// PublicUpdates lists the changes of state (and the reports) between from
// and to, both inclusive, oldest first, so that a client polling the feed
// can carry on from the last time it saw.
func (s *Service) PublicUpdates(ctx context.Context, from, to time.Time, regionPath string, offset, limit int) ([]PublicUpdate, error) {
	args := []any{from.UTC(), to.UTC()}
	query := `SELECT a.id, e.code, e.category_code, a.action, a.to_state, a.at, a.note FROM event_actions a JOIN events e ON e.id = a.event_id
		WHERE a.at >= $1 AND a.at <= $2 AND (a.from_state <> a.to_state OR a.action = 'report')`
	if regionPath != "" {
		lo, hi := region.Under(regionPath).Range()
		args = append(args, lo, hi)
		query += ` AND e.region_path >= $3 AND e.region_path < $4`
		withheld, err := s.withheldBelowCity(ctx, regionPath)
		if err != nil {
			return nil, fmt.Errorf("public updates: %w", err)
		}
		if len(withheld) > 0 {
			ph := make([]string, len(withheld))
			for i, c := range withheld {
				args = append(args, c)
				ph[i] = fmt.Sprintf("$%d", len(args))
			}
			query += ` AND e.category_code NOT IN (` + strings.Join(ph, ", ") + `)`
		}
	}
	args = append(args, min(max(limit, 1), MaxPublicPage), max(offset, 0))
	query += fmt.Sprintf(` ORDER BY a.at, a.id LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	rows, err := s.db.Read().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("public updates: %w", err)
	}
	defer rows.Close()
	out := []PublicUpdate{}
	for rows.Next() {
		var u PublicUpdate
		var state string
		if err := rows.Scan(&u.ID, &u.Code, &u.CategoryCode, &u.Action, &state, &u.At, &u.Note); err != nil {
			return nil, fmt.Errorf("public updates: %w", err)
		}
		u.State, u.At = State(state), u.At.UTC()
		withheld, err := s.cats.Withheld(ctx, u.CategoryCode)
		if err != nil {
			return nil, fmt.Errorf("public updates: %w", err)
		}
		if withheld || !slices.Contains(publicNotes, Action(u.Action)) {
			u.Note = ""
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
