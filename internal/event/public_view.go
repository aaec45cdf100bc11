package event

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/geo"
)

// The residents' view of events (the resident app): what any resident may
// see of an event reported near them or that they follow, and the public
// timeline of its handling. It is defined once here, next to the history
// it reads, so that what it hides is decided in one place: never the
// reporter, the reporter's phone, the exact address or point, the names
// of staff, or notes other than those written for the reporter; for a
// withheld category (one about a person rather than a place) not even the
// title or the rough place.

// PublicView is an event as a resident who is not handling it sees it.
type PublicView struct {
	ID           int64      `json:"id"`
	Code         string     `json:"code"`
	CategoryCode string     `json:"category_code"`
	Title        string     `json:"title"`
	State        State      `json:"state"`
	ReportedAt   time.Time  `json:"reported_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	// Area is the reported point rounded to three decimals (about 100 m),
	// enough to tell the street, not the door.
	Area *orb.Point `json:"area,omitempty"`
	// DistanceM is how far the event is from the point asked about, in
	// tens of metres (nearby lists only).
	DistanceM *int `json:"distance_m,omitempty"`
	// Followers counts the residents following the event.
	Followers int  `json:"followers"`
	Withheld  bool `json:"withheld"`
	// Timeline is filled when asked for, oldest first.
	Timeline []TimelineEntry `json:"timeline,omitempty"`

	reporterID  *int64
	viewer      int64
	description string
	address     string
	rating      string
	version     int
}

// TimelineEntry is one step of an event's handling as the public sees it:
// the action, the state it led to, when, the department that acted or was
// given the event (its name), and the note if it was written for the
// reporter.
type TimelineEntry struct {
	Action     string    `json:"action"`
	State      State     `json:"state"`
	At         time.Time `json:"at"`
	Department string    `json:"department,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// OwnView is what the reporter of an event sees of it beyond the public
// view: their own words and place, their rating, and the version to act on.
type OwnView struct {
	Description string `json:"description"`
	Address     string `json:"address"`
	Rating      string `json:"rating,omitempty"`
	Version     int    `json:"version"`
	// CanRate: the event is closed and not yet rated.
	CanRate bool `json:"can_rate"`
}

// Own gives the reporter's view when userID reported the event.
func (v PublicView) Own(userID int64) (OwnView, bool) {
	if v.reporterID == nil || userID == 0 || *v.reporterID != userID {
		return OwnView{}, false
	}
	return OwnView{Description: v.description, Address: v.address, Rating: v.rating, Version: v.version,
		CanRate: v.State == Closed && v.rating == ""}, true
}

// NearbyMeters is how far the resident app looks for open events of the
// same kind before a report, so that a resident can follow one instead of
// reporting it again.
const NearbyMeters = 500

// roughen rounds a point to about 100 m.
func roughen(p orb.Point) orb.Point {
	r := func(v float64) float64 { return math.Round(v*1000) / 1000 }
	return orb.Point{r(p[0]), r(p[1])}
}

// fromAPerson reports whether e is the report of a person who did not
// publish it: a resident's in the app or a caller's to the hotline, whose
// words and address are often of their own home. The public feed shows
// such a report as the resident app shows another's (no description, no
// address, the point roughened); reports by staff, sensors and Open311
// clients, which post to a public feed, are shown as filed.
func (e Event) fromAPerson() bool { return e.Source == FromResident || e.Source == FromHotline }

const followersColumn = `, (SELECT COUNT(*) FROM event_follows f WHERE f.event_id = events.id)`

// publicView turns an event row into its public view for viewer (0: no
// one in particular); the reporter keeps the title of a withheld event.
func (s *Service) publicView(ctx context.Context, e Event, followers int, viewer int64) (PublicView, error) {
	withheld, err := s.cats.Withheld(ctx, e.CategoryCode)
	if err != nil {
		return PublicView{}, err
	}
	v := PublicView{ID: e.ID, Code: e.Code, CategoryCode: e.CategoryCode, Title: e.Title, State: e.State,
		ReportedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(), ClosedAt: e.ClosedAt, Followers: followers, Withheld: withheld,
		reporterID: e.reporterID, viewer: viewer, description: e.Description, address: e.Address, rating: e.Rating, version: e.Version}
	if e.Location != nil {
		a := roughen(*e.Location)
		v.Area = &a
	}
	own := e.reporterID != nil && viewer != 0 && *e.reporterID == viewer
	if withheld && !own {
		v.Title, v.Area = "", nil
	}
	return v, nil
}

// PublicViews returns the public views of the events with these ids that
// exist, newest first, with their timelines when asked; viewer is the
// resident asking (their own reports keep what a withheld category hides
// from others).
func (s *Service) PublicViews(ctx context.Context, ids []int64, viewer int64, timeline bool) ([]PublicView, error) {
	out := []PublicView{}
	if len(ids) == 0 {
		return out, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+eventColumns+followersColumn+` FROM events WHERE id IN (`+strings.Join(ph, ", ")+`)
		ORDER BY id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("public views: %w", err)
	}
	var events []Event
	var counts []int
	for rows.Next() {
		var n int
		e, err := scanEvent(extraScan{row: rows, extra: []any{&n}})
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("public views: %w", err)
		}
		events, counts = append(events, e), append(counts, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("public views: %w", err)
	}
	for i, e := range events {
		v, err := s.publicView(ctx, e, counts[i], viewer)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if timeline {
		if err := s.timelines(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Nearby lists the open events of a category within NearbyMeters of a
// point (WGS-84), nearest first, at most limit. Events of a withheld
// category are never listed: that one exists near a home is already too
// much to say.
func (s *Service) Nearby(ctx context.Context, categoryCode string, at orb.Point, viewer int64, limit int) ([]PublicView, error) {
	out := []PublicView{}
	withheld, err := s.cats.Withheld(ctx, categoryCode)
	if err != nil || withheld {
		return out, err
	}
	limit = min(max(limit, 1), 50)
	dLat := NearbyMeters / 111_320.0
	dLng := dLat / math.Cos(at[1]*math.Pi/180)
	// The band of one category and latitude is read from events_similar.
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+eventColumns+followersColumn+` FROM events WHERE category_code = $1
		AND lat BETWEEN $2 AND $3 AND lng BETWEEN $4 AND $5 AND state NOT IN ('closed', 'rejected', 'duplicate', 'voided')
		ORDER BY id DESC LIMIT 500`, categoryCode, at[1]-dLat, at[1]+dLat, at[0]-dLng, at[0]+dLng)
	if err != nil {
		return nil, fmt.Errorf("nearby events: %w", err)
	}
	type near struct {
		e Event
		n int
		d float64
	}
	var found []near
	for rows.Next() {
		var n int
		e, err := scanEvent(extraScan{row: rows, extra: []any{&n}})
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("nearby events: %w", err)
		}
		if e.Location == nil {
			continue
		}
		if d := geo.DistanceM(*e.Location, at); d <= NearbyMeters {
			found = append(found, near{e, n, d})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("nearby events: %w", err)
	}
	slices.SortStableFunc(found, func(a, b near) int { return int(a.d) - int(b.d) })
	for _, f := range found[:min(len(found), limit)] {
		v, err := s.publicView(ctx, f.e, f.n, viewer)
		if err != nil {
			return nil, err
		}
		// Tens of metres: the exact distance would give the point back.
		d := int(math.Round(f.d/10)) * 10
		v.DistanceM = &d
		out = append(out, v)
	}
	return out, nil
}

// timelines fills the public timelines of views in one query for the
// history and one for the departments' names.
func (s *Service) timelines(ctx context.Context, views []PublicView) error {
	ph := make([]string, len(views))
	args := make([]any, len(views))
	at := make(map[int64]int, len(views))
	for i, v := range views {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), v.ID
		at[v.ID] = i
		views[i].Timeline = []TimelineEntry{}
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT event_id, action, department, to_state, note, detail, at FROM event_actions
		WHERE event_id IN (`+strings.Join(ph, ", ")+`) AND action <> 'comment' ORDER BY event_id, id`, args...)
	if err != nil {
		return fmt.Errorf("public timeline: %w", err)
	}
	codes := map[string]string{}
	for rows.Next() {
		var id int64
		var en TimelineEntry
		var action, dept, to, note, detail string
		if err := rows.Scan(&id, &action, &dept, &to, &note, &detail, &en.At); err != nil {
			rows.Close()
			return fmt.Errorf("public timeline: %w", err)
		}
		en.Action, en.State, en.At = action, State(to), en.At.UTC()
		if action == string(Dispatch) {
			// The center dispatched: the department named is the lead it chose.
			var d struct {
				Lead string `json:"lead"`
			}
			_ = json.Unmarshal([]byte(detail), &d)
			dept = d.Lead
		}
		if dept != "" {
			en.Department, codes[dept] = dept, ""
		}
		v := &views[at[id]]
		_, own := v.Own(v.viewer)
		if slices.Contains(publicNotes, Action(action)) && (!v.Withheld || own) {
			en.Note = note
		}
		v.Timeline = append(v.Timeline, en)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("public timeline: %w", err)
	}
	if len(codes) == 0 {
		return nil
	}
	dph := make([]string, 0, len(codes))
	dargs := make([]any, 0, len(codes))
	for c := range codes {
		dargs = append(dargs, c)
		dph = append(dph, fmt.Sprintf("$%d", len(dargs)))
	}
	drows, err := s.db.Read().QueryContext(ctx, `SELECT code, name FROM departments WHERE code IN (`+strings.Join(dph, ", ")+`)`, dargs...)
	if err != nil {
		return fmt.Errorf("public timeline departments: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var code, name string
		if err := drows.Scan(&code, &name); err != nil {
			return fmt.Errorf("public timeline departments: %w", err)
		}
		codes[code] = name
	}
	if err := drows.Err(); err != nil {
		return fmt.Errorf("public timeline departments: %w", err)
	}
	for i := range views {
		for j := range views[i].Timeline {
			if d := views[i].Timeline[j].Department; d != "" {
				views[i].Timeline[j].Department = orDefault(codes[d], d)
			}
		}
	}
	return nil
}
