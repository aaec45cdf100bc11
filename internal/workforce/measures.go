package workforce

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/workcal"
)

// Tally is the attendance of a worker, or of many summed, over a period.
// Scheduled days count only days already begun and exclude leave; the
// rate is attended ÷ scheduled (null when nothing was scheduled), so a
// day is counted once however many times a worker checked in.
type Tally struct {
	ScheduledDays int      `json:"scheduled_days"`
	LeaveDays     int      `json:"leave_days"`
	AttendedDays  int      `json:"attended_days"`
	LateDays      int      `json:"late_days"`
	Rate          *float64 `json:"rate"`
}

func (t *Tally) add(o Tally) {
	t.ScheduledDays += o.ScheduledDays
	t.LeaveDays += o.LeaveDays
	t.AttendedDays += o.AttendedDays
	t.LateDays += o.LateDays
}

func (t *Tally) finish() { t.Rate = ratio(t.AttendedDays, t.ScheduledDays) }

func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}

// DayAttendance is one day of a worker's month. Status is off (not
// scheduled), leave, present, absent, upcoming (not begun) or
// not_hired (before the hire date).
type DayAttendance struct {
	Date     string     `json:"date"`
	Status   string     `json:"status"`
	CheckIn  *time.Time `json:"check_in,omitempty"`
	CheckOut *time.Time `json:"check_out,omitempty"`
	Late     bool       `json:"late,omitempty"`
	Early    bool       `json:"early,omitempty"`
}

// WorkerAttendance is a worker's tally over a period, with the days when
// one worker is asked for.
type WorkerAttendance struct {
	WorkerID    int64           `json:"worker_id"`
	Name        string          `json:"name"`
	PrimaryGrid string          `json:"primary_grid"`
	Employment  Employment      `json:"employment"`
	From        string          `json:"from"`
	To          string          `json:"to"`
	Tally       Tally           `json:"tally"`
	Days        []DayAttendance `json:"days,omitempty"`
}

// AttendanceSummary is the attendance of the active workers placed in a
// region, and of each region directly under it.
type AttendanceSummary struct {
	Region   string              `json:"region"`
	Name     string              `json:"name"`
	Level    region.Level        `json:"level"`
	From     string              `json:"from"`
	To       string              `json:"to"`
	Workers  int                 `json:"workers"`
	Tally    Tally               `json:"tally"`
	Children []AttendanceSummary `json:"children,omitempty"`
}

// Period names the days a measure covers: a month (YYYY-MM) or one day
// (YYYY-MM-DD); neither means the current month.
type Period struct {
	Month string
	Date  string
}

var monthPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// days resolves a period to its first and last day.
func (s *Service) days(p Period) (from, to workcal.Date, err error) {
	switch {
	case p.Month != "" && p.Date != "":
		return from, to, apperr.Field("date", "give a month or a date, not both")
	case p.Date != "":
		d, err := parseDate(p.Date)
		if err != nil {
			return from, to, apperr.Field("date", err.Error())
		}
		return d, d, nil
	case p.Month == "":
		today := s.dayOf(s.now())
		p.Month = fmt.Sprintf("%04d-%02d", today.Year, today.Month)
	}
	if !monthPattern.MatchString(p.Month) {
		return from, to, apperr.Field("month", "must be a month as YYYY-MM")
	}
	from, _ = workcal.ParseDate(p.Month + "-01")
	to = workcal.Date{Year: from.Year, Month: from.Month + 1, Day: 1}
	if to.Month > 12 {
		to = workcal.Date{Year: from.Year + 1, Month: 1, Day: 1}
	}
	return from, to.AddDays(-1), nil
}

// member is the part of a worker the measures need.
type member struct {
	id         int64
	name       string
	grid       string
	path       string
	employment Employment
	hire       string
	schedule   *Schedule
}

// checked is a worker's check-in and check-out of one day.
type checked struct {
	in, out     *time.Time
	late, early bool
}

// tally counts a worker's days from..to; with detail it lists them.
func (s *Service) tally(m member, from, to, today workcal.Date, days map[string]*checked, leave []span, detail bool) (Tally, []DayAttendance) {
	var t Tally
	var out []DayAttendance
	for d := from; d.Compare(to) <= 0; d = d.AddDays(1) {
		key := d.String()
		c := days[key]
		day := DayAttendance{Date: key}
		if c != nil {
			day.CheckIn, day.CheckOut, day.Late, day.Early = c.in, c.out, c.late, c.early
		}
		switch {
		case key < m.hire:
			day.Status = "not_hired"
		case !s.scheduled(m.schedule, d):
			day.Status = "off"
		case d.Compare(today) > 0:
			day.Status = "upcoming"
		case onLeave(leave, key):
			day.Status = "leave"
			t.LeaveDays++
		default:
			t.ScheduledDays++
			day.Status = "absent"
			if c != nil && c.in != nil {
				day.Status = "present"
				t.AttendedDays++
				if c.late {
					t.LateDays++
				}
			}
		}
		if detail {
			out = append(out, day)
		}
	}
	t.finish()
	return t, out
}

func onLeave(leave []span, day string) bool {
	for _, sp := range leave {
		if sp.holds(day) {
			return true
		}
	}
	return false
}

// checkins loads check-ins and check-outs from..to, of the given workers
// (ids) or of the active workers in the path range [lo, hi).
func checkins(ctx context.Context, q db.Querier, ids []int64, lo, hi, from, to string) (map[int64]map[string]*checked, error) {
	var rows *sql.Rows
	var err error
	if ids != nil {
		if len(ids) == 0 {
			return map[int64]map[string]*checked{}, nil
		}
		args := []any{from, to}
		marks := make([]string, len(ids))
		for i, id := range ids {
			args = append(args, id)
			marks[i] = "$" + strconv.Itoa(i+3)
		}
		rows, err = q.QueryContext(ctx, `SELECT worker_id, day, kind, at, off_schedule FROM attendance
			WHERE day >= $1 AND day <= $2 AND worker_id IN (`+strings.Join(marks, ", ")+`)`, args...)
	} else {
		rows, err = q.QueryContext(ctx, `SELECT a.worker_id, a.day, a.kind, a.at, a.off_schedule FROM attendance a
			JOIN workers w ON w.id = a.worker_id WHERE w.active AND w.region_path >= $1 AND w.region_path < $2
			AND a.day >= $3 AND a.day <= $4`, lo, hi, from, to)
	}
	if err != nil {
		return nil, fmt.Errorf("attendance: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[string]*checked{}
	for rows.Next() {
		var id int64
		var day, kind string
		var at time.Time
		var off bool
		if err := rows.Scan(&id, &day, &kind, &at, &off); err != nil {
			return nil, fmt.Errorf("attendance: %w", err)
		}
		if out[id] == nil {
			out[id] = map[string]*checked{}
		}
		c := out[id][day]
		if c == nil {
			c = &checked{}
			out[id][day] = c
		}
		at = at.UTC()
		if Kind(kind) == CheckIn {
			c.in, c.late = &at, off
		} else {
			c.out, c.early = &at, off
		}
	}
	return out, rows.Err()
}

const memberColumns = `id, name, primary_grid, region_path, employment, hire_date, schedule`

func scanMembers(rows *sql.Rows, err error) ([]member, error) {
	if err != nil {
		return nil, fmt.Errorf("workers: %w", err)
	}
	defer rows.Close()
	var out []member
	for rows.Next() {
		var m member
		var employment, schedule string
		if err := rows.Scan(&m.id, &m.name, &m.grid, &m.path, &employment, &m.hire, &schedule); err != nil {
			return nil, fmt.Errorf("workers: %w", err)
		}
		m.employment = Employment(employment)
		if m.schedule, err = decodeSchedule(schedule); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// WorkerAttendanceOf returns one worker's attendance day by day. The worker
// sees their own; readers of the workforce those in their scope.
func (s *Service) WorkerAttendanceOf(ctx context.Context, p auth.Principal, workerID int64, period Period) (WorkerAttendance, error) {
	from, to, err := s.days(period)
	if err != nil {
		return WorkerAttendance{}, err
	}
	w, err := s.GetWorker(ctx, p, workerID)
	if err != nil {
		return WorkerAttendance{}, err
	}
	m := member{id: w.ID, name: w.Name, grid: w.PrimaryGrid, employment: w.Employment, hire: w.HireDate, schedule: w.Schedule}
	f, t := from.String(), to.String()
	ci, err := checkins(ctx, s.db.Read(), []int64{w.ID}, "", "", f, t)
	if err != nil {
		return WorkerAttendance{}, err
	}
	lv, err := leavesOf(ctx, s.db.Read(), []int64{w.ID}, f, t)
	if err != nil {
		return WorkerAttendance{}, err
	}
	out := WorkerAttendance{WorkerID: w.ID, Name: w.Name, PrimaryGrid: w.PrimaryGrid, Employment: w.Employment, From: f, To: t}
	out.Tally, out.Days = s.tally(m, from, to, s.dayOf(s.now()), ci[w.ID], lv[w.ID], true)
	return out, nil
}

// AttendancePage is a page of per-worker tallies.
type AttendancePage struct {
	From      string             `json:"from"`
	To        string             `json:"to"`
	Items     []WorkerAttendance `json:"items"`
	NextAfter int64              `json:"next_after,omitempty"`
}

// WorkerRates lists the tally of each active worker placed in a region, by
// worker id.
func (s *Service) WorkerRates(ctx context.Context, p auth.Principal, regionCode string, period Period, after int64, limit int) (AttendancePage, error) {
	if err := requireRead(p); err != nil {
		return AttendancePage{}, err
	}
	from, to, err := s.days(period)
	if err != nil {
		return AttendancePage{}, err
	}
	r, err := s.regionFor(ctx, p, regionCode)
	if err != nil {
		return AttendancePage{}, err
	}
	var fs apperr.Fields
	if limit = pageLimit(&fs, limit); fs.Err() != nil {
		return AttendancePage{}, fs.Err()
	}
	lo, hi := scopeOf(r.Path)
	ms, err := scanMembers(s.db.Read().QueryContext(ctx, `SELECT `+memberColumns+` FROM workers WHERE active AND region_path >= $1
		AND region_path < $2 AND id > $3 ORDER BY id LIMIT $4`, lo, hi, after, limit+1))
	if err != nil {
		return AttendancePage{}, err
	}
	page := AttendancePage{From: from.String(), To: to.String(), Items: []WorkerAttendance{}}
	if len(ms) > limit {
		ms = ms[:limit]
		page.NextAfter = ms[limit-1].id
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	ci, err := checkins(ctx, s.db.Read(), ids, "", "", page.From, page.To)
	if err != nil {
		return AttendancePage{}, err
	}
	lv, err := leavesOf(ctx, s.db.Read(), ids, page.From, page.To)
	if err != nil {
		return AttendancePage{}, err
	}
	today := s.dayOf(s.now())
	for _, m := range ms {
		t, _ := s.tally(m, from, to, today, ci[m.id], lv[m.id], false)
		page.Items = append(page.Items, WorkerAttendance{WorkerID: m.id, Name: m.name, PrimaryGrid: m.grid, Employment: m.employment,
			From: page.From, To: page.To, Tally: t})
	}
	return page, nil
}

// AttendanceRates sums the attendance of the active workers placed in a
// region over a period, and of each region directly under it: the check-in
// rate of DESIGN.md at every level.
func (s *Service) AttendanceRates(ctx context.Context, p auth.Principal, regionCode string, period Period) (AttendanceSummary, error) {
	if err := requireRead(p); err != nil {
		return AttendanceSummary{}, err
	}
	from, to, err := s.days(period)
	if err != nil {
		return AttendanceSummary{}, err
	}
	r, err := s.regionFor(ctx, p, regionCode)
	if err != nil {
		return AttendanceSummary{}, err
	}
	f, t := from.String(), to.String()
	lo, hi := scopeOf(r.Path)
	ms, err := scanMembers(s.db.Read().QueryContext(ctx, `SELECT `+memberColumns+` FROM workers WHERE active AND region_path >= $1
		AND region_path < $2`, lo, hi))
	if err != nil {
		return AttendanceSummary{}, err
	}
	ci, err := checkins(ctx, s.db.Read(), nil, lo, hi, f, t)
	if err != nil {
		return AttendanceSummary{}, err
	}
	lv, err := leavesUnder(ctx, s.db.Read(), lo, hi, f, t)
	if err != nil {
		return AttendanceSummary{}, err
	}
	kids, err := children(ctx, s.db.Read(), r.Code)
	if err != nil {
		return AttendanceSummary{}, err
	}
	top := AttendanceSummary{Region: r.Code, Name: r.Name, Level: r.Level, From: f, To: t}
	byChild := map[string]*AttendanceSummary{}
	for _, k := range kids {
		top.Children = append(top.Children, AttendanceSummary{Region: k.Code, Name: k.Name, Level: k.Level, From: f, To: t})
	}
	for i := range top.Children {
		byChild[top.Children[i].Region] = &top.Children[i]
	}
	today := s.dayOf(s.now())
	for _, m := range ms {
		tl, _ := s.tally(m, from, to, today, ci[m.id], lv[m.id], false)
		top.Workers++
		top.Tally.add(tl)
		if c := byChild[childCode(r.Path, m.path)]; c != nil {
			c.Workers++
			c.Tally.add(tl)
		}
	}
	top.Tally.finish()
	for i := range top.Children {
		top.Children[i].Tally.finish()
	}
	return top, nil
}

// children lists the regions directly under a region.
func children(ctx context.Context, q db.Querier, code string) ([]region.Region, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name, level, path FROM regions WHERE parent_code = $1 ORDER BY code`, code)
	if err != nil {
		return nil, fmt.Errorf("regions under %s: %w", code, err)
	}
	defer rows.Close()
	var out []region.Region
	for rows.Next() {
		var r region.Region
		if err := rows.Scan(&r.Code, &r.Name, &r.Level, &r.Path); err != nil {
			return nil, fmt.Errorf("regions under %s: %w", code, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Staffing is the staffing of a region (配备率, 专职化率): its grids in
// force, those with at least one active worker, and the active workers
// whose primary grid lies in it. The staffing rate is workers ÷ grids (it
// may pass 100%), the full-time rate full-time workers ÷ workers.
type Staffing struct {
	Region          string       `json:"region"`
	Name            string       `json:"name"`
	Level           region.Level `json:"level"`
	Grids           int          `json:"grids"`
	StaffedGrids    int          `json:"staffed_grids"`
	UnstaffedGrids  int          `json:"unstaffed_grids"`
	Workers         int          `json:"workers"`
	FullTimeWorkers int          `json:"full_time_workers"`
	StaffingRate    *float64     `json:"staffing_rate"`
	FullTimeRate    *float64     `json:"full_time_rate"`
	Children        []Staffing   `json:"children,omitempty"`
}

func (st *Staffing) finish() {
	st.UnstaffedGrids = st.Grids - st.StaffedGrids
	st.StaffingRate = ratio(st.Workers, st.Grids)
	st.FullTimeRate = ratio(st.FullTimeWorkers, st.Workers)
}

// gridsInForce selects the grids of a path range that are valid now.
const gridsInForce = `g.level = 5 AND g.path >= $1 AND g.path < $2 AND (g.valid_to IS NULL OR g.valid_to > $3)`

// staffedGrid says a grid has an active worker.
const staffedGrid = `EXISTS (SELECT 1 FROM worker_grids wg JOIN workers w ON w.id = wg.worker_id WHERE wg.grid_code = g.code AND w.active)`

// StaffingOf measures the staffing of a region and of each region directly
// under it.
func (s *Service) StaffingOf(ctx context.Context, p auth.Principal, regionCode string) (Staffing, error) {
	if err := requireRead(p); err != nil {
		return Staffing{}, err
	}
	r, err := s.regionFor(ctx, p, regionCode)
	if err != nil {
		return Staffing{}, err
	}
	lo, hi := scopeOf(r.Path)
	top := Staffing{Region: r.Code, Name: r.Name, Level: r.Level}
	kids, err := children(ctx, s.db.Read(), r.Code)
	if err != nil {
		return Staffing{}, err
	}
	byChild := map[string]*Staffing{}
	for _, k := range kids {
		top.Children = append(top.Children, Staffing{Region: k.Code, Name: k.Name, Level: k.Level})
	}
	for i := range top.Children {
		byChild[top.Children[i].Region] = &top.Children[i]
	}
	each := func(add func(st *Staffing)) func(path string) {
		return func(path string) {
			add(&top)
			if c := byChild[childCode(r.Path, path)]; c != nil {
				add(c)
			}
		}
	}
	// One pass over the grids in force says which are staffed.
	rows, err := s.db.Read().QueryContext(ctx, `SELECT g.path, `+staffedGrid+` FROM regions g WHERE `+gridsInForce, lo, hi, s.now().UTC())
	if err != nil {
		return Staffing{}, fmt.Errorf("staffing of %s: %w", r.Code, err)
	}
	for rows.Next() {
		var path string
		var staffed bool
		if err := rows.Scan(&path, &staffed); err != nil {
			rows.Close()
			return Staffing{}, fmt.Errorf("staffing of %s: %w", r.Code, err)
		}
		each(func(st *Staffing) {
			st.Grids++
			if staffed {
				st.StaffedGrids++
			}
		})(path)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Staffing{}, fmt.Errorf("staffing of %s: %w", r.Code, err)
	}
	rows, err = s.db.Read().QueryContext(ctx, `SELECT region_path, employment FROM workers WHERE active AND region_path >= $1 AND region_path < $2`, lo, hi)
	if err != nil {
		return Staffing{}, fmt.Errorf("staffing of %s: %w", r.Code, err)
	}
	defer rows.Close()
	for rows.Next() {
		var path, employment string
		if err := rows.Scan(&path, &employment); err != nil {
			return Staffing{}, fmt.Errorf("staffing of %s: %w", r.Code, err)
		}
		each(func(st *Staffing) {
			st.Workers++
			if Employment(employment) == FullTime {
				st.FullTimeWorkers++
			}
		})(path)
	}
	if err := rows.Err(); err != nil {
		return Staffing{}, fmt.Errorf("staffing of %s: %w", r.Code, err)
	}
	top.finish()
	for i := range top.Children {
		top.Children[i].finish()
	}
	return top, nil
}

// GridRef names a grid.
type GridRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// GridPage is a page of grids; NextAfter (a grid code) continues it.
type GridPage struct {
	Items     []GridRef `json:"items"`
	NextAfter string    `json:"next_after,omitempty"`
}

// UnstaffedGrids lists the grids in force in a region without an active
// worker, by code.
func (s *Service) UnstaffedGrids(ctx context.Context, p auth.Principal, regionCode, after string, limit int) (GridPage, error) {
	if err := requireRead(p); err != nil {
		return GridPage{}, err
	}
	r, err := s.regionFor(ctx, p, regionCode)
	if err != nil {
		return GridPage{}, err
	}
	var fs apperr.Fields
	if limit = pageLimit(&fs, limit); fs.Err() != nil {
		return GridPage{}, fs.Err()
	}
	lo, hi := scopeOf(r.Path)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT g.code, g.name FROM regions g WHERE `+gridsInForce+` AND g.code > $4
		AND NOT `+staffedGrid+` ORDER BY g.code LIMIT $5`, lo, hi, s.now().UTC(), after, limit+1)
	if err != nil {
		return GridPage{}, fmt.Errorf("unstaffed grids of %s: %w", r.Code, err)
	}
	defer rows.Close()
	page := GridPage{Items: []GridRef{}}
	for rows.Next() {
		var g GridRef
		if err := rows.Scan(&g.Code, &g.Name); err != nil {
			return GridPage{}, fmt.Errorf("unstaffed grids of %s: %w", r.Code, err)
		}
		page.Items = append(page.Items, g)
	}
	if err := rows.Err(); err != nil {
		return GridPage{}, fmt.Errorf("unstaffed grids of %s: %w", r.Code, err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextAfter = page.Items[limit-1].Code
	}
	return page, nil
}
