package dashboard

import (
	"cmp"
	"container/heap"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/live"
)

// The event figures of the panels live in memory. Each event is held as a
// few facts (report day, category, source, lead department, measure bits,
// and while open its state, card, deadline and supervision), grouped by
// its region path (its leaf). Every region above the grids holds the sums
// of its events per report day; a grid's figures are summed from its own
// events, a few hundred at most. A change reloads the events of the leaf
// it names and moves the sums by the difference, so the figures equal a
// recount of the events table. Open events are few: the lists, colours and
// hotspots are worked out per request from the open events of the leaves
// under the region.

const numMeasures = event.NumMeasures

// measure indexes used by the panels.
var (
	mReported       = measureAt("reported")
	mClosed         = measureAt("closed")
	mDisposed       = measureAt("disposed")
	mDisposedOnTime = measureAt("disposed_on_time")
	mDisposeBase    = measureAt("dispose_base")
	mOverdue        = measureAt("overdue")
	mShouldClose    = measureAt("should_close")
	mClosedOnTime   = measureAt("closed_on_time")
	mSatisfied      = measureAt("satisfied")
	mRated          = measureAt("rated")
)

func measureAt(name string) int {
	for i, m := range event.Measures() {
		if m == name {
			return i
		}
	}
	panic("dashboard: unknown measure " + name)
}

// fact is one event as the panels see it. It holds no pointer (its
// strings are symbols of the store), and the store keeps a leaf's facts
// as values in a slice by report day: a city's million events are then
// memory the collector never has to look through, and a month of a grid
// is a run of its slice.
type fact struct {
	id       int64
	day      int32 // report day in the deployment's zone, days since 1970-01-01
	leaf     sym   // region path
	grid     sym
	category sym
	dept     sym // lead department, 0 for none
	measures uint32
	source   int8 // index in sources, -1 for another
	state    int8 // an index in openStates while open, else -1
}

// sym stands for a string held once in the store's symbols; 0 is "".
type sym int32

// rawFact is an event as read from the table, before its strings become
// symbols.
type rawFact struct {
	id                         int64
	day                        int32
	leaf, grid, category, dept string
	measures                   uint32
	source, state              int8
	open                       *openFact // while open
}

// openEvent is an open event: its fact and what the lists and colours need.
type openEvent struct {
	fact
	openFact
}

// openFact is what the lists and colours need of an open event.
type openFact struct {
	warning    string
	due        int64 // step deadline, Unix µs (0: none)
	supervised bool
	supDue     int64
	code       string
	title      string
}

// dayFigures are one region's events reported on one day. There are
// hundreds of thousands of them: counts are int32 and categories indexes
// into the store's names, so that each holds a single pointer to a
// pointer-free array and the collector marks them quickly.
type dayFigures struct {
	cats []catCount // reports by the event's own category, sorted by index
	m    [numMeasures]int32
	src  [6]int32
}

type catCount struct{ cat, n int32 }

// regionEvents are the sums of a region (or a department) by report day,
// from its first day on: the days of a range are a run of the slice.
type regionEvents struct {
	first int32
	days  []*dayFigures
}

// at is the sums of a day, nil for none.
func (r *regionEvents) at(day int32) *dayFigures {
	if r == nil || day < r.first || int(day-r.first) >= len(r.days) {
		return nil
	}
	return r.days[day-r.first]
}

// held counts the days with sums.
func (r *regionEvents) held() int {
	n := 0
	for _, d := range r.days {
		if d != nil {
			n++
		}
	}
	return n
}

func (r *regionEvents) add(f fact, sign int32) {
	cat := int32(f.category)
	switch {
	case len(r.days) == 0:
		r.first = f.day
	case f.day < r.first:
		r.days = append(make([]*dayFigures, r.first-f.day, int(r.first-f.day)+len(r.days)), r.days...)
		r.first = f.day
	}
	if i := int(f.day - r.first); i >= len(r.days) {
		r.days = append(r.days, make([]*dayFigures, i+1-len(r.days))...)
	}
	d := r.days[f.day-r.first]
	if d == nil {
		d = &dayFigures{}
		r.days[f.day-r.first] = d
	}
	for b := f.measures; b != 0; b &= b - 1 {
		if i := bits.TrailingZeros32(b); i < numMeasures {
			d.m[i] += sign
		}
	}
	if f.source >= 0 {
		d.src[f.source] += sign
	}
	if f.measures&1 != 0 {
		i, found := slices.BinarySearchFunc(d.cats, cat, func(c catCount, cat int32) int { return cmp.Compare(c.cat, cat) })
		switch {
		case !found:
			d.cats = slices.Insert(d.cats, i, catCount{cat: cat, n: sign})
		case d.cats[i].n+sign == 0:
			d.cats = slices.Delete(d.cats, i, i+1)
		default:
			d.cats[i].n += sign
		}
	}
}

// eventStore holds the facts and the sums.
type eventStore struct {
	mu      sync.RWMutex
	byID    map[int64]factAt         // event → where its fact lies
	leaves  map[string][]fact        // leaf → its events by report day, then id
	open    map[string][]openEvent   // leaf → its open events
	paths   []string                 // sorted leaves, rebuilt when one appears or empties
	regions map[string]*regionEvents // region code (city to village) → sums
	depts   map[string]*regionEvents // lead department → sums
	names   []string                 // by symbol: leaves, grids, categories, departments
	syms    map[string]sym
	loaded  bool
}

// factAt is where an event's fact lies: its leaf, and its report day,
// which orders the leaf's facts.
type factAt struct {
	leaf sym
	day  int32
}

// symOf is the symbol of a string, made when first seen; the caller holds
// mu for writing.
func (st *eventStore) symOf(v string) sym {
	if v == "" {
		return 0
	}
	i, ok := st.syms[v]
	if !ok {
		i = sym(len(st.names))
		st.syms[v] = i
		st.names = append(st.names, v)
	}
	return i
}

// name is the string of a symbol; the caller holds mu.
func (st *eventStore) name(i sym) string { return st.names[i] }

// factOf makes a read event a fact; the caller holds mu for writing.
func (st *eventStore) factOf(r rawFact) fact {
	return fact{id: r.id, day: r.day, leaf: st.symOf(r.leaf), grid: st.symOf(r.grid), category: st.symOf(r.category),
		dept: st.symOf(r.dept), measures: r.measures, source: r.source, state: r.state}
}

func newEventStore() *eventStore {
	return &eventStore{byID: map[int64]factAt{}, leaves: map[string][]fact{}, open: map[string][]openEvent{},
		regions: map[string]*regionEvents{}, depts: map[string]*regionEvents{}, names: []string{""}, syms: map[string]sym{}}
}

// owners are the region codes above a leaf that keep sums: every level
// but the grid (a path's fifth code).
func owners(leaf string) []string {
	parts := strings.Split(strings.Trim(leaf, "/"), "/")
	if len(parts) > 4 {
		parts = parts[:4]
	}
	return parts
}

func (st *eventStore) apply(f fact, sign int32) {
	for _, o := range owners(st.name(f.leaf)) {
		r := st.regions[o]
		if r == nil {
			r = &regionEvents{}
			st.regions[o] = r
		}
		r.add(f, sign)
	}
	if f.dept != 0 {
		dept := st.name(f.dept)
		r := st.depts[dept]
		if r == nil {
			r = &regionEvents{}
			st.depts[dept] = r
		}
		r.add(f, sign)
	}
}

// held is the fact of an event held, if any.
func (st *eventStore) held(id int64) (fact, bool) {
	at, ok := st.byID[id]
	if !ok {
		return fact{}, false
	}
	l := st.leaves[st.name(at.leaf)]
	if i, found := slices.BinarySearchFunc(l, at, func(f fact, at factAt) int { return cmp.Compare(f.day, at.day) }); found {
		for ; i < len(l) && l[i].day == at.day; i++ {
			if l[i].id == id {
				return l[i], true
			}
		}
	}
	return fact{}, false
}

// byDay orders a leaf's facts.
func byDay(a, b fact) int {
	if c := cmp.Compare(a.day, b.day); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// replace takes the facts gone out of the store and puts fresh in, each
// leaf touched kept in order; it reports whether a leaf appeared or
// emptied.
func (st *eventStore) replace(gone []fact, fresh []rawFact) (reshaped bool) {
	touched := map[string]bool{}
	dropped := make(map[int64]bool, len(gone))
	for _, f := range gone {
		st.apply(f, -1)
		delete(st.byID, f.id)
		dropped[f.id] = true
		leaf := st.name(f.leaf)
		touched[leaf] = true
	}
	for leaf := range touched {
		drop := func(f fact) bool { return dropped[f.id] }
		st.leaves[leaf] = slices.DeleteFunc(st.leaves[leaf], drop)
		if o, ok := st.open[leaf]; ok {
			if o = slices.DeleteFunc(o, func(e openEvent) bool { return drop(e.fact) }); len(o) > 0 {
				st.open[leaf] = o
			} else {
				delete(st.open, leaf)
			}
		}
	}
	for _, r := range fresh {
		f := st.factOf(r)
		st.apply(f, 1)
		st.byID[f.id] = factAt{leaf: f.leaf, day: f.day}
		leaf := r.leaf
		if _, ok := st.leaves[leaf]; !ok {
			reshaped = true
		}
		st.leaves[leaf] = append(st.leaves[leaf], f)
		touched[leaf] = true
		if f.state >= 0 && r.open != nil {
			st.open[leaf] = append(st.open[leaf], openEvent{fact: f, openFact: *r.open})
		}
	}
	for leaf := range touched {
		l := st.leaves[leaf]
		if len(l) == 0 {
			delete(st.leaves, leaf)
			reshaped = true
			continue
		}
		slices.SortFunc(l, byDay)
	}
	return reshaped
}

// leavesIn are the leaves in [lo, hi); the caller holds mu.
func (st *eventStore) leavesIn(lo, hi string) []string {
	i := sort.SearchStrings(st.paths, lo)
	j := sort.SearchStrings(st.paths, hi)
	return st.paths[i:j]
}

func (s *Service) dayNumber(t time.Time) int32 {
	l := t.In(s.cfg.Zone)
	return int32(time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayName is a day as YYYY-MM-DD, formatted once.
func (s *Service) dayName(d int32) string {
	if v, ok := s.dayNames.Load(d); ok {
		return v.(string)
	}
	name := s.dayOfNumber(d).Format(time.DateOnly)
	s.dayNames.Store(d, name)
	return name
}

func (s *Service) dayOfNumber(d int32) time.Time {
	u := time.Unix(int64(d)*86400, 0).UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, s.cfg.Zone)
}

var sourceIndex = func() map[string]int8 {
	m := map[string]int8{}
	for i, s := range sources {
		m[s] = int8(i)
	}
	return m
}()

var openIndex = func() map[string]int8 {
	m := map[string]int8{}
	for i, s := range openStates {
		m[s] = int8(i)
	}
	return m
}()

// loadEvents reads the events under path (Root: all) and replaces what
// the store holds there; an event held under another leaf (it moved) is
// taken from there.
func (s *Service) loadEvents(ctx context.Context, path string) error {
	lo, hi := pathRange(path)
	rows, err := s.cfg.DB.Read().QueryContext(ctx, `SELECT id, region_path, grid_code, created_at, category_code, source, lead_department,
		measures, state, warning, step_due, supervised, supervise_due, code, title FROM events WHERE region_path >= $1 AND region_path < $2`, lo, hi)
	if err != nil {
		return fmt.Errorf("dashboard: load events: %w", err)
	}
	var fresh []rawFact
	interned := map[string]string{}
	intern := func(v string) string {
		if x, ok := interned[v]; ok {
			return x
		}
		interned[v] = v
		return v
	}
	for rows.Next() {
		f := rawFact{}
		var created time.Time
		var src, state, code, title, warning string
		var measures int64
		var supervised int
		var due, supDue sql.NullTime
		if err := rows.Scan(&f.id, &f.leaf, &f.grid, &created, &f.category, &src, &f.dept, &measures, &state, &warning, &due,
			&supervised, &supDue, &code, &title); err != nil {
			rows.Close()
			return fmt.Errorf("dashboard: load events: %w", err)
		}
		f.leaf, f.grid, f.category, f.dept = intern(f.leaf), intern(f.grid), intern(f.category), intern(f.dept)
		f.day = s.dayNumber(created)
		f.measures = uint32(measures)
		f.source = -1
		if i, ok := sourceIndex[src]; ok {
			f.source = i
		}
		f.state = -1
		if i, ok := openIndex[state]; ok {
			f.state = i
			f.open = &openFact{warning: intern(warning), code: code, title: title, supervised: supervised == 1}
			if due.Valid {
				f.open.due = due.Time.UnixMicro()
			}
			if supDue.Valid {
				f.open.supDue = supDue.Time.UnixMicro()
			}
		}
		fresh = append(fresh, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dashboard: load events: %w", err)
	}
	// A department created since the tree was read: read it again.
	if t := s.tree.Load(); t != nil {
		for _, f := range fresh {
			if f.dept != "" && !t.hasDept[f.dept] {
				if err := s.loadTree(ctx); err != nil {
					return err
				}
				break
			}
		}
	}
	if moved := s.replaceEvents(lo, hi, fresh); len(moved) > 0 {
		// Events are never deleted: one that left the path moved, and its
		// new leaf is reloaded next, whether or not a change named it.
		s.markMoved(ctx, moved)
	}
	return nil
}

// replaceEvents puts fresh in the place of the events held in [lo, hi)
// and returns the ids of those that are no longer there.
func (s *Service) replaceEvents(lo, hi string, fresh []rawFact) []any {
	st := s.events
	st.mu.Lock()
	defer st.mu.Unlock()
	seen := make(map[int64]bool, len(fresh))
	for _, f := range fresh {
		seen[f.id] = true
	}
	var gone []fact
	var moved []any
	for _, leaf := range st.leavesIn(lo, hi) {
		for _, f := range st.leaves[leaf] {
			gone = append(gone, f)
			if !seen[f.id] {
				moved = append(moved, f.id)
			}
		}
	}
	for _, f := range fresh {
		if old, ok := st.held(f.id); ok {
			if leaf := st.name(old.leaf); leaf < lo || leaf >= hi {
				gone = append(gone, old)
			}
		}
	}
	reshaped := st.replace(gone, fresh)
	if reshaped || !st.loaded {
		st.paths = st.paths[:0]
		for leaf := range st.leaves {
			st.paths = append(st.paths, leaf)
		}
		sort.Strings(st.paths)
	}
	st.loaded = true
	return moved
}

// markMoved marks the leaves the events ids now lie in.
func (s *Service) markMoved(ctx context.Context, ids []any) {
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		rows, err := s.cfg.DB.Read().QueryContext(ctx, `SELECT DISTINCT region_path FROM events WHERE id IN (`+placeholders(1, len(batch))+`)`, batch...)
		if err != nil {
			s.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "dashboard: moved events", slog.Any("err", err))
			s.markEvents(live.Root)
			return
		}
		for rows.Next() {
			var p string
			if rows.Scan(&p) == nil {
				s.markEvents(p)
			}
		}
		rows.Close()
	}
}

// eventSums are the figures of one region over a range of days: the
// sums per day of a region above the grids, or a grid's own events, few
// enough to count per request without building sums.
type eventSums struct {
	s      *Service
	days   *regionEvents
	leaves [][]fact // each by report day
}

// sumsOf gives the figures of a region; the caller holds mu.
func (s *Service) sumsOf(n *node) eventSums {
	st := s.events
	if n.Level < 5 {
		return eventSums{s: s, days: st.regions[n.Code]}
	}
	leaves, _ := st.factsUnder(n.Path, 0)
	return eventSums{s: s, leaves: leaves}
}

// factsUnder are the events of the leaves under path, as long as there
// are at most limit of them (0: any number); the caller holds mu.
func (st *eventStore) factsUnder(path string, limit int) ([][]fact, bool) {
	lo, hi := pathRange(path)
	var out [][]fact
	held := 0
	for _, leaf := range st.leavesIn(lo, hi) {
		l := st.leaves[leaf]
		if held += len(l); limit > 0 && held > limit {
			return nil, false
		}
		out = append(out, l)
	}
	return out, true
}

func (s *Service) deptSums(code string) eventSums {
	return eventSums{s: s, days: s.events.depts[code]}
}

func (s *Service) rangeDays(r Range) (int32, int32) {
	return s.dayNumber(r.From), s.dayNumber(r.To)
}

// each calls fn for the events of a grid reported in [from, to].
func (e eventSums) each(from, to int32, fn func(f fact)) {
	for _, l := range e.leaves {
		i, _ := slices.BinarySearchFunc(l, from, func(f fact, day int32) int { return cmp.Compare(f.day, day) })
		for ; i < len(l) && l[i].day <= to; i++ {
			fn(l[i])
		}
	}
}

// closingRates are the closure, on-time closure and satisfaction rates of
// a vector, as event.RatesOf works them out.
func closingRates(k [numMeasures]int64) (closure, onTime, satisfaction *float64) {
	return ratio(k[mClosed], k[mShouldClose]), ratio(k[mClosedOnTime], k[mShouldClose]), ratio(k[mSatisfied], k[mRated])
}

// byMeasure names the figures of a vector.
func byMeasure(v [numMeasures]int64) map[string]int64 {
	out := make(map[string]int64, numMeasures)
	for i, m := range event.Measures() {
		out[m] = v[i]
	}
	return out
}

// vector sums the measures over a range, in the order of event.Measures.
func (e eventSums) vector(r Range) [numMeasures]int64 {
	from, to := e.s.rangeDays(r)
	return e.sumDays(from, to, nil)
}

// sumDays sums the measures of the days from..to (day numbers): the sums
// per day of a region above the grids, else the events held, those keep
// accepts (nil: all).
func (e eventSums) sumDays(from, to int32, keep func(f fact) bool) [numMeasures]int64 {
	var sum [numMeasures]int64
	if e.days == nil {
		e.each(from, to, func(f fact) {
			if keep != nil && !keep(f) {
				return
			}
			for b := f.measures; b != 0; b &= b - 1 {
				if i := bits.TrailingZeros32(b); i < numMeasures {
					sum[i]++
				}
			}
		})
		return sum
	}
	for d := from; d <= to; d++ {
		if f := e.days.at(d); f != nil {
			for i, v := range f.m {
				sum[i] += int64(v)
			}
		}
	}
	return sum
}

func (e eventSums) period(r Range) PeriodFigures {
	v := e.vector(r)
	return PeriodFigures{From: r.From.Format(time.DateOnly), To: r.To.Format(time.DateOnly), Totals: namedCounts(measureNames, v[:]), Rates: ratesOf(v)}
}

// The names of the events panel's figures, and the measures each rate
// divides.
var (
	measureNames = newNames(event.Measures())
	rateNames    = newNames(event.RateNames())
	sourceNames  = newNames(sources)
	stateNames   = newNames(openStates)
	colourNames  = newNames([]string{"green", "yellow", "red"})
	rateParts    = func() [][2]int {
		var parts [][2]int
		for _, r := range event.RateDefs() {
			parts = append(parts, [2]int{measureAt(r.Of), measureAt(r.Over)})
		}
		return parts
	}()
)

// ratesOf are the rates of a vector, as event.RatesOf works them out.
func ratesOf(v [numMeasures]int64) NamedRates {
	r := NamedRates{names: rateNames}
	for i, p := range rateParts {
		if over := v[p[1]]; over != 0 {
			r.v[i] = float64(v[p[0]]) / float64(over)
			r.set |= 1 << i
		}
	}
	return r
}

// byDay appends the reports and closures of each day of r to out.
func (e eventSums) byDay(r Range, out []DayFigures) []DayFigures {
	out = out[:0]
	from, to := e.s.rangeDays(r)
	for d := from; d <= to; d++ {
		df := DayFigures{Date: e.s.dayName(d)}
		if f := e.days.at(d); f != nil {
			df.Reported, df.Closed = int64(f.m[mReported]), int64(f.m[mClosed])
		}
		out = append(out, df)
	}
	if e.days == nil {
		e.each(from, to, func(f fact) {
			out[f.day-from].Reported += int64(f.measures >> mReported & 1)
			out[f.day-from].Closed += int64(f.measures >> mClosed & 1)
		})
	}
	return out
}

// bySource counts reports by source, in the order of sources.
func (e eventSums) bySource(r Range) [6]int64 {
	var sum [6]int64
	from, to := e.s.rangeDays(r)
	if e.days == nil {
		e.each(from, to, func(f fact) {
			if f.source >= 0 {
				sum[f.source]++
			}
		})
	}
	for d := from; d <= to && e.days != nil; d++ {
		if f := e.days.at(d); f != nil {
			for i, v := range f.src {
				sum[i] += int64(v)
			}
		}
	}
	return sum
}

// categories counts reports by category and by each group above it, as
// the counters do.
func (e eventSums) categories(r Range, out map[string]int64) map[string]int64 {
	if out == nil {
		out = map[string]int64{}
	}
	count := func(c string, n int64) {
		out[c] += n
		for i := 0; i < len(c); i++ {
			if c[i] == '.' {
				out[c[:i]] += n
			}
		}
	}
	from, to := e.s.rangeDays(r)
	if e.days == nil {
		e.each(from, to, func(f fact) {
			if f.measures&1 != 0 {
				count(e.s.events.name(f.category), 1)
			}
		})
	}
	for d := from; d <= to && e.days != nil; d++ {
		if f := e.days.at(d); f != nil {
			for _, c := range f.cats {
				count(e.s.events.name(sym(c.cat)), int64(c.n))
			}
		}
	}
	return out
}

// refHeap keeps the first k events of an order, the worst on top. It
// points into the store's slices, so it lives no longer than its read
// lock.
type refHeap struct {
	items []*openEvent
	less  func(a, b *openEvent) bool // a comes before b in the list
}

func (h *refHeap) Len() int           { return len(h.items) }
func (h *refHeap) Less(i, j int) bool { return h.less(h.items[j], h.items[i]) }
func (h *refHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *refHeap) Push(x any)         { h.items = append(h.items, x.(*openEvent)) }
func (h *refHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func (h *refHeap) offer(f *openEvent, k int) {
	if len(h.items) < k {
		heap.Push(h, f)
		return
	}
	if h.less(f, h.items[0]) {
		h.items[0] = f
		heap.Fix(h, 0)
	}
}

// sorted orders the events kept, which leaves h no longer a heap.
func (h *refHeap) sorted() []*openEvent {
	out := h.items
	slices.SortFunc(out, func(a, b *openEvent) int {
		switch {
		case h.less(a, b):
			return -1
		case h.less(b, a):
			return 1
		}
		return 0
	})
	return out
}

const listLimit = 20

// openFigures fills the open events' figures of the panel from memory;
// the caller holds mu.
func (s *Service) openFigures(sc *eventsScratch, n *node, now time.Time) {
	st, out := s.events, &sc.panel
	var byState [6]int64
	var byColour [3]int64 // green, yellow, red
	nowMicro := now.UnixMicro()
	lo, hi := pathRange(n.Path)
	leaves := st.leavesIn(lo, hi)
	perGrid := sc.perGrid
	overdue, supervised := &sc.overdue, &sc.supervised
	for _, leaf := range leaves {
		open := st.open[leaf]
		if len(open) == 0 {
			continue
		}
		// A grid's events all carry its code: count them at once.
		gridLeaf := strings.Count(leaf, "/") == 6
		if gridLeaf {
			perGrid[lastCode(leaf)] += int64(len(open))
		}
		for i := range open {
			f := &open[i]
			byState[f.state]++
			late := f.due != 0 && f.due < nowMicro
			switch {
			case f.warning == "red" || late:
				byColour[2]++
			case f.warning == "yellow":
				byColour[1]++
			default:
				byColour[0]++
			}
			if !gridLeaf {
				perGrid[st.name(f.grid)]++
			}
			if late && f.state < 5 { // not parked
				overdue.offer(f, listLimit)
			}
			if f.supervised {
				supervised.offer(f, listLimit)
			}
		}
	}
	out.OpenByState = namedCounts(stateNames, byState[:])
	out.OpenByColour = namedCounts(colourNames, byColour[:])
	t := s.tree.Load()
	// The 200 busiest grids, ordered before the hotspots are made.
	busiest := sc.busiest[:0]
	for g, c := range perGrid {
		busiest = append(busiest, gridCount{g, c})
	}
	slices.SortFunc(busiest, func(a, b gridCount) int {
		if a.n != b.n {
			return cmp.Compare(b.n, a.n)
		}
		return strings.Compare(a.grid, b.grid)
	})
	sc.busiest = busiest
	busiest = busiest[:min(len(busiest), 200)]
	for _, b := range busiest {
		h := Hotspot{GridCode: b.grid, Name: b.grid, Count: b.n}
		if gn := t.byCode[b.grid]; gn != nil {
			h.Name, h.Lng, h.Lat = gn.Name, gn.Lng, gn.Lat
		}
		out.Hotspots = append(out.Hotspots, h)
	}
	ref := func(f *openEvent, deadline int64) EventRef {
		e := EventRef{ID: f.id, Code: f.code, Title: f.title, State: openStates[f.state], GridCode: st.name(f.grid),
			Colour: colourOf(f.warning, f.due != 0 && f.due < nowMicro)}
		if deadline == 0 {
			deadline = f.due
		}
		if deadline != 0 {
			e.Deadline = sc.time(time.UnixMicro(deadline).UTC())
		}
		return e
	}
	for _, f := range overdue.sorted() {
		out.Overdue = append(out.Overdue, ref(f, f.due))
	}
	for _, f := range supervised.sorted() {
		out.Supervised = append(out.Supervised, ref(f, f.supDue))
	}
}
