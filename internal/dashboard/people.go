package dashboard

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/idcard"
	"github.com/gridgov/gridgov/internal/live"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
)

// The people figures of a grid, in a fixed order so that a roll-up is a
// sum of vectors.
var (
	residenceTypes = []string{"registered", "resident", "floating", "foreign"}
	ageBands       = []string{"0-17", "18-34", "35-59", "60-79", "80+"}
	usages         = []string{"self_occupied", "rented", "vacant", "commercial", "mixed", "other"}
	peopleMeasures = func() []string {
		m := []string{"persons", "houses", "households"}
		for _, r := range residenceTypes {
			m = append(m, "residence:"+r)
		}
		for _, a := range ageBands {
			m = append(m, "age:"+a)
		}
		for _, t := range registry.Tags() {
			m = append(m, "tag:"+t)
		}
		for _, u := range usages {
			m = append(m, "usage:"+u)
		}
		// sampled and correct are a grid's records in its latest round:
		// the round of the latest month, this one at most, over the grid or
		// a region above it; sampling_month is that month as YYYYMM. A
		// region's figures are those of its latest month (see latestSampling).
		return append(m, "sampled", "correct", "sampling_month")
	}()
	measureIndex = func() map[string]int {
		idx := map[string]int{}
		for i, m := range peopleMeasures {
			idx[m] = i
		}
		return idx
	}()
)

// bandBounds are the birth dates that end each age band as of day: a
// person born after bounds[0] is under 18, after bounds[1] under 35, …
// They count ages as the registry shows them (idcard.AgeOn).
func bandBounds(day time.Time) [4]string {
	var b [4]string
	for i, years := range []int{18, 35, 60, 80} {
		b[i] = idcard.LatestBirth(years, day).Format(time.DateOnly)
	}
	return b
}

// peopleStale reports whether the figures were counted on another day
// than today (age bands move with the date) or never.
func (s *Service) peopleStale(ctx context.Context) (bool, error) {
	var day string
	err := s.cfg.DB.Read().QueryRowContext(ctx, `SELECT value FROM dashboard_state WHERE name = 'people_day'`).Scan(&day)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("dashboard: people state: %w", err)
	}
	return day != s.today().Format(time.DateOnly), nil
}

// RefreshPeople counts the people figures of the grids under each path
// from the registry, stores them with this month's snapshot, and tells
// the bus. Root counts everything (also on a new day: a round of a month
// to come, stored before such rounds were refused, counts once due).
func (s *Service) RefreshPeople(ctx context.Context, paths ...string) error {
	paths = compactPaths(paths)
	if len(paths) == 0 {
		return nil
	}
	stale, err := s.peopleStale(ctx)
	if err != nil {
		return err
	}
	if stale {
		paths = []string{live.Root}
	}
	day := s.today()
	all := map[string][]int64{}
	for _, p := range paths {
		figs, err := s.countPeople(ctx, p, day)
		if err != nil {
			return err
		}
		for k, v := range figs {
			all[k] = v
		}
	}
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	thisMonth := day.Format("2006-01")
	err = s.cfg.DB.InTx(ctx, func(tx *sql.Tx) error {
		for _, p := range paths {
			lo, hi := pathRange(p)
			if _, err := tx.ExecContext(ctx, `DELETE FROM dashboard_people WHERE region_path >= $1 AND region_path < $2`, lo, hi); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM dashboard_people_months WHERE month = $1 AND region_path >= $2 AND region_path < $3`,
				thisMonth, lo, hi); err != nil {
				return err
			}
		}
		for path, v := range all {
			m := map[string]int64{}
			for i, n := range v {
				if n != 0 {
					m[peopleMeasures[i]] = n
				}
			}
			b, _ := json.Marshal(m)
			code := lastCode(path)
			if _, err := tx.ExecContext(ctx, `INSERT INTO dashboard_people (grid_code, region_path, figures, refreshed_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (grid_code) DO UPDATE SET region_path = excluded.region_path, figures = excluded.figures, refreshed_at = excluded.refreshed_at`,
				code, path, string(b), now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO dashboard_people_months (month, grid_code, region_path, persons, houses) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (month, grid_code) DO UPDATE SET region_path = excluded.region_path, persons = excluded.persons, houses = excluded.houses`,
				thisMonth, code, path, v[0], v[1]); err != nil {
				return err
			}
		}
		for name, value := range map[string]string{"people_day": day.Format(time.DateOnly)} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO dashboard_state (name, value) VALUES ($1, $2)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("dashboard: store people figures: %w", err)
	}
	s.peopleMu.Lock()
	for _, p := range paths {
		for path := range s.people {
			if strings.HasPrefix(path, p) {
				delete(s.people, path)
			}
		}
		if cur := s.months[thisMonth]; cur != nil {
			for path := range cur {
				if strings.HasPrefix(path, p) {
					delete(cur, path)
				}
			}
		}
	}
	if s.months[thisMonth] == nil {
		s.months[thisMonth] = map[string][2]int64{}
	}
	for path, v := range all {
		s.people[path] = v
		s.months[thisMonth][path] = [2]int64{v[0], v[1]}
	}
	s.peopleAt = now
	s.peopleMu.Unlock()
	if s.cfg.Bus != nil {
		s.cfg.Bus.Publish(ctx, live.People, paths...)
	}
	return nil
}

func compactPaths(paths []string) []string {
	var out []string
	for _, p := range paths {
		if p == "" {
			continue
		}
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		if p == live.Root {
			return []string{live.Root}
		}
		out = append(out, p)
	}
	return out
}

func pathRange(p string) (string, string) {
	if p == live.Root {
		return region.All().Range()
	}
	return region.Under(p).Range()
}

// countPeople counts the figures of every grid under path with a handful
// of grouped queries over the registry.
func (s *Service) countPeople(ctx context.Context, path string, day time.Time) (map[string][]int64, error) {
	lo, hi := pathRange(path)
	out := map[string][]int64{}
	add := func(grid, measure string, n int64) {
		i, ok := measureIndex[measure]
		if !ok {
			return
		}
		v := out[grid]
		if v == nil {
			v = make([]int64, len(peopleMeasures))
			out[grid] = v
		}
		v[i] += n
	}
	q := s.cfg.DB.Read()
	b := bandBounds(day)
	type query struct {
		sql  string
		args []any
		row  func(rows *sql.Rows) error
	}
	queries := []query{
		{`SELECT region_path, residence_type, CASE WHEN birth_date > $3 THEN 0 WHEN birth_date > $4 THEN 1 WHEN birth_date > $5 THEN 2
			WHEN birth_date > $6 THEN 3 ELSE 4 END, COUNT(*) FROM persons WHERE region_path >= $1 AND region_path < $2 GROUP BY 1, 2, 3`,
			[]any{lo, hi, b[0], b[1], b[2], b[3]}, func(rows *sql.Rows) error {
				var grid, rt string
				var band int
				var n int64
				if err := rows.Scan(&grid, &rt, &band, &n); err != nil {
					return err
				}
				add(grid, "persons", n)
				add(grid, "residence:"+rt, n)
				add(grid, "age:"+ageBands[band], n)
				return nil
			}},
		{`SELECT region_path, COUNT(DISTINCT household_no) FROM persons WHERE region_path >= $1 AND region_path < $2 AND household_no <> ''
			GROUP BY region_path`, []any{lo, hi}, func(rows *sql.Rows) error {
			var grid string
			var n int64
			if err := rows.Scan(&grid, &n); err != nil {
				return err
			}
			add(grid, "households", n)
			return nil
		}},
		{`SELECT p.region_path, t.tag, COUNT(*) FROM person_tags t JOIN persons p ON p.id = t.person_id
			WHERE p.region_path >= $1 AND p.region_path < $2 AND (t.since = '' OR t.since <= $3) AND (t.until = '' OR t.until >= $3)
			GROUP BY p.region_path, t.tag`, []any{lo, hi, day.Format(time.DateOnly)}, func(rows *sql.Rows) error {
			var grid, tag string
			var n int64
			if err := rows.Scan(&grid, &tag, &n); err != nil {
				return err
			}
			add(grid, "tag:"+tag, n)
			return nil
		}},
		{`SELECT region_path, usage, COUNT(*) FROM houses WHERE region_path >= $1 AND region_path < $2 GROUP BY region_path, usage`,
			[]any{lo, hi}, func(rows *sql.Rows) error {
				var grid, usage string
				var n int64
				if err := rows.Scan(&grid, &usage, &n); err != nil {
					return err
				}
				add(grid, "houses", n)
				if _, ok := measureIndex["usage:"+usage]; !ok {
					usage = "other"
				}
				add(grid, "usage:"+usage, n)
				return nil
			}},
		// Each grid's items in its latest round: no round of a later month
		// (up to this one) is over the grid or a region above it.
		{`SELECT i.region_path, r.month, COUNT(*), COALESCE(SUM(CASE WHEN i.status = 'correct' THEN 1 ELSE 0 END), 0) FROM sampling_items i
			JOIN sampling_rounds r ON r.id = i.round_id WHERE r.month <= $3 AND i.region_path >= $1 AND i.region_path < $2
			AND NOT EXISTS (SELECT 1 FROM sampling_rounds l WHERE l.month > r.month AND l.month <= $3
				AND substr(i.region_path, 1, length(l.region_path)) = l.region_path)
			GROUP BY i.region_path, r.month`,
			[]any{lo, hi, day.Format("2006-01")}, func(rows *sql.Rows) error {
				var grid, month string
				var n, ok int64
				if err := rows.Scan(&grid, &month, &n, &ok); err != nil {
					return err
				}
				ym, err := monthNumber(month)
				if err != nil {
					return err
				}
				add(grid, "sampled", n)
				add(grid, "correct", ok)
				add(grid, "sampling_month", ym)
				return nil
			}},
	}
	for _, qu := range queries {
		rows, err := q.QueryContext(ctx, qu.sql, qu.args...)
		if err != nil {
			return nil, fmt.Errorf("dashboard: count people: %w", err)
		}
		for rows.Next() {
			if err := qu.row(rows); err != nil {
				rows.Close()
				return nil, fmt.Errorf("dashboard: count people: %w", err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("dashboard: count people: %w", err)
		}
	}
	return out, nil
}

// loadPeople reads the stored figures of the grids under path (another
// process counted them) and the monthly snapshots of the last year.
func (s *Service) loadPeople(ctx context.Context, path string) error {
	lo, hi := pathRange(path)
	rows, err := s.cfg.DB.Read().QueryContext(ctx, `SELECT region_path, figures FROM dashboard_people WHERE region_path >= $1 AND region_path < $2`, lo, hi)
	if err != nil {
		return fmt.Errorf("dashboard: load people figures: %w", err)
	}
	figs := map[string][]int64{}
	for rows.Next() {
		var p, raw string
		if err := rows.Scan(&p, &raw); err != nil {
			rows.Close()
			return fmt.Errorf("dashboard: load people figures: %w", err)
		}
		var m map[string]int64
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			continue
		}
		v := make([]int64, len(peopleMeasures))
		for k, n := range m {
			if i, ok := measureIndex[k]; ok {
				v[i] = n
			}
		}
		figs[p] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dashboard: load people figures: %w", err)
	}
	since := s.today().AddDate(0, -11, 0).Format("2006-01")
	rows, err = s.cfg.DB.Read().QueryContext(ctx, `SELECT month, region_path, persons, houses FROM dashboard_people_months
		WHERE month >= $1 AND region_path >= $2 AND region_path < $3`, since, lo, hi)
	if err != nil {
		return fmt.Errorf("dashboard: load people trend: %w", err)
	}
	months := map[string]map[string][2]int64{}
	for rows.Next() {
		var m, p string
		var v [2]int64
		if err := rows.Scan(&m, &p, &v[0], &v[1]); err != nil {
			rows.Close()
			return fmt.Errorf("dashboard: load people trend: %w", err)
		}
		if months[m] == nil {
			months[m] = map[string][2]int64{}
		}
		months[m][p] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dashboard: load people trend: %w", err)
	}
	s.peopleMu.Lock()
	defer s.peopleMu.Unlock()
	for p := range s.people {
		if p >= lo && p < hi {
			delete(s.people, p)
		}
	}
	for p, v := range figs {
		s.people[p] = v
	}
	for m, cur := range s.months {
		if m < since {
			delete(s.months, m)
			continue
		}
		for p := range cur {
			if p >= lo && p < hi {
				delete(cur, p)
			}
		}
	}
	for m, grids := range months {
		if s.months[m] == nil {
			s.months[m] = map[string][2]int64{}
		}
		for p, v := range grids {
			s.months[m][p] = v
		}
	}
	s.peopleAt = s.cfg.Now().UTC()
	return nil
}

// PeoplePanel is the 人房管理 panel.
type PeoplePanel struct {
	Region          RegionRef        `json:"region"`
	Path            []PathItem       `json:"path"`
	AsOf            time.Time        `json:"as_of"`
	Totals          map[string]int64 `json:"totals"`
	ByResidenceType map[string]int64 `json:"persons_by_residence_type"`
	ByAgeBand       map[string]int64 `json:"persons_by_age_band"`
	ByTag           map[string]int64 `json:"persons_by_tag"`
	HousesByUsage   map[string]int64 `json:"houses_by_usage"`
	Sampling        Sampling         `json:"sampling"`
	Trend           []TrendPoint     `json:"trend"`
	Children        []Child          `json:"children"`
}

// Sampling is the accuracy of the latest month's sampling checks in a
// region: the latest month, this one at most, with a round over a part of
// the region, and the records of that month's rounds inside it. A round
// started over one district does not hide the city's month elsewhere.
type Sampling struct {
	Month    string   `json:"month"`
	Sampled  int64    `json:"sampled"`
	Correct  int64    `json:"correct"`
	Accuracy *float64 `json:"accuracy"`
}

// TrendPoint is a month of the trend.
type TrendPoint struct {
	Month   string `json:"month"`
	Persons int64  `json:"persons"`
	Houses  int64  `json:"houses"`
}

// Child is a region under the one asked about with its measures.
type Child struct {
	Code     string       `json:"code"`
	Name     string       `json:"name"`
	Level    region.Level `json:"level"`
	Measures any          `json:"measures"` // Measures, or a panel's own figures

}

// People returns the 人房管理 panel of a region as JSON.
func (s *Service) People(ctx context.Context, p auth.Principal, code string) ([]byte, error) {
	n, path, err := s.resolve(ctx, p, code)
	if err != nil {
		return nil, err
	}
	return s.panel("people|"+n.Code, []string{live.People}, n.Path, func() (any, error) { return s.peoplePanel(ctx, n, path) })
}

func (s *Service) peoplePanel(ctx context.Context, n *node, path []PathItem) (PeoplePanel, error) {
	t := s.tree.Load()
	grids := t.gridsUnder(n.Path)
	if n.Level == region.Grid {
		grids = []*node{n}
	}
	total := make([]int64, len(peopleMeasures))
	byChild := map[string][]int64{}
	for _, c := range n.children {
		byChild[c.Code] = make([]int64, len(peopleMeasures))
	}
	var sampling latestSampling
	byChildSampling := map[string]*latestSampling{}
	s.peopleMu.RLock()
	asOf := s.peopleAt
	for _, g := range grids {
		v := s.people[g.Path]
		if v == nil {
			continue
		}
		child := childOf(n.Path, g.Path)
		c := byChild[child]
		for i, x := range v {
			total[i] += x
			if c != nil {
				c[i] += x
			}
		}
		sampling.add(v)
		if c != nil {
			if byChildSampling[child] == nil {
				byChildSampling[child] = &latestSampling{}
			}
			byChildSampling[child].add(v)
		}
	}
	var trend []TrendPoint
	for m, cur := range s.months {
		tp := TrendPoint{Month: m}
		for _, g := range grids {
			v := cur[g.Path]
			tp.Persons += v[0]
			tp.Houses += v[1]
		}
		trend = append(trend, tp)
	}
	s.peopleMu.RUnlock()
	sortTrend(trend)
	get := func(v []int64, m string) int64 { return v[measureIndex[m]] }
	pick := func(prefix string, names []string) map[string]int64 {
		out := map[string]int64{}
		for _, nm := range names {
			out[nm] = get(total, prefix+nm)
		}
		return out
	}
	out := PeoplePanel{Region: ref(n), Path: path, AsOf: asOf,
		Totals: map[string]int64{"persons": get(total, "persons"), "houses": get(total, "houses"), "grids": int64(len(grids)),
			"households": get(total, "households")},
		ByResidenceType: pick("residence:", residenceTypes), ByAgeBand: pick("age:", ageBands), ByTag: pick("tag:", registry.Tags()),
		HousesByUsage: pick("usage:", usages),
		Sampling: Sampling{Month: sampling.monthText(), Sampled: sampling.sampled, Correct: sampling.correct,
			Accuracy: ratio(sampling.correct, sampling.sampled)},
		Trend: trend, Children: []Child{}}
	for _, c := range n.children {
		v := byChild[c.Code]
		cs := byChildSampling[c.Code]
		if cs == nil {
			cs = &latestSampling{}
		}
		out.Children = append(out.Children, Child{Code: c.Code, Name: c.Name, Level: c.Level, Measures: Measures{
			"persons": get(v, "persons"), "houses": get(v, "houses"), "aged_60_plus": get(v, "age:60-79") + get(v, "age:80+"),
			"elderly_alone": get(v, "tag:elderly_alone"), "floating": get(v, "residence:floating"), "rented": get(v, "usage:rented"),
			"vacant": get(v, "usage:vacant"), "sampling_accuracy": ratio(cs.correct, cs.sampled)}})
	}
	return out, nil
}

func sortTrend(t []TrendPoint) {
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && t[j].Month < t[j-1].Month; j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}

// latestSampling sums the sampled records of the grids whose latest round
// is of the latest month among them.
type latestSampling struct {
	month            int64 // YYYYMM
	sampled, correct int64
}

func (l *latestSampling) add(v []int64) {
	m := v[measureIndex["sampling_month"]]
	switch {
	case m == 0 || m < l.month:
		return
	case m > l.month:
		*l = latestSampling{month: m}
	}
	l.sampled += v[measureIndex["sampled"]]
	l.correct += v[measureIndex["correct"]]
}

func (l *latestSampling) monthText() string {
	if l.month == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d", l.month/100, l.month%100)
}

// monthNumber turns YYYY-MM into YYYYMM, as figures hold it.
func monthNumber(month string) (int64, error) {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return 0, fmt.Errorf("sampling month %q: %w", month, err)
	}
	return int64(t.Year()*100 + int(t.Month())), nil
}
