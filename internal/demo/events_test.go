package demo_test

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workcal"
)

// eventYear has a complete holiday calendar in workcal.Default().
const eventYear = 2026

// eventScripts draws a preset's year once per test binary.
var eventScripts sync.Map // preset name → func() []demo.EventScript

func scriptsOf(tb testing.TB, name string) (demo.City, demo.Preset, []demo.EventScript) {
	tb.Helper()
	c, p := city(tb, name)
	f, _ := eventScripts.LoadOrStore(name, sync.OnceValue(func() []demo.EventScript {
		return slices.Collect(demo.EventScripts(c, p, demo.Options{Seed: demo.DefaultSeed}, eventYear))
	}))
	return c, p, f.(func() []demo.EventScript)()
}

// --- a model of the machine ---------------------------------------------------

// The machine's own table decides what is allowed (event.Allowed); what an
// action leads to and what it does to the measures is re-derived here from
// machine.go and act.go. TestEventScriptsReplay checks this model against
// the real service.
var toState = map[event.Action]event.State{
	event.Register: event.Registered, event.Reject: event.Rejected, event.Merge: event.Duplicate,
	event.SelfHandle: event.Handling, event.Dispatch: event.Dispatched, event.Escalate: event.Registered,
	event.Accept: event.Handling, event.Return: event.Registered, event.Feedback: event.Handled,
	event.Verify: event.Closed, event.Rework: event.Handling, event.Reopen: event.Registered,
	event.Park: event.Parked, event.Unpark: event.Registered, event.Void: event.Voided,
}

func stepOf(s event.State) category.Step {
	switch s {
	case event.Reported:
		return category.Register
	case event.Registered:
		return category.Dispatch
	case event.Dispatched:
		return category.Receive
	case event.Handling:
		return category.Handle
	case event.Handled:
		return category.Verify
	}
	return ""
}

// measure indexes the facts of event.Measures.
var measure = func() map[string]int {
	m := map[string]int{}
	for i, n := range event.Measures() {
		m[n] = i
	}
	return m
}()

type facts uint32

func (f facts) has(name string) bool { return f&(1<<measure[name]) != 0 }
func (f *facts) set(names ...string) {
	for _, n := range names {
		*f |= 1 << measure[n]
	}
}
func (f *facts) clear(names ...string) {
	for _, n := range names {
		*f &^= 1 << measure[n]
	}
}

// derive mirrors the derived measures of event.derive.
func (f facts) derive() facts {
	f.clear("should_close", "dispose_base", "self_closed")
	out := f.has("parked") || f.has("voided") || f.has("duplicate") || f.has("rejected")
	if (f.has("disposed") || f.has("overdue") || f.has("closed")) && f.has("need_dispose") && !out {
		f.set("should_close")
	}
	if f.has("need_dispose") && !out {
		f.set("dispose_base")
	}
	if f.has("closed") && f.has("self_handled") {
		f.set("self_closed")
	}
	return f
}

// simEvent is an event as the model sees it.
type simEvent struct {
	cat        category.Category
	state      event.State
	level      region.Level
	step       category.Step
	due        time.Time // zero: no deadline
	self, lead bool
	pending    *category.Amount
	rating     string
	anyLate    bool
	facts      facts
	// steps counts the timed steps ended; late those ended after their deadline.
	steps, late int
	// states is the state after each step, for merges into the event.
	states []event.State
}

type model struct {
	cal  *workcal.Calendar
	cats map[string]category.Category
	locs interface {
		GridAt(orb.Point) (string, string, bool)
	}
	evs   []simEvent
	total facts
}

func newModel(c demo.City) *model {
	m := &model{cal: workcal.Default(), cats: map[string]category.Category{}, locs: newGridLocator(c)}
	for _, cat := range category.DefaultTree() {
		if cat.Leaf {
			m.cats[cat.Code] = cat
		}
	}
	return m
}

func (m *model) addLimit(from time.Time, a float64, u category.Unit) time.Time {
	if u == category.Days {
		return m.cal.AddWorkingDays(from, int(a))
	}
	return m.cal.AddWorkingDuration(from, time.Duration(a*float64(time.Hour)))
}

func (m *model) startStep(e *simEvent, now time.Time) {
	e.step, e.due = stepOf(e.state), time.Time{}
	if e.step == "" {
		return
	}
	if a, u := e.cat.Limit(e.step, e.level); a > 0 {
		e.due = m.addLimit(now, a, u)
	}
}

func onTime(due, now time.Time) bool { return due.IsZero() || !now.After(due) }

// add checks script i (the scripts before it were added) and plays it.
func (m *model) add(scripts []demo.EventScript, i int) error {
	s := scripts[i]
	r := s.Report
	cat, ok := m.cats[r.CategoryCode]
	if !ok {
		return fmt.Errorf("category %q is not a leaf of the default tree", r.CategoryCode)
	}
	if err := checkReport(m, r); err != nil {
		return err
	}
	e := simEvent{cat: cat, state: event.Reported, level: region.Township}
	e.facts.set("reported")
	m.startStep(&e, s.At)
	if cat.DefaultUrgency == category.Emergency {
		// The fast path: registered and dispatched on report.
		for _, a := range []event.Action{event.Register, event.Dispatch} {
			m.apply(&e, a, demo.ScriptStep{At: s.At, By: demo.ByHolder, Input: event.ActInput{Action: a}})
		}
		e.states = e.states[:0]
	}
	prev := s.At
	for k, st := range s.Steps {
		if !st.At.After(prev) {
			return fmt.Errorf("step %d (%s) at %v is not after %v", k, st.Input.Action, st.At, prev)
		}
		prev = st.At
		if err := checkStep(st); err != nil {
			return fmt.Errorf("step %d (%s): %w", k, st.Input.Action, err)
		}
		if st.Input.Action == event.Merge {
			j := st.DuplicateOfIndex
			if j < 0 || j >= i {
				return fmt.Errorf("step %d merges into script %d, not an earlier one", k, j)
			}
			t := scripts[j]
			if t.Report.CategoryCode != r.CategoryCode {
				return fmt.Errorf("step %d merges a %s into a %s", k, r.CategoryCode, t.Report.CategoryCode)
			}
			if d := geo.DistanceM(orb.Point{*t.Report.Lng, *t.Report.Lat}, orb.Point{*r.Lng, *r.Lat}); d > 200 {
				return fmt.Errorf("step %d merges into an event %.0f m away", k, d)
			}
			if s.At.Sub(t.At) > 72*time.Hour || s.At.Before(t.At) {
				return fmt.Errorf("step %d merges into an event reported at %v, %v before", k, t.At, s.At.Sub(t.At))
			}
			// The target's state just before the merge, and just after
			// anything at the same moment.
			for _, strict := range []bool{true, false} {
				state := event.Reported
				for n, ts := range t.Steps {
					if (ts.At.Before(st.At) || (!strict && ts.At.Equal(st.At))) && n < len(m.evs[j].states) {
						state = m.evs[j].states[n]
					}
				}
				if t.Report.Urgency == "" && m.cats[t.Report.CategoryCode].DefaultUrgency == category.Emergency && state == event.Reported {
					state = event.Dispatched
				}
				if !state.Open() {
					return fmt.Errorf("step %d merges into script %d, %s at the time", k, j, state)
				}
			}
		} else if st.DuplicateOfIndex != -1 {
			return fmt.Errorf("step %d has DuplicateOfIndex %d", k, st.DuplicateOfIndex)
		}
		if err := m.checkParty(&e, r, st); err != nil {
			return fmt.Errorf("step %d (%s by %s while %s): %w", k, st.Input.Action, st.By, e.state, err)
		}
		m.apply(&e, st.Input.Action, st)
	}
	m.evs = append(m.evs, e)
	return nil
}

// checkParty checks what the service checks beyond the machine's table.
func (m *model) checkParty(e *simEvent, r event.ReportInput, st demo.ScriptStep) error {
	allowed := event.Allowed(e.state, []event.Party{st.By.Capacity()})
	if !slices.Contains(allowed, st.Input.Action) {
		return fmt.Errorf("not allowed (allowed: %v)", allowed)
	}
	switch st.Input.Action {
	case event.Feedback, event.RequestExtension:
		if (st.By == demo.ByLead && (!e.lead || e.self)) || (st.By == demo.ByWorker && !e.self) {
			return fmt.Errorf("self-handled %v, dispatched %v", e.self, e.lead)
		}
	case event.Accept, event.Return:
		if !e.lead {
			return fmt.Errorf("no lead department")
		}
	case event.ApproveExtension, event.RefuseExtension:
		if e.pending == nil {
			return fmt.Errorf("no extension was asked for")
		}
	case event.Rate:
		if e.rating != "" {
			return fmt.Errorf("rated already")
		}
		if st.By == demo.ByReporter && r.Source != event.FromResident {
			return fmt.Errorf("rated by the reporter of a %s report", r.Source)
		}
	case event.Escalate:
		if e.level <= region.City {
			return fmt.Errorf("escalated beyond the city")
		}
	}
	return nil
}

// apply mirrors event.Service.apply, once checkParty has allowed the action.
func (m *model) apply(e *simEvent, a event.Action, st demo.ScriptStep) {
	now := st.At
	from := e.state
	to, ok := toState[a]
	if !ok {
		to = from
	}
	restart := to != from
	in := st.Input
	switch a {
	case event.Register:
		e.facts.set("need_dispose")
	case event.Reject:
		e.facts.set("rejected")
	case event.Merge:
		e.facts.set("duplicate")
	case event.SelfHandle:
		e.self = true
		e.facts.set("need_dispose", "self_handled")
	case event.Dispatch:
		e.lead = true
		e.facts.set("need_dispose", "dispatched")
	case event.Escalate:
		e.level--
		e.facts.set("escalated", "need_dispose")
		restart = true
	case event.Accept:
		if onTime(e.due, now) {
			e.facts.set("responded")
		}
	case event.Return:
		e.lead = false
		e.facts.clear("dispatched")
	case event.RequestExtension:
		e.pending = in.Extension
	case event.ApproveExtension:
		e.due = m.addLimit(e.due, e.pending.Amount, e.pending.Unit)
		e.facts.set("extended")
		e.pending = nil
	case event.RefuseExtension:
		e.pending = nil
	case event.Feedback:
		e.facts.set("disposed")
		if onTime(e.due, now) {
			e.facts.set("disposed_on_time")
		}
	case event.Verify:
		e.facts.set("closed")
		if !e.anyLate && onTime(e.due, now) {
			e.facts.set("closed_on_time")
		}
	case event.Rework:
		e.facts.set("reworked")
		e.facts.clear("disposed", "disposed_on_time")
	case event.Rate:
		e.rating = in.Rating
		e.facts.set("rated")
		if in.Rating != "unsatisfied" {
			e.facts.set("satisfied")
		}
	case event.Reopen:
		e.facts.clear("closed", "closed_on_time", "disposed", "disposed_on_time")
	case event.Park:
		e.facts.set("parked")
	case event.Unpark:
		e.facts.clear("parked")
	case event.Void:
		e.facts.set("voided")
	case event.Supervise:
		e.facts.set("supervised")
	}
	if restart && e.step != "" {
		e.steps++
		if !onTime(e.due, now) {
			e.late++
			e.anyLate = true
			e.facts.set("overdue")
		}
	}
	e.facts = e.facts.derive()
	e.state = to
	if restart {
		m.startStep(e, now)
	}
	e.states = append(e.states, e.state)
}

func checkText(field, v string, max int) error {
	switch {
	case !utf8.ValidString(v):
		return fmt.Errorf("%s is not UTF-8", field)
	case utf8.RuneCountInString(v) > max:
		return fmt.Errorf("%s has %d characters, more than %d", field, utf8.RuneCountInString(v), max)
	case strings.ContainsAny(v, "<>"):
		return fmt.Errorf("%s %q has markup characters", field, v)
	case strings.ContainsAny(v, "{}"):
		return fmt.Errorf("%s %q has an unfilled placeholder", field, v)
	}
	return nil
}

func checkReport(m *model, r event.ReportInput) error {
	for _, f := range []struct {
		name, v  string
		max      int
		required bool
	}{{"title", r.Title, 100, true}, {"description", r.Description, 2000, true}, {"address", r.Address, 200, true}, {"reporter_name", r.ReporterName, 50, false}} {
		if err := checkText(f.name, f.v, f.max); err != nil {
			return err
		}
		if f.required && strings.TrimSpace(f.v) == "" {
			return fmt.Errorf("%s is empty", f.name)
		}
	}
	if r.Urgency != "" || r.CRS != "" {
		return fmt.Errorf("urgency %q, crs %q: want the defaults", r.Urgency, r.CRS)
	}
	if r.Lng == nil || r.Lat == nil {
		return fmt.Errorf("no location")
	}
	if code, _, ok := m.locs.GridAt(orb.Point{*r.Lng, *r.Lat}); !ok || code != r.GridCode {
		return fmt.Errorf("point %v, %v is in grid %q, not in %s", *r.Lng, *r.Lat, code, r.GridCode)
	}
	if r.Source == event.FromHotline {
		if r.ReporterName == "" {
			return fmt.Errorf("a hotline report without the caller's name")
		}
		if _, err := pii.NormalizePhone(r.ReporterPhone); err != nil {
			return fmt.Errorf("caller's phone %q: %w", r.ReporterPhone, err)
		}
	} else if r.ReporterName != "" || r.ReporterPhone != "" {
		return fmt.Errorf("a %s report with a caller", r.Source)
	}
	return nil
}

func checkStep(st demo.ScriptStep) error {
	in := st.Input
	if strings.TrimSpace(in.Note) == "" {
		return fmt.Errorf("no note")
	}
	if err := checkText("note", in.Note, 2000); err != nil {
		return err
	}
	if in.Version != 0 || in.Department != "" || len(in.Assisting) > 0 || in.DuplicateOf != 0 {
		return fmt.Errorf("version, department, assisting or duplicate_of set: %+v", in)
	}
	if (in.Action == event.RequestExtension) != (in.Extension != nil) {
		return fmt.Errorf("extension %v", in.Extension)
	}
	if x := in.Extension; x != nil {
		if (x.Unit != category.Hours && x.Unit != category.Days) || x.Amount <= 0 || x.Amount > 365 || (x.Unit == category.Days && x.Amount != math.Trunc(x.Amount)) {
			return fmt.Errorf("extension %+v", *x)
		}
	}
	if (in.Action == event.Rate) != slices.Contains([]string{"satisfied", "basic", "unsatisfied"}, in.Rating) {
		return fmt.Errorf("rating %q", in.Rating)
	}
	if (in.Action == event.Supervise) != (in.Card == "yellow" || in.Card == "red") {
		return fmt.Errorf("card %q", in.Card)
	}
	if st.By.Capacity() == "" {
		return fmt.Errorf("unknown party %q", st.By)
	}
	return nil
}

// counts sums the model's facts over all events, as the service's counters.
func (m *model) counts() map[string]int64 {
	out := map[string]int64{}
	for _, n := range event.Measures() {
		out[n] = 0
	}
	for _, e := range m.evs {
		for n, i := range measure {
			if e.facts&(1<<i) != 0 {
				out[n]++
			}
		}
	}
	return out
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// walk checks every script and returns the model after them.
func walk(tb testing.TB, c demo.City, p demo.Preset, scripts []demo.EventScript) *model {
	tb.Helper()
	if len(scripts) != p.Events {
		tb.Fatalf("%d scripts, want %d", len(scripts), p.Events)
	}
	start := time.Date(eventYear, 1, 1, 0, 0, 0, 0, workcal.Default().Location())
	end := start.AddDate(1, 0, 0)
	m := newModel(c)
	bad := 0
	for i, s := range scripts {
		if s.At.Before(start) || !s.At.Before(end) || (i > 0 && s.At.Before(scripts[i-1].At)) {
			tb.Fatalf("script %d reported at %v: out of the year or out of order", i, s.At)
		}
		if n := len(s.Steps); n > 0 && !s.Steps[n-1].At.Before(end) {
			tb.Fatalf("script %d acts at %v, after the year", i, s.Steps[n-1].At)
		}
		if err := m.add(scripts, i); err != nil {
			if bad++; bad <= 10 {
				tb.Errorf("script %d (%s, %s, %v): %v", i, s.Report.CategoryCode, s.Report.Source, s.At, err)
			}
			m.evs = append(m.evs, simEvent{})
		}
	}
	if bad > 0 {
		tb.Fatalf("%d of %d scripts are invalid", bad, len(scripts))
	}
	return m
}

// shares are the outcomes the scripts achieve, as shares of all events
// unless named otherwise.
type shares map[string]float64

func shareOf(m *model, scripts []demo.EventScript) shares {
	n := float64(len(scripts))
	has := map[event.Action]int{}
	sources := map[event.Source]int{}
	groups := map[string]int{}
	ratings := map[string]int{}
	var steps, late, approved, asked, emergency, cards int
	for i, s := range scripts {
		seen := map[event.Action]bool{}
		for _, st := range s.Steps {
			if !seen[st.Input.Action] {
				seen[st.Input.Action] = true
				has[st.Input.Action]++
			}
			switch st.Input.Action {
			case event.Rate:
				ratings[st.Input.Rating]++
			case event.RequestExtension:
				asked++
			case event.ApproveExtension:
				approved++
			case event.Supervise:
				cards++
			}
		}
		if m.cats[s.Report.CategoryCode].DefaultUrgency == category.Emergency {
			emergency++
		}
		sources[s.Report.Source]++
		groups[category.ParentOf(s.Report.CategoryCode)]++
		steps += m.evs[i].steps
		late += m.evs[i].late
	}
	c := m.counts()
	rated := float64(ratings["satisfied"] + ratings["basic"] + ratings["unsatisfied"])
	out := shares{
		"rejected": float64(has[event.Reject]) / n, "duplicate": float64(has[event.Merge]) / n,
		"self_handled": float64(has[event.SelfHandle]) / n, "dispatched": float64(has[event.Dispatch]+emergency) / n,
		"escalated": float64(has[event.Escalate]) / n, "returned": float64(has[event.Return]) / n,
		"extension_asked": float64(has[event.RequestExtension]) / n, "extension_approved/asked": float64(approved) / float64(asked),
		"reworked": float64(has[event.Rework]) / n, "supervised": float64(has[event.Supervise]) / n,
		"parked": float64(has[event.Park]) / n, "voided": float64(has[event.Void]) / n, "reopened": float64(has[event.Reopen]) / n,
		"emergency":          float64(emergency) / n,
		"rated/closed":       ratio(c["rated"], c["closed"]),
		"satisfied/rated":    float64(ratings["satisfied"]) / rated,
		"basic/rated":        float64(ratings["basic"]) / rated,
		"unsatisfied/rated":  float64(ratings["unsatisfied"]) / rated,
		"overdue steps":      float64(late) / float64(steps),
		"closure":            ratio(c["closed"], c["should_close"]),
		"on_time_closure":    ratio(c["closed_on_time"], c["should_close"]),
		"disposal":           ratio(c["disposed"], c["dispose_base"]),
		"on_time_disposal":   ratio(c["disposed_on_time"], c["dispose_base"]),
		"rework_rate":        ratio(c["reworked"], c["should_close"]),
		"extension_rate":     ratio(c["extended"], c["dispose_base"]),
		"response":           ratio(c["responded"], c["dispatched"]),
		"satisfaction":       ratio(c["satisfied"], c["rated"]),
		"self_handled_rate":  ratio(c["self_closed"], c["closed"]),
		"closure with sweep": sweptClosure(m),
	}
	for src, k := range sources {
		out["source "+string(src)] = float64(k) / n
	}
	for g, k := range groups {
		out["group "+g] = float64(k) / n
	}
	return out
}

// sweptClosure is the closure rate once the deadline sweep has marked the
// steps still open past their deadline at the end of the year as overdue.
func sweptClosure(m *model) float64 {
	end := time.Date(eventYear+1, 1, 1, 0, 0, 0, 0, m.cal.Location())
	var closed, should int64
	for _, e := range m.evs {
		f := e.facts
		if e.state.Open() && !e.due.IsZero() && e.due.Before(end) {
			f.set("overdue")
			f = f.derive()
		}
		if f.has("closed") {
			closed++
		}
		if f.has("should_close") {
			should++
		}
	}
	return ratio(closed, should)
}

func (s shares) String() string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %-26s %6.2f%%", k, 100*s[k])
	}
	return b.String()
}

// checkShares compares shares with targets {share, tol}: a preset of n
// events may miss a target by four binomial standard deviations and by tol
// of the target besides.
func checkShares(t *testing.T, got shares, n int, targets map[string][2]float64) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(targets)) {
		want, tol := targets[k][0], targets[k][1]
		v, ok := got[k]
		sd := math.Sqrt(want * (1 - want) / float64(n))
		if !ok || math.IsNaN(v) || math.Abs(v-want) > 4*sd+tol*want {
			t.Errorf("%s = %.4f, want %.4f ± %.4f", k, v, want, 4*sd+tol*want)
		}
	}
}

// targets are the shares the brief of the demo asks for.
var targets = map[string][2]float64{
	"source worker":            {0.45, 0.08},
	"source resident":          {0.35, 0.08},
	"source hotline":           {0.15, 0.1},
	"rejected":                 {0.02, 0.2},
	"duplicate":                {0.03, 0.2},
	"self_handled":             {0.40, 0.06},
	"dispatched":               {0.55, 0.06},
	"escalated":                {0.04, 0.25},
	"returned":                 {0.03, 0.25},
	"extension_asked":          {0.04, 0.25},
	"extension_approved/asked": {0.85, 0.08},
	"reworked":                 {0.025, 0.25},
	"supervised":               {0.02, 0.35},
	"parked":                   {0.005, 0.4},
	"voided":                   {0.002, 0.5},
	"closure":                  {0.989, 0.006},
	"rated/closed":             {0.70, 0.06},
	"satisfied/rated":          {0.92, 0.02},
	"basic/rated":              {0.06, 0.25},
	"unsatisfied/rated":        {0.02, 0.35},
	"overdue steps":            {0.06, 0.25},
	"on_time_disposal":         {0.95, 0.02},
}

// --- the tests ----------------------------------------------------------------

func TestEventScriptsSmall(t *testing.T) {
	t.Parallel()
	c, p, scripts := scriptsOf(t, "small")
	m := walk(t, c, p, scripts)
	got := shareOf(m, scripts)
	t.Logf("small, %d events:%v", len(scripts), got)
	checkShares(t, got, len(scripts), targets)

	// Determinism, and a different seed gives a different year.
	again := slices.Collect(demo.EventScripts(c, p, demo.Options{Seed: demo.DefaultSeed}, eventYear))
	if d := gocmp.Diff(scripts, again); d != "" {
		t.Fatalf("a second run differs:\n%s", d[:min(len(d), 2000)])
	}
	other := slices.Collect(demo.EventScripts(c, p, demo.Options{Seed: demo.DefaultSeed + 1}, eventYear))
	if len(other) != p.Events || gocmp.Equal(scripts[:10], other[:10]) {
		t.Fatalf("another seed gives %d scripts, the same first ones: %v", len(other), gocmp.Equal(scripts[:10], other[:10]))
	}
	// Stopping early stops.
	n := 0
	for range demo.EventScripts(c, p, demo.Options{Seed: demo.DefaultSeed}, eventYear) {
		if n++; n == 5 {
			break
		}
	}
	// Nothing for no events or no grids.
	none := p
	none.Events = 0
	if k := len(slices.Collect(demo.EventScripts(c, none, demo.Options{}, eventYear))); k != 0 {
		t.Fatalf("%d scripts for Events 0", k)
	}
	if k := len(slices.Collect(demo.EventScripts(demo.City{}, p, demo.Options{}, eventYear))); k != 0 {
		t.Fatalf("%d scripts for a city without grids", k)
	}
}

// TestEventScriptsDaqing checks the realism of a full-size year: shares,
// rhythms and places.
func TestEventScriptsDaqing(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the daqing city")
	}
	t.Parallel()
	c, p, scripts := scriptsOf(t, "daqing")
	m := walk(t, c, p, scripts)
	got := shareOf(m, scripts)
	t.Logf("daqing, %d events:%v", len(scripts), got)
	checkShares(t, got, len(scripts), targets)

	// Groups in the order the brief gives them; emergencies rare.
	order := []string{"city_appearance", "dispute", "livelihood", "safety", "public_order"}
	for i := 1; i < len(order); i++ {
		if got["group "+order[i-1]] <= got["group "+order[i]] {
			t.Errorf("group %s (%.3f) is not more common than %s (%.3f)", order[i-1], got["group "+order[i-1]], order[i], got["group "+order[i]])
		}
	}
	if got["group city_appearance"]+got["group environment"] < 0.4 || got["emergency"] > 0.01 {
		t.Errorf("city appearance and environment %.3f, emergencies %.4f", got["group city_appearance"]+got["group environment"], got["emergency"])
	}

	// Rhythms: per hour, nights are quiet and weekday mornings busy; per
	// day, weekends and the Spring Festival are quieter than working days.
	cal := workcal.Default()
	var byHour [24]int
	perDay := map[string][2]int{} // kind → reports, days
	days := map[workcal.Date]int{}
	for _, s := range scripts {
		days[cal.DateOf(s.At)]++
		if d := cal.DateOf(s.At); cal.IsWorkday(d) {
			byHour[s.At.Hour()]++
		}
	}
	for d := workcal.DateOf(time.Date(eventYear, 1, 1, 0, 0, 0, 0, time.UTC)); d.Year == eventYear; d = d.AddDays(1) {
		kind := "workday"
		if o, ok := cal.Override(d); ok && o.IsOffDay && o.Name == "春节" {
			kind = "spring festival"
		} else if !cal.IsWorkday(d) {
			kind = "off day"
		}
		v := perDay[kind]
		perDay[kind] = [2]int{v[0] + days[d], v[1] + 1}
	}
	avg := func(kind string) float64 { return float64(perDay[kind][0]) / float64(perDay[kind][1]) }
	t.Logf("reports a day: working day %.0f, off day %.0f, Spring Festival %.0f; by hour on working days %v", avg("workday"), avg("off day"), avg("spring festival"), byHour)
	if !(avg("workday") > avg("off day") && avg("off day") > avg("spring festival")) {
		t.Errorf("reports a day: working day %.0f, off day %.0f, Spring Festival %.0f", avg("workday"), avg("off day"), avg("spring festival"))
	}
	if byHour[3]*10 > byHour[9] || byHour[9] < byHour[20] {
		t.Errorf("by hour on working days: %v", byHour)
	}

	// Places: urban grids see more than rural ones.
	class := map[string]string{}
	for _, r := range c.Regions {
		if r.Level == region.Grid {
			switch {
			case r.Kind == region.Exclusive:
				class[r.Code] = "unit"
			case r.Code[9:12] >= "200":
				class[r.Code] = "rural"
			case r.Code[6:9] < "100":
				class[r.Code] = "urban"
			default:
				class[r.Code] = "town"
			}
		}
	}
	grids, events := map[string]int{}, map[string]int{}
	for _, k := range class {
		grids[k]++
	}
	for _, s := range scripts {
		events[class[s.Report.GridCode]]++
	}
	per := func(k string) float64 { return float64(events[k]) / float64(grids[k]) }
	t.Logf("events a grid: urban %.1f, town %.1f, rural %.1f, unit %.1f", per("urban"), per("town"), per("rural"), per("unit"))
	if !(per("urban") > per("town") && per("town") > per("rural")) {
		t.Errorf("events a grid: urban %.1f, town %.1f, rural %.1f", per("urban"), per("town"), per("rural"))
	}
}

// TestEventScriptsReplay replays the small preset's year through the real
// event service, with the scripts' moments as its clock: every action must
// be accepted, and the service's measures must be the model's.
func TestEventScriptsReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("replays a year of events")
	}
	t.Parallel()
	c, p, scripts := scriptsOf(t, "small")
	m := walk(t, c, p, scripts)
	ctx := context.Background()
	d := dbtest.Open(t, db.SQLite)
	clk := &replayClock{}
	log := slog.New(slog.DiscardHandler)
	if _, err := demo.Load(ctx, region.NewStore(d, clk.Now), p, nil); err != nil {
		t.Fatal(err)
	}
	cats := category.NewService(d, log, clk.Now)
	if _, err := cats.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	depts := department.NewService(d, cats, log, clk.Now)
	if _, err := depts.Import(ctx, auth.System("demo"), demo.Departments(c, p), demo.RoutingRules(c, p)); err != nil {
		t.Fatal(err)
	}
	keys, err := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	svc := event.NewService(event.Config{DB: d, Keys: keys, Locator: newGridLocator(c), Catalog: cats, Router: depts, Now: clk.Now, Log: log})
	paths := map[string]string{}
	for _, r := range c.Regions {
		paths[r.Code] = r.Path
	}
	user := func(id int64, role auth.Role, path, dept string) auth.Principal {
		u := auth.User{ID: id, Username: fmt.Sprintf("u%d", id), DisplayName: fmt.Sprintf("用户%d", id), Role: role, ScopeDepartment: dept}
		if path != "" {
			u = auth.TestUserScopedTo(u, path)
		}
		return auth.Principal{User: u}
	}
	cityCenter := user(1, auth.RoleCenter, paths[demo.CityCode], "")

	type action struct {
		at      time.Time
		i, step int // step -1 is the report
	}
	var actions []action
	for i, s := range scripts {
		actions = append(actions, action{s.At, i, -1})
		for k, st := range s.Steps {
			actions = append(actions, action{st.At, i, k})
		}
	}
	slices.SortFunc(actions, func(a, b action) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.i, b.i), cmp.Compare(a.step, b.step))
	})
	evs := make([]event.Event, len(scripts))
	for _, a := range actions {
		clk.t = a.at
		s := scripts[a.i]
		if a.step < 0 {
			var by auth.Principal
			switch s.Report.Source {
			case event.FromResident:
				by = user(1_000_000+int64(a.i), auth.RoleResident, "", "")
			case event.FromWorker:
				by = user(2, auth.RoleWorker, paths[s.Report.GridCode], "")
			case event.FromDepartment:
				by = user(3, auth.RoleDepartment, "", demo.Departments(c, p)[0].Code)
			case event.FromAPI:
				by = auth.Principal{User: auth.User{Username: "apikey:demo", Role: auth.RoleResident}, APIClient: true}
			default:
				by = cityCenter
			}
			filed, err := svc.Report(ctx, by, s.Report)
			if err != nil {
				t.Fatalf("script %d: report: %v", a.i, err)
			}
			evs[a.i] = filed.Event
			continue
		}
		st := s.Steps[a.step]
		e := evs[a.i]
		var by auth.Principal
		switch st.By {
		case demo.ByHolder:
			by = user(3, auth.RoleCenter, paths[e.RegionCode], "")
		case demo.ByLead:
			by = user(4, auth.RoleDepartment, "", e.LeadDepartment)
		case demo.ByWorker:
			by = user(5, auth.RoleWorker, paths[e.GridCode], "")
		case demo.ByReporter:
			by = user(1_000_000+int64(a.i), auth.RoleResident, "", "")
		}
		in := st.Input
		in.Version = e.Version
		if st.DuplicateOfIndex >= 0 {
			in.DuplicateOf = evs[st.DuplicateOfIndex].ID
		}
		got, err := svc.Act(ctx, by, e.ID, in)
		if err != nil {
			t.Fatalf("script %d step %d (%s by %s while %s, %s at %v): %v", a.i, a.step, in.Action, st.By, e.State, e.Level, a.at, err)
		}
		evs[a.i] = got
	}
	for i, e := range evs {
		if e.State != m.evs[i].state {
			t.Errorf("script %d ends %s, the model says %s", i, e.State, m.evs[i].state)
		}
	}
	stats, err := svc.Stats(ctx, cityCenter, demo.CityCode, fmt.Sprintf("%d-01", eventYear), fmt.Sprintf("%d-12", eventYear), "*")
	if err != nil {
		t.Fatal(err)
	}
	if d := gocmp.Diff(m.counts(), stats.Counts); d != "" {
		t.Errorf("the service's measures differ from the model's (-model +service):\n%s", d)
	}
	rates := map[string]float64{}
	for k, v := range stats.Rates {
		if v != nil {
			rates[k] = *v
		}
	}
	t.Logf("replayed %d actions; the service's rates: %v", len(actions), rates)
}

type replayClock struct{ t time.Time }

func (c *replayClock) Now() time.Time { return c.t }

// BenchmarkEventScripts draws a preset's year and reports scripts per
// second; the city is generated outside the timing. Replaying a script
// through the service takes milliseconds, so anything above 200,000
// scripts a second on one core never holds a replay up.
func BenchmarkEventScripts(b *testing.B) {
	for _, name := range []string{"small", "daqing"} {
		b.Run(name, func(b *testing.B) {
			c, p := city(b, name)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for range demo.EventScripts(c, p, demo.Options{Seed: demo.DefaultSeed}, eventYear) {
					n++
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "scripts/s")
		})
	}
}
