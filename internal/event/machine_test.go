package event

import (
	"slices"
	"testing"
)

// TestStatesListsTheMachinesStates checks that States, which others name
// the states by, holds every state the machine leads from or to.
func TestStatesListsTheMachinesStates(t *testing.T) {
	for a, tr := range machine {
		for _, s := range append(slices.Clone(tr.from), tr.to) {
			if s != "" && !slices.Contains(states, s) {
				t.Errorf("%s leads from or to %q, which States lacks", a, s)
			}
		}
	}
}

// TestPermitsAgreesWithNext checks the quick check of the actions offered
// against next, for every action, state and set of parties.
func TestPermitsAgreesWithNext(t *testing.T) {
	all := []Party{Center, Dept, Worker, Reporter, partyViewer, partySystem}
	for _, a := range append(Actions(), "no_such_action") {
		for _, from := range states {
			for mask := range 1 << len(all) {
				var parties []Party
				for i, p := range all {
					if mask&(1<<i) != 0 {
						parties = append(parties, p)
					}
				}
				_, err := next(a, from, parties)
				if got := permits(a, from, parties); got != (err == nil) {
					t.Errorf("permits(%s, %s, %v) = %v, but next says %v", a, from, parties, got, err)
				}
			}
		}
	}
	if got := Allowed(Reported, []Party{Center}); !slices.Contains(got, Register) || slices.Contains(got, Accept) {
		t.Errorf("Allowed(reported, center) = %v", got)
	}
}
