package workforce_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/reseal/resealtest"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workforce"
)

func TestResealPhonesAndTracksAfterRotation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d) // seals with k1, all-zero bytes
		acct := f.account("li.worker", auth.RoleWorker, "990101001001")
		w := f.worker(f.east, workforce.WorkerInput{Name: "李四", Phone: "13800001234", UserID: &acct, Grids: grids(gridA)})
		f.worker(f.east, workforce.WorkerInput{Name: "王五", Grids: grids(gridA)})
		if _, err := f.svc.AddMember(ctx, f.east, gridA, workforce.MemberInput{Role: workforce.RolePolice, Name: "民警赵", Phone: "13900005678"}); err != nil {
			t.Fatal(err)
		}
		dv := newDevice("android-5f3a9c01", 1)
		f.enrol(f.east, w.ID, dv)
		lng, lat := 125.05, 46.1
		start := workforce.CheckInput{Lng: &lng, Lat: &lat}
		p, err := f.svc.StartPatrol(ctx, f.caller(dv, "/api/v1/workforce/device/patrols", "start-1", start), start)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Hour)
		url := fmt.Sprintf("/api/v1/workforce/device/patrols/%d/points", p.ID)
		for i, b := range []workforce.PointBatch{
			{Seq: 1, Points: walk(lng, lat, p.StartedAt.Add(time.Second), 10*time.Second, 10, 20)},
			{Seq: 2, Points: walk(lng, lat+200/111320.0, p.StartedAt.Add(201*time.Second), 10*time.Second, 10, 20)},
		} {
			if _, err := f.svc.AddPoints(ctx, f.caller(dv, url, fmt.Sprint("b-", i), b), p.ID, b); err != nil {
				t.Fatalf("batch %d: %v", b.Seq, err)
			}
		}
		track, err := f.svc.TrackOf(ctx, f.admin, p.ID)
		if err != nil || len(track.Points) != 40 {
			t.Fatalf("track before = %d points, %v", len(track.Points), err)
		}

		before, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
		after, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)}, secret.Key{ID: "k2", Bytes: []byte("0123456789abcdef0123456789abcdef")})
		res := resealtest.Rotate(t, d, before, after, workforce.SealedTables()...)
		got := map[string]int{}
		for _, r := range res {
			got[r.Table] = r.Resealed
		}
		if got["workers"] != 1 || got["team_members"] != 1 || got["patrol_batches"] != 2 {
			t.Fatalf("resealed = %+v", res)
		}

		// The service with the new keyring reads the track and the phone.
		cfg := f.cfg
		cfg.Keys = after
		svc := workforce.NewService(cfg)
		again, err := svc.TrackOf(ctx, f.admin, p.ID)
		if err != nil || len(again.Points) != 40 {
			t.Fatalf("track after = %d points, %v", len(again.Points), err)
		}
		for i := range again.Points {
			if again.Points[i].Lng != track.Points[i].Lng || again.Points[i].Lat != track.Points[i].Lat || !again.Points[i].At.Equal(track.Points[i].At) {
				t.Fatalf("point %d changed: %+v → %+v", i, track.Points[i], again.Points[i])
			}
		}
		name := "李四光"
		cur, err := svc.GetWorker(ctx, f.east, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UpdateWorker(ctx, f.east, w.ID, workforce.WorkerPatch{Version: cur.Version, Name: &name}); err != nil {
			t.Fatalf("update a worker whose phone was resealed: %v", err)
		}
	})
}
