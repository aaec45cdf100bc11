package demo

import (
	"math"
	"testing"

	"pgregory.net/rapid"
)

func TestApportion(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		weights := rapid.SliceOfN(rapid.Float64Range(0, 1000), 1, 50).Draw(t, "weights")
		lo := rapid.IntRange(0, 3).Draw(t, "lo")
		total := rapid.IntRange(lo*len(weights), 5000).Draw(t, "total")
		out, err := apportion(total, weights, lo)
		if err != nil {
			t.Fatal(err)
		}
		var sumW float64
		for _, w := range weights {
			sumW += w
		}
		sum := 0
		for i, n := range out {
			sum += n
			if n < lo {
				t.Fatalf("share %d = %d, below the floor %d", i, n, lo)
			}
			// Without a floor every share is its ideal rounded up or down.
			if ideal := float64(total) * weights[i] / sumW; lo == 0 && sumW > 0 && math.Abs(float64(n)-ideal) >= 1 {
				t.Fatalf("share %d = %d, ideal %.3f", i, n, ideal)
			}
		}
		if sum != total {
			t.Fatalf("shares add up to %d, want %d", sum, total)
		}
	})
	if _, err := apportion(3, []float64{1, 1}, 2); err == nil {
		t.Fatal("a floor above the total was accepted")
	}
}
