package event

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
)

// nearby answers the duplicate search of a report on SQLite from memory:
// the events reported in the last similarWithin with a point, by category
// and cell of about 200 m, with the fields of a suggestion that never
// change after a report (code, title, text, place, reporter, time) and the
// state.
//
// Before each search it reads the events stored since the last one, by id,
// and the actions taken since (event_actions), for the events' states;
// unless nothing at all was committed since it last read (db.DataVersion):
// of the reports of one group commit, only the first search after it reads.
// SQLite hands out ids under its single writer lock, so a transaction that
// took a lower id has committed before a higher one is given: "above the
// last id read" misses nothing, whichever process filed the event or acted
// on it. An event is read with its state as stored then, and every later
// action moves it on, in the order taken; an action read before its event
// is left out, as the event brings the state that action left.
//
// A search in SQL reads every open event of the category in a band across
// the city and sorts them; at a busy spot (a burst pipe reported by a whole
// street) that is thousands of rows for every report, and on the single
// SQLite file it competed with the writer for the machine. PostgreSQL,
// whose ids from several processes may commit out of order, keeps the SQL.
type nearby struct {
	mu         sync.Mutex
	loaded     bool
	last       int64 // the highest event id read
	lastAction int64 // the highest event_actions id read
	pruned     time.Time
	cats       map[string]map[nearCell][]*nearEvent
	byID       map[int64]*nearEvent
	chunk      int // rows follow reads at a time: followChunk, or a test's own
	// read is the database's version when a catch-up last read all there
	// was, if read is set: while it stays the same, there is nothing new.
	read    db.Version
	readSet bool
}

// nearCell is a cell of nearCellDeg degrees of latitude and longitude.
type nearCell struct{ x, y int32 }

// nearCellDeg is about 220 m of latitude, and 150 m of longitude at
// Daqing's 46°N: a search's box of ±200 m spans at most 3 × 4 cells.
const nearCellDeg = 0.002

// nearCells is the most cells a search looks into one by one; a box wider
// than that (near a pole) scans the category's cells instead.
const nearCells = 256

// nearEvent is an event as a suggestion shows it; its State is the one the
// last catch-up read, under nearby's lock.
type nearEvent struct {
	Similar
	regionPath string
	reporterID *int64
}

func cellOf(p orb.Point) nearCell {
	return nearCell{x: int32(math.Floor(p[0] / nearCellDeg)), y: int32(math.Floor(p[1] / nearCellDeg))}
}

// nearbyColumns are what a suggestion keeps of an event in memory.
const nearbyColumns = `id, code, category_code, title, description, state, grid_code, region_path, lng, lat, address, reporter_id, created_at`

// open returns the open events of the category within similarMeters of
// the point, reported at or after since and other than id skip, newest
// first, at most limit: as stored and acted on up to the moment of the
// call.
func (n *nearby) open(ctx context.Context, d *db.DB, category string, at orb.Point, since time.Time, skip int64, limit int) ([]similarRow, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, err := n.catchUp(ctx, d, since, -1); err != nil {
		return nil, err
	}
	out := make([]similarRow, 0, limit)
	walk := n.walk(category, at, since, skip)
	for len(out) < limit {
		c, dist := walk.next()
		if c == nil {
			break
		}
		if !c.State.Open() {
			continue
		}
		// Who may read a suggestion follows from its place and reporter
		// (and, for a department, its handlers), never from the level
		// holding it, which is left out.
		out = append(out, similarRow{Similar: c.Similar, regionPath: c.regionPath, reporterID: c.reporterID})
		out[len(out)-1].DistanceM = int(math.Round(dist))
	}
	return out, nil
}

// walk returns the events of the category in the cells around the point,
// newest first; the caller holds the lock.
func (n *nearby) walk(category string, at orb.Point, since time.Time, skip int64) *nearWalk {
	dLat := similarMeters / 111_320.0
	dLng := dLat / math.Cos(at[1]*math.Pi/180)
	lo, hi := cellOf(orb.Point{at[0] - dLng, at[1] - dLat}), cellOf(orb.Point{at[0] + dLng, at[1] + dLat})
	w := &nearWalk{at: at, since: since, skip: skip}
	cells := n.cats[category]
	if span := (int64(hi.x) - int64(lo.x) + 1) * (int64(hi.y) - int64(lo.y) + 1); span > nearCells || span <= 0 {
		for _, list := range cells {
			w.lists = append(w.lists, list)
		}
	} else {
		for x := lo.x; x <= hi.x; x++ {
			for y := lo.y; y <= hi.y; y++ {
				if list := cells[nearCell{x, y}]; len(list) > 0 {
					w.lists = append(w.lists, list)
				}
			}
		}
	}
	return w
}

// nearWalk merges the cells' lists, each in the order of ids, newest first.
type nearWalk struct {
	lists [][]*nearEvent
	at    orb.Point
	since time.Time
	skip  int64
}

// next is the next candidate and its distance in metres, or nil after the
// last.
func (w *nearWalk) next() (*nearEvent, float64) {
	for {
		best := -1
		for i, list := range w.lists {
			if len(list) > 0 && (best < 0 || list[len(list)-1].ID > w.lists[best][len(w.lists[best])-1].ID) {
				best = i
			}
		}
		if best < 0 {
			return nil, 0
		}
		list := w.lists[best]
		e := list[len(list)-1]
		w.lists[best] = list[:len(list)-1]
		if e.ID == w.skip || e.CreatedAt.Before(w.since) {
			continue
		}
		if d := geo.DistanceM(e.Location, w.at); d <= similarMeters {
			return e, d
		}
	}
}

// catchUp reads the events stored and the actions taken since the last
// call, at most limit of each (-1: all), and says whether it stopped at a
// limit. The first call reads only the events reported at or after since; a
// later one drops what has grown older than the call's since, once a
// minute.
func (n *nearby) catchUp(ctx context.Context, d *db.DB, since time.Time, limit int) (more bool, err error) {
	if !n.loaded {
		// The actions' mark is taken first: one taken after the events
		// were read could pass over an action they do not show.
		var last, lastAction int64
		if err := d.Read().QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM event_actions`).Scan(&lastAction); err != nil {
			return false, fmt.Errorf("similar events: %w", err)
		}
		if err := d.Read().QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&last); err != nil {
			return false, fmt.Errorf("similar events: %w", err)
		}
		n.cats, n.byID = map[string]map[nearCell][]*nearEvent{}, map[int64]*nearEvent{}
		rows, err := d.Read().QueryContext(ctx, `SELECT `+nearbyColumns+` FROM events WHERE created_at >= $1 AND id <= $2
			AND lng IS NOT NULL ORDER BY id`, since, last)
		if err != nil {
			return false, fmt.Errorf("similar events: %w", err)
		}
		if _, err := n.scan(rows, since); err != nil {
			return false, err
		}
		n.last, n.lastAction, n.loaded, n.pruned = last, lastAction, true, since
		return false, nil
	}
	if since.Sub(n.pruned) > time.Minute {
		n.prune(since)
	}
	// Taken before reading: a commit after it shows in the next one.
	version, verr := d.DataVersion(ctx)
	if verr == nil && n.readSet && version == n.read {
		return false, nil
	}
	n.readSet = false
	st, err := d.ReadStmt(ctx, `SELECT `+nearbyColumns+` FROM events WHERE id > $1 ORDER BY id LIMIT $2`)
	if err != nil {
		return false, fmt.Errorf("similar events: %w", err)
	}
	rows, err := st.QueryContext(ctx, n.last, limit)
	if err != nil {
		return false, fmt.Errorf("similar events: %w", err)
	}
	read, err := n.scan(rows, since)
	if err != nil {
		return false, err
	}
	st, err = d.ReadStmt(ctx, `SELECT id, event_id, to_state FROM event_actions WHERE id > $1 ORDER BY id LIMIT $2`)
	if err != nil {
		return false, fmt.Errorf("similar events: %w", err)
	}
	if rows, err = st.QueryContext(ctx, n.lastAction, limit); err != nil {
		return false, fmt.Errorf("similar events: %w", err)
	}
	acted, err := n.move(rows)
	if err != nil {
		return false, err
	}
	more = limit >= 0 && (read == limit || acted == limit)
	if verr == nil && !more {
		n.read, n.readSet = version, true
	}
	return more, nil
}

// move applies actions to the states of the events in memory, moves the
// last action read past every row, and counts the rows.
func (n *nearby) move(rows *sql.Rows) (int, error) {
	defer rows.Close()
	read := 0
	for rows.Next() {
		read++
		var id, event int64
		var state string
		if err := rows.Scan(&id, &event, &state); err != nil {
			return read, fmt.Errorf("similar events: %w", err)
		}
		n.lastAction = max(n.lastAction, id)
		if e := n.byID[event]; e != nil {
			e.State = State(state)
		}
	}
	return read, rows.Err()
}

// follow keeps the index current between reports, in chunks, once a
// second: a report then reads only the last moments' events, even after
// another process filed thousands (a demo loading its year) or the server
// started on a busy database.
func (n *nearby) follow(ctx context.Context, d *db.DB, now func() time.Time, log *slog.Logger) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		for more := true; more && ctx.Err() == nil; {
			var err error
			n.mu.Lock()
			chunk := n.chunk
			if chunk <= 0 {
				chunk = followChunk
			}
			more, err = n.catchUp(ctx, d, now().Add(-similarWithin), chunk)
			n.mu.Unlock()
			if err != nil && ctx.Err() == nil {
				log.LogAttrs(ctx, slog.LevelWarn, "similar events: catching up", slog.Any("err", err))
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// followChunk is how many events follow reads under the lock at a time.
const followChunk = 2000

// scan keeps the rows with a point reported at or after since, moves the
// last id read past every row, and counts the rows.
func (n *nearby) scan(rows *sql.Rows, since time.Time) (int, error) {
	defer rows.Close()
	read := 0
	for rows.Next() {
		read++
		var e nearEvent
		var lng, lat sql.NullFloat64
		var reporter sql.NullInt64
		if err := rows.Scan(&e.ID, &e.Code, &e.CategoryCode, &e.Title, &e.Description, &e.State, &e.GridCode, &e.regionPath, &lng, &lat,
			&e.Address, &reporter, &e.CreatedAt); err != nil {
			return read, fmt.Errorf("similar events: %w", err)
		}
		n.last = max(n.last, e.ID)
		if !lng.Valid || !lat.Valid || e.CreatedAt.Before(since) {
			continue
		}
		e.Location, e.CreatedAt = orb.Point{lng.Float64, lat.Float64}, e.CreatedAt.UTC()
		if reporter.Valid {
			id := reporter.Int64
			e.reporterID = &id
		}
		cells := n.cats[e.CategoryCode]
		if cells == nil {
			cells = map[nearCell][]*nearEvent{}
			n.cats[e.CategoryCode] = cells
		}
		c := cellOf(e.Location)
		cells[c] = append(cells[c], &e)
		n.byID[e.ID] = &e
	}
	return read, rows.Err()
}

// prune drops the events reported before since.
func (n *nearby) prune(since time.Time) {
	for cat, cells := range n.cats {
		for c, list := range cells {
			list = slices.DeleteFunc(list, func(e *nearEvent) bool {
				if e.CreatedAt.Before(since) {
					delete(n.byID, e.ID)
					return true
				}
				return false
			})
			if len(list) == 0 {
				delete(cells, c)
			} else {
				cells[c] = list
			}
		}
		if len(cells) == 0 {
			delete(n.cats, cat)
		}
	}
	n.pruned = since
}

// similarNearby is similar on SQLite: the open candidates from memory,
// newest first; one more than similarLimit, as the report itself may be
// among them.
func (s *Service) similarNearby(ctx context.Context, e Event) ([]similarRow, error) {
	return s.near.open(ctx, s.db, e.CategoryCode, *e.Location, e.CreatedAt.Add(-similarWithin), e.ID, similarLimit+1)
}
