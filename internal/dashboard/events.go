package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/live"
)

// openStates are the states State.Open counts as waiting for someone.
var openStates = []string{"reported", "registered", "dispatched", "handling", "handled", "parked"}

// sources are the channels events come in through.
var sources = []string{"resident", "worker", "hotline", "department", "api", "sensor"}

// workerSource is the index of "worker" in sources.
const workerSource = 1

// Range is a span of days, both ends included.
type Range struct {
	From, To time.Time
}

func (r Range) days() int { return int(r.To.Sub(r.From).Hours()/24+0.5) + 1 }

// ParseRange reads from and to (YYYY-MM-DD); empty from is the first of
// this month, empty to is today.
func (s *Service) ParseRange(from, to string) (Range, error) {
	var fs apperr.Fields
	today := s.today()
	r := Range{From: time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, s.cfg.Zone), To: today}
	parse := func(field, v string, dst *time.Time) {
		if v == "" {
			return
		}
		d, err := time.ParseInLocation(time.DateOnly, v, s.cfg.Zone)
		if err != nil {
			fs.Add(field, "must be a date as YYYY-MM-DD")
			return
		}
		*dst = d
	}
	parse("from", from, &r.From)
	parse("to", to, &r.To)
	if err := fs.Err(); err != nil {
		return Range{}, err
	}
	switch {
	case r.To.Before(r.From):
		fs.Add("to", "must not be before from")
	case r.days() > 366:
		fs.Add("to", "a range spans at most 366 days")
	}
	return r, fs.Err()
}

// PeriodFigures are the measures of one period.
type PeriodFigures struct {
	From   string      `json:"from"`
	To     string      `json:"to"`
	Totals NamedCounts `json:"totals"`
	Rates  NamedRates  `json:"rates"`
}

// DayFigures is one day of the by-day series.
type DayFigures struct {
	Date     string `json:"date"`
	Reported int64  `json:"reported"`
	Closed   int64  `json:"closed"`
}

// CategoryFigures is a category with its reports.
type CategoryFigures struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	NameEn   string `json:"name_en"`
	Reported int64  `json:"reported"`
}

// DepartmentFigures is a department's disposal record in the period.
type DepartmentFigures struct {
	Code           string   `json:"code"`
	Name           string   `json:"name"`
	Disposed       int64    `json:"disposed"`
	DisposedOnTime int64    `json:"disposed_on_time"`
	OnTimeRate     *float64 `json:"on_time_rate"`
	Overdue        int64    `json:"overdue"`
}

// EventRef is an event in a list of the panel.
type EventRef struct {
	ID       int64      `json:"id"`
	Code     string     `json:"code"`
	Title    string     `json:"title"`
	State    string     `json:"state"`
	Colour   string     `json:"colour"`
	GridCode string     `json:"grid_code"`
	Deadline *time.Time `json:"deadline"`
}

// Hotspot is the open events of a grid, for a heat layer.
type Hotspot struct {
	GridCode string   `json:"grid_code"`
	Name     string   `json:"name"`
	Lng      *float64 `json:"lng"`
	Lat      *float64 `json:"lat"`
	Count    int64    `json:"count"`
}

// eventChildMeasures are a child region's figures on the events panel,
// its fields in the order of their names (as a map of them is written).
type eventChildMeasures struct {
	Closed           int64    `json:"closed"`
	ClosureRate      *float64 `json:"closure_rate"`
	OnTimeRate       *float64 `json:"on_time_rate"`
	Overdue          int64    `json:"overdue"`
	Reported         int64    `json:"reported"`
	SatisfactionRate *float64 `json:"satisfaction_rate"`
}

// EventsPanel is the 事件统计 panel.
type EventsPanel struct {
	Region             RegionRef           `json:"region"`
	Path               []PathItem          `json:"path"`
	From               string              `json:"from"`
	To                 string              `json:"to"`
	AsOf               time.Time           `json:"as_of"`
	Totals             NamedCounts         `json:"totals"`
	Rates              NamedRates          `json:"rates"`
	Previous           PeriodFigures       `json:"previous"`
	YearAgo            PeriodFigures       `json:"year_ago"`
	BySource           NamedCounts         `json:"by_source"`
	ByDay              []DayFigures        `json:"by_day"`
	TopCategories      []CategoryFigures   `json:"top_categories"`
	OpenByState        NamedCounts         `json:"open_by_state"`
	OpenByColour       NamedCounts         `json:"open_by_colour"`
	SlowestDepartments []DepartmentFigures `json:"slowest_departments"`
	Overdue            []EventRef          `json:"overdue"`
	Supervised         []EventRef          `json:"supervised"`
	Hotspots           []Hotspot           `json:"hotspots"`
	Children           []Child             `json:"children"`
}

// Events returns the 事件统计 panel of a region and range as JSON.
func (s *Service) Events(ctx context.Context, p auth.Principal, code, from, to string) ([]byte, error) {
	n, path, err := s.resolve(ctx, p, code)
	if err != nil {
		return nil, err
	}
	r, err := s.ParseRange(from, to)
	if err != nil {
		return nil, err
	}
	key := "events|" + n.Code + "|" + r.From.Format(time.DateOnly) + "|" + r.To.Format(time.DateOnly)
	return s.panel(key, []string{live.Events}, n.Path, func() (any, error) { return s.eventsPanel(ctx, n, path, r) })
}

// segments splits a range into counter keys: whole months as month rows,
// the rest as a span of day rows. A month counts as whole up to today, as
// nothing is reported in the future.
type segments struct {
	months   []string
	dayRange [][2]string
}

func (s *Service) segmentsOf(r Range) segments {
	var sg segments
	today := s.today()
	for d := r.From; !d.After(r.To); {
		first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, s.cfg.Zone)
		last := first.AddDate(0, 1, -1)
		end := last
		if end.After(r.To) {
			end = r.To
		}
		if d.Equal(first) && (end.Equal(last) || !end.Before(today)) {
			sg.months = append(sg.months, first.Format("2006-01"))
		} else {
			sg.dayRange = append(sg.dayRange, [2]string{d.Format(time.DateOnly), end.Format(time.DateOnly)})
		}
		d = last.AddDate(0, 0, 1)
	}
	return sg
}

// keys are the month and day keys of the segments.
func (sg segments) keys() []string {
	keys := slices.Clone(sg.months)
	for _, r := range sg.dayRange {
		from, _ := time.Parse(time.DateOnly, r[0])
		to, _ := time.Parse(time.DateOnly, r[1])
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			keys = append(keys, d.Format(time.DateOnly))
		}
	}
	return keys
}

// where is the SQL condition on month for the segments, with its args
// numbered from next: a list of keys, so that each is a seek on the
// counters' key (region, month, category) rather than a range over every
// category of the days.
func (sg segments) where(next int) (string, []any) {
	keys := sg.keys()
	if len(keys) == 0 {
		return "1 = 0", nil
	}
	return "month IN (" + placeholders(next, len(keys)) + ")", anys(keys)
}

func placeholders(next, n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", next+i)
	}
	return strings.Join(ph, ", ")
}

func anys(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func (s *Service) eventsPanel(ctx context.Context, n *node, path []PathItem, r Range) (*eventsScratch, error) {
	now := s.cfg.Now().UTC()
	if err := s.syncEvents(ctx, n.Path); err != nil {
		return nil, err
	}
	sc := s.eventsScratch()
	out := &sc.panel
	out.Region, out.Path, out.From, out.To, out.AsOf = ref(n), path, r.From.Format(time.DateOnly), r.To.Format(time.DateOnly), now
	st := s.events
	st.mu.RLock()
	defer st.mu.RUnlock()
	sums := s.sumsOf(n)
	cur := sums.period(r)
	out.Totals, out.Rates = cur.Totals, cur.Rates
	prevTo := r.From.AddDate(0, 0, -1)
	out.Previous = sums.period(Range{From: prevTo.AddDate(0, 0, -(r.days() - 1)), To: prevTo})
	out.YearAgo = sums.period(Range{From: r.From.AddDate(-1, 0, 0), To: r.To.AddDate(-1, 0, 0)})
	out.ByDay = sums.byDay(r, out.ByDay)
	s.topCategories(ctx, sums.categories(r, sc.categories), sc)
	bySource := sums.bySource(r)
	out.BySource = namedCounts(sourceNames, bySource[:])
	s.openFigures(sc, n, now)
	s.slowestDepartments(n, r, sc)
	sc.children = sc.children[:0]
	for _, c := range n.children {
		k := s.sumsOf(c).vector(r)
		sc.children = append(sc.children, eventChildMeasures{Reported: k[mReported], Closed: k[mClosed], Overdue: k[mOverdue],
			ClosureRate: sc.ratio(k[mClosed], k[mShouldClose]), OnTimeRate: sc.ratio(k[mClosedOnTime], k[mShouldClose]),
			SatisfactionRate: sc.ratio(k[mSatisfied], k[mRated])})
	}
	for i, c := range n.children {
		out.Children = append(out.Children, Child{Code: c.Code, Name: c.Name, Level: c.Level, Measures: &sc.children[i]})
	}
	return sc, nil
}

// eventsScratch is where an events panel is computed: taken from a pool and
// put back once its JSON is written, lists, maps and the values its
// pointers point to included. A panel is computed afresh after every
// change under its region, and the collector, which shares the core with
// the requests, then has little to collect but the JSON.
type eventsScratch struct {
	pool       *sync.Pool
	panel      EventsPanel
	children   []eventChildMeasures
	floats     []float64   // rates the panel points to
	times      []time.Time // deadlines the panel points to
	perGrid    map[string]int64
	busiest    []gridCount
	overdue    refHeap
	supervised refHeap
	categories map[string]int64
	groups     map[string]bool
}

type gridCount struct {
	grid string
	n    int64
}

// maxScratchGrids bounds the grid map a scratch keeps: a city's has
// thousands, and clearing it would cost a village's panel.
const maxScratchGrids = 512

// eventsScratch takes a scratch from the pool, emptied.
func (s *Service) eventsScratch() *eventsScratch {
	sc, _ := s.scratch.Get().(*eventsScratch)
	if sc == nil {
		sc = &eventsScratch{pool: &s.scratch, categories: map[string]int64{}, groups: map[string]bool{},
			overdue: refHeap{less: func(a, b *openEvent) bool {
				if a.due != b.due {
					return a.due > b.due
				}
				return a.id > b.id
			}},
			supervised: refHeap{less: func(a, b *openEvent) bool { return a.id > b.id }},
		}
	}
	p := &sc.panel
	*p = EventsPanel{ByDay: emptied(p.ByDay), TopCategories: emptied(p.TopCategories), SlowestDepartments: emptied(p.SlowestDepartments),
		Overdue: emptied(p.Overdue), Supervised: emptied(p.Supervised), Hotspots: emptied(p.Hotspots), Children: emptied(p.Children)}
	sc.floats, sc.times = sc.floats[:0], sc.times[:0]
	sc.overdue.items, sc.supervised.items = sc.overdue.items[:0], sc.supervised.items[:0]
	if sc.perGrid == nil || len(sc.perGrid) > maxScratchGrids {
		sc.perGrid = map[string]int64{}
	} else {
		clear(sc.perGrid)
	}
	clear(sc.categories)
	clear(sc.groups)
	return sc
}

// emptied is xs without its elements, never nil (an empty list is [] in
// the panel's JSON).
func emptied[T any](xs []T) []T {
	if xs == nil {
		return make([]T, 0, 8)
	}
	return xs[:0]
}

// ratio is a÷b held by the scratch, nil without a denominator.
func (sc *eventsScratch) ratio(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	sc.floats = append(sc.floats, float64(a)/float64(b))
	return &sc.floats[len(sc.floats)-1]
}

// time is t held by the scratch.
func (sc *eventsScratch) time(t time.Time) *time.Time {
	sc.times = append(sc.times, t)
	return &sc.times[len(sc.times)-1]
}

func (sc *eventsScratch) appendJSON(b []byte) ([]byte, error) { return sc.panel.appendJSON(b) }

// release gives the scratch back once the panel is written.
func (sc *eventsScratch) release() { sc.pool.Put(sc) }

// topCategories are the ten leaf categories with the most reports; a
// category group counts every leaf under it, so only codes that no other
// counted code extends are leaves.
func (s *Service) topCategories(ctx context.Context, counts map[string]int64, sc *eventsScratch) {
	groups := sc.groups
	for c := range counts {
		for i := 0; i < len(c); i++ {
			if c[i] == '.' {
				groups[c[:i]] = true
			}
		}
	}
	out := sc.panel.TopCategories
	for c, n := range counts {
		if !groups[c] && n != 0 {
			out = append(out, CategoryFigures{Code: c, Name: c, NameEn: c, Reported: n})
		}
	}
	slices.SortFunc(out, func(a, b CategoryFigures) int {
		return cmp.Or(cmp.Compare(b.Reported, a.Reported), strings.Compare(a.Code, b.Code))
	})
	if len(out) > 10 {
		out = out[:10]
	}
	if s.cfg.Categories != nil {
		for i := range out {
			if name, en, err := s.cfg.Categories.Names(ctx, out[i].Code); err == nil {
				out[i].Name, out[i].NameEn = name, en
			}
		}
	}
	sc.panel.TopCategories = out
}

// dayBounds are the UTC instants at which a range begins and ends.
func (s *Service) dayBounds(r Range) (time.Time, time.Time) {
	return r.From.UTC(), r.To.AddDate(0, 0, 1).UTC()
}

func colourOf(warning string, overdue bool) string {
	switch {
	case warning == "red" || overdue:
		return "red"
	case warning == "yellow":
		return "yellow"
	}
	return "green"
}

// slowestDepartments are the ten departments of the region with the
// lowest on-time disposal rate (disposed on time ÷ to dispose) in the
// range, then the most overdue.
func (s *Service) slowestDepartments(n *node, r Range, sc *eventsScratch) {
	lo, hi := pathRange(n.Path)
	depts := s.tree.Load().departments
	out := sc.panel.SlowestDepartments
	for i := sort.Search(len(depts), func(i int) bool { return depts[i].path >= lo }); i < len(depts) && depts[i].path < hi; i++ {
		if s.events.depts[depts[i].code] == nil {
			continue // no events ever
		}
		c := s.deptSums(depts[i].code).vector(r)
		if c[mDisposeBase] == 0 && c[mOverdue] == 0 {
			continue
		}
		out = append(out, DepartmentFigures{Code: depts[i].code, Name: depts[i].name, Disposed: c[mDisposed], DisposedOnTime: c[mDisposedOnTime],
			OnTimeRate: sc.ratio(c[mDisposedOnTime], c[mDisposeBase]), Overdue: c[mOverdue]})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case (a.OnTimeRate == nil) != (b.OnTimeRate == nil):
			return b.OnTimeRate == nil
		case a.OnTimeRate != nil && *a.OnTimeRate != *b.OnTimeRate:
			return *a.OnTimeRate < *b.OnTimeRate
		case a.Overdue != b.Overdue:
			return a.Overdue > b.Overdue
		}
		return a.Code < b.Code
	})
	if len(out) > 10 {
		out = out[:10]
	}
	sc.panel.SlowestDepartments = out
}
