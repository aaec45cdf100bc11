package dashboard

import (
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/idcard"
)

// The age bands end where the registry's shown ages change: someone born on
// a band's bound has reached the band's age that day, someone born the day
// after has not, on 29 February as on any other day.
func TestBandBoundsFollowShownAges(t *testing.T) {
	for _, day := range []time.Time{
		time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 9, 0, 0, 0, time.UTC),
		time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC),
	} {
		for i, years := range []int{18, 35, 60, 80} {
			bound, err := time.Parse(time.DateOnly, bandBounds(day)[i])
			if err != nil {
				t.Fatal(err)
			}
			if got := idcard.AgeOn(bound, day); got != years {
				t.Errorf("on %s, born on the %d bound %s: age %d", day.Format(time.DateOnly), years, bound.Format(time.DateOnly), got)
			}
			if got := idcard.AgeOn(bound.AddDate(0, 0, 1), day); got != years-1 {
				t.Errorf("on %s, born the day after the %d bound %s: age %d", day.Format(time.DateOnly), years, bound.Format(time.DateOnly), got)
			}
		}
	}
}
