package workforce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/registry"
)

// EventLister lists events as a caller sees them; *event.Service is one.
type EventLister interface {
	List(ctx context.Context, p auth.Principal, q event.Query) (event.Page, error)
}

// RegistryReader reads the registry as a caller may (numbers masked);
// *registry.Service is one.
type RegistryReader interface {
	PendingSamples(ctx context.Context, p auth.Principal, q registry.SampleQuery) ([]registry.SamplingItem, int64, error)
	ListHouses(ctx context.Context, p auth.Principal, q registry.HouseQuery) ([]registry.House, error)
	GetHouse(ctx context.Context, p auth.Principal, code string) (registry.HouseDetail, error)
	Search(ctx context.Context, p auth.Principal, q registry.SearchQuery) (registry.SearchResult, error)
}

// TaskSources are the services today's tasks are gathered from. Each is
// optional: a missing one leaves its part of the answer empty.
type TaskSources struct {
	Users    UserLoader
	Events   EventLister
	Registry RegistryReader
}

// EventTask is an event the worker can act on now, and what to do.
type EventTask struct {
	Event event.Event `json:"event"`
	// Do is self_handle (registered in the worker's grid, not dispatched
	// yet: the grid may handle it itself) or feedback (being handled by
	// the grid, waiting for its result).
	Do string `json:"do"`
}

// VisitSuggestion is a person the worker should visit: living alone and
// elderly, with no visit recorded this month.
type VisitSuggestion struct {
	Person registry.PersonView `json:"person"`
	Reason string              `json:"reason"`
}

// Today is what the worker app shows first: attendance, the open patrol,
// and the work waiting in the worker's grids. Campaign tasks are not part
// of it yet.
type Today struct {
	Attendance DeviceStatus `json:"attendance"`
	// OpenPatrol is the worker's unfinished patrol, if any; an app that
	// lost the answer to its start finds the patrol here.
	OpenPatrol *Patrol     `json:"open_patrol"`
	Events     []EventTask `json:"events"`
	// Reported are the worker's own latest reports, to follow up.
	Reported    []event.Event           `json:"reported"`
	Samples     []registry.SamplingItem `json:"samples"`
	SamplesMore bool                    `json:"samples_more"`
	Visits      []VisitSuggestion       `json:"visits"`
}

// Limits of today's lists; the app pages through the full lists elsewhere.
const (
	todayEvents  = 50
	todaySamples = 50
	todayVisits  = 20
)

// Today gathers the device's worker's tasks for today.
func (s *Service) Today(ctx context.Context, c DeviceCaller, src TaskSources) (Today, error) {
	st, err := s.Status(ctx, c)
	if err != nil {
		return Today{}, err
	}
	t := Today{Attendance: st, Events: []EventTask{}, Reported: []event.Event{}, Samples: []registry.SamplingItem{}, Visits: []VisitSuggestion{}}
	var id int64
	err = s.db.Read().QueryRowContext(ctx, `SELECT id FROM patrols WHERE worker_id = $1 AND finished_at IS NULL`, c.WorkerID).Scan(&id)
	switch {
	case err == nil:
		pt, err := loadPatrol(ctx, s.db.Read(), id)
		if err != nil {
			return Today{}, err
		}
		t.OpenPatrol = &pt
	case !errors.Is(err, sql.ErrNoRows):
		return Today{}, fmt.Errorf("open patrol of worker %d: %w", c.WorkerID, err)
	}
	if c.UserID == 0 || src.Users == nil {
		// Without an account there is no one to list events and samples for.
		return t, nil
	}
	p, err := account(ctx, src.Users, c)
	if err != nil {
		return Today{}, err
	}
	grids := st.Worker.Grids
	if src.Events != nil {
		if err := s.eventTasks(ctx, p, grids, src.Events, &t); err != nil {
			return Today{}, err
		}
	}
	if src.Registry != nil {
		items, next, err := src.Registry.PendingSamples(ctx, p, registry.SampleQuery{Mine: true, Limit: todaySamples})
		if err != nil {
			return Today{}, fmt.Errorf("samples of worker %d: %w", c.WorkerID, err)
		}
		t.Samples, t.SamplesMore = items, next != 0
		if t.Visits, err = s.visitSuggestions(ctx, p, grids, src.Registry); err != nil {
			return Today{}, err
		}
	}
	return t, nil
}

// eventTasks lists, grid by grid, the events registered but not
// dispatched (the grid may handle them itself) and those the grid is
// handling, and the worker's own latest reports.
func (s *Service) eventTasks(ctx context.Context, p auth.Principal, grids []GridAssignment, events EventLister, t *Today) error {
	for _, g := range grids {
		for _, q := range []struct{ queue, do string }{{"to_dispatch", "self_handle"}, {"handling", "feedback"}} {
			page, err := events.List(ctx, p, event.Query{Queue: q.queue, Region: g.GridCode, Limit: todayEvents})
			if apperr.Is(err, apperr.Invalid) {
				break // a grid outside the account's scope: nothing the account may act on
			}
			if err != nil {
				return fmt.Errorf("events of grid %s: %w", g.GridCode, err)
			}
			for _, e := range page.Items {
				if q.do == "feedback" && !e.SelfHandled {
					continue // dispatched to a department, which answers for it
				}
				t.Events = append(t.Events, EventTask{Event: e, Do: q.do})
			}
		}
	}
	slices.SortFunc(t.Events, func(a, b EventTask) int { return compareID(b.Event.ID, a.Event.ID) })
	if len(t.Events) > todayEvents {
		t.Events = t.Events[:todayEvents]
	}
	page, err := events.List(ctx, p, event.Query{Queue: "mine", Limit: 20})
	if err != nil {
		return fmt.Errorf("reports of %s: %w", p.User.Username, err)
	}
	t.Reported = page.Items
	return nil
}

func compareID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// visitSuggestions are elderly persons living alone in the worker's grids
// whom nobody has visited this month.
func (s *Service) visitSuggestions(ctx context.Context, p auth.Principal, grids []GridAssignment, reg RegistryReader) ([]VisitSuggestion, error) {
	if !p.Can(auth.PermTagsRead) {
		return []VisitSuggestion{}, nil
	}
	var found []registry.PersonView
	for _, g := range grids {
		res, err := reg.Search(ctx, p, registry.SearchQuery{Tag: "elderly_alone", Region: g.GridCode, Limit: 100})
		if apperr.Is(err, apperr.Invalid) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("elderly alone in grid %s: %w", g.GridCode, err)
		}
		found = append(found, res.Items...)
	}
	out := []VisitSuggestion{}
	if len(found) == 0 {
		return out, nil
	}
	month := s.now().In(s.location()).Format("2006-01")
	args := []any{month}
	marks := make([]string, len(found))
	for i, pv := range found {
		args = append(args, pv.ID)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT DISTINCT vp.person_id FROM visit_persons vp JOIN visits v ON v.id = vp.visit_id
		WHERE v.month = $1 AND vp.person_id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("visits this month: %w", err)
	}
	defer rows.Close()
	visited := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("visits this month: %w", err)
		}
		visited[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("visits this month: %w", err)
	}
	for _, pv := range found {
		if !visited[pv.ID] && len(out) < todayVisits {
			out = append(out, VisitSuggestion{Person: pv, Reason: "elderly_alone"})
		}
	}
	return out, nil
}

// GridQuery pages through the houses or persons of the worker's grids:
// ids after After, at most Limit; House narrows persons to one house.
type GridQuery struct {
	House string
	After int64
	Limit int
}

// HousePage is a page of houses of the worker's grids, by id.
type HousePage struct {
	Items     []registry.House `json:"items"`
	NextAfter int64            `json:"next_after,omitempty"`
}

// PersonPage is a page of persons of the worker's grids, by id, masked.
type PersonPage struct {
	Items     []registry.PersonView `json:"items"`
	NextAfter int64                 `json:"next_after,omitempty"`
}

func (q *GridQuery) check(max int) error {
	var fs apperr.Fields
	if q.After < 0 {
		fs.Add("after", "must not be negative")
	}
	switch {
	case q.Limit == 0:
		q.Limit = 50
	case q.Limit < 0 || q.Limit > max:
		fs.Add("limit", fmt.Sprintf("must be between 1 and %d", max))
	}
	return fs.Err()
}

// gridReader is the worker's account and grids, for reading the registry.
func (s *Service) gridReader(ctx context.Context, c DeviceCaller, src TaskSources) (auth.Principal, []GridAssignment, error) {
	if src.Registry == nil {
		return auth.Principal{}, nil, apperr.New(apperr.Forbidden, "the registry is not served here")
	}
	p, err := account(ctx, src.Users, c)
	if err != nil {
		return auth.Principal{}, nil, err
	}
	w, err := s.getWorker(ctx, s.db.Read(), c.WorkerID)
	if err != nil {
		return auth.Principal{}, nil, err
	}
	return p, w.Grids, nil
}

// GridHouses lists the houses of the device's worker's grids, read as the
// worker's account may read them (inside its scope).
func (s *Service) GridHouses(ctx context.Context, c DeviceCaller, q GridQuery, src TaskSources) (HousePage, error) {
	if err := q.check(500); err != nil {
		return HousePage{}, err
	}
	p, grids, err := s.gridReader(ctx, c, src)
	if err != nil {
		return HousePage{}, err
	}
	var all []registry.House
	more := false
	for _, g := range grids {
		hs, err := src.Registry.ListHouses(ctx, p, registry.HouseQuery{Region: g.GridCode, After: q.After, Limit: q.Limit + 1})
		if apperr.Is(err, apperr.Invalid) {
			continue // outside the account's scope
		}
		if err != nil {
			return HousePage{}, fmt.Errorf("houses of grid %s: %w", g.GridCode, err)
		}
		all = append(all, hs...)
	}
	// Each grid gave its first Limit+1 houses after the cursor, so the
	// first Limit of all of them are the first Limit of the union.
	slices.SortFunc(all, func(a, b registry.House) int { return compareID(a.ID, b.ID) })
	if len(all) > q.Limit {
		all, more = all[:q.Limit], true
	}
	page := HousePage{Items: all}
	if page.Items == nil {
		page.Items = []registry.House{}
	}
	if more {
		page.NextAfter = all[len(all)-1].ID
	}
	return page, nil
}

// GridPersons lists the persons of the device's worker's grids, or of one
// house in them, always masked.
func (s *Service) GridPersons(ctx context.Context, c DeviceCaller, q GridQuery, src TaskSources) (PersonPage, error) {
	if err := q.check(200); err != nil {
		return PersonPage{}, err
	}
	p, grids, err := s.gridReader(ctx, c, src)
	if err != nil {
		return PersonPage{}, err
	}
	if q.House != "" {
		h, err := src.Registry.GetHouse(ctx, p, q.House)
		mine := err == nil && slices.ContainsFunc(grids, func(g GridAssignment) bool { return g.GridCode == h.GridCode })
		if apperr.Is(err, apperr.NotFound) || (err == nil && !mine) {
			return PersonPage{}, &apperr.Error{Code: apperr.NotFound, Message: "house not found",
				Fields: []apperr.FieldError{{Field: "house", Reason: fmt.Sprintf("house %s not found in your grids", q.House)}}}
		}
		if err != nil {
			return PersonPage{}, err
		}
	}
	var all []registry.PersonView
	more := false
	for _, g := range grids {
		res, err := src.Registry.Search(ctx, p, registry.SearchQuery{Region: g.GridCode, HouseCode: q.House, After: q.After, Limit: q.Limit})
		if apperr.Is(err, apperr.Invalid) {
			continue
		}
		if err != nil {
			return PersonPage{}, fmt.Errorf("persons of grid %s: %w", g.GridCode, err)
		}
		// Search answers masked numbers always; a reveal is only ever read
		// one person at a time in the console.
		all = append(all, res.Items...)
		more = more || res.NextAfter != 0
	}
	slices.SortFunc(all, func(a, b registry.PersonView) int { return compareID(a.ID, b.ID) })
	if len(all) > q.Limit {
		all, more = all[:q.Limit], true
	}
	page := PersonPage{Items: all}
	if page.Items == nil {
		page.Items = []registry.PersonView{}
	}
	if more && len(all) > 0 {
		page.NextAfter = all[len(all)-1].ID
	}
	return page, nil
}
