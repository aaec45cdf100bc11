package dashboard

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/gridgov/gridgov/internal/live"
)

// After any sequence of reloads (events changing their facts, moving
// between leaves, reloads of a leaf or of a whole subtree), the sums each
// region and department holds equal a recount of the events last loaded,
// the open events are exactly those held open, and each leaf holds its
// events in order of their day, every one found again by its id.
func TestEventStoreEqualsRecount(t *testing.T) {
	leaves := []string{
		"/230600/230602/230602001/230602001001/230602001001001/",
		"/230600/230602/230602001/230602001001/230602001001002/",
		"/230600/230602/230602001/230602001002/230602001002001/",
		"/230600/230602/230602002/230602002001/230602002001001/",
		"/230600/230602/230602002/", // an event placed above the grids
	}
	rapid.Check(t, func(t *rapid.T) {
		s := New(Config{})
		truth := map[int64]rawFact{} // the events table
		model := map[int64]rawFact{} // the events as last loaded
		for step := range rapid.IntRange(1, 30).Draw(t, "steps") {
			// Change some events in the table.
			for range rapid.IntRange(0, 6).Draw(t, fmt.Sprintf("changes %d", step)) {
				id := int64(rapid.IntRange(1, 25).Draw(t, "id"))
				f := rawFact{id: id, leaf: rapid.SampledFrom(leaves).Draw(t, "leaf"), day: int32(rapid.IntRange(20000, 20004).Draw(t, "day")),
					category: rapid.SampledFrom([]string{"a.x", "a.y", "b"}).Draw(t, "category"), source: int8(rapid.IntRange(-1, 5).Draw(t, "source")),
					dept: rapid.SampledFrom([]string{"", "d1", "d2"}).Draw(t, "dept"), measures: uint32(rapid.IntRange(0, 1<<numMeasures-1).Draw(t, "measures")),
					state: int8(rapid.IntRange(-1, 5).Draw(t, "state"))}
				f.grid = lastCode(f.leaf)
				if f.state >= 0 {
					f.open = &openFact{warning: rapid.SampledFrom([]string{"", "yellow", "red"}).Draw(t, "warning")}
				}
				truth[id] = f
			}
			// Reload a leaf, a subtree or everything, as a change names it.
			path := rapid.SampledFrom(append(slices.Clone(leaves), "/230600/230602/230602001/", live.Root)).Draw(t, "reload")
			reload := func(lo, hi string) []any {
				for id, f := range model {
					if f.leaf >= lo && f.leaf < hi {
						delete(model, id) // moved away unless loaded again below
					}
				}
				var fresh []rawFact
				for id, f := range truth {
					if f.leaf >= lo && f.leaf < hi {
						fresh = append(fresh, f)
						model[id] = f
					}
				}
				return s.replaceEvents(lo, hi, fresh)
			}
			// A moved event's new leaf is reloaded too.
			for moved := reload(pathRange(path)); len(moved) > 0; {
				id := moved[0].(int64)
				moved = moved[1:]
				leaf := truth[id].leaf
				moved = append(moved, reload(leaf, leaf+"\xff")...)
			}
			check(t, s, model)
		}
	})
}

// check compares the store with a recount of the events it was given.
func check(t *rapid.T, s *Service, model map[int64]rawFact) {
	want := map[string]*regionEvents{}
	depts := map[string]*regionEvents{}
	open := map[int64]bool{}
	for _, raw := range model {
		f := s.events.factOf(raw)
		for _, o := range owners(raw.leaf) {
			if want[o] == nil {
				want[o] = &regionEvents{}
			}
			want[o].add(f, 1)
		}
		if raw.dept != "" {
			if depts[raw.dept] == nil {
				depts[raw.dept] = &regionEvents{}
			}
			depts[raw.dept].add(f, 1)
		}
		if f.state >= 0 {
			open[f.id] = true
		}
	}
	same := func(what string, got, want map[string]*regionEvents) {
		for code, w := range want {
			for i, wd := range w.days {
				day := w.first + int32(i)
				if gd := got[code].at(day); wd != nil && (gd == nil || gd.m != wd.m || gd.src != wd.src || !slices.Equal(gd.cats, wd.cats)) {
					t.Fatalf("%s %s day %d = %+v, recount %+v", what, code, day, gd, wd)
				}
			}
		}
		for code, g := range got {
			for i, gd := range g.days {
				day := g.first + int32(i)
				if gd == nil {
					continue
				}
				if g.at(day) != gd {
					t.Fatalf("%s %s day %d found as %+v, held %+v", what, code, day, g.at(day), gd)
				}
				if want[code].at(day) == nil && (gd.m != [numMeasures]int32{} || gd.src != [6]int32{} || len(gd.cats) > 0) {
					t.Fatalf("%s %s day %d = %+v, recount nothing", what, code, day, gd)
				}
			}
		}
	}
	same("region", s.events.regions, want)
	same("department", s.events.depts, depts)
	held := map[int64]bool{}
	for leaf, o := range s.events.open {
		for _, f := range o {
			id := f.id
			if held[id] {
				t.Fatalf("open event %d held twice", id)
			}
			if s.events.name(f.leaf) != leaf || !strings.HasPrefix(leaf, "/") || model[id].open == nil || f.openFact != *model[id].open {
				t.Fatalf("open event %d under %s says %s (%+v)", id, leaf, s.events.name(f.leaf), f)
			}
			held[id] = true
		}
	}
	if fmt.Sprint(held) != fmt.Sprint(open) {
		t.Fatalf("open events %v, recount %v", held, open)
	}
	facts := 0
	for leaf, l := range s.events.leaves {
		if !slices.IsSortedFunc(l, byDay) {
			t.Fatalf("leaf %s out of order: %+v", leaf, l)
		}
		for _, f := range l {
			raw, ok := model[f.id]
			if !ok || raw.leaf != leaf || s.events.factOf(raw) != f {
				t.Fatalf("leaf %s holds %+v, recount %+v", leaf, f, raw)
			}
			if g, ok := s.events.held(f.id); !ok || g != f {
				t.Fatalf("event %d found as %+v (%v), held %+v", f.id, g, ok, f)
			}
		}
		facts += len(l)
	}
	if facts != len(model) || len(s.events.byID) != len(model) {
		t.Fatalf("%d facts in leaves, %d by id, recount %d", facts, len(s.events.byID), len(model))
	}
	if !slices.IsSorted(s.events.paths) || len(s.events.paths) != len(s.events.leaves) {
		t.Fatalf("leaf paths %v", s.events.paths)
	}
}
