// Package calendar keeps the working calendar (工作日历) as editable data:
// the working periods of a day, the weekend, the time zone, and the dates
// that differ from the weekly pattern — public holidays and make-up working
// days (调休), which the State Council announces year by year. Event time
// limits are counted against it (internal/workcal does the counting; this
// package stores what it counts with).
//
// Dates are kept per arrangement: the holiday-cn file (and the notice) for a
// year Y, which may also declare the last days of the December of Y−1. An
// import replaces one arrangement; single dates can be set or removed by
// hand. Every change bumps one version, checked against the version the
// editor read (409 when stale) and watched by every server, which reloads
// an immutable in-memory calendar when it moves: deadlines are computed on
// every event transition and must never wait for the database.
package calendar

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/memcopy"
	"github.com/gridgov/gridgov/internal/workcal"
)

// Settings are the parts of the calendar other than its dates.
type Settings struct {
	// TimeZone is an IANA zone name; the wall clock of working time.
	TimeZone string `json:"time_zone"`
	// Periods are the working periods of a working day, in order.
	Periods []workcal.Period `json:"periods"`
	// Weekend lists the days off of the weekly pattern (0 = Sunday).
	Weekend []time.Weekday `json:"weekend"`
}

func (s Settings) clone() Settings {
	return Settings{TimeZone: s.TimeZone, Periods: slices.Clone(s.Periods), Weekend: slices.Clone(s.Weekend)}
}

func (s Settings) equal(o Settings) bool {
	return s.TimeZone == o.TimeZone && slices.Equal(s.Periods, o.Periods) && slices.Equal(s.Weekend, o.Weekend)
}

// Day is a date declared an off day or a working day. Name, Date and
// IsOffDay are the fields of the holiday-cn format, so a list of days reads
// back as a holiday file.
type Day struct {
	// Name is the holiday the date belongs to; a make-up working day
	// carries the name of the holiday it pays for.
	Name     string       `json:"name"`
	Date     workcal.Date `json:"date"`
	IsOffDay bool         `json:"isOffDay"`
	// Year is the arrangement that declares the date: its own year, or the
	// next one for the last days of a December.
	Year int `json:"year"`
}

func (d Day) override() workcal.Override {
	return workcal.Override{Name: d.Name, Date: d.Date, IsOffDay: d.IsOffDay}
}

// Sources of an arrangement: compiled in (workcal.DefaultYears), imported
// from a holiday file, or edited by hand since.
const (
	SourceDefault = "default"
	SourceImport  = "import"
	SourceManual  = "manual"
)

// YearSummary describes one stored arrangement.
type YearSummary struct {
	Year int `json:"year"`
	// Papers are the addresses of the notices the days come from.
	Papers []string `json:"papers"`
	Source string   `json:"source"`
	// OffDays and WorkDays count the dates the arrangement declares off
	// and the make-up working days.
	OffDays   int       `json:"off_days"`
	WorkDays  int       `json:"work_days"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// State is the whole calendar as the settings page shows it.
type State struct {
	Settings
	// WorkdayHours is the working time in one working day.
	WorkdayHours float64       `json:"workday_hours"`
	Version      int64         `json:"version"`
	UpdatedAt    *time.Time    `json:"updated_at,omitempty"`
	UpdatedBy    string        `json:"updated_by,omitempty"`
	Years        []YearSummary `json:"years"`
}

// YearView is one calendar year for the year view. Year, Papers and Days
// are in the holiday-cn format: the answer reads back as that year's file.
type YearView struct {
	Year   int      `json:"year"`
	Papers []string `json:"papers"`
	// Source is "" when no arrangement is stored for the year: only the
	// weekly pattern applies then.
	Source    string     `json:"source,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	UpdatedBy string     `json:"updated_by,omitempty"`
	// Days are the dates of the year's arrangement (which may include the
	// December before); OtherDays the dates in the year declared by another
	// arrangement (the next year's New Year holiday).
	Days      []Day `json:"days"`
	OtherDays []Day `json:"other_days"`
	// Weekend is the weekly pattern, so that a viewer can mark weekends.
	Weekend []time.Weekday `json:"weekend"`
	// Workdays is the number of working days in the calendar year.
	Workdays int   `json:"workdays"`
	Version  int64 `json:"version"`
}

// Change is what happened to one date: Before is nil for a date added,
// After nil for one removed.
type Change struct {
	Date   workcal.Date `json:"date"`
	Before *Day         `json:"before"`
	After  *Day         `json:"after"`
}

// DayResult is the answer to a single-date edit.
type DayResult struct {
	Change
	Version int64 `json:"version"`
}

// ImportResult says what an import changed in a year's arrangement.
type ImportResult struct {
	Year int `json:"year"`
	// Stored is false when the file matched what was stored already.
	Stored    bool     `json:"stored"`
	Added     int      `json:"added"`
	Removed   int      `json:"removed"`
	Changed   int      `json:"changed"`
	Unchanged int      `json:"unchanged"`
	Changes   []Change `json:"changes"`
	Version   int64    `json:"version"`
}

// Service keeps the stored calendar and an immutable in-memory copy of it.
type Service struct {
	db       *db.DB
	now      func() time.Time
	held     *memcopy.Copy[snapshot]
	fallback *workcal.Calendar
}

// NewService returns the calendar service; now is the clock.
func NewService(d *db.DB, log *slog.Logger, now func() time.Time) *Service {
	s := &Service{db: d, now: now, fallback: workcal.Default()}
	s.held = memcopy.New("work calendar", log, func(ctx context.Context) (int64, error) { return readVersion(ctx, d.Read()) },
		func(ctx context.Context, _ int64) (*snapshot, error) { return s.load(ctx) })
	return s
}

// stored is the calendar as kept in the database at one version.
type stored struct {
	version   int64
	settings  Settings
	updatedAt *time.Time
	updatedBy string
	years     map[int]yearMeta
	days      []Day // by date, then arrangement year
}

type yearMeta struct {
	papers    []string
	source    string
	updatedAt time.Time
	updatedBy string
}

// config is the workcal form of st, with days replaced by those given.
func (st *stored) config(days []Day) workcal.Config {
	cfg := workcal.Config{TimeZone: st.settings.TimeZone, Periods: slices.Clone(st.settings.Periods),
		Weekend: slices.Clone(st.settings.Weekend), Overrides: make([]workcal.Override, 0, len(days))}
	for _, d := range days {
		cfg.Overrides = append(cfg.Overrides, d.override())
	}
	return cfg
}

// snapshot is the stored calendar with its Calendar built; never changed.
type snapshot struct {
	*stored
	cal *workcal.Calendar
}

// Current returns the calendar in force, from memory: the stored one as of
// the last Refresh, or the compiled-in workcal.Default before the first. It
// never fails and never waits, so it can be asked at every computation.
func (s *Service) Current() *workcal.Calendar {
	if snap := s.held.Loaded(); snap != nil {
		return snap.cal
	}
	return s.fallback
}

// Refresh reloads the calendar when the stored version differs from the one
// in memory.
func (s *Service) Refresh(ctx context.Context) error { return s.held.Refresh(ctx) }

// load reads a consistent copy outside a transaction: the rows are read by
// several statements, so the version is read again after them and the read
// repeated if a change committed in between.
func (s *Service) load(ctx context.Context) (*snapshot, error) {
	for range 5 {
		st, err := loadStored(ctx, s.db.Read())
		if err != nil {
			return nil, err
		}
		v, err := readVersion(ctx, s.db.Read())
		if err != nil {
			return nil, err
		}
		if v != st.version {
			continue
		}
		cal, err := workcal.New(st.config(st.days))
		if err != nil {
			// Every write is checked the same way, so this means the rows
			// were edited behind the service's back; keep the old copy.
			return nil, fmt.Errorf("stored work calendar (version %d): %w", st.version, err)
		}
		return &snapshot{stored: st, cal: cal}, nil
	}
	return nil, fmt.Errorf("load work calendar: it kept changing while being read")
}

// Watch refreshes every interval until ctx ends, so that changes made
// through other server processes reach this one.
func (s *Service) Watch(ctx context.Context, interval time.Duration) { s.held.Watch(ctx, interval) }

// Get returns the settings and the stored years.
func (s *Service) Get(ctx context.Context) (State, error) {
	snap, err := s.held.Get(ctx)
	if err != nil {
		return State{}, err
	}
	return stateOf(snap.stored, snap.cal), nil
}

// Years returns the stored arrangements, oldest first.
func (s *Service) Years(ctx context.Context) ([]YearSummary, error) {
	snap, err := s.held.Get(ctx)
	if err != nil {
		return nil, err
	}
	return snap.summaries(), nil
}

// Year returns one calendar year: its arrangement and every date in it that
// differs from the weekly pattern.
func (s *Service) Year(ctx context.Context, year int) (YearView, error) {
	if err := checkYear("year", year); err != nil {
		return YearView{}, err
	}
	snap, err := s.held.Get(ctx)
	if err != nil {
		return YearView{}, err
	}
	v := YearView{Year: year, Papers: []string{}, Days: []Day{}, OtherDays: []Day{},
		Weekend: slices.Clone(snap.settings.Weekend), Version: snap.version}
	if m, ok := snap.years[year]; ok {
		at := m.updatedAt
		v.Papers, v.Source, v.UpdatedAt, v.UpdatedBy = slices.Clone(m.papers), m.source, &at, m.updatedBy
	}
	for _, d := range snap.days {
		switch {
		case d.Year == year:
			v.Days = append(v.Days, d)
		case d.Date.Year == year:
			v.OtherDays = append(v.OtherDays, d)
		}
	}
	jan1 := workcal.Date{Year: year, Month: time.January, Day: 1}
	for d := jan1; d.Year == year; d = d.AddDays(1) {
		if snap.cal.IsWorkday(d) {
			v.Workdays++
		}
	}
	return v, nil
}

func stateOf(st *stored, cal *workcal.Calendar) State {
	return State{
		Settings:     st.settings.clone(),
		WorkdayHours: cal.WorkdayLength().Hours(),
		Version:      st.version, UpdatedAt: st.updatedAt, UpdatedBy: st.updatedBy,
		Years: st.summaries(),
	}
}

func (st *stored) summaries() []YearSummary {
	out := make([]YearSummary, 0, len(st.years))
	for y, m := range st.years {
		out = append(out, YearSummary{Year: y, Papers: slices.Clone(m.papers), Source: m.source, UpdatedAt: m.updatedAt, UpdatedBy: m.updatedBy})
	}
	slices.SortFunc(out, func(a, b YearSummary) int { return a.Year - b.Year })
	for i := range out {
		for _, d := range st.days {
			if d.Year != out[i].Year {
				continue
			}
			if d.IsOffDay {
				out[i].OffDays++
			} else {
				out[i].WorkDays++
			}
		}
	}
	return out
}

func readVersion(ctx context.Context, q db.Querier) (int64, error) {
	var v int64
	if err := q.QueryRowContext(ctx, `SELECT version FROM work_calendar WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("work calendar version: %w", err)
	}
	return v, nil
}

// loadStored reads every row of the calendar.
func loadStored(ctx context.Context, q db.Querier) (*stored, error) {
	st := &stored{years: map[int]yearMeta{}}
	var periods, weekend string
	var at sql.NullTime
	if err := q.QueryRowContext(ctx, `SELECT time_zone, periods, weekend, version, updated_at, updated_by FROM work_calendar WHERE id = 1`).
		Scan(&st.settings.TimeZone, &periods, &weekend, &st.version, &at, &st.updatedBy); err != nil {
		return nil, fmt.Errorf("load work calendar: %w", err)
	}
	if at.Valid {
		t := at.Time.UTC()
		st.updatedAt = &t
	}
	var err error
	if st.settings.Periods, st.settings.Weekend, err = decodeSettings(periods, weekend); err != nil {
		return nil, err
	}

	rows, err := q.QueryContext(ctx, `SELECT year, papers, source, updated_at, updated_by FROM work_calendar_years`)
	if err != nil {
		return nil, fmt.Errorf("load work calendar years: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var y int
		var m yearMeta
		var papers string
		if err := rows.Scan(&y, &papers, &m.source, &m.updatedAt, &m.updatedBy); err != nil {
			return nil, fmt.Errorf("load work calendar years: %w", err)
		}
		m.updatedAt = m.updatedAt.UTC()
		if err := json.Unmarshal([]byte(papers), &m.papers); err != nil {
			return nil, fmt.Errorf("work calendar year %d: papers: %w", y, err)
		}
		if m.papers == nil {
			m.papers = []string{}
		}
		st.years[y] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load work calendar years: %w", err)
	}
	rows.Close()

	rows, err = q.QueryContext(ctx, `SELECT year, day, name, off_day FROM work_calendar_days ORDER BY day, year`)
	if err != nil {
		return nil, fmt.Errorf("load work calendar days: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d Day
		var date string
		if err := rows.Scan(&d.Year, &date, &d.Name, &d.IsOffDay); err != nil {
			return nil, fmt.Errorf("load work calendar days: %w", err)
		}
		if d.Date, err = workcal.ParseDate(date); err != nil {
			return nil, fmt.Errorf("work calendar day of %d: %w", d.Year, err)
		}
		st.days = append(st.days, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load work calendar days: %w", err)
	}
	return st, nil
}

// decodeSettings reads the JSON columns of the settings row.
func decodeSettings(periods, weekend string) ([]workcal.Period, []time.Weekday, error) {
	var ps []workcal.Period
	if err := json.Unmarshal([]byte(periods), &ps); err != nil {
		return nil, nil, fmt.Errorf("work calendar periods: %w", err)
	}
	var ws []time.Weekday
	if err := json.Unmarshal([]byte(weekend), &ws); err != nil {
		return nil, nil, fmt.Errorf("work calendar weekend: %w", err)
	}
	if ws == nil {
		ws = []time.Weekday{}
	}
	return ps, ws, nil
}

func encodeSettings(s Settings) (periods, weekend string, err error) {
	pb, err := json.Marshal(s.Periods)
	if err != nil {
		return "", "", fmt.Errorf("work calendar periods: %w", err)
	}
	ws := s.Weekend
	if ws == nil {
		ws = []time.Weekday{}
	}
	wb, err := json.Marshal(ws)
	if err != nil {
		return "", "", fmt.Errorf("work calendar weekend: %w", err)
	}
	return string(pb), string(wb), nil
}
