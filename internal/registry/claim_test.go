package registry

import "testing"

// A natural key is claimed by the first row of the file that uses it. Claims
// of a transaction that rolled back are forgotten, so that the chunk stored
// again does not refuse its own rows; committed ones are kept for the rest
// of the file.
func TestClaimsFollowCommits(t *testing.T) {
	im := &importer{seen: map[naturalKey]int32{}}
	a, b := naturalKey{1, 2}, naturalKey{3, 4}
	claim := func(k naturalKey, row, wantFirst int, wantDup bool) {
		t.Helper()
		if first, dup := im.claim(k, row); dup != wantDup || first != wantFirst {
			t.Fatalf("claim of row %d: (%d, %v), want (%d, %v)", row, first, dup, wantFirst, wantDup)
		}
	}
	claim(a, 2, 0, false)
	claim(a, 5, 2, true)
	im.settle(true)
	claim(b, 6, 0, false)
	im.settle(false) // row 6 rolled back
	claim(b, 7, 0, false)
	claim(a, 8, 2, true)
	im.settle(true)
	claim(b, 9, 7, true)

	// An all-or-nothing import rolls back whole and keeps no claims to undo.
	im = &importer{seen: map[naturalKey]int32{}, opts: ImportOptions{AllOrNothing: true}}
	claim(a, 2, 0, false)
	claim(a, 3, 2, true)
	if len(im.claims) != 0 {
		t.Fatalf("an all-or-nothing import keeps %d claims", len(im.claims))
	}
}
