package workforce

import (
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/geo"
)

func TestDistanceToArea(t *testing.T) {
	grid := orb.MultiPolygon{{{{125.0, 46.0}, {125.1, 46.0}, {125.1, 46.2}, {125.0, 46.2}, {125.0, 46.0}}}}
	cases := []struct {
		name string
		p    orb.Point
		want float64
	}{
		{"inside", orb.Point{125.05, 46.1}, 0},
		{"on the edge", orb.Point{125.1, 46.1}, 0},
		{"east of the edge", orb.Point{125.1005, 46.1}, geo.DistanceM(orb.Point{125.1, 46.1}, orb.Point{125.1005, 46.1})},
		{"north of the edge", orb.Point{125.05, 46.201}, geo.DistanceM(orb.Point{125.05, 46.2}, orb.Point{125.05, 46.201})},
		{"off a corner", orb.Point{125.101, 46.201}, geo.DistanceM(orb.Point{125.1, 46.2}, orb.Point{125.101, 46.201})},
	}
	for _, tc := range cases {
		if got := distanceToArea(grid, tc.p); math.Abs(got-tc.want) > 0.01*tc.want+0.01 {
			t.Errorf("%s: %.2f m, want %.2f m", tc.name, got, tc.want)
		}
	}
	if d := distanceToArea(grid, orb.Point{125.1005, 46.1}); d < 30 || d > 50 {
		t.Fatalf("half a thousandth of a degree east at 46°N = %.1f m, want ~39 m", d)
	}
	if !math.IsInf(distanceToArea(nil, orb.Point{125, 46}), 1) {
		t.Fatal("no boundary must be infinitely far")
	}
}

func TestScheduleStoredForm(t *testing.T) {
	sc := Schedule{Days: []int{6, 0}, Start: "09:00", End: "17:00"}
	got, err := decodeSchedule(sc.encode())
	if err != nil || got.encode() != "6,0 09:00 17:00" {
		t.Fatalf("decode(encode) = %+v, %v", got, err)
	}
	if none, err := decodeSchedule(""); none != nil || err != nil {
		t.Fatalf("empty schedule = %+v, %v", none, err)
	}
	if _, err := decodeSchedule("x"); err == nil {
		t.Fatal("a corrupt schedule was read")
	}
}
