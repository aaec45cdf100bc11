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
// change after a report (code, title, text, place, reporter, time).
//
// Before each search it reads the events stored since the last one, by id.
// SQLite hands out ids under its single writer lock, so a transaction that
// took a lower id has committed before a higher one is given: "above the
// last id read" misses nothing, whichever process filed the event. Which
// of the nearest are still open, and in what state, is read from a narrow
// index of open events (events_open), where the newest sit side by side.
//
// A search in SQL reads every open event of the category in a band across
// the city and sorts them; at a busy spot (a burst pipe reported by a whole
// street) that is thousands of rows for every report, and on the single
// SQLite file it competed with the writer for the machine. PostgreSQL,
// whose ids from several processes may commit out of order, keeps the SQL.
type nearby struct {
	mu     sync.Mutex
	loaded bool
	last   int64 // the highest event id read
	pruned time.Time
	cats   map[string]map[nearCell][]*nearEvent
	chunk  int // events follow reads at a time: followChunk, or a test's own
}

// nearCell is a cell of nearCellDeg degrees of latitude and longitude.
type nearCell struct{ x, y int32 }

// nearCellDeg is about 220 m of latitude, and 150 m of longitude at
// Daqing's 46°N: a search's box of ±200 m spans at most 3 × 4 cells.
const nearCellDeg = 0.002

// nearCells is the most cells a search looks into one by one; a box wider
// than that (near a pole) scans the category's cells instead.
const nearCells = 256

type nearEvent struct {
	Similar
	regionPath string
	reporterID *int64
}

func cellOf(p orb.Point) nearCell {
	return nearCell{x: int32(math.Floor(p[0] / nearCellDeg)), y: int32(math.Floor(p[1] / nearCellDeg))}
}

// nearbyColumns are what a suggestion keeps of an event in memory.
const nearbyColumns = `id, code, category_code, title, description, grid_code, region_path, lng, lat, address, reporter_id, created_at`

// candidates returns the events of the category within similarMeters of
// the point, reported at or after since and other than id skip, newest
// first: the events stored up to the moment of the call, open or not.
// The lock covers the catch-up and the choice of cells; the walk reads the
// cells' lists as they were then, which later appends and prunes leave
// alone (an append writes past their end, a prune makes new lists).
func (n *nearby) candidates(ctx context.Context, d *db.DB, category string, at orb.Point, since time.Time, skip int64) (*nearWalk, error) {
	dLat := similarMeters / 111_320.0
	dLng := dLat / math.Cos(at[1]*math.Pi/180)
	lo, hi := cellOf(orb.Point{at[0] - dLng, at[1] - dLat}), cellOf(orb.Point{at[0] + dLng, at[1] + dLat})
	w := &nearWalk{at: at, since: since, skip: skip}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, err := n.catchUp(ctx, d, since, -1); err != nil {
		return nil, err
	}
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
	return w, nil
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

// catchUp reads the events stored since the last call, at most limit of
// them (-1: all), and says whether it stopped at the limit. The first call
// reads only those reported at or after since; a later one drops what has
// grown older than the call's since, once a minute.
func (n *nearby) catchUp(ctx context.Context, d *db.DB, since time.Time, limit int) (more bool, err error) {
	if !n.loaded {
		var last int64
		if err := d.Read().QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&last); err != nil {
			return false, fmt.Errorf("similar events: %w", err)
		}
		n.cats = map[string]map[nearCell][]*nearEvent{}
		rows, err := d.Read().QueryContext(ctx, `SELECT `+nearbyColumns+` FROM events WHERE created_at >= $1 AND id <= $2
			AND lng IS NOT NULL ORDER BY id`, since, last)
		if err != nil {
			return false, fmt.Errorf("similar events: %w", err)
		}
		if _, err := n.scan(rows, since); err != nil {
			return false, err
		}
		n.last, n.loaded, n.pruned = last, true, since
		return false, nil
	}
	if since.Sub(n.pruned) > time.Minute {
		n.prune(since)
	}
	st, err := d.ReadStmt(ctx, `SELECT `+nearbyColumns+` FROM events WHERE id > $1 ORDER BY id LIMIT $2`)
	if err != nil {
		return false, fmt.Errorf("similar events: %w", err)
	}
	rows, err := st.QueryContext(ctx, n.last, limit)
	if err != nil {
		return false, fmt.Errorf("similar events: %w", err)
	}
	read, err := n.scan(rows, since)
	return limit >= 0 && read == limit, err
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
		if err := rows.Scan(&e.ID, &e.Code, &e.CategoryCode, &e.Title, &e.Description, &e.GridCode, &e.regionPath, &lng, &lat,
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
	}
	return read, rows.Err()
}

// prune drops the events reported before since.
func (n *nearby) prune(since time.Time) {
	for cat, cells := range n.cats {
		for c, list := range cells {
			// A copy: a search may still be walking the old list.
			list = slices.DeleteFunc(slices.Clone(list), func(e *nearEvent) bool { return e.CreatedAt.Before(since) })
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

// similarChunk is how many candidates one read of their state takes: the
// suggestions and one more, as the report itself may be among them.
const similarChunk = similarLimit + 1

// similarNearby is similar on SQLite: the candidates from memory, newest
// first, and their state from events_open, until similarChunk open ones
// are found.
func (s *Service) similarNearby(ctx context.Context, e Event) ([]similarRow, error) {
	walk, err := s.near.candidates(ctx, s.db, e.CategoryCode, *e.Location, e.CreatedAt.Add(-similarWithin), e.ID)
	if err != nil {
		return nil, err
	}
	st, err := s.db.ReadStmt(ctx, openOfQuery)
	if err != nil {
		return nil, fmt.Errorf("similar events: %w", err)
	}
	type candidate struct {
		e *nearEvent
		d float64
	}
	var out []similarRow
	chunk := make([]candidate, 0, similarChunk)
	args := make([]any, similarChunk)
	for len(out) < similarChunk {
		chunk = chunk[:0]
		for c, d := walk.next(); c != nil; c, d = walk.next() {
			if chunk = append(chunk, candidate{c, d}); len(chunk) == similarChunk {
				break
			}
		}
		if len(chunk) == 0 {
			break
		}
		for i := range args {
			args[i] = int64(0) // no event has id 0
			if i < len(chunk) {
				args[i] = chunk[i].e.ID
			}
		}
		open, err := openOf(ctx, st, args)
		if err != nil {
			return nil, err
		}
		for _, cd := range chunk {
			c := cd.e
			state, ok := open[c.ID]
			if !ok || len(out) == similarChunk {
				continue
			}
			if out == nil {
				out = make([]similarRow, 0, len(chunk))
			}
			// Who may read a suggestion follows from its place and reporter
			// (and, for a department, its handlers), never from the level
			// holding it, which is left out.
			out = append(out, similarRow{Similar: c.Similar})
			o := &out[len(out)-1]
			o.State, o.DistanceM = state, int(math.Round(cd.d))
			o.e.ID, o.e.CategoryCode, o.e.State, o.e.GridCode = c.ID, c.CategoryCode, state, c.GridCode
			o.e.regionPath, o.e.reporterID = c.regionPath, c.reporterID
		}
		if len(chunk) < similarChunk {
			break
		}
	}
	return out, nil
}

// openOfQuery reads which of similarChunk events are open, from the
// narrow index (its condition is the query's, word for word).
var openOfQuery = `SELECT id, state FROM events INDEXED BY events_open WHERE id IN ` + db.SQLite.Values(1, similarChunk) +
	` AND state NOT IN ('closed', 'rejected', 'duplicate', 'voided')`

// openOf reads which of a chunk's candidates are open, and their states.
func openOf(ctx context.Context, st *sql.Stmt, ids []any) (map[int64]State, error) {
	rows, err := st.QueryContext(ctx, ids...)
	if err != nil {
		return nil, fmt.Errorf("similar events: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]State, len(ids))
	for rows.Next() {
		var id int64
		var state string
		if err := rows.Scan(&id, &state); err != nil {
			return nil, fmt.Errorf("similar events: %w", err)
		}
		out[id] = State(state)
	}
	return out, rows.Err()
}
