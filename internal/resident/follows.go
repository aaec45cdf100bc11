package resident

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/geo"
)

// Following: a resident who finds the problem they meant to report already
// reported nearby follows that event instead of filing it again, and sees
// its public timeline beside their own reports.

// Follow is whether the caller follows an event and how many do.
type Follow struct {
	EventID   int64 `json:"event_id"`
	Following bool  `json:"following"`
	Followers int   `json:"followers"`
}

// visible returns the public view of an event a resident may follow.
func (s *Service) visible(ctx context.Context, p auth.Principal, eventID int64) (event.PublicView, error) {
	views, err := s.cfg.Events.PublicViews(ctx, []int64{eventID}, p.User.ID, false)
	if err != nil {
		return event.PublicView{}, err
	}
	if len(views) == 0 || views[0].Withheld {
		return event.PublicView{}, apperr.New(apperr.NotFound, "event not found")
	}
	return views[0], nil
}

// FollowEvent makes the resident follow an open event; following twice is
// the same as once.
func (s *Service) FollowEvent(ctx context.Context, p auth.Principal, eventID int64) (Follow, error) {
	if err := requireResident(p); err != nil {
		return Follow{}, err
	}
	v, err := s.visible(ctx, p, eventID)
	if err != nil {
		return Follow{}, err
	}
	if _, own := v.Own(p.User.ID); own {
		return Follow{}, &apperr.Error{Code: apperr.Conflict, Message: "you reported this event; it is in your list already",
			Fields: []apperr.FieldError{{Field: "event_id", Reason: "is your own report"}}}
	}
	if !v.State.Open() {
		return Follow{}, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("event %s is %s; only open events can be followed", v.Code, v.State),
			Fields: []apperr.FieldError{{Field: "event_id", Reason: "is no longer open"}}}
	}
	if _, err := s.db.Write().ExecContext(ctx, `INSERT INTO event_follows (event_id, user_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (event_id, user_id) DO NOTHING`, eventID, p.User.ID, s.clock()); err != nil {
		return Follow{}, fmt.Errorf("follow event %d: %w", eventID, err)
	}
	return s.followState(ctx, p, eventID)
}

// UnfollowEvent stops following; stopping twice is the same as once.
func (s *Service) UnfollowEvent(ctx context.Context, p auth.Principal, eventID int64) (Follow, error) {
	if err := requireResident(p); err != nil {
		return Follow{}, err
	}
	if _, err := s.visible(ctx, p, eventID); err != nil {
		return Follow{}, err
	}
	if _, err := s.db.Write().ExecContext(ctx, `DELETE FROM event_follows WHERE event_id = $1 AND user_id = $2`, eventID, p.User.ID); err != nil {
		return Follow{}, fmt.Errorf("unfollow event %d: %w", eventID, err)
	}
	return s.followState(ctx, p, eventID)
}

func (s *Service) followState(ctx context.Context, p auth.Principal, eventID int64) (Follow, error) {
	f := Follow{EventID: eventID}
	var mine int
	err := s.db.Read().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN user_id = $2 THEN 1 ELSE 0 END), 0)
		FROM event_follows WHERE event_id = $1`, eventID, p.User.ID).Scan(&f.Followers, &mine)
	if err != nil {
		return Follow{}, fmt.Errorf("followers of event %d: %w", eventID, err)
	}
	f.Following = mine > 0
	return f, nil
}

// Item is an event in the resident's list: one they reported (with what
// only the reporter sees) or one they follow (the public view only).
type Item struct {
	event.PublicView
	// Relation is "reported" or "following".
	Relation string         `json:"relation"`
	Own      *event.OwnView `json:"own,omitempty"`
}

// ItemPage is a page of the resident's events, newest first.
type ItemPage struct {
	Items     []Item `json:"items"`
	NextAfter int64  `json:"next_after,omitempty"`
}

// MyEvents lists the events the resident reported or follows, newest
// first, each with its public timeline.
func (s *Service) MyEvents(ctx context.Context, p auth.Principal, after int64, limit int) (ItemPage, error) {
	if err := requireResident(p); err != nil {
		return ItemPage{}, err
	}
	limit = min(max(limit, 1), 50)
	if after <= 0 {
		after = 1<<63 - 1
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id FROM events WHERE reporter_id = $1 AND id < $2
		UNION SELECT event_id FROM event_follows WHERE user_id = $1 AND event_id < $2 ORDER BY 1 DESC LIMIT $3`, p.User.ID, after, limit+1)
	if err != nil {
		return ItemPage{}, fmt.Errorf("my events: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return ItemPage{}, fmt.Errorf("my events: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ItemPage{}, fmt.Errorf("my events: %w", err)
	}
	page := ItemPage{Items: []Item{}}
	if len(ids) > limit {
		ids = ids[:limit]
		page.NextAfter = ids[limit-1]
	}
	views, err := s.cfg.Events.PublicViews(ctx, ids, p.User.ID, true)
	if err != nil {
		return ItemPage{}, err
	}
	for _, v := range views {
		it := Item{PublicView: v, Relation: "following"}
		if own, ok := v.Own(p.User.ID); ok {
			it.Relation, it.Own = "reported", &own
		}
		page.Items = append(page.Items, it)
	}
	return page, nil
}

// NearbyItem is an open event near the resident, and whether they follow
// it or reported it themselves.
type NearbyItem struct {
	event.PublicView
	Following bool `json:"following"`
	Mine      bool `json:"mine"`
}

// NearbyQuery is a category and a point (in CRS, WGS-84 by default).
type NearbyQuery struct {
	Category string
	Lng, Lat *float64
	CRS      string
}

// Nearby lists the open events of a category within event.NearbyMeters of
// a point, nearest first, so the resident can follow one instead of
// reporting the same problem again.
func (s *Service) Nearby(ctx context.Context, p auth.Principal, q NearbyQuery) ([]NearbyItem, error) {
	if err := requireResident(p); err != nil {
		return nil, err
	}
	var fs apperr.Fields
	if q.Category == "" {
		fs.Add("category", "is required")
	} else if len(q.Category) > 100 {
		fs.Add("category", "must be at most 100 characters")
	}
	pt, err := toWGS84(q.Lng, q.Lat, q.CRS)
	if err != nil {
		fs.Add("lng", err.Error())
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	views, err := s.cfg.Events.Nearby(ctx, q.Category, pt, p.User.ID, 20)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.Field("category", fmt.Sprintf("unknown category %q", q.Category))
	}
	if err != nil {
		return nil, err
	}
	out := make([]NearbyItem, 0, len(views))
	ids := make(map[int64]int, len(views))
	for i, v := range views {
		_, mine := v.Own(p.User.ID)
		out = append(out, NearbyItem{PublicView: v, Mine: mine})
		ids[v.ID] = i
	}
	if len(out) > 0 {
		rows, err := s.db.Read().QueryContext(ctx, `SELECT event_id FROM event_follows WHERE user_id = $1`, p.User.ID)
		if err != nil {
			return nil, fmt.Errorf("nearby follows: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, fmt.Errorf("nearby follows: %w", err)
			}
			if i, ok := ids[id]; ok {
				out[i].Following = true
			}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("nearby follows: %w", err)
		}
	}
	return out, nil
}

func toWGS84(lng, lat *float64, crsName string) (orb.Point, error) {
	if lng == nil || lat == nil {
		return orb.Point{}, fmt.Errorf("give both lng and lat")
	}
	if crsName == "" {
		crsName = "wgs84"
	}
	crs, err := geo.ParseCRS(crsName)
	if err != nil {
		return orb.Point{}, err
	}
	if err := geo.ValidatePoint(*lng, *lat, crs); err != nil {
		return orb.Point{}, err
	}
	g, err := geo.ToWGS84(crs, orb.Point{*lng, *lat})
	if err != nil {
		return orb.Point{}, err
	}
	return g.(orb.Point), nil
}
