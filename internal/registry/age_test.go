package registry_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/registry"
)

// A person's shown age, the groups drawn from it and a search by age range
// agree on birthdays: in leap years, and for persons born on 29 February,
// who turn a year older on 1 March in common years.
func TestAgeGroupsAndAgeSearchAgree(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d) // today is 2026-06-01
		births := []string{"20081129", "20081130", "20080229", "20100228", "20100301", "19661129", "19461129", "19680229"}
		for i, b := range births {
			in := registry.PersonInput{Name: "生" + b, IDNumber: validID("230602", b, 10+i), GridCode: "990101001001001", ResidenceType: "registered"}
			if _, _, err := f.svc.SavePerson(ctx, f.admin, in); err != nil {
				t.Fatalf("save born %s: %v", b, err)
			}
		}
		cases := []struct {
			birth  string
			today  time.Time
			age    int
			groups []string
		}{
			// 2026 is a common year, 2028 a leap year.
			{"20081129", day(2026, 11, 29), 18, nil},
			{"20081129", day(2026, 11, 28), 17, []string{"minor"}},
			{"20081129", day(2028, 11, 28), 19, nil},
			{"20081130", day(2026, 11, 29), 17, []string{"minor"}},
			{"20081129", day(2026, 3, 1), 17, []string{"minor"}},
			{"20080229", day(2026, 2, 28), 17, []string{"minor"}},
			{"20080229", day(2026, 3, 1), 18, nil},
			{"20080229", day(2028, 2, 28), 19, nil},
			{"20080229", day(2028, 2, 29), 20, nil},
			{"20100228", day(2028, 2, 29), 18, nil},
			{"20100301", day(2028, 2, 29), 17, []string{"minor"}},
			{"20100301", day(2028, 3, 1), 18, nil},
			{"19661129", day(2026, 11, 28), 59, nil},
			{"19661129", day(2026, 11, 29), 60, []string{"aged_60_plus"}},
			{"19461129", day(2026, 11, 28), 79, []string{"aged_60_plus"}},
			{"19461129", day(2026, 11, 29), 80, []string{"aged_60_plus", "aged_80_plus"}},
			{"19680229", day(2028, 2, 28), 59, nil},
			{"19680229", day(2028, 2, 29), 60, []string{"aged_60_plus"}},
			{"19680229", day(2027, 3, 1), 59, nil},
		}
		for _, tc := range cases {
			t.Run(fmt.Sprintf("born %s on %s", tc.birth, tc.today.Format(time.DateOnly)), func(t *testing.T) {
				f.clock.Set(tc.today)
				name := "生" + tc.birth
				res, err := f.svc.Search(ctx, f.admin, registry.SearchQuery{Name: name})
				if err != nil || len(res.Items) != 1 {
					t.Fatalf("search %s: %+v, %v", name, res.Items, err)
				}
				p := res.Items[0]
				if p.Age != tc.age || !slices.Equal(p.Groups, append([]string{}, tc.groups...)) {
					t.Fatalf("age %d, groups %v; want %d, %v", p.Age, p.Groups, tc.age, tc.groups)
				}
				found := func(lo, hi *int) bool {
					t.Helper()
					res, err := f.svc.Search(ctx, f.admin, registry.SearchQuery{Name: name, AgeMin: lo, AgeMax: hi})
					if err != nil {
						t.Fatalf("search by age: %v", err)
					}
					return len(res.Items) == 1
				}
				below, at, above := tc.age-1, tc.age, tc.age+1
				for _, c := range []struct {
					what   string
					lo, hi *int
					want   bool
				}{
					{"age_min = age", &at, nil, true},
					{"age_min = age+1", &above, nil, false},
					{"age_max = age", nil, &at, true},
					{"age_max = age-1", nil, &below, false},
					{"age_min = age_max = age", &at, &at, true},
				} {
					if got := found(c.lo, c.hi); got != c.want {
						t.Errorf("%s (%d): found %v, want %v", c.what, tc.age, got, c.want)
					}
				}
			})
		}
	})
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }
