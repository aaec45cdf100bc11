package dashboard

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/live"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/workforce"
)

// The operations figures of each leaf (the region path of the workers,
// check-ins, patrols and visits: a grid, as a rule) are held in memory,
// loaded at start and reloaded for the path a change names; figures that
// move with the clock (online now) keep the times they depend on. Today's
// attendance comes from the workforce service once per village (its grids
// are its children) and is summed up the tree: a tally is additive.

// patrolFact is a patrol begun in the last day.
type patrolFact struct {
	worker        int64
	started, last int64 // Unix µs
	distance      float64
}

// opLeaf is the operations figures of one leaf.
type opLeaf struct {
	workers, fullTime, team, police int64
	checkedIn                       []int64 // workers checked in today and not out
	patrols                         []patrolFact
	visitsToday, visitsMonth        int64
}

type opStore struct {
	mu      sync.RWMutex
	leaves  map[string]*opLeaf
	paths   []string
	staffed map[string]bool            // grid code → has an active worker
	tally   map[string]workforce.Tally // grid code → today's tally; "own:" + code → the workers placed at a region above the grids
	month   map[string]*float64        // county or township code → this month's attendance rate
	day     string                     // the day the figures are of
	monthAt time.Time                  // when month was computed
}

func newOpStore() *opStore {
	return &opStore{leaves: map[string]*opLeaf{}, staffed: map[string]bool{}, tally: map[string]workforce.Tally{}, month: map[string]*float64{}}
}

func (st *opStore) leaf(path string) *opLeaf {
	l := st.leaves[path]
	if l == nil {
		l = &opLeaf{}
		st.leaves[path] = l
	}
	return l
}

// system reads the workforce measures for the dashboards' own memory.
var system = auth.Principal{User: auth.User{Username: "dashboard", Role: auth.RoleAdmin}}

// loadOperations reads the operations figures under path (Root: all),
// with today's attendance when tallies is set.
func (s *Service) loadOperations(ctx context.Context, path string, tallies bool) error {
	lo, hi := pathRange(path)
	now := s.cfg.Now().UTC()
	today := s.today()
	day := today.Format(time.DateOnly)
	start := today.UTC()
	fresh := map[string]*opLeaf{}
	leaf := func(p string) *opLeaf {
		l := fresh[p]
		if l == nil {
			l = &opLeaf{}
			fresh[p] = l
		}
		return l
	}
	q := s.cfg.DB.Read()
	staffed := map[string]bool{}
	steps := []struct {
		query string
		args  []any
		scan  func(rows *sql.Rows) error
	}{
		{`SELECT region_path, employment, COUNT(*) FROM workers WHERE active AND region_path >= $1 AND region_path < $2 GROUP BY region_path, employment`,
			[]any{lo, hi}, func(rows *sql.Rows) error {
				var p, employment string
				var c int64
				if err := rows.Scan(&p, &employment, &c); err != nil {
					return err
				}
				l := leaf(p)
				l.workers += c
				if employment == string(workforce.FullTime) {
					l.fullTime += c
				}
				return nil
			}},
		{`SELECT region_path, role, COUNT(*) FROM team_members WHERE region_path >= $1 AND region_path < $2 GROUP BY region_path, role`,
			[]any{lo, hi}, func(rows *sql.Rows) error {
				var p, role string
				var c int64
				if err := rows.Scan(&p, &role, &c); err != nil {
					return err
				}
				l := leaf(p)
				l.team += c
				if role == string(workforce.RolePolice) {
					l.police += c
				}
				return nil
			}},
		{`SELECT a.region_path, a.worker_id FROM attendance a WHERE a.day = $1 AND a.kind = 'check_in' AND a.region_path >= $2 AND a.region_path < $3
			AND NOT EXISTS (SELECT 1 FROM attendance o WHERE o.worker_id = a.worker_id AND o.day = a.day AND o.kind = 'check_out')`,
			[]any{day, lo, hi}, func(rows *sql.Rows) error {
				var p string
				var id int64
				if err := rows.Scan(&p, &id); err != nil {
					return err
				}
				l := leaf(p)
				l.checkedIn = append(l.checkedIn, id)
				return nil
			}},
		{`SELECT region_path, worker_id, started_at, last_at, distance_m FROM patrols WHERE started_at >= $1 AND region_path >= $2 AND region_path < $3`,
			[]any{earliest(start, now.Add(-24*time.Hour)), lo, hi}, func(rows *sql.Rows) error {
				var p string
				var f patrolFact
				var started time.Time
				var last sql.NullTime
				var dist sql.NullFloat64
				if err := rows.Scan(&p, &f.worker, &started, &last, &dist); err != nil {
					return err
				}
				f.started, f.distance = started.UnixMicro(), dist.Float64
				if last.Valid {
					f.last = last.Time.UnixMicro()
				}
				l := leaf(p)
				l.patrols = append(l.patrols, f)
				return nil
			}},
		{`SELECT region_path, COUNT(*), COALESCE(SUM(CASE WHEN at >= $4 THEN 1 ELSE 0 END), 0) FROM visits
			WHERE month = $1 AND region_path >= $2 AND region_path < $3 GROUP BY region_path`,
			[]any{today.Format("2006-01"), lo, hi, start}, func(rows *sql.Rows) error {
				var p string
				var m, d int64
				if err := rows.Scan(&p, &m, &d); err != nil {
					return err
				}
				l := leaf(p)
				l.visitsMonth, l.visitsToday = m, d
				return nil
			}},
		// The grids with an active worker, as the workforce's staffing counts them.
		{`SELECT g.code FROM regions g WHERE g.level = 5 AND g.path >= $1 AND g.path < $2 AND EXISTS (SELECT 1 FROM worker_grids wg
			JOIN workers w ON w.id = wg.worker_id WHERE wg.grid_code = g.code AND w.active)`, []any{lo, hi}, func(rows *sql.Rows) error {
			var code string
			if err := rows.Scan(&code); err != nil {
				return err
			}
			staffed[code] = true
			return nil
		}},
	}
	for _, st := range steps {
		if err := eachRow(ctx, q, st.query, st.args, st.scan); err != nil {
			return err
		}
	}
	var tally map[string]workforce.Tally
	if tallies {
		var err error
		if tally, err = s.loadTallies(ctx, path, day); err != nil {
			return err
		}
	}
	st := s.ops
	st.mu.Lock()
	defer st.mu.Unlock()
	i := sort.SearchStrings(st.paths, lo)
	j := sort.SearchStrings(st.paths, hi)
	for _, p := range st.paths[i:j] {
		delete(st.leaves, p)
	}
	for p, l := range fresh {
		st.leaves[p] = l
	}
	st.paths = st.paths[:0]
	for p := range st.leaves {
		st.paths = append(st.paths, p)
	}
	sort.Strings(st.paths)
	for _, g := range s.tree.Load().gridsUnder(path) {
		delete(st.staffed, g.Code)
	}
	for code := range staffed {
		st.staffed[code] = true
	}
	for k, v := range tally {
		st.tally[k] = v
	}
	if path == live.Root && tallies {
		st.day = day
	}
	return nil
}

// loadTallies asks the workforce service for today's attendance of the
// regions whose figures a change at path moves: a grid's village, or the
// region itself; every parent of a grid at the root.
func (s *Service) loadTallies(ctx context.Context, path, day string) (map[string]workforce.Tally, error) {
	out := map[string]workforce.Tally{}
	w := s.cfg.Workforce
	t := s.tree.Load()
	if w == nil || t == nil {
		return out, nil
	}
	// Every worker has a primary grid, so a region's tally is the sum of
	// its grids': the parents of the grids are asked, and what a parent
	// counts beyond its grids is kept as its own all the same.
	var calls []*node
	if path == live.Root {
		seen := map[string]bool{}
		for _, g := range t.grids {
			if p := t.byCode[g.ParentCode]; p != nil && !seen[p.Code] {
				seen[p.Code] = true
				calls = append(calls, p)
			}
		}
	} else if n := t.byCode[lastCode(path)]; n != nil {
		if n.Level == region.Grid {
			n = t.byCode[n.ParentCode]
		}
		if n != nil {
			calls = append(calls, n)
		}
	}
	for _, n := range calls {
		att, err := w.AttendanceRates(ctx, system, n.Code, workforce.Period{Date: day})
		if err != nil {
			return nil, fmt.Errorf("dashboard: attendance of %s: %w", n.Code, err)
		}
		own := att.Tally
		for _, c := range att.Children {
			own.ScheduledDays -= c.Tally.ScheduledDays
			own.LeaveDays -= c.Tally.LeaveDays
			own.AttendedDays -= c.Tally.AttendedDays
			own.LateDays -= c.Tally.LateDays
			if c.Level == region.Grid {
				out[c.Region] = c.Tally
			}
		}
		out["own:"+n.Code] = own
	}
	return out, nil
}

// loadMonthAttendance works out this month's attendance rate of every
// county and township for the ranking.
func (s *Service) loadMonthAttendance(ctx context.Context) error {
	w := s.cfg.Workforce
	t := s.tree.Load()
	if w == nil || t == nil || t.city == nil {
		return nil
	}
	month := s.today().Format("2006-01")
	rates := map[string]*float64{}
	parents := []string{t.city.Code}
	for _, c := range t.city.children {
		parents = append(parents, c.Code)
	}
	for _, code := range parents {
		att, err := w.AttendanceRates(ctx, system, code, workforce.Period{Month: month})
		if err != nil {
			return fmt.Errorf("dashboard: month attendance of %s: %w", code, err)
		}
		for _, c := range att.Children {
			rates[c.Region] = c.Tally.Rate
		}
	}
	s.ops.mu.Lock()
	s.ops.month, s.ops.monthAt = rates, time.Now()
	s.ops.mu.Unlock()
	return nil
}

// opFigures are a region's operations figures summed from memory.
type opFigures struct {
	workers, fullTime, team, police int64
	online                          int64
	patrols, patrolWorkers          int64
	distance                        float64
	visitsToday, visitsMonth        int64
	tally                           workforce.Tally
	grids, staffedGrids             int64
}

// opFiguresOf sums the figures under n; online holds the workers online
// (worker → leaf) when a caller needs to place them. The caller holds mu.
func (s *Service) opFiguresOf(n *node, now time.Time) opFigures {
	st := s.ops
	var f opFigures
	lo, hi := pathRange(n.Path)
	i := sort.SearchStrings(st.paths, lo)
	j := sort.SearchStrings(st.paths, hi)
	// Workers are counted once however many grids and patrols they have:
	// ids gathered in scratch slices kept between requests, sorted and
	// compacted (a city has thousands of them).
	bufs := s.idBufs.Get().(*[2][]int64)
	defer s.idBufs.Put(bufs)
	online, patrolling := bufs[0][:0], bufs[1][:0]
	defer func() { bufs[0], bufs[1] = online, patrolling }()
	today := s.today().UnixMicro()
	tomorrow := s.today().AddDate(0, 0, 1).UnixMicro()
	recent, dayAgo := now.Add(-15*time.Minute).UnixMicro(), now.Add(-24*time.Hour).UnixMicro()
	for _, p := range st.paths[i:j] {
		l := st.leaves[p]
		f.workers += l.workers
		f.fullTime += l.fullTime
		f.team += l.team
		f.police += l.police
		f.visitsToday += l.visitsToday
		f.visitsMonth += l.visitsMonth
		online = append(online, l.checkedIn...)
		for _, pt := range l.patrols {
			if pt.started >= dayAgo && pt.last >= recent {
				online = append(online, pt.worker)
			}
			if pt.started >= today && pt.started < tomorrow {
				f.patrols++
				f.distance += pt.distance
				patrolling = append(patrolling, pt.worker)
			}
		}
	}
	f.online = distinct(online)
	f.patrolWorkers = distinct(patrolling)
	t := s.tree.Load()
	for _, g := range t.gridsUnder(n.Path) {
		f.grids++
		if st.staffed[g.Code] {
			f.staffedGrids++
		}
		add(&f.tally, st.tally[g.Code])
	}
	for _, r := range t.nodesUnder(n.Path) {
		if r.Level < region.Grid {
			add(&f.tally, st.tally["own:"+r.Code])
		}
	}
	f.tally.Rate = ratio(int64(f.tally.AttendedDays), int64(f.tally.ScheduledDays))
	return f
}

func add(t *workforce.Tally, o workforce.Tally) {
	t.ScheduledDays += o.ScheduledDays
	t.LeaveDays += o.LeaveDays
	t.AttendedDays += o.AttendedDays
	t.LateDays += o.LateDays
}

func (f opFigures) staffing() Staffing {
	return Staffing{Grids: f.grids, Workers: f.workers, StaffingRate: ratio(f.workers, f.grids), FullTimeRate: ratio(f.fullTime, f.workers),
		GridsWithoutWorker: f.grids - f.staffedGrids}
}

func (st *opStore) dayOf() string {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.day
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// distinct counts the different values of ids, which it sorts.
func distinct(ids []int64) int64 {
	slices.Sort(ids)
	return int64(len(slices.Compact(ids)))
}
