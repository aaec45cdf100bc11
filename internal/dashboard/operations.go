package dashboard

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/live"
	"github.com/gridgov/gridgov/internal/region"
)

// OperationsPanel is the 运行管理 panel.
type OperationsPanel struct {
	Region          RegionRef  `json:"region"`
	Path            []PathItem `json:"path"`
	AsOf            time.Time  `json:"as_of"`
	Workers         Counts     `json:"workers"`
	AttendanceToday Attendance `json:"attendance_today"`
	PatrolsToday    Patrols    `json:"patrols_today"`
	Visits          Counts     `json:"visits"`
	WorkerReports   Counts     `json:"worker_reports"`
	Staffing        Staffing   `json:"staffing"`
	IdleGrids       IdleGrids  `json:"idle_grids"`
	Ranking         Ranking    `json:"ranking"`
	Children        []Child    `json:"children"`
}

// Attendance is today's check-ins against the workers scheduled.
type Attendance struct {
	Scheduled int64    `json:"scheduled"`
	CheckedIn int64    `json:"checked_in"`
	Rate      *float64 `json:"rate"`
}

// Patrols is today's patrols.
type Patrols struct {
	Count     int64   `json:"count"`
	DistanceM float64 `json:"distance_m"`
	Workers   int64   `json:"workers"`
}

// Staffing is the staffing of the region (配备率, 专职化率).
type Staffing struct {
	Grids              int64    `json:"grids"`
	Workers            int64    `json:"workers"`
	StaffingRate       *float64 `json:"staffing_rate"`
	FullTimeRate       *float64 `json:"full_time_rate"`
	GridsWithoutWorker int64    `json:"grids_without_worker"`
}

// IdleGrids are the grids without activity for some days.
type IdleGrids struct {
	Days  int        `json:"days"`
	Count int        `json:"count"`
	Items []IdleGrid `json:"items"`
}

// IdleGrid is a grid and when something last happened in it.
type IdleGrid struct {
	Code         string     `json:"code"`
	Name         string     `json:"name"`
	LastActivity *time.Time `json:"last_activity"`
}

// Ranking is the preview of the month's ranking of counties and
// townships under the region.
type Ranking struct {
	Month     string  `json:"month"`
	Counties  []Score `json:"counties"`
	Townships []Score `json:"townships"`
}

// Score is a region's place in the ranking. Score = 100 × (0.3 closure
// rate + 0.3 on-time closure rate + 0.2 satisfaction rate + 0.2
// attendance rate), a missing rate counting as 0.
type Score struct {
	Code             string   `json:"code"`
	Name             string   `json:"name"`
	Score            float64  `json:"score"`
	Rank             int      `json:"rank"`
	ClosureRate      *float64 `json:"closure_rate"`
	OnTimeRate       *float64 `json:"on_time_rate"`
	SatisfactionRate *float64 `json:"satisfaction_rate"`
	AttendanceRate   *float64 `json:"attendance_rate"`
}

// maxIdleItems bounds the idle grids listed; Count has them all.
const maxIdleItems = 200

// ParseIdleDays reads idle_days (default 7, 1..365).
func ParseIdleDays(raw string) (int, error) {
	if raw == "" {
		return 7, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 365 {
		return 0, apperr.Field("idle_days", "must be a whole number of days from 1 to 365")
	}
	return n, nil
}

// Operations returns the 运行管理 panel of a region as JSON.
func (s *Service) Operations(ctx context.Context, p auth.Principal, code, idleDays string) ([]byte, error) {
	n, path, err := s.resolve(ctx, p, code)
	if err != nil {
		return nil, err
	}
	days, err := ParseIdleDays(idleDays)
	if err != nil {
		return nil, err
	}
	key := "operations|" + n.Code + "|" + strconv.Itoa(days) + "|" + string(p.User.Role)
	return s.panel(key, []string{live.Operations}, n.Path, func() (any, error) { return s.operationsPanel(ctx, p, n, path, days) })
}

func (s *Service) operationsPanel(ctx context.Context, p auth.Principal, n *node, path []PathItem, idleDays int) (OperationsPanel, error) {
	now := s.cfg.Now().UTC()
	today := s.today()
	monthStart := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, s.cfg.Zone)
	out := OperationsPanel{Region: ref(n), Path: path, AsOf: now}
	if err := s.syncEvents(ctx, n.Path); err != nil {
		return out, err
	}
	if err := s.syncOperations(ctx, n.Path); err != nil {
		return out, err
	}
	seeWorkforce := s.cfg.Workforce != nil && p.Can(auth.PermWorkforceRead)
	// Reports by workers, from the event figures.
	reports := func(r *node) (int64, int64) {
		sums := s.sumsOf(r)
		return sums.bySource(Range{From: today, To: today})[workerSource], sums.bySource(Range{From: monthStart, To: today})[workerSource]
	}
	s.events.mu.RLock()
	day, month := reports(n)
	kidReports := map[string]int64{}
	for _, c := range n.children {
		_, kidReports[c.Code] = reports(c)
	}
	s.events.mu.RUnlock()
	out.WorkerReports = map[string]int64{"today": day, "month": month}

	s.ops.mu.RLock()
	f := s.opFiguresOf(n, now)
	out.Workers = map[string]int64{"total": f.workers, "full_time": f.fullTime, "part_time": f.workers - f.fullTime, "police": f.police,
		"team_members": f.team, "online_now": f.online}
	out.PatrolsToday = Patrols{Count: f.patrols, DistanceM: f.distance, Workers: f.patrolWorkers}
	out.Visits = map[string]int64{"today": f.visitsToday, "month": f.visitsMonth}
	if seeWorkforce {
		out.AttendanceToday = Attendance{Scheduled: int64(f.tally.ScheduledDays), CheckedIn: int64(f.tally.AttendedDays), Rate: f.tally.Rate}
		out.Staffing = f.staffing()
	}
	out.Children = []Child{}
	for _, c := range n.children {
		k := s.opFiguresOf(c, now)
		m := Measures{"workers": k.workers, "online_now": k.online, "attendance_rate": nil, "staffing_rate": nil,
			"visits_month": k.visitsMonth, "worker_reports_month": kidReports[c.Code]}
		if seeWorkforce {
			m["attendance_rate"], m["staffing_rate"] = k.tally.Rate, k.staffing().StaffingRate
		}
		out.Children = append(out.Children, Child{Code: c.Code, Name: c.Name, Level: c.Level, Measures: m})
	}
	var attendance map[string]*float64
	if seeWorkforce {
		attendance = s.ops.month
	}
	s.ops.mu.RUnlock()
	out.IdleGrids = s.idleGrids(n, idleDays)
	out.Ranking = s.ranking(n, attendance)
	return out, nil
}

func eachRow(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, query string, args []any, fn func(rows *sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("dashboard: operations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("dashboard: operations: %w", err)
		}
	}
	return rows.Err()
}

// idleGrids lists the grids under n with no activity since idleDays ago,
// those never active first.
func (s *Service) idleGrids(n *node, idleDays int) IdleGrids {
	since := s.today().AddDate(0, 0, -idleDays)
	out := IdleGrids{Days: idleDays, Items: []IdleGrid{}}
	s.activityMu.RLock()
	for _, g := range s.tree.Load().gridsUnder(n.Path) {
		last, ok := s.activity[g.Path]
		if ok && !last.Before(since) {
			continue
		}
		out.Count++
		it := IdleGrid{Code: g.Code, Name: g.Name}
		if ok {
			l := last.UTC()
			it.LastActivity = &l
		}
		out.Items = append(out.Items, it)
	}
	s.activityMu.RUnlock()
	sort.SliceStable(out.Items, func(i, j int) bool {
		a, b := out.Items[i].LastActivity, out.Items[j].LastActivity
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		}
		return a.Before(*b)
	})
	if len(out.Items) > maxIdleItems {
		out.Items = out.Items[:maxIdleItems]
	}
	return out
}

// loadActivity finds the last check-in, patrol, visit or worker report of
// each grid under path (its region path on those rows).
func (s *Service) loadActivity(ctx context.Context, path string) error {
	lo, hi := pathRange(path)
	last := map[string]time.Time{}
	note := func(p string, t time.Time) {
		if t.After(last[p]) {
			last[p] = t
		}
	}
	q := s.cfg.DB.Read()
	// MAX over a time column comes back as text on SQLite: parse both.
	for _, query := range []string{
		`SELECT region_path, MAX(day) FROM attendance WHERE region_path >= $1 AND region_path < $2 GROUP BY region_path`,
		`SELECT region_path, MAX(started_at) FROM patrols WHERE region_path >= $1 AND region_path < $2 GROUP BY region_path`,
		`SELECT region_path, MAX(at) FROM visits WHERE region_path >= $1 AND region_path < $2 GROUP BY region_path`,
		`SELECT region_path, MAX(created_at) FROM events WHERE region_path >= $1 AND region_path < $2 AND source = 'worker' GROUP BY region_path`,
	} {
		if err := eachRow(ctx, q, query, []any{lo, hi}, func(rows *sql.Rows) error {
			var p string
			var v any
			if err := rows.Scan(&p, &v); err != nil {
				return err
			}
			if t, ok := s.timeOf(v); ok {
				note(p, t)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	s.activityMu.Lock()
	for p, t := range last {
		if t.After(s.activity[p]) {
			s.activity[p] = t
		}
	}
	s.activityMu.Unlock()
	return nil
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"}

// timeOf reads a time from a driver value: a time, or text as SQLite
// gives aggregates, or a date (a day in the deployment's zone).
func (s *Service) timeOf(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case []byte:
		return s.timeOf(string(x))
	case string:
		if d, err := time.ParseInLocation(time.DateOnly, x, s.cfg.Zone); err == nil {
			return d, true
		}
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, x); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// ranking scores the counties and townships under n for this month from
// the event figures and the month's attendance rates held in memory.
func (s *Service) ranking(n *node, attendance map[string]*float64) Ranking {
	today := s.today()
	month := Range{From: time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, s.cfg.Zone), To: today}
	out := Ranking{Month: today.Format("2006-01"), Counties: []Score{}, Townships: []Score{}}
	var counties, townships []*node
	for _, r := range s.tree.Load().nodesUnder(n.Path) {
		if r.Path == n.Path {
			continue
		}
		switch r.Level {
		case region.County:
			counties = append(counties, r)
		case region.Township:
			townships = append(townships, r)
		}
	}
	s.events.mu.RLock()
	defer s.events.mu.RUnlock()
	score := func(list []*node) []Score {
		res := []Score{}
		for _, r := range list {
			sc := Score{Code: r.Code, Name: r.Name, AttendanceRate: attendance[r.Code]}
			sc.ClosureRate, sc.OnTimeRate, sc.SatisfactionRate = closingRates(s.sumsOf(r).vector(month))
			v := func(f *float64) float64 {
				if f == nil {
					return 0
				}
				return *f
			}
			sc.Score = float64(int64((0.3*v(sc.ClosureRate)+0.3*v(sc.OnTimeRate)+0.2*v(sc.SatisfactionRate)+0.2*v(sc.AttendanceRate))*10000+0.5)) / 100
			res = append(res, sc)
		}
		sort.Slice(res, func(i, j int) bool {
			if res[i].Score != res[j].Score {
				return res[i].Score > res[j].Score
			}
			return res[i].Code < res[j].Code
		})
		for i := range res {
			res[i].Rank = i + 1
		}
		if len(res) > 10 {
			res = res[:10]
		}
		return res
	}
	out.Counties = score(counties)
	out.Townships = score(townships)
	return out
}
