package workforce_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/workforce"
)

// caller signs a request as the device and verifies it.
func (f *fixture) caller(dv device, target, key string, body any) workforce.DeviceCaller {
	f.t.Helper()
	b, _ := json.Marshal(body)
	c, err := f.svc.Authenticate(context.Background(), f.request(dv, "POST", target, key, b))
	if err != nil {
		f.t.Fatalf("authenticate %s: %v", target, err)
	}
	return c
}

// walk is n fixes from (lng, lat) at t0, one every step, going north by
// metres each time.
func walk(lng, lat float64, t0 time.Time, step time.Duration, metres float64, n int) []workforce.TrackPoint {
	out := make([]workforce.TrackPoint, n)
	for i := range out {
		x, y := lng, lat+float64(i)*metres/111320
		acc := 5.0
		out[i] = workforce.TrackPoint{Lng: &x, Lat: &y, At: t0.Add(time.Duration(i) * step).UTC().Format(time.RFC3339Nano), AccuracyM: &acc}
	}
	return out
}

func TestPatrolTrackRefusalsAndTotals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		acct := f.account("li.worker", auth.RoleWorker, "990101001001")
		w := f.worker(f.east, workforce.WorkerInput{Name: "李四", UserID: &acct, Grids: grids(gridA)})
		phone := newDevice("android-5f3a9c01", 1)
		f.enrol(f.east, w.ID, phone)

		lng, lat := 125.05, 46.1
		start := workforce.CheckInput{Lng: &lng, Lat: &lat}
		const startURL = "/api/v1/workforce/device/patrols"
		p, err := f.svc.StartPatrol(ctx, f.caller(phone, startURL, "start-1", start), start)
		if err != nil || p.GridCode != gridA || p.WorkerID != w.ID {
			t.Fatalf("start = %+v, %v", p, err)
		}
		_, err = f.svc.StartPatrol(ctx, f.caller(phone, startURL, "start-1", start), start)
		wantField(t, err, apperr.Conflict, "Idempotency-Key")
		_, err = f.svc.StartPatrol(ctx, f.caller(phone, startURL, "start-2", start), start)
		wantField(t, err, apperr.Conflict, "patrol")
		far := 125.3
		_, err = f.svc.StartPatrol(ctx, f.caller(phone, startURL, "start-3", workforce.CheckInput{Lng: &far, Lat: &lat}), workforce.CheckInput{Lng: &far, Lat: &lat})
		wantField(t, err, apperr.Invalid, "lng")

		t0 := p.StartedAt
		f.clock.Add(time.Hour)
		url := fmt.Sprintf("/api/v1/workforce/device/patrols/%d/points", p.ID)
		send := func(key string, b workforce.PointBatch) (workforce.BatchAck, error) {
			return f.svc.AddPoints(ctx, f.caller(phone, url, key, b), p.ID, b)
		}
		// 100 fixes, 10 m apart every 10 s: 990 m in 990 s.
		b1 := workforce.PointBatch{Seq: 1, Points: walk(lng, lat, t0.Add(time.Second), 10*time.Second, 10, 100)}
		ack, err := send("b-1", b1)
		if err != nil || ack.Accepted != 100 || ack.Duplicate || ack.Points != 100 || math.Abs(ack.DistanceM-990) > 2 {
			t.Fatalf("batch 1 = %+v, %v", ack, err)
		}
		// The same batch again, under its key or a new one: acknowledged, not stored.
		for _, key := range []string{"b-1", "b-1-retry"} {
			ack, err = send(key, b1)
			if err != nil || !ack.Duplicate || ack.Accepted != 0 || ack.Points != 100 {
				t.Fatalf("resent batch 1 (%s) = %+v, %v", key, ack, err)
			}
		}
		next := walk(lng, lat+990/111320.0, t0.Add(1001*time.Second), 10*time.Second, 10, 50)
		other := b1
		other.Points = next
		_, err = send("b-1-other", other)
		wantField(t, err, apperr.Conflict, "seq")
		_, err = send("b-1", workforce.PointBatch{Seq: 2, Points: next})
		wantField(t, err, apperr.Conflict, "Idempotency-Key")
		_, err = send("b-3", workforce.PointBatch{Seq: 3, Points: next})
		wantField(t, err, apperr.Invalid, "seq")

		// Refusals of the points, each naming the point.
		early := walk(lng, lat, t0.Add(500*time.Second), 10*time.Second, 10, 5)
		_, err = send("b-2a", workforce.PointBatch{Seq: 2, Points: early})
		wantField(t, err, apperr.Invalid, "points[0].at")
		jump := walk(lng, lat+990/111320.0, t0.Add(1001*time.Second), 10*time.Second, 10, 10)
		jx := lng + 0.02 // 1.5 km east in 10 s
		jump[5].Lng = &jx
		_, err = send("b-2b", workforce.PointBatch{Seq: 2, Points: jump})
		wantField(t, err, apperr.Invalid, "points[5]")
		future := walk(lng, lat+990/111320.0, t0.Add(1001*time.Second), 10*time.Second, 10, 10)
		future[9].At = f.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		_, err = send("b-2c", workforce.PointBatch{Seq: 2, Points: future})
		wantField(t, err, apperr.Invalid, "points[9].at")
		same := walk(lng, lat+990/111320.0, t0.Add(1001*time.Second), 10*time.Second, 10, 10)
		same[3].At = same[2].At
		_, err = send("b-2d", workforce.PointBatch{Seq: 2, Points: same})
		wantField(t, err, apperr.Invalid, "points[3].at")
		_, err = send("b-2e", workforce.PointBatch{Seq: 2, Points: walk(lng, lat, t0.Add(2000*time.Second), time.Second, 1, workforce.MaxBatchPoints+1)})
		wantField(t, err, apperr.Invalid, "points")
		bad := 200.0
		broken := walk(lng, lat+990/111320.0, t0.Add(1001*time.Second), 10*time.Second, 10, 3)
		broken[1].Lat = &bad
		_, err = send("b-2f", workforce.PointBatch{Seq: 2, Points: broken})
		wantField(t, err, apperr.Invalid, "points[1]")
		_, err = send("b-2g", workforce.PointBatch{Seq: 2})
		wantField(t, err, apperr.Invalid, "points")
		if _, err := f.svc.AddPoints(ctx, f.caller(phone, url, "", next), p.ID, workforce.PointBatch{Seq: 2, Points: next}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("batch without a key: %v", err)
		}

		ack, err = send("b-2", workforce.PointBatch{Seq: 2, Points: next})
		if err != nil || ack.Accepted != 50 || ack.Points != 150 {
			t.Fatalf("batch 2 = %+v, %v", ack, err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM patrol_batches`); n != 2 {
			t.Fatalf("%d batches stored, want 2: nothing refused or resent may count", n)
		}

		// Finish: distance, duration and coverage of the straight walk.
		fin := fmt.Sprintf("/api/v1/workforce/device/patrols/%d/finish", p.ID)
		done, err := f.svc.FinishPatrol(ctx, f.caller(phone, fin, "fin-1", nil), p.ID)
		if err != nil || done.FinishedAt == nil || done.Points != 150 || done.Batches != 2 || done.DurationS != 3600 {
			t.Fatalf("finish = %+v, %v", done, err)
		}
		want := geo.DistanceM(orb.Point{lng, lat}, orb.Point{lng, lat + 1480/111320.0})
		if math.Abs(done.DistanceM-want) > 1 {
			t.Fatalf("distance %.1f m, want %.1f", done.DistanceM, want)
		}
		// A 1.5 km line covers about 30 cells of 50 m of the grid's ~69,000.
		if done.Coverage == nil || done.CoveredCells < 25 || done.CoveredCells > 70 || done.GridCells < 60000 || done.CellM != 50 {
			t.Fatalf("coverage = %v, %d of %d cells of %v m", done.Coverage, done.CoveredCells, done.GridCells, done.CellM)
		}
		_, err = f.svc.FinishPatrol(ctx, f.caller(phone, fin, "fin-2", nil), p.ID)
		wantField(t, err, apperr.Conflict, "patrol")
		_, err = send("b-3", workforce.PointBatch{Seq: 3, Points: walk(lng, lat, f.clock.Now().Add(-time.Minute), time.Second, 1, 3)})
		wantField(t, err, apperr.Conflict, "patrol")

		// Who reads what: the worker and the supervising center read the
		// track; a leader sees the summary only; another township nothing.
		own := principal(acct, "li.worker", auth.RoleWorker, pathEast)
		if tr, err := f.svc.TrackOf(ctx, own, p.ID); err != nil || len(tr.Points) != 150 || tr.Points[0].AccuracyM == nil {
			t.Fatalf("own track: %d points, %v", len(tr.Points), err)
		}
		if n := auditCount(t, d, "patrol.track_read"); n != 0 {
			t.Fatalf("the worker's own read was audited (%d)", n)
		}
		if _, err := f.svc.TrackOf(ctx, f.east, p.ID); err != nil {
			t.Fatalf("supervisor track: %v", err)
		}
		if n := auditCount(t, d, "patrol.track_read"); n != 1 {
			t.Fatalf("supervisor's read audited %d times, want 1", n)
		}
		leader := principal(9, "leader", auth.RoleLeader, pathCounty)
		if _, err := f.svc.GetPatrol(ctx, leader, p.ID); err != nil {
			t.Fatalf("leader summary: %v", err)
		}
		if _, err := f.svc.TrackOf(ctx, leader, p.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("leader track: %v", err)
		}
		if _, err := f.svc.TrackOf(ctx, f.west, p.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("other township track: %v", err)
		}
		if _, err := f.svc.GetPatrol(ctx, f.west, p.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("other township summary: %v", err)
		}
		if page, err := f.svc.ListPatrols(ctx, f.east, workforce.PatrolQuery{Month: "2026-06"}); err != nil || len(page.Items) != 1 {
			t.Fatalf("list = %+v, %v", page, err)
		}
		// By the day it started, in the deployment's zone; a day that is
		// none, or a month and a day at once, is refused naming it.
		day := p.StartedAt.In(cst)
		if page, err := f.svc.ListPatrols(ctx, f.east, workforce.PatrolQuery{Date: day.Format("2006-01-02")}); err != nil || len(page.Items) != 1 {
			t.Fatalf("list by its day = %+v, %v", page, err)
		}
		if page, err := f.svc.ListPatrols(ctx, f.east, workforce.PatrolQuery{Date: day.AddDate(0, 0, 1).Format("2006-01-02")}); err != nil || len(page.Items) != 0 {
			t.Fatalf("list by the next day = %+v, %v", page, err)
		}
		for _, q := range []workforce.PatrolQuery{{Date: "yesterday"}, {Month: "2026-06", Date: "2026-06-01"}} {
			_, err := f.svc.ListPatrols(ctx, f.east, q)
			wantField(t, err, apperr.Invalid, "date")
		}
		if page, err := f.svc.ListPatrols(ctx, f.west, workforce.PatrolQuery{}); err != nil || len(page.Items) != 0 {
			t.Fatalf("other township list = %+v, %v", page, err)
		}
		if page, err := f.svc.ListPatrols(ctx, own, workforce.PatrolQuery{WorkerID: w.ID}); err != nil || len(page.Items) != 1 {
			t.Fatalf("own list = %+v, %v", page, err)
		}

		// Retention: the track goes, the summary stays.
		if n, err := f.svc.PurgeTracks(ctx, 30*24*time.Hour); err != nil || n != 0 {
			t.Fatalf("early purge = %d, %v", n, err)
		}
		f.clock.Add(31 * 24 * time.Hour)
		if n, err := f.svc.PurgeTracks(ctx, 30*24*time.Hour); err != nil || n != 1 {
			t.Fatalf("purge = %d, %v", n, err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM patrol_batches`); n != 0 {
			t.Fatalf("%d batches left after the purge", n)
		}
		tr, err := f.svc.TrackOf(ctx, f.east, p.ID)
		if err != nil || len(tr.Points) != 0 || tr.Patrol.TrackPurgedAt == nil || tr.Patrol.DistanceM != done.DistanceM ||
			*tr.Patrol.Coverage != *done.Coverage || tr.Patrol.Points != 150 {
			t.Fatalf("after purge: %+v, %v", tr.Patrol, err)
		}
		if n, err := f.svc.PurgeTracks(ctx, 30*24*time.Hour); err != nil || n != 0 {
			t.Fatalf("second purge = %d, %v", n, err)
		}
	})
}

func TestPatrolPointLimit(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		w := f.worker(f.east, workforce.WorkerInput{Name: "王五", Grids: grids(gridB)})
		phone := newDevice("android-00000002", 2)
		f.enrol(f.east, w.ID, phone)
		lng, lat := 125.15, 46.05
		start := workforce.CheckInput{Lng: &lng, Lat: &lat}
		p, err := f.svc.StartPatrol(ctx, f.caller(phone, "/s", "s-1", start), start)
		if err != nil {
			t.Fatal(err)
		}
		t0 := p.StartedAt
		f.clock.Add(12 * time.Hour)
		per := workforce.MaxBatchPoints
		for seq := 1; seq <= workforce.MaxPatrolPoints/per; seq++ {
			b := workforce.PointBatch{Seq: seq, Points: walk(lng, lat+float64((seq-1)*per)/111320, t0.Add(time.Duration((seq-1)*per+1)*time.Second), time.Second, 1, per)}
			if _, err := f.svc.AddPoints(ctx, f.caller(phone, "/b", fmt.Sprintf("b-%d", seq), b), p.ID, b); err != nil {
				t.Fatalf("batch %d: %v", seq, err)
			}
		}
		seq := workforce.MaxPatrolPoints/per + 1
		b := workforce.PointBatch{Seq: seq, Points: walk(lng, lat+0.2, t0.Add(time.Duration(workforce.MaxPatrolPoints+1)*time.Second), time.Second, 1, 1)}
		_, err = f.svc.AddPoints(ctx, f.caller(phone, "/b", "b-over", b), p.ID, b)
		wantField(t, err, apperr.Invalid, "points")
		if n := count(t, d, `SELECT points FROM patrols WHERE id = $1`, p.ID); n != workforce.MaxPatrolPoints {
			t.Fatalf("%d points counted", n)
		}
	})
}

func TestPatrolCover(t *testing.T) {
	t.Parallel()
	// A 490 m square at 46°N: 10 × 10 cells of 50 m.
	const lat0, lng0 = 46.0, 125.0
	ky := 111320.0
	kx := ky * math.Cos((lat0+245/ky)*math.Pi/180)
	sq := orb.MultiPolygon{box(lng0, lat0, lng0+490/kx, lat0+490/ky)}
	at := func(x, y float64) orb.Point { return orb.Point{lng0 + x/kx, lat0 + y/ky} }

	line := workforce.Cover(sq, []orb.Point{at(-100, 225), at(600, 225)})
	if line.GridCells != 100 || line.Covered != 10 || line.Share() != 0.1 || line.CellM != 50 {
		t.Fatalf("a line through one row of cells: %+v", line)
	}
	var lanes []orb.Point
	for row := 0; row < 10; row++ {
		y := 25 + 50*float64(row)
		if row%2 == 0 {
			lanes = append(lanes, at(0, y), at(490, y))
		} else {
			lanes = append(lanes, at(490, y), at(0, y))
		}
	}
	if all := workforce.Cover(sq, lanes); all.Covered != 100 || all.Share() != 1 {
		t.Fatalf("lanes over every row: %+v", all)
	}
	if out := workforce.Cover(sq, []orb.Point{at(800, 800), at(900, 900)}); out.Covered != 0 || out.GridCells != 100 {
		t.Fatalf("a track outside the grid: %+v", out)
	}
	if one := workforce.Cover(sq, []orb.Point{at(25, 25)}); one.Covered != 1 {
		t.Fatalf("a single fix: %+v", one)
	}
	if none := workforce.Cover(nil, lanes); none.GridCells != 0 || none.Share() != 0 {
		t.Fatalf("no boundary: %+v", none)
	}
}

// A phone's first fixes may be from a few seconds before the worker tapped
// start (the last fix it had): they are dropped, the rest of the track is
// kept. Points well before the start, or before it after the track has
// begun, still refuse the batch.
func TestPatrolEarlyFixes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		acct := f.account("li.worker", auth.RoleWorker, "990101001001")
		w := f.worker(f.east, workforce.WorkerInput{Name: "李四", UserID: &acct, Grids: grids(gridA)})
		phone := newDevice("android-5f3a9c01", 1)
		f.enrol(f.east, w.ID, phone)

		lng, lat := 125.05, 46.1
		start := workforce.CheckInput{Lng: &lng, Lat: &lat}
		const startURL = "/api/v1/workforce/device/patrols"
		p, err := f.svc.StartPatrol(ctx, f.caller(phone, startURL, "start-1", start), start)
		if err != nil {
			t.Fatal(err)
		}
		t0 := p.StartedAt
		f.clock.Add(time.Hour)
		url := fmt.Sprintf("/api/v1/workforce/device/patrols/%d/points", p.ID)
		send := func(key string, b workforce.PointBatch) (workforce.BatchAck, error) {
			return f.svc.AddPoints(ctx, f.caller(phone, url, key, b), p.ID, b)
		}

		far := workforce.PointBatch{Seq: 1, Points: walk(lng, lat, t0.Add(-2*workforce.EarlyFixLimit), 10*time.Second, 10, 20)}
		_, err = send("b-far", far)
		wantField(t, err, apperr.Invalid, "points[0].at")

		// All points of the first batch early: kept as an empty batch, so that seq 2 follows.
		ack, err := send("b-1", workforce.PointBatch{Seq: 1, Points: walk(lng, lat, t0.Add(-30*time.Second), 10*time.Second, 10, 3)})
		if err != nil || ack.Accepted != 0 || ack.Dropped != 3 || ack.Points != 0 {
			t.Fatalf("early batch = %+v, %v", ack, err)
		}
		// Two early points, then the walk: the walk is kept.
		b2 := workforce.PointBatch{Seq: 2, Points: walk(lng, lat, t0.Add(-6*time.Second), 5*time.Second, 5, 10)}
		ack, err = send("b-2", b2)
		if err != nil || ack.Accepted != 8 || ack.Dropped != 2 || ack.Points != 8 || math.Abs(ack.DistanceM-35) > 1 {
			t.Fatalf("batch 2 = %+v, %v", ack, err)
		}
		if ack, err = send("b-2", b2); err != nil || !ack.Duplicate || ack.Points != 8 {
			t.Fatalf("resent batch 2 = %+v, %v", ack, err)
		}
		// Once the track has begun, an early point is out of order, not dropped.
		late := workforce.PointBatch{Seq: 3, Points: walk(lng, lat, t0.Add(-time.Second), 5*time.Second, 5, 3)}
		_, err = send("b-3", late)
		wantField(t, err, apperr.Invalid, "points[0].at")

		own := principal(acct, "li.worker", auth.RoleWorker, pathEast)
		tr, err := f.svc.TrackOf(ctx, own, p.ID)
		if err != nil || len(tr.Points) != 8 || tr.Points[0].At.Before(t0) || tr.Patrol.Batches != 2 {
			t.Fatalf("track: %+v, %v", tr, err)
		}
		fin := fmt.Sprintf("/api/v1/workforce/device/patrols/%d/finish", p.ID)
		if done, err := f.svc.FinishPatrol(ctx, f.caller(phone, fin, "fin-1", nil), p.ID); err != nil || done.Points != 8 {
			t.Fatalf("finish = %+v, %v", done, err)
		}
	})
}
