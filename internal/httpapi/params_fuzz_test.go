package httpapi

import (
	"math"
	"testing"
)

// FuzzPointParams: whatever a client sends as lng, lat and crs, the answer is
// a refusal or a finite WGS-84 point in range, never a panic.
func FuzzPointParams(f *testing.F) {
	f.Add("125.1", "46.6", "gcj02")
	f.Add("NaN", "46", "")
	f.Add("1e400", "-0", "wgs84")
	f.Add("73.4", "3.9", "GCJ02")
	f.Fuzz(func(t *testing.T, lng, lat, crs string) {
		p, err := pointParams(lng, lat, crs)
		if err != nil {
			return
		}
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
			t.Fatalf("pointParams(%q, %q, %q) = %v", lng, lat, crs, p)
		}
	})
}
