package registry_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/registry"
)

// A search by tag finds the persons in the group today, the ones the
// dashboards count: not those whose tag has ended or has not begun.
func TestSearchByTagInForceToday(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d) // today is 2026-06-01
		people := []struct {
			name  string
			birth string
			tag   registry.Tag
		}{
			{"甲", "19400101", registry.Tag{Tag: "low_income"}},
			{"乙", "19400102", registry.Tag{Tag: "low_income", Since: "2026-06-01", Until: "2026-06-01"}},
			{"丙", "19400103", registry.Tag{Tag: "low_income", Since: "2020-01-01", Until: "2026-05-31"}},
			{"丁", "19400104", registry.Tag{Tag: "low_income", Since: "2026-06-02"}},
			{"戊", "19400105", registry.Tag{Tag: "low_income", Until: "2030-12-31"}},
			{"己", "19400106", registry.Tag{Tag: "disabled"}},
		}
		for i, p := range people {
			in := registry.PersonInput{Name: p.name, IDNumber: validID("230602", p.birth, 10+i), GridCode: "990101001001001",
				ResidenceType: "registered", Tags: []registry.Tag{p.tag}}
			if _, _, err := f.svc.SavePerson(ctx, f.admin, in); err != nil {
				t.Fatalf("save %s: %v", p.name, err)
			}
		}
		cases := []struct {
			tag  string
			want []string
		}{
			{"low_income", []string{"甲", "乙", "戊"}},
			{"disabled", []string{"己"}},
			{"empty_nest", nil},
		}
		for _, tc := range cases {
			res, err := f.svc.Search(ctx, f.admin, registry.SearchQuery{Tag: tc.tag})
			if err != nil {
				t.Fatalf("search %s: %v", tc.tag, err)
			}
			var got []string
			for _, p := range res.Items {
				got = append(got, p.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("tag %s = %v, want %v", tc.tag, got, tc.want)
			}
		}
		// An unknown tag is a mistake, not an empty group.
		_, err := f.svc.Search(ctx, f.admin, registry.SearchQuery{Tag: "nonsense"})
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "tag" ||
			!strings.Contains(e.Fields[0].Reason, `"nonsense"`) || !strings.Contains(e.Fields[0].Reason, strings.Join(registry.Tags(), ", ")) {
			t.Fatalf("unknown tag: %v, want invalid tag listing the known tags", err)
		}
		// The ended tag is still on the person's record.
		res, err := f.svc.Search(ctx, f.admin, registry.SearchQuery{Name: "丙"})
		if err != nil || len(res.Items) != 1 || len(res.Items[0].Tags) != 1 || res.Items[0].Tags[0].Until != "2026-05-31" {
			t.Fatalf("丙 = %+v, %v", res.Items, err)
		}
	})
}

// A tag cannot end before it begins, whether the person is saved or patched;
// a tag in force for one day has the same since and until.
func TestTagMayNotEndBeforeItBegins(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		in := registry.PersonInput{Name: "甲", IDNumber: validID("230602", "19400101", 10), GridCode: "990101001001001", ResidenceType: "registered",
			Tags: []registry.Tag{{Tag: "low_income", Since: "2026-05-01", Until: "2026-05-01"}}}
		v, _, err := f.svc.SavePerson(ctx, f.admin, in)
		if err != nil {
			t.Fatalf("a one-day tag: %v", err)
		}
		backwards := []registry.Tag{{Tag: "low_income"}, {Tag: "disabled", Since: "2026-05-01", Until: "2020-01-01"}}
		wantUntil := func(what string, err error) {
			t.Helper()
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "tags[1].until" ||
				!strings.Contains(e.Fields[0].Reason, "2026-05-01") || !strings.Contains(e.Fields[0].Reason, "before") {
				t.Fatalf("%s: %v, want invalid tags[1].until naming since", what, err)
			}
		}
		in.Tags = backwards
		_, _, err = f.svc.SavePerson(ctx, f.admin, in)
		wantUntil("save", err)
		_, err = f.svc.UpdatePerson(ctx, f.admin, v.ID, registry.PersonPatch{Version: v.Version, Tags: &backwards})
		wantUntil("patch", err)
		got, err := f.svc.GetPerson(ctx, f.admin, v.ID)
		if err != nil || len(got.Tags) != 1 || got.Tags[0].Until != "2026-05-01" {
			t.Fatalf("tags after refused changes = %+v, %v", got.Tags, err)
		}
	})
}
