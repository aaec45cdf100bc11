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
