package registry_test

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/registry"
)

func TestSamplingRoundAndAccuracy(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.house(t, "H-1", "990101001001001")
		f.house(t, "H-2", "990101001001001")
		for i, grid := range []string{"990101001001001", "990101001001001", "990101001001001", "990101001001002"} {
			if _, _, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "居民", IDNumber: validID("230602", "19800101", 100+i), GridCode: grid}); err != nil {
				t.Fatal(err)
			}
		}
		center := principal(6, "center", auth.RoleCenter, "/990100/990101/")
		worker := principal(5, "worker", auth.RoleWorker, "/990100/990101/990101001/")
		if _, err := f.svc.StartSampling(ctx, worker, "2026-06", "990101", 2); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("worker started a round: %v", err)
		}
		for _, bad := range []struct {
			month string
			per   int
			field string
		}{{"2026-13", 2, "month"}, {"2026-06", 0, "per_grid"}} {
			_, err := f.svc.StartSampling(ctx, center, bad.month, "990101", bad.per)
			if e, ok := apperr.As(err); !ok || e.Fields[0].Field != bad.field {
				t.Fatalf("start %+v: %v", bad, err)
			}
		}
		round, err := f.svc.StartSampling(ctx, center, "2026-06", "990101", 2)
		if err != nil {
			t.Fatal(err)
		}
		// Grid 001: 2 of 3 persons and 2 of 2 houses; grid 002: its 1 person.
		if round.Items != 5 {
			t.Fatalf("round drew %d items, want 5", round.Items)
		}
		if _, err := f.svc.StartSampling(ctx, center, "2026-06", "990101", 2); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("second round for the same month: %v", err)
		}
		items, err := f.svc.PendingSamples(ctx, worker, round.ID, 0)
		if err != nil || len(items) != 5 {
			t.Fatalf("pending = %d, %v", len(items), err)
		}
		for i, it := range items[:4] {
			result, note := "correct", ""
			if i == 0 {
				result, note = "incorrect", "已搬离"
			}
			if err := f.svc.CheckSample(ctx, worker, it.ID, result, note); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.svc.CheckSample(ctx, worker, items[0].ID, "correct", ""); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("checking twice: %v", err)
		}
		if err := f.svc.CheckSample(ctx, worker, items[4].ID, "incorrect", ""); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("incorrect without a note: %v", err)
		}
		acc, err := f.svc.SamplingAccuracy(ctx, center, round.ID, "990101")
		if err != nil {
			t.Fatal(err)
		}
		top := acc[0]
		if top.Sampled != 5 || top.Checked != 4 || top.Correct != 3 || top.Accuracy == nil || *top.Accuracy != 0.75 {
			t.Fatalf("county accuracy = %+v", top)
		}
		if len(acc) != 3 || acc[2].Code != "990101002" || acc[2].Sampled != 0 || acc[2].Accuracy != nil {
			t.Fatalf("township rows = %+v", acc[1:])
		}
	})
}
