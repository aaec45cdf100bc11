package calendar

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/workcal"
)

// Bounds of what an editor may store; they catch mistakes, not real data
// (a year's notice declares ~40 dates and cites one or two papers).
const (
	maxName   = 50
	maxDays   = 400
	maxPapers = 20
	maxPaper  = 500
	// Arrangements before the first State Council notice on public
	// holidays (1949) or centuries ahead are typing mistakes.
	minYear = 1949
	maxYear = 2200
)

// errUnchanged rolls back a transaction that found nothing to change.
var errUnchanged = errors.New("unchanged")

// Seed stores the compiled-in calendar (workcal.DefaultConfig with
// workcal.DefaultYears) on a database that never had one, and reports
// whether it did; afterwards it does nothing, so it runs at every start.
func (s *Service) Seed(ctx context.Context) (bool, error) {
	now := audit.Canonical(s.now())
	def, err := workcal.New(workcal.DefaultConfig())
	if err != nil {
		return false, fmt.Errorf("default work calendar: %w", err)
	}
	cfg := def.Config() // normalised: the weekend sorted
	set := Settings{TimeZone: cfg.TimeZone, Periods: cfg.Periods, Weekend: cfg.Weekend}
	years := workcal.DefaultYears()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		periods, weekend, err := encodeSettings(set)
		if err != nil {
			return err
		}
		// Version 0 is the migration's row: only one server gets to seed.
		res, err := tx.ExecContext(ctx, `UPDATE work_calendar SET time_zone = $1, periods = $2, weekend = $3,
			version = 1, updated_at = $4, updated_by = $5 WHERE id = 1 AND version = 0`, set.TimeZone, periods, weekend, now, "seed")
		if err != nil {
			return fmt.Errorf("seed work calendar: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errUnchanged
		}
		days := 0
		for _, y := range years {
			if err := putYear(ctx, tx, y.Year, y.Papers, SourceDefault, now, "seed"); err != nil {
				return err
			}
			for _, o := range y.Days {
				if err := insertDay(ctx, tx, Day{Name: o.Name, Date: o.Date, IsOffDay: o.IsOffDay, Year: y.Year}); err != nil {
					return err
				}
			}
			days += len(y.Days)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: audit.System("seed"), Action: "calendar.seed", TargetType: "calendar",
			Detail: map[string]any{"years": yearNumbers(years), "days": days}})
		return err
	})
	if errors.Is(err, errUnchanged) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.held.AfterWrite(ctx)
	return true, nil
}

func yearNumbers(ys []workcal.Year) []int {
	out := make([]int, len(ys))
	for i, y := range ys {
		out[i] = y.Year
	}
	return out
}

// requireManage lets those who keep the catalog change the calendar, and
// only with a city-wide or deployment-wide scope: it is the city's, the
// same for every county and department.
func requireManage(p auth.Principal) error {
	if !p.Can(auth.PermCatalogManage) {
		return apperr.New(apperr.Forbidden, "you may not change the working calendar")
	}
	if sc := p.User.Scope(); !sc.IsAll() && strings.Count(sc.Path(), "/") != 2 {
		return apperr.New(apperr.Forbidden, "the working calendar is kept by the city: only a city-wide account may change it")
	}
	return nil
}

func requireVersion(version int64) error {
	if version <= 0 {
		return apperr.Field("version", "is required: the version of the calendar you read")
	}
	return nil
}

func stale(sent, current int64) error {
	return &apperr.Error{Code: apperr.Conflict, Message: "the working calendar was changed by someone else; reload and try again",
		Fields: []apperr.FieldError{{Field: "version", Reason: fmt.Sprintf("is %d, the calendar is at %d", sent, current)}}}
}

func checkYear(field string, y int) error {
	if y < minYear || y > maxYear {
		return apperr.Field(field, fmt.Sprintf("%d is not a year between %d and %d", y, minYear, maxYear))
	}
	return nil
}

// edit runs change on the stored calendar read in a transaction, after
// checking the version the caller read. change returns errUnchanged when
// there is nothing to write; otherwise it is handed the transaction after
// the version has been moved on, which orders concurrent editors: of two
// that read the same version, the second finds none to move and gets 409.
func (s *Service) edit(ctx context.Context, p auth.Principal, version int64, now time.Time,
	change func(st *stored) (write func(tx *sql.Tx) error, err error)) (int64, error) {
	var next int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		st, err := loadStored(ctx, tx)
		if err != nil {
			return err
		}
		if st.version != version {
			return stale(version, st.version)
		}
		write, err := change(st)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE work_calendar SET version = version + 1, updated_at = $1, updated_by = $2
			WHERE id = 1 AND version = $3`, now, p.User.Username, version)
		if err != nil {
			return fmt.Errorf("bump work calendar version: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			cur, verr := readVersion(ctx, tx)
			if verr != nil {
				return verr
			}
			return stale(version, cur)
		}
		next = version + 1
		return write(tx)
	})
	if errors.Is(err, errUnchanged) {
		return version, nil
	}
	if err != nil {
		return 0, err
	}
	s.held.AfterWrite(ctx)
	return next, nil
}

// validate builds the calendar st would be with days, as every change must
// leave one that workcal accepts.
func validate(st *stored, days []Day) (*workcal.Calendar, error) {
	return workcal.New(st.config(days))
}

// UpdateConfig replaces the working periods, the weekend and the time zone.
// Refusals name the field (time_zone, periods[i], weekend[i]); a stale
// version is a conflict. Unchanged settings change nothing.
func (s *Service) UpdateConfig(ctx context.Context, p auth.Principal, version int64, set Settings) (State, error) {
	if err := requireManage(p); err != nil {
		return State{}, err
	}
	if err := requireVersion(version); err != nil {
		return State{}, err
	}
	set = set.clone()
	if set.TimeZone = strings.TrimSpace(set.TimeZone); set.TimeZone == "" {
		set.TimeZone = workcal.DefaultTimeZone
	}
	now := audit.Canonical(s.now())
	var out State
	v, err := s.edit(ctx, p, version, now, func(st *stored) (func(*sql.Tx) error, error) {
		old := st.settings
		st.settings = set
		cal, err := validate(st, st.days)
		if err != nil {
			return nil, err
		}
		norm := cal.Config()
		st.settings = Settings{TimeZone: norm.TimeZone, Periods: norm.Periods, Weekend: norm.Weekend}
		out = stateOf(st, cal)
		if st.settings.equal(old) {
			return nil, errUnchanged
		}
		var changed []string
		if old.TimeZone != st.settings.TimeZone {
			changed = append(changed, "time_zone")
		}
		if !slices.Equal(old.Periods, st.settings.Periods) {
			changed = append(changed, "periods")
		}
		if !slices.Equal(old.Weekend, st.settings.Weekend) {
			changed = append(changed, "weekend")
		}
		return func(tx *sql.Tx) error {
			periods, weekend, err := encodeSettings(st.settings)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE work_calendar SET time_zone = $1, periods = $2, weekend = $3 WHERE id = 1`,
				st.settings.TimeZone, periods, weekend); err != nil {
				return fmt.Errorf("update work calendar settings: %w", err)
			}
			_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "calendar.config", TargetType: "calendar",
				Detail: map[string]any{"changed": changed, "time_zone": st.settings.TimeZone, "periods": periodStrings(st.settings.Periods),
					"weekend": st.settings.Weekend, "before": map[string]any{"time_zone": old.TimeZone,
						"periods": periodStrings(old.Periods), "weekend": old.Weekend}}})
			return err
		}, nil
	})
	if err != nil {
		return State{}, err
	}
	if v != version {
		out.Version, out.UpdatedAt, out.UpdatedBy = v, &now, p.User.Username
	}
	return out, nil
}

func periodStrings(ps []workcal.Period) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// checkName trims a holiday name and checks it.
func checkName(field, name string, fs *apperr.Fields) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		fs.Add(field, "is required: the holiday the date belongs to (调休 days carry the holiday they pay for)")
	case utf8.RuneCountInString(name) > maxName:
		fs.Add(field, fmt.Sprintf("is longer than %d characters", maxName))
	}
	return name
}

// ImportYear replaces the arrangement of y.Year with the days of y (a
// holiday-cn file, as workcal.ParseHolidays reads it) and says what changed.
// A date that another year's arrangement declares otherwise is refused:
// change that day first. A file that matches what is stored changes
// nothing.
func (s *Service) ImportYear(ctx context.Context, p auth.Principal, version int64, y workcal.Year) (ImportResult, error) {
	if err := requireManage(p); err != nil {
		return ImportResult{}, err
	}
	if err := requireVersion(version); err != nil {
		return ImportResult{}, err
	}
	days, papers, err := checkYearFile(y)
	if err != nil {
		return ImportResult{}, err
	}
	now := audit.Canonical(s.now())
	res := ImportResult{Year: y.Year, Changes: []Change{}}
	v, err := s.edit(ctx, p, version, now, func(st *stored) (func(*sql.Tx) error, error) {
		var fs apperr.Fields
		var old, all []Day
		for _, d := range st.days {
			if d.Year == y.Year {
				old = append(old, d)
			} else {
				all = append(all, d)
			}
		}
		for i, d := range days {
			for _, o := range all {
				if o.Date == d.Date && o.IsOffDay != d.IsOffDay {
					fs.Add(fmt.Sprintf("days[%d].isOffDay", i), fmt.Sprintf("%s is %s in the %d arrangement (%s); change or delete that day first",
						d.Date, kind(o.IsOffDay), o.Year, o.Name))
				}
			}
		}
		if err := fs.Err(); err != nil {
			return nil, err
		}
		all = append(all, days...)
		if _, err := validate(st, all); err != nil {
			return nil, fieldsAs("year", err)
		}
		res.Changes = diff(old, days)
		for _, c := range res.Changes {
			switch {
			case c.Before == nil:
				res.Added++
			case c.After == nil:
				res.Removed++
			default:
				res.Changed++
			}
		}
		res.Unchanged = len(days) - res.Added - res.Changed
		meta, had := st.years[y.Year]
		if had && len(res.Changes) == 0 && meta.source == SourceImport && slices.Equal(meta.papers, papers) {
			return nil, errUnchanged
		}
		return func(tx *sql.Tx) error {
			if err := putYear(ctx, tx, y.Year, papers, SourceImport, now, p.User.Username); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM work_calendar_days WHERE year = $1`, y.Year); err != nil {
				return fmt.Errorf("replace work calendar %d: %w", y.Year, err)
			}
			for _, d := range days {
				if err := insertDay(ctx, tx, d); err != nil {
					return err
				}
			}
			_, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "calendar.import", TargetType: "calendar_year",
				TargetID: fmt.Sprint(y.Year), Detail: map[string]any{"days": len(days), "added": res.Added, "removed": res.Removed,
					"changed": res.Changed, "dates": changedDates(res.Changes), "papers": papers}})
			return err
		}, nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	res.Stored, res.Version = v != version, v
	return res, nil
}

// checkYearFile checks a year's arrangement as given (ParseHolidays checks
// the same when it reads a file; a Year may also be built in code) and
// returns its days with names trimmed and its papers.
func checkYearFile(y workcal.Year) ([]Day, []string, error) {
	if err := checkYear("year", y.Year); err != nil {
		return nil, nil, err
	}
	var fs apperr.Fields
	if len(y.Days) > maxDays {
		fs.Add("days", fmt.Sprintf("lists %d dates; at most %d are accepted", len(y.Days), maxDays))
		return nil, nil, fs.Err()
	}
	papers := []string{}
	if len(y.Papers) > maxPapers {
		fs.Add("papers", fmt.Sprintf("lists %d papers; at most %d are accepted", len(y.Papers), maxPapers))
	}
	for i, paper := range y.Papers {
		paper = strings.TrimSpace(paper)
		if utf8.RuneCountInString(paper) > maxPaper {
			fs.Add(fmt.Sprintf("papers[%d]", i), fmt.Sprintf("is longer than %d characters", maxPaper))
		}
		if paper != "" {
			papers = append(papers, paper)
		}
	}
	days := make([]Day, 0, len(y.Days))
	seen := map[workcal.Date]int{}
	for i, o := range y.Days {
		at := fmt.Sprintf("days[%d]", i)
		name := checkName(at+".name", o.Name, &fs)
		switch {
		case !o.Date.Valid():
			fs.Add(at+".date", fmt.Sprintf("%s is not a date in the calendar", o.Date))
			continue
		case !(o.Date.Year == y.Year || (o.Date.Year == y.Year-1 && o.Date.Month == time.December)):
			fs.Add(at+".date", fmt.Sprintf("%s is outside the year %d and the December before it", o.Date, y.Year))
			continue
		}
		if j, dup := seen[o.Date]; dup {
			fs.Add(at+".date", fmt.Sprintf("%s is listed twice, first at days[%d]", o.Date, j))
			continue
		}
		seen[o.Date] = i
		days = append(days, Day{Name: name, Date: o.Date, IsOffDay: o.IsOffDay, Year: y.Year})
	}
	if err := fs.Err(); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(days, func(a, b Day) int { return a.Date.Compare(b.Date) })
	return days, papers, nil
}

// diff lists the dates added, removed and changed from old to new, both
// sorted by date, in date order.
func diff(old, new []Day) []Change {
	out := []Change{}
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j == len(new) || (i < len(old) && old[i].Date.Compare(new[j].Date) < 0):
			out = append(out, Change{Date: old[i].Date, Before: &old[i]})
			i++
		case i == len(old) || new[j].Date.Compare(old[i].Date) < 0:
			out = append(out, Change{Date: new[j].Date, After: &new[j]})
			j++
		default:
			if old[i].Name != new[j].Name || old[i].IsOffDay != new[j].IsOffDay {
				out = append(out, Change{Date: new[j].Date, Before: &old[i], After: &new[j]})
			}
			i++
			j++
		}
	}
	return out
}

func changedDates(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Date.String()
	}
	return out
}

func kind(off bool) string {
	if off {
		return "an off day"
	}
	return "a working day"
}

// fieldsAs turns workcal's refusal of a whole calendar (its fields are
// those of workcal.Config, unknown to the editor) into one naming field.
func fieldsAs(field string, err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid {
		return err
	}
	reasons := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		reasons = append(reasons, f.Reason)
	}
	return apperr.Field(field, "the calendar would not be valid: "+strings.Join(reasons, "; "))
}

// SetDay makes one date an off day or a working day with a holiday name.
// The date keeps the arrangement(s) that declare it, or joins its own year's
// (created as a hand-made one if there is none); those arrangements are
// marked as edited by hand.
func (s *Service) SetDay(ctx context.Context, p auth.Principal, version int64, o workcal.Override) (DayResult, error) {
	if err := requireManage(p); err != nil {
		return DayResult{}, err
	}
	if err := requireVersion(version); err != nil {
		return DayResult{}, err
	}
	var fs apperr.Fields
	name := checkName("name", o.Name, &fs)
	if !o.Date.Valid() {
		fs.Add("date", fmt.Sprintf("%s is not a date in the calendar", o.Date))
	} else if err := checkYear("date", o.Date.Year); err != nil {
		return DayResult{}, err
	}
	if err := fs.Err(); err != nil {
		return DayResult{}, err
	}
	now := audit.Canonical(s.now())
	res := DayResult{Change: Change{Date: o.Date}}
	v, err := s.edit(ctx, p, version, now, func(st *stored) (func(*sql.Tx) error, error) {
		var years []int
		days := make([]Day, 0, len(st.days)+1)
		for _, d := range st.days {
			if d.Date == o.Date {
				if res.Before == nil {
					before := d
					res.Before = &before
				}
				years = append(years, d.Year)
				d.Name, d.IsOffDay = name, o.IsOffDay
			}
			days = append(days, d)
		}
		if len(years) == 0 {
			years = []int{o.Date.Year}
			days = append(days, Day{Name: name, Date: o.Date, IsOffDay: o.IsOffDay, Year: o.Date.Year})
		}
		after := Day{Name: name, Date: o.Date, IsOffDay: o.IsOffDay, Year: years[0]}
		res.After = &after
		if res.Before != nil && res.Before.Name == name && res.Before.IsOffDay == o.IsOffDay {
			return nil, errUnchanged
		}
		if _, err := validate(st, days); err != nil {
			return nil, fieldsAs("date", err)
		}
		return func(tx *sql.Tx) error {
			for _, y := range years {
				if err := markManual(ctx, tx, st, y, now, p.User.Username); err != nil {
					return err
				}
				d := after
				d.Year = y
				if res.Before == nil {
					if err := insertDay(ctx, tx, d); err != nil {
						return err
					}
				} else if _, err := tx.ExecContext(ctx, `UPDATE work_calendar_days SET name = $1, off_day = $2 WHERE year = $3 AND day = $4`,
					d.Name, d.IsOffDay, y, d.Date.String()); err != nil {
					return fmt.Errorf("update work calendar day %s: %w", d.Date, err)
				}
			}
			detail := map[string]any{"name": name, "isOffDay": o.IsOffDay, "years": years}
			if res.Before != nil {
				detail["before"] = map[string]any{"name": res.Before.Name, "isOffDay": res.Before.IsOffDay}
			}
			_, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "calendar.day.set", TargetType: "calendar_day",
				TargetID: o.Date.String(), Detail: detail})
			return err
		}, nil
	})
	if err != nil {
		return DayResult{}, err
	}
	res.Version = v
	return res, nil
}

// DeleteDay removes a date from every arrangement that declares it, so the
// weekly pattern decides it again.
func (s *Service) DeleteDay(ctx context.Context, p auth.Principal, version int64, date workcal.Date) (DayResult, error) {
	if err := requireManage(p); err != nil {
		return DayResult{}, err
	}
	if err := requireVersion(version); err != nil {
		return DayResult{}, err
	}
	if !date.Valid() {
		return DayResult{}, apperr.Field("date", fmt.Sprintf("%s is not a date in the calendar", date))
	}
	now := audit.Canonical(s.now())
	res := DayResult{Change: Change{Date: date}}
	v, err := s.edit(ctx, p, version, now, func(st *stored) (func(*sql.Tx) error, error) {
		var years []int
		for _, d := range st.days {
			if d.Date == date {
				if res.Before == nil {
					before := d
					res.Before = &before
				}
				years = append(years, d.Year)
			}
		}
		if len(years) == 0 {
			return nil, apperr.New(apperr.NotFound, "%s is not a holiday or make-up working day of the calendar", date)
		}
		return func(tx *sql.Tx) error {
			for _, y := range years {
				if err := markManual(ctx, tx, st, y, now, p.User.Username); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM work_calendar_days WHERE day = $1`, date.String()); err != nil {
				return fmt.Errorf("delete work calendar day %s: %w", date, err)
			}
			_, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "calendar.day.delete", TargetType: "calendar_day",
				TargetID: date.String(), Detail: map[string]any{"name": res.Before.Name, "isOffDay": res.Before.IsOffDay, "years": years}})
			return err
		}, nil
	})
	if err != nil {
		return DayResult{}, err
	}
	res.Version = v
	return res, nil
}

// markManual records that a year's arrangement was edited by hand (creating
// it when the date is the first of its year).
func markManual(ctx context.Context, tx *sql.Tx, st *stored, year int, now time.Time, by string) error {
	papers := []string{}
	if m, ok := st.years[year]; ok {
		papers = m.papers
	}
	return putYear(ctx, tx, year, papers, SourceManual, now, by)
}

func putYear(ctx context.Context, tx *sql.Tx, year int, papers []string, source string, now time.Time, by string) error {
	if papers == nil {
		papers = []string{}
	}
	pb, err := json.Marshal(papers)
	if err != nil {
		return fmt.Errorf("work calendar year %d: papers: %w", year, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO work_calendar_years (year, papers, source, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (year) DO UPDATE SET papers = excluded.papers, source = excluded.source,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		year, string(pb), source, now, by); err != nil {
		return fmt.Errorf("store work calendar year %d: %w", year, err)
	}
	return nil
}

func insertDay(ctx context.Context, tx *sql.Tx, d Day) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO work_calendar_days (year, day, name, off_day) VALUES ($1, $2, $3, $4)`,
		d.Year, d.Date.String(), d.Name, d.IsOffDay); err != nil {
		return fmt.Errorf("store work calendar day %s: %w", d.Date, err)
	}
	return nil
}
