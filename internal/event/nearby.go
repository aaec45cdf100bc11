package event

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
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
	// mu guards what a search reads: the lists and the states. A search
	// holds it shared while it walks; a catch-up holds it alone only to
	// apply what it read.
	mu   sync.RWMutex
	cats map[string]map[nearCell][]*nearEvent
	byID map[int64]*nearEvent

	turns catchUps // one catch-up at a time, for every search waiting

	// own guards what only the catch-up reads and moves on; the catch-up
	// that runs holds it, so it is never contended but by tests.
	own        sync.Mutex
	loaded     bool
	last       int64 // the highest event id read
	lastAction int64 // the highest event_actions id read
	pruned     time.Time
	// read is the database's version when a catch-up last read all there
	// was, if readSet: while it stays the same, there is nothing new.
	read    db.Version
	readSet bool

	chunk atomic.Int64 // rows follow reads at a time: followChunk, or a test's own
}

// catchUps runs the index's catch-ups one at a time. A search needs the
// index to hold what was committed before it began, so it needs a
// catch-up that starts after it: every search that arrives while one
// runs waits for the next, which one of them then runs for all. Searches
// used to take turns at a mutex instead, each catching up under it; at
// 3,000 reports/s the mutex handed itself from waiter to waiter, each
// handover waiting for the scheduler, and searches queued for 15–25 ms
// behind catch-ups of microseconds (docs/BENCHMARKS.md).
type catchUps struct {
	mu      sync.Mutex
	running bool
	begun   uint64        // catch-ups started
	done    uint64        // the last catch-up that read all there was
	wake    chan struct{} // closed when the running catch-up ends
	// gap is the least time from the start of one catch-up to the next
	// (catchUpGap; none when zero), and last when the last one started.
	gap  time.Duration
	last time.Time
}

// catchUpGap is the least time between the starts of two catch-ups. At
// 4,000 reports/s nearly every search ran one of its own, each asking the
// database's version (PRAGMA data_version, half a catch-up's cost) though
// only one search in a group commit found anything new. A catch-up due
// within the gap waits for its end, and the searches arriving meanwhile
// are served by it: it has not yet begun, so it begins after they did.
// The wait overlaps the group commit a search's report waits for anyway,
// and only a busy index waits: one whose last catch-up began within the
// gap.
const catchUpGap = time.Millisecond

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
	if _, err := n.refresh(ctx, d, since, -1); err != nil {
		return nil, err
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
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

// refresh makes the index hold what was committed before the call (see
// catchUps), and says whether the catch-up it ran stopped at limit.
func (n *nearby) refresh(ctx context.Context, d *db.DB, since time.Time, limit int) (more bool, err error) {
	return n.turns.run(ctx, func() (bool, error) { return n.catchUp(ctx, d, since, limit) })
}

// run returns once a catch-up that started after the call has read all
// there was: it runs catchUp, or waits for the catch-up of another call.
// It returns what its own catchUp returned, if it ran one that stopped at
// a limit or failed; the calls waiting for it then run their own.
func (t *catchUps) run(ctx context.Context, catchUp func() (more bool, err error)) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	need := t.begun + 1
	for t.done < need {
		if t.running {
			wake := t.wake
			t.mu.Unlock()
			select {
			case <-wake:
			case <-ctx.Done():
				t.mu.Lock()
				return false, fmt.Errorf("similar events: %w", ctx.Err())
			}
			t.mu.Lock()
			continue
		}
		t.running, t.wake = true, make(chan struct{})
		if wait := time.Until(t.last.Add(t.gap)); wait > 0 {
			if err := t.pause(ctx, wait); err != nil {
				return false, err
			}
		}
		t.begun++
		turn := t.begun
		t.last = time.Now()
		more, err := t.unlocked(catchUp)
		if err != nil || more {
			return more, err
		}
		t.done = turn
	}
	return false, nil
}

// pause waits d without t's lock, the catch-up it is to run marked as
// running but not begun: the calls arriving meanwhile wait for it. If ctx
// ends first, the catch-up is given up and the waiting calls wake to run
// their own.
func (t *catchUps) pause(ctx context.Context, d time.Duration) error {
	t.mu.Unlock()
	timer := time.NewTimer(d)
	var err error
	select {
	case <-timer.C:
	case <-ctx.Done():
		timer.Stop()
		err = fmt.Errorf("similar events: %w", ctx.Err())
	}
	t.mu.Lock()
	if err != nil {
		t.running = false
		close(t.wake)
	}
	return err
}

// unlocked runs catchUp without t's lock, and takes it back to end the
// running catch-up, even if catchUp panics.
func (t *catchUps) unlocked(catchUp func() (bool, error)) (bool, error) {
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.running = false
		close(t.wake)
	}()
	return catchUp()
}

// walk returns the events of the category in the cells around the point,
// newest first; the caller holds mu.
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
// minute. It reads without holding mu, and holds it alone only to apply
// what it read; refresh runs one at a time.
func (n *nearby) catchUp(ctx context.Context, d *db.DB, since time.Time, limit int) (more bool, err error) {
	n.own.Lock()
	defer n.own.Unlock()
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
		rows, err := d.Read().QueryContext(ctx, `SELECT `+nearbyColumns+` FROM events WHERE created_at >= $1 AND id <= $2
			AND lng IS NOT NULL ORDER BY id`, since, last)
		if err != nil {
			return false, fmt.Errorf("similar events: %w", err)
		}
		events, _, err := scanNear(rows, since)
		if err != nil {
			return false, err
		}
		n.mu.Lock()
		n.cats, n.byID = map[string]map[nearCell][]*nearEvent{}, map[int64]*nearEvent{}
		n.add(events)
		n.mu.Unlock()
		n.last, n.lastAction, n.loaded, n.pruned = last, lastAction, true, since
		return false, nil
	}
	prune := since.Sub(n.pruned) > time.Minute
	// Taken before reading: a commit after it shows in the next one.
	version, verr := d.DataVersion(ctx)
	if verr == nil && n.readSet && version == n.read && !prune {
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
	events, read, err := scanNear(rows, since)
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
	moves, err := scanMoves(rows)
	if err != nil {
		return false, err
	}
	// The marks move only with what is applied: a failed read of the
	// actions leaves the events to the next catch-up.
	n.last = max(n.last, events.last)
	if len(moves) > 0 {
		n.lastAction = max(n.lastAction, moves[len(moves)-1].id)
	}
	if read > 0 || len(moves) > 0 || prune {
		n.mu.Lock()
		if prune {
			n.prune(since)
		}
		n.add(events)
		n.move(moves)
		n.mu.Unlock()
		if prune {
			n.pruned = since
		}
	}
	more = limit >= 0 && (read == limit || len(moves) == limit)
	if verr == nil && !more {
		n.read, n.readSet = version, true
	}
	return more, nil
}

// stateMove is an action's new state for an event.
type stateMove struct {
	id, event int64
	state     State
}

// scanMoves reads actions' ids, events and new states, in order.
func scanMoves(rows *sql.Rows) ([]stateMove, error) {
	defer rows.Close()
	var moves []stateMove
	for rows.Next() {
		var m stateMove
		if err := rows.Scan(&m.id, &m.event, &m.state); err != nil {
			return nil, fmt.Errorf("similar events: %w", err)
		}
		moves = append(moves, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("similar events: %w", err)
	}
	return moves, nil
}

// move applies actions to the states of the events in memory, in the
// order taken; the caller holds mu alone.
func (n *nearby) move(moves []stateMove) {
	for _, m := range moves {
		if e := n.byID[m.event]; e != nil {
			e.State = m.state
		}
	}
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
			chunk := int(n.chunk.Load())
			if chunk <= 0 {
				chunk = followChunk
			}
			var err error
			more, err = n.refresh(ctx, d, now().Add(-similarWithin), chunk)
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

// followChunk is how many events follow reads at a time.
const followChunk = 2000

// nearEvents are events read for the index, and the highest id read.
type nearEvents struct {
	list []*nearEvent
	last int64
}

// scanNear reads events and keeps those with a point reported at or after
// since; it counts the rows read.
func scanNear(rows *sql.Rows, since time.Time) (nearEvents, int, error) {
	defer rows.Close()
	var out nearEvents
	read := 0
	for rows.Next() {
		read++
		e := &nearEvent{}
		var lng, lat sql.NullFloat64
		var reporter sql.NullInt64
		if err := rows.Scan(&e.ID, &e.Code, &e.CategoryCode, &e.Title, &e.Description, &e.State, &e.GridCode, &e.regionPath, &lng, &lat,
			&e.Address, &reporter, &e.CreatedAt); err != nil {
			return out, read, fmt.Errorf("similar events: %w", err)
		}
		out.last = max(out.last, e.ID)
		if !lng.Valid || !lat.Valid || e.CreatedAt.Before(since) {
			continue
		}
		e.Location, e.CreatedAt = orb.Point{lng.Float64, lat.Float64}, e.CreatedAt.UTC()
		if reporter.Valid {
			id := reporter.Int64
			e.reporterID = &id
		}
		out.list = append(out.list, e)
	}
	if err := rows.Err(); err != nil {
		return out, read, fmt.Errorf("similar events: %w", err)
	}
	return out, read, nil
}

// add puts events, in the order of ids, into their cells; the caller holds
// mu alone.
func (n *nearby) add(events nearEvents) {
	for _, e := range events.list {
		cells := n.cats[e.CategoryCode]
		if cells == nil {
			cells = map[nearCell][]*nearEvent{}
			n.cats[e.CategoryCode] = cells
		}
		c := cellOf(e.Location)
		cells[c] = append(cells[c], e)
		n.byID[e.ID] = e
	}
}

// prune drops the events reported before since; the caller holds mu
// alone.
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
}

// similarNearby is similar on SQLite: the open candidates from memory,
// newest first; one more than similarCandidates, as the report itself may
// be among them.
func (s *Service) similarNearby(ctx context.Context, e Event) ([]similarRow, error) {
	return s.near.open(ctx, s.db, e.CategoryCode, *e.Location, e.CreatedAt.Add(-similarWithin), e.ID, similarCandidates+1)
}
