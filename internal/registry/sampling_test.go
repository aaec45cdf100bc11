package registry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/registry"
)

const (
	grid1 = "990101001001001"
	grid2 = "990101001001002"
)

// persons registers n persons in a grid, numbered from seq.
func (f *fixture) persons(t *testing.T, grid string, seq, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		v, _, err := f.svc.SavePerson(context.Background(), f.admin, registry.PersonInput{Name: "居民", IDNumber: validID("230602", "19800101", seq+i), GridCode: grid})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	return ids
}

// drawn lists the records of a round as "type:id", sorted.
func drawn(t *testing.T, svc *registry.Service, p auth.Principal, round int64) []string {
	t.Helper()
	items, _, err := svc.PendingSamples(context.Background(), p, registry.SampleQuery{Round: round, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprintf("%s:%d", it.RecordType, it.RecordID)
	}
	slices.Sort(out)
	return out
}

func wantField(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code || len(e.Fields) == 0 || e.Fields[0].Field != field {
		t.Fatalf("got %v, want %s naming %q", err, code, field)
	}
}

func rate(v float64) *float64 { return &v }

func TestSamplingRoundAndAccuracy(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.house(t, "H-1", grid1)
		f.house(t, "H-2", grid1)
		f.persons(t, grid1, 100, 3)
		f.persons(t, grid2, 200, 1)
		center := principal(6, "center", auth.RoleCenter, "/990100/990101/")
		worker := principal(5, "worker", auth.RoleWorker, "/990100/990101/990101001/")
		if _, err := f.svc.StartSampling(ctx, worker, registry.SamplingStart{Month: "2026-06", RegionCode: "990101", PerGrid: 2}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("worker started a round: %v", err)
		}
		for _, bad := range []struct {
			in    registry.SamplingStart
			field string
		}{
			{registry.SamplingStart{Month: "2026-13", RegionCode: "990101", PerGrid: 2}, "month"},
			{registry.SamplingStart{Month: "2026-06", RegionCode: "990101", PerGrid: 0}, "per_grid"},
			{registry.SamplingStart{Month: "2026-06", RegionCode: "990101", PerGrid: 51}, "per_grid"},
			{registry.SamplingStart{Month: "2026-06", RegionCode: "990101", PerGrid: 2, Seed: -1}, "seed"},
			{registry.SamplingStart{Month: "2026-06", RegionCode: "990102", PerGrid: 2}, "region_code"},
			{registry.SamplingStart{Month: "2026-06", RegionCode: "990100", PerGrid: 2}, "region_code"}, // above the center's scope
		} {
			_, err := f.svc.StartSampling(ctx, center, bad.in)
			wantField(t, err, apperr.Invalid, bad.field)
		}
		round, err := f.svc.StartSampling(ctx, center, registry.SamplingStart{Month: "2026-06", RegionCode: "990101", PerGrid: 2})
		if err != nil {
			t.Fatal(err)
		}
		// Grid 001: 2 of 3 persons and 2 of 2 houses; grid 002: its 1 person.
		if round.Sampled != 5 || round.Seed <= 0 || round.Seed > registry.MaxSeed || round.Accuracy == nil || *round.Accuracy != 0 {
			t.Fatalf("round = %+v, want 5 items, a seed and accuracy 0", round)
		}
		_, err = f.svc.StartSampling(ctx, center, registry.SamplingStart{Month: "2026-06", RegionCode: "990101", PerGrid: 2})
		wantField(t, err, apperr.Conflict, "region_code")
		items, next, err := f.svc.PendingSamples(ctx, worker, registry.SampleQuery{Round: round.ID})
		if err != nil || len(items) != 5 || next != 0 {
			t.Fatalf("pending = %d (next %d), %v", len(items), next, err)
		}
		if it := items[0]; it.Month != "2026-06" || it.RecordLabel == "" || it.GridName == "" || it.AssignedTo != nil {
			t.Fatalf("item = %+v", it)
		}
		page, next, _ := f.svc.PendingSamples(ctx, worker, registry.SampleQuery{Round: round.ID, Limit: 2})
		if len(page) != 2 || next != page[1].ID {
			t.Fatalf("first page = %d items, next %d", len(page), next)
		}
		if rest, _, _ := f.svc.PendingSamples(ctx, worker, registry.SampleQuery{Round: round.ID, After: next}); len(rest) != 3 {
			t.Fatalf("second page = %d items", len(rest))
		}
		// Grid 001's four records are checked, one found wrong; grid 002's is left.
		var left registry.SamplingItem
		wrong := true
		for _, it := range items {
			if it.GridCode == grid2 {
				left = it
				continue
			}
			c := registry.SampleCheck{Result: "correct"}
			if wrong {
				c, wrong = registry.SampleCheck{Result: "incorrect", Note: "已搬离"}, false
			}
			if _, err := f.svc.CheckSample(ctx, worker, it.ID, c); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.CheckSample(ctx, worker, items[0].ID, registry.SampleCheck{Result: "correct"}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("checking twice: %v", err)
		}
		_, err = f.svc.CheckSample(ctx, worker, left.ID, registry.SampleCheck{Result: "incorrect"})
		wantField(t, err, apperr.Invalid, "note")
		_, err = f.svc.CheckSample(ctx, worker, left.ID, registry.SampleCheck{Result: "maybe"})
		wantField(t, err, apperr.Invalid, "result")
		other := principal(7, "other", auth.RoleWorker, "/990100/990101/990101002/")
		if _, err := f.svc.CheckSample(ctx, other, left.ID, registry.SampleCheck{Result: "correct"}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("checking outside the scope: %v", err)
		}
		if _, err := f.svc.GetSample(ctx, other, left.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("reading outside the scope: %v", err)
		}

		// Accuracy is correct ÷ sampled: 3 of 5, with 4 checked.
		acc, err := f.svc.SamplingAccuracy(ctx, center, round.ID, "990101")
		if err != nil {
			t.Fatal(err)
		}
		want := []registry.Accuracy{
			{Code: "990101", Name: "东区", Level: 2, Progress: registry.Progress{Sampled: 5, Checked: 4, Correct: 3, Accuracy: rate(0.6)}},
			{Code: "990101001", Name: "东风街道", Level: 3, Progress: registry.Progress{Sampled: 5, Checked: 4, Correct: 3, Accuracy: rate(0.6)}},
			{Code: "990101002", Name: "红旗街道", Level: 3, Progress: registry.Progress{}},
		}
		if diff := cmp.Diff(want, acc); diff != "" {
			t.Fatalf("county accuracy (-want +got):\n%s", diff)
		}
		// Down to the grids: the unchecked record is grid 002's.
		grids, err := f.svc.SamplingAccuracy(ctx, center, round.ID, "990101001001")
		if err != nil || len(grids) != 3 {
			t.Fatalf("village accuracy = %+v, %v", grids, err)
		}
		g1, g2 := grids[1], grids[2]
		if g1.Code != grid1 || g1.Sampled != 4 || g1.Checked != 4 || *g1.Accuracy != 0.75 ||
			g2.Code != grid2 || g2.Sampled != 1 || g2.Checked != 0 || *g2.Accuracy != 0 {
			t.Fatalf("grid accuracy = %+v / %+v", g1, g2)
		}
		// A worker of grid 002 sees the round, and its accuracy from their own grid.
		gridWorker := principal(8, "w2", auth.RoleWorker, "/990100/990101/990101001/990101001001/990101001001002/")
		mine, err := f.svc.SamplingAccuracy(ctx, gridWorker, round.ID, "")
		if err != nil || mine[0].Code != grid2 || mine[0].Sampled != 1 {
			t.Fatalf("grid worker's accuracy = %+v, %v", mine, err)
		}
		if _, err := f.svc.SamplingAccuracy(ctx, gridWorker, round.ID, "990101"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("accuracy above the worker's scope: %v", err)
		}
		if _, err := f.svc.SamplingAccuracy(ctx, center, round.ID+100, ""); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("accuracy of an unknown round: %v", err)
		}
		outsider := principal(9, "x", auth.RoleCenter, "/990100/990102/")
		if _, err := f.svc.SamplingAccuracy(ctx, outsider, round.ID, ""); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("accuracy of a round outside the scope: %v", err)
		}

		// The rounds list, with the progress inside each caller's scope.
		f.clock.Add(31 * 24 * time.Hour)
		second, err := f.svc.StartSampling(ctx, center, registry.SamplingStart{Month: "2026-07", RegionCode: "990101001", PerGrid: 1})
		if err != nil {
			t.Fatal(err)
		}
		rounds, next, err := f.svc.ListSamplingRounds(ctx, center, registry.SamplingRoundQuery{})
		if err != nil || len(rounds) != 2 || next != 0 || rounds[0].ID != second.ID || rounds[1].ID != round.ID {
			t.Fatalf("rounds = %+v (next %d), %v", rounds, next, err)
		}
		if r := rounds[1]; r.RegionName != "东区" || r.Sampled != 5 || r.Checked != 4 || r.Correct != 3 || *r.Accuracy != 0.6 || r.Seed != round.Seed {
			t.Fatalf("round in the list = %+v", r)
		}
		theirs, _, err := f.svc.ListSamplingRounds(ctx, gridWorker, registry.SamplingRoundQuery{})
		if err != nil || len(theirs) != 2 || theirs[1].Sampled != 1 || theirs[1].Checked != 0 || *theirs[1].Accuracy != 0 {
			t.Fatalf("grid worker's rounds = %+v, %v", theirs, err)
		}
		if none, _, _ := f.svc.ListSamplingRounds(ctx, outsider, registry.SamplingRoundQuery{}); len(none) != 0 {
			t.Fatalf("an outsider sees rounds: %+v", none)
		}
		first, next, _ := f.svc.ListSamplingRounds(ctx, center, registry.SamplingRoundQuery{Limit: 1})
		if len(first) != 1 || next != second.ID {
			t.Fatalf("first page of rounds = %+v, next %d", first, next)
		}
		if rest, _, _ := f.svc.ListSamplingRounds(ctx, center, registry.SamplingRoundQuery{Before: next}); len(rest) != 1 || rest[0].ID != round.ID {
			t.Fatalf("second page of rounds = %+v", rest)
		}
		if june, _, _ := f.svc.ListSamplingRounds(ctx, center, registry.SamplingRoundQuery{Month: "2026-06"}); len(june) != 1 || june[0].ID != round.ID {
			t.Fatalf("rounds of June = %+v", june)
		}
		_, _, err = f.svc.ListSamplingRounds(ctx, center, registry.SamplingRoundQuery{Month: "June"})
		wantField(t, err, apperr.Invalid, "month")
		_, _, err = f.svc.ListSamplingRounds(ctx, center, registry.SamplingRoundQuery{Region: "990102"})
		wantField(t, err, apperr.Invalid, "region")
		if n := auditCount(t, d, "sampling.start"); n != 2 {
			t.Fatalf("sampling.start audited %d times", n)
		}
	})
}

func TestSamplingDrawIsReproducible(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.persons(t, grid1, 100, 20)
		f.persons(t, grid2, 200, 6)
		for i := range 8 {
			f.house(t, fmt.Sprintf("H-%d", i), grid1)
		}
		center := principal(6, "center", auth.RoleCenter, "/990100/990101/")
		f.clock.Add(92 * 24 * time.Hour) // September: the rounds of June to August are past
		start := func(month string, seed int64) (registry.SamplingRound, []string) {
			t.Helper()
			r, err := f.svc.StartSampling(ctx, center, registry.SamplingStart{Month: month, RegionCode: "990101", PerGrid: 3, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			return r, drawn(t, f.svc, center, r.ID)
		}
		forget := func() {
			t.Helper()
			for _, q := range []string{`DELETE FROM sampling_items`, `DELETE FROM sampling_rounds`} {
				if _, err := d.Write().ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
		}
		r, first := start("2026-06", 42)
		// 3 persons from each grid and 3 houses from grid 001.
		if r.Seed != 42 || len(first) != 9 {
			t.Fatalf("round %+v drew %v", r, first)
		}
		forget()
		if _, again := start("2026-06", 42); !slices.Equal(first, again) {
			t.Fatalf("the same month, region and seed drew\n%v\nthen\n%v", first, again)
		}
		forget()
		if _, other := start("2026-06", 43); slices.Equal(first, other) {
			t.Fatalf("another seed drew the same records: %v", other)
		}
		forget()
		if _, july := start("2026-07", 42); slices.Equal(first, july) {
			t.Fatalf("another month drew the same records: %v", july)
		}
		// A random seed is kept, and drawing with it again gives the same sample.
		forget()
		random, drew := start("2026-08", 0)
		forget()
		if _, again := start("2026-08", random.Seed); random.Seed == 0 || !slices.Equal(drew, again) {
			t.Fatalf("redrawing with the kept seed %d: %v then %v", random.Seed, drew, again)
		}
	})
}

func TestSamplingCorrectionsFlowBackAudited(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.house(t, "H-1", grid1)
		f.persons(t, grid1, 100, 1)
		// The grid's worker gets the grid's items.
		var workerID int64
		if err := d.Write().QueryRowContext(ctx, `INSERT INTO users (username, password_hash, role, scope_region, password_changed_at, created_at, updated_at)
			VALUES ('w1', 'x', 'worker', $1, $2, $2, $2) RETURNING id`, grid1, f.clock.Now()).Scan(&workerID); err != nil {
			t.Fatal(err)
		}
		center := principal(6, "center", auth.RoleCenter, "/990100/990101/")
		worker := principal(workerID, "w1", auth.RoleWorker, "/990100/990101/990101001/990101001001/990101001001001/")
		round, err := f.svc.StartSampling(ctx, center, registry.SamplingStart{Month: "2026-06", RegionCode: "990101", PerGrid: 5})
		if err != nil {
			t.Fatal(err)
		}
		items, _, err := f.svc.PendingSamples(ctx, worker, registry.SampleQuery{Round: round.ID, Mine: true})
		if err != nil || len(items) != 2 {
			t.Fatalf("the worker's items = %+v, %v", items, err)
		}
		if elsewhere, _, _ := f.svc.PendingSamples(ctx, center, registry.SampleQuery{Mine: true}); len(elsewhere) != 0 {
			t.Fatalf("items assigned to the center: %+v", elsewhere)
		}
		var personItem, houseItem registry.SamplingItem
		for _, it := range items {
			if it.AssignedTo == nil || *it.AssignedTo != workerID {
				t.Fatalf("item %+v is not assigned to the grid's worker %d", it, workerID)
			}
			if it.RecordType == "person" {
				personItem = it
			} else {
				houseItem = it
			}
		}
		detail, err := f.svc.GetSample(ctx, worker, personItem.ID)
		if err != nil || detail.Person == nil || detail.House != nil || !strings.Contains(detail.Person.IDNumber, "********") {
			t.Fatalf("person item detail = %+v, %v", detail, err)
		}
		person := *detail.Person
		str := func(s string) *string { return &s }
		updatesBefore := auditCount(t, d, "person.update")

		// Refusals leave the item pending and the person as it was.
		for _, bad := range []struct {
			check registry.SampleCheck
			code  apperr.Code
			field string
		}{
			{registry.SampleCheck{Result: "incorrect", Person: &registry.PersonPatch{Version: person.Version + 1, Name: str("李四")}}, apperr.Conflict, "person.version"},
			{registry.SampleCheck{Result: "incorrect", Person: &registry.PersonPatch{Name: str("李四")}}, apperr.Invalid, "person.version"},
			{registry.SampleCheck{Result: "incorrect", Person: &registry.PersonPatch{Version: person.Version, Phone: str("123")}}, apperr.Invalid, "person.phone"},
			{registry.SampleCheck{Result: "incorrect", Person: &registry.PersonPatch{Version: person.Version, GridCode: str("990101002001001")}}, apperr.Invalid, "person.grid_code"},
			{registry.SampleCheck{Result: "incorrect", Person: &registry.PersonPatch{Version: person.Version, Name: str(person.Name)}}, apperr.Invalid, "person"},
			{registry.SampleCheck{Result: "correct", Person: &registry.PersonPatch{Version: person.Version, Name: str("李四")}}, apperr.Invalid, "person"},
			{registry.SampleCheck{Result: "incorrect", House: &registry.HousePatch{Version: 1, Address: str("新地址")}}, apperr.Invalid, "house"},
		} {
			_, err := f.svc.CheckSample(ctx, worker, personItem.ID, bad.check)
			wantField(t, err, bad.code, bad.field)
		}
		if p, _ := f.svc.GetPerson(ctx, center, person.ID); p.Name != person.Name || p.Version != person.Version {
			t.Fatalf("a refused correction changed the person: %+v", p)
		}
		if pending, _, _ := f.svc.PendingSamples(ctx, worker, registry.SampleQuery{Round: round.ID}); len(pending) != 2 {
			t.Fatalf("a refused check was stored: %d pending", len(pending))
		}

		// The correction goes through the registry's update and its audit.
		checked, err := f.svc.CheckSample(ctx, worker, personItem.ID, registry.SampleCheck{Result: "incorrect",
			Person: &registry.PersonPatch{Version: person.Version, Name: str("李四"), HouseholdNo: str("0012"), Phone: str("13612345678")}})
		if err != nil {
			t.Fatal(err)
		}
		if checked.Status != "incorrect" || !slices.Equal(checked.Corrected, []string{"name", "phone", "household_no"}) || checked.RecordLabel != "李四" {
			t.Fatalf("checked item = %+v", checked)
		}
		after, err := f.svc.GetPerson(ctx, center, person.ID)
		if err != nil || after.Name != "李四" || after.HouseholdNo != "0012" || after.Phone != "136****5678" ||
			after.IDNumber != person.IDNumber || after.Version != person.Version+1 {
			t.Fatalf("person after the correction = %+v, %v", after, err)
		}
		if n := auditCount(t, d, "person.update"); n != updatesBefore+1 {
			t.Fatalf("person.update audited %d times, want %d", n, updatesBefore+1)
		}
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "sampling.check"})
		if len(entries) != 1 || fmt.Sprint(entries[0].Detail["corrected"]) != "[name phone household_no]" || entries[0].Detail["result"] != "incorrect" {
			t.Fatalf("sampling.check audit = %+v", entries)
		}

		// A house is corrected with the house fields; bad ones are named.
		hd, err := f.svc.GetSample(ctx, worker, houseItem.ID)
		if err != nil || hd.House == nil || hd.House.Code != "H-1" {
			t.Fatalf("house item detail = %+v, %v", hd, err)
		}
		bad := registry.Usage("castle")
		_, err = f.svc.CheckSample(ctx, worker, houseItem.ID, registry.SampleCheck{Result: "incorrect", House: &registry.HousePatch{Version: hd.House.Version, Usage: &bad}})
		wantField(t, err, apperr.Invalid, "house.usage")
		_, err = f.svc.CheckSample(ctx, worker, houseItem.ID, registry.SampleCheck{Result: "incorrect", Person: &registry.PersonPatch{Version: 1, Name: str("x")}})
		wantField(t, err, apperr.Invalid, "person")
		rented := registry.Usage("rented")
		area := 72.5
		checked, err = f.svc.CheckSample(ctx, worker, houseItem.ID, registry.SampleCheck{Result: "incorrect", Note: "已出租",
			House: &registry.HousePatch{Version: hd.House.Version, Usage: &rented, FloorAreaM2: &area, Address: str(hd.House.Address)}})
		if err != nil || !slices.Equal(checked.Corrected, []string{"usage", "floor_area_m2"}) || checked.Note != "已出租" {
			t.Fatalf("house check = %+v, %v", checked, err)
		}
		h, err := f.svc.GetHouse(ctx, center, "H-1")
		if err != nil || h.Usage != "rented" || *h.FloorAreaM2 != 72.5 || h.Version != hd.House.Version+1 || auditCount(t, d, "house.update") != 1 {
			t.Fatalf("house after the correction = %+v, %v", h.House, err)
		}

		// Both records were wrong: the accuracy is 0 of 2.
		acc, err := f.svc.SamplingAccuracy(ctx, worker, round.ID, "")
		if err != nil || acc[0].Code != grid1 || acc[0].Checked != 2 || *acc[0].Accuracy != 0 {
			t.Fatalf("accuracy = %+v, %v", acc, err)
		}
	})
}

func TestSamplingJobStartsEachMonthOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.house(t, "H-1", grid1)
		f.persons(t, grid2, 100, 2)
		log := testLogger(t)
		if _, err := registry.NewSamplingJob(f.svc, registry.SamplingJobConfig{}, f.clock.Now, log); err == nil {
			t.Fatal("a job drawing no records per grid was accepted")
		}
		var mu sync.Mutex
		now := time.Date(2026, 6, 4, 2, 0, 0, 0, time.UTC) // the 4th in Beijing: too late for June
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		set := func(t time.Time) { mu.Lock(); defer mu.Unlock(); now = t }
		job, err := registry.NewSamplingJob(f.svc, registry.SamplingJobConfig{PerGrid: 2}, clock, log)
		if err != nil {
			t.Fatal(err)
		}
		if started, err := job.RunOnce(ctx); err != nil || len(started) != 0 {
			t.Fatalf("on the 4th: %+v, %v", started, err)
		}
		// 16:30 UTC on 31 May is already 1 June in Beijing.
		set(time.Date(2026, 5, 31, 16, 30, 0, 0, time.UTC))
		started, err := job.RunOnce(ctx)
		if err != nil || len(started) != 1 || started[0].Month != "2026-06" || started[0].RegionCode != "990100" || started[0].Sampled != 3 {
			t.Fatalf("on 1 June: %+v, %v", started, err)
		}
		if again, err := job.RunOnce(ctx); err != nil || len(again) != 0 {
			t.Fatalf("run again: %+v, %v", again, err)
		}
		// Two servers at once make one round.
		set(time.Date(2026, 7, 2, 8, 0, 0, 0, time.UTC))
		f.clock.Add(31 * 24 * time.Hour) // the registry's clock is in July too
		other, _ := registry.NewSamplingJob(f.svc, registry.SamplingJobConfig{PerGrid: 2}, clock, log)
		var wg sync.WaitGroup
		results := make([][]registry.SamplingRound, 2)
		errs := make([]error, 2)
		for i, j := range []*registry.SamplingJob{job, other} {
			wg.Go(func() { results[i], errs[i] = j.RunOnce(ctx) })
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || len(results[0])+len(results[1]) != 1 {
			t.Fatalf("two jobs at once: %+v %v / %+v %v", results[0], errs[0], results[1], errs[1])
		}
		rounds, _, err := f.svc.ListSamplingRounds(ctx, f.admin, registry.SamplingRoundQuery{})
		if err != nil || len(rounds) != 2 || rounds[0].Month != "2026-07" || rounds[1].Month != "2026-06" {
			t.Fatalf("rounds = %+v, %v", rounds, err)
		}
	})
}

func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// A correction of a person with a link to a house outside the worker's grid
// goes through, and that link stays.
func TestSamplingCorrectionKeepsLinksOutsideScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.house(t, "H-1", grid1)
		f.house(t, "H-2", grid2)
		stored := []registry.HouseLink{{HouseCode: "H-1", Relation: "lives"}, {HouseCode: "H-2", Relation: "owns"}}
		v, _, err := f.svc.SavePerson(ctx, f.admin, registry.PersonInput{Name: "周七", IDNumber: validID("230602", "19800808", 72), Houses: stored})
		if err != nil {
			t.Fatal(err)
		}
		center := principal(6, "center", auth.RoleCenter, "/990100/990101/")
		worker := principal(5, "worker", auth.RoleWorker, "/990100/990101/990101001/990101001001/"+grid1+"/")
		round, err := f.svc.StartSampling(ctx, center, registry.SamplingStart{Month: "2026-06", RegionCode: grid1, PerGrid: 5})
		if err != nil {
			t.Fatal(err)
		}
		items, _, err := f.svc.PendingSamples(ctx, worker, registry.SampleQuery{Round: round.ID})
		if err != nil {
			t.Fatal(err)
		}
		var item registry.SamplingItem
		for _, it := range items {
			if it.RecordType == "person" && it.RecordID == v.ID {
				item = it
			}
		}
		if item.ID == 0 {
			t.Fatalf("the person was not drawn: %+v", items)
		}
		only := []registry.HouseLink{stored[0]}
		_, err = f.svc.CheckSample(ctx, worker, item.ID, registry.SampleCheck{Result: "incorrect",
			Person: &registry.PersonPatch{Version: v.Version, Houses: &only}})
		wantField(t, err, apperr.Invalid, "person") // leaving the hidden link out changes nothing
		phone := "13900002222"
		checked, err := f.svc.CheckSample(ctx, worker, item.ID, registry.SampleCheck{Result: "incorrect",
			Person: &registry.PersonPatch{Version: v.Version, Phone: &phone, Houses: &only}})
		if err != nil || !slices.Equal(checked.Corrected, []string{"phone"}) {
			t.Fatalf("checked = %+v, %v", checked, err)
		}
		after, err := f.svc.GetPerson(ctx, f.admin, v.ID)
		if err != nil || !sameLinks(after.Houses, stored) || after.Phone != "139****2222" {
			t.Fatalf("after the correction = %+v, %v", after, err)
		}
	})
}

// A grid is checked by one round a month: a round over a region above or
// below another round's, or over the same one, is refused naming the
// region and the round; a month after this one is refused too.
func TestSamplingRoundsOfAMonthDoNotOverlap(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.persons(t, grid1, 100, 2)
		f.persons(t, grid2, 200, 2)
		f.persons(t, "990101002001001", 300, 2)
		center := principal(6, "center", auth.RoleCenter, "/990100/990101/")
		f.clock.Add(20 * 24 * time.Hour) // 21 June 2026
		village, err := f.svc.StartSampling(ctx, center, registry.SamplingStart{Month: "2026-06", RegionCode: "990101001001", PerGrid: 1, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			in     registry.SamplingStart
			code   apperr.Code // "" when started
			field  string
			reason string
			kind   error
		}{
			{"the same region", registry.SamplingStart{Month: "2026-06", RegionCode: "990101001001"}, apperr.Conflict, "region_code",
				fmt.Sprintf("already has a sampling round for 2026-06 (round %d)", village.ID), registry.ErrRoundExists},
			{"a region above", registry.SamplingStart{Month: "2026-06", RegionCode: "990101"}, apperr.Conflict, "region_code",
				fmt.Sprintf("overlaps sampling round %d over 990101001001", village.ID), registry.ErrRoundOverlaps},
			{"a grid below", registry.SamplingStart{Month: "2026-06", RegionCode: grid1}, apperr.Conflict, "region_code",
				fmt.Sprintf("overlaps sampling round %d over 990101001001", village.ID), registry.ErrRoundOverlaps},
			{"next month", registry.SamplingStart{Month: "2026-07", RegionCode: "990101001001"}, apperr.Invalid, "month",
				"is after this month, 2026-06", nil},
			{"years ahead", registry.SamplingStart{Month: "2031-05", RegionCode: "990101002"}, apperr.Invalid, "month",
				"is after this month, 2026-06", nil},
			{"a region beside", registry.SamplingStart{Month: "2026-06", RegionCode: "990101002"}, "", "", "", nil},
			{"a month before", registry.SamplingStart{Month: "2026-05", RegionCode: "990101"}, "", "", "", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.in.PerGrid = 1
				r, err := f.svc.StartSampling(ctx, center, tc.in)
				if tc.code == "" {
					if err != nil || r.Month != tc.in.Month || r.RegionCode != tc.in.RegionCode {
						t.Fatalf("round = %+v, %v", r, err)
					}
					return
				}
				wantField(t, err, tc.code, tc.field)
				if e, _ := apperr.As(err); !strings.Contains(e.Fields[0].Reason, tc.reason) {
					t.Fatalf("reason %q, want it to say %q", e.Fields[0].Reason, tc.reason)
				}
				if tc.kind != nil && !errors.Is(err, tc.kind) {
					t.Fatalf("%v is not %v", err, tc.kind)
				}
			})
		}
		if n := auditCount(t, d, "sampling.start"); n != 3 {
			t.Fatalf("sampling.start audited %d times, want 3", n)
		}
		// The monthly job leaves the city alone when a round covers part of it.
		job, err := registry.NewSamplingJob(f.svc, registry.SamplingJobConfig{PerGrid: 1},
			func() time.Time { return time.Date(2026, 6, 2, 1, 0, 0, 0, time.UTC) }, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		if started, err := job.RunOnce(ctx); err != nil || len(started) != 0 {
			t.Fatalf("the job over a covered month: %+v, %v", started, err)
		}
	})
}

// Servers starting overlapping rounds of one month at once make one round.
func TestSamplingRoundsStartedAtOnceDoNotOverlap(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.persons(t, grid1, 100, 3)
		f.persons(t, grid2, 200, 3)
		center := principal(6, "center", auth.RoleCenter, "/990100/990101/")
		// Each region holds or lies under each other: one round can stand.
		regions := []string{"990101", "990101001", "990101001001", grid1, "990101", grid1, "990101001001", "990101001"}
		for try := range 3 {
			month := fmt.Sprintf("2026-0%d", 4+try)
			var wg sync.WaitGroup
			errs := make([]error, len(regions))
			for i, code := range regions {
				wg.Go(func() {
					_, errs[i] = f.svc.StartSampling(ctx, center, registry.SamplingStart{Month: month, RegionCode: code, PerGrid: 2})
				})
			}
			wg.Wait()
			won := 0
			for i, err := range errs {
				switch {
				case err == nil:
					won++
				case !apperr.Is(err, apperr.Conflict):
					t.Fatalf("%s in %s: %v", regions[i], month, err)
				}
			}
			rounds, _, err := f.svc.ListSamplingRounds(ctx, center, registry.SamplingRoundQuery{Month: month})
			if err != nil || won != 1 || len(rounds) != 1 {
				t.Fatalf("%s: %d started, rounds %+v, %v", month, won, rounds, err)
			}
			var twice int
			if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT i.record_type, i.record_id FROM sampling_items i
				JOIN sampling_rounds r ON r.id = i.round_id WHERE r.month = $1 GROUP BY i.record_type, i.record_id HAVING COUNT(*) > 1) x`,
				month).Scan(&twice); err != nil || twice != 0 {
				t.Fatalf("%s: %d records sampled twice, %v", month, twice, err)
			}
		}
	})
}
