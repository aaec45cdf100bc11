package workforce_test

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/tabular"
	"github.com/gridgov/gridgov/internal/workcal"
	"github.com/gridgov/gridgov/internal/workforce"
)

// bulkCity is the small demo city with its registry in one database.
type bulkCity struct {
	d     *db.DB
	clock *demo.Clock
	svc   *workforce.Service
}

func newBulkCity(t *testing.T, d *db.DB, c demo.City, p demo.Preset) *bulkCity {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	items := make([]gridmap.Item, len(c.Regions))
	for i, r := range c.Regions {
		items[i] = gridmap.Item{Index: i, Region: r}
	}
	store := gridmap.NewStore(d, time.Now)
	if res, err := store.ImportRegions(ctx, audit.System("test"), region.All(), items, gridmap.ImportOptions{}); err != nil || !res.Stored {
		t.Fatalf("regions: %v %+v", err, res.Rejected)
	}
	loc := gridmap.NewLocator(d, log)
	if err := loc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	reg := registry.NewService(d, keys, loc, time.Now)
	rg := demo.NewRegistry(c, p, demo.Options{Seed: 1})
	for _, part := range []struct {
		kind registry.Kind
		rows func() tabular.Reader
	}{{registry.Houses, rg.Houses}, {registry.Persons, rg.Persons}} {
		r := part.rows()
		rep, err := reg.Import(ctx, auth.System("test"), part.kind, r, registry.ImportOptions{Source: "test"})
		r.Close()
		if err != nil || len(rep.Rejected) > 0 {
			t.Fatalf("registry %s: %v %+v", part.kind, err, rep.Rejected)
		}
	}
	// The teams' department staff name the city's departments.
	if _, err := department.NewService(d, category.NewService(d, log, time.Now), log, time.Now).Import(ctx, auth.System("test"),
		demo.Departments(c, p), nil); err != nil {
		t.Fatalf("departments: %v", err)
	}
	clock := demo.NewClock(time.Now())
	return &bulkCity{d: d, clock: clock, svc: workforce.NewService(workforce.Config{DB: d, Keys: keys, Locator: loc, Boundaries: store,
		Calendar: calendars{workcal.Default()}, Now: clock.Now})}
}

// trim keeps the records of some workers and the teams of their grids,
// so that the row-by-row path runs in seconds.
func trim(wf demo.Workforce, pick []int) demo.Workforce {
	out := demo.Workforce{Days: wf.Days}
	b := wf.Bulk
	at := map[int]int{}
	grids := map[string]bool{}
	for k, i := range pick {
		at[i] = k
		out.Keys = append(out.Keys, wf.Keys[i])
		out.Bulk.Workers = append(out.Bulk.Workers, b.Workers[i])
		grids[b.Workers[i].Input.Grids[0].GridCode] = true
	}
	for _, m := range b.Members {
		if grids[m.GridCode] {
			out.Bulk.Members = append(out.Bulk.Members, m)
		}
	}
	for _, l := range b.Leave {
		if k, ok := at[l.Worker]; ok {
			l.Worker = k
			out.Bulk.Leave = append(out.Bulk.Leave, l)
		}
	}
	for _, c := range b.Checks {
		if k, ok := at[c.Worker]; ok {
			c.Worker = k
			out.Bulk.Checks = append(out.Bulk.Checks, c)
		}
	}
	for _, p := range b.Patrols {
		if k, ok := at[p.Worker]; ok {
			p.Worker = k
			out.Bulk.Patrols = append(out.Bulk.Patrols, p)
		}
	}
	for _, v := range b.Visits {
		if k, ok := at[v.Worker]; ok {
			v.Worker = k
			out.Bulk.Visits = append(out.Bulk.Visits, v)
		}
	}
	return out
}

// rowByRow stores a workforce the way the console and the phones would:
// each record through the service's own method at its own moment.
func rowByRow(t *testing.T, bc *bulkCity, admin auth.Principal, wf demo.Workforce) {
	t.Helper()
	ctx := context.Background()
	b := wf.Bulk
	ids := make([]int64, len(b.Workers))
	devices := make([]device, len(b.Workers))
	for i, bw := range b.Workers {
		bc.clock.Set(bw.At)
		var uid int64
		at := audit.Canonical(bw.At)
		if err := bc.d.Write().QueryRowContext(ctx, `INSERT INTO users (username, display_name, password_hash, role, scope_region, must_change_password,
			password_changed_at, created_at, updated_at) VALUES ($1, $2, $3, 'worker', $4, $5, $6, $6, $6) RETURNING id`,
			bw.Username, bw.Input.Name, bw.PasswordHash, bw.Input.Grids[0].GridCode, false, at).Scan(&uid); err != nil {
			t.Fatal(err)
		}
		in := bw.Input
		in.UserID = &uid
		in.Grids = slices.Clone(in.Grids)
		w, err := bc.svc.CreateWorker(ctx, admin, in)
		if err != nil {
			t.Fatalf("worker %d: %v", i, err)
		}
		ids[i] = w.ID
		e, err := bc.svc.IssueEnrolment(ctx, admin, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		devices[i] = device{id: bw.DeviceID, key: wf.Keys[i]}
		bind := workforce.BindInput{Code: e.Code, DeviceID: bw.DeviceID, PublicKey: devices[i].publicKey()}
		body, _ := json.Marshal(bind)
		req := workforce.SignedRequest{Header: workforce.Sign(wf.Keys[i], bw.DeviceID, bw.At, "POST", "/bind", "", body), Method: "POST",
			Target: "/bind", Body: body}
		if _, err := bc.svc.Bind(ctx, req, bind); err != nil {
			t.Fatalf("bind %d: %v", i, err)
		}
	}
	for _, m := range b.Members {
		bc.clock.Set(m.At)
		if _, err := bc.svc.AddMember(ctx, admin, m.GridCode, m.Input); err != nil {
			t.Fatalf("member: %v", err)
		}
	}
	for _, l := range b.Leave {
		bc.clock.Set(l.At)
		if _, err := bc.svc.AddLeave(ctx, admin, ids[l.Worker], l.Input); err != nil {
			t.Fatalf("leave: %v", err)
		}
	}
	// The phones' requests in time order.
	type call struct {
		at  time.Time
		ord int
		do  func() error
	}
	var calls []call
	signed := func(w int, at time.Time, target, key string, body any) (workforce.DeviceCaller, error) {
		raw, _ := json.Marshal(body)
		return bc.svc.Authenticate(ctx, workforce.SignedRequest{Header: workforce.Sign(devices[w].key, devices[w].id, at, "POST", target, key, raw),
			Method: "POST", Target: target, IdempotencyKey: key, Body: raw})
	}
	for _, ch := range b.Checks {
		calls = append(calls, call{ch.At, len(calls), func() error {
			in := workforce.CheckInput{Lng: &ch.Lng, Lat: &ch.Lat, AccuracyM: ch.AccuracyM}
			c, err := signed(ch.Worker, ch.At, "/check", ch.Key, in)
			if err == nil {
				_, err = bc.svc.Check(ctx, c, ch.Kind, in)
			}
			return err
		}})
	}
	for _, p := range b.Patrols {
		var id int64
		calls = append(calls, call{p.At, len(calls), func() error {
			in := workforce.CheckInput{Lng: &p.Lng, Lat: &p.Lat}
			c, err := signed(p.Worker, p.At, "/patrols", p.Key, in)
			if err != nil {
				return err
			}
			pt, err := bc.svc.StartPatrol(ctx, c, in)
			id = pt.ID
			return err
		}})
		for k, bb := range p.Batches {
			calls = append(calls, call{bb.At, len(calls), func() error {
				in := workforce.PointBatch{Seq: k + 1}
				for _, f := range bb.Points {
					in.Points = append(in.Points, workforce.TrackPoint{Lng: &f.Lng, Lat: &f.Lat, At: f.At.Format(time.RFC3339Nano), AccuracyM: f.AccuracyM})
				}
				c, err := signed(p.Worker, bb.At, "/points", bb.Key, in)
				if err == nil {
					_, err = bc.svc.AddPoints(ctx, c, id, in)
				}
				return err
			}})
		}
		calls = append(calls, call{p.Finish, len(calls), func() error {
			c, err := signed(p.Worker, p.Finish, "/finish", p.Key+"-finish", nil)
			if err == nil {
				_, err = bc.svc.FinishPatrol(ctx, c, id)
			}
			return err
		}})
	}
	for _, v := range b.Visits {
		calls = append(calls, call{v.At, len(calls), func() error {
			c, err := signed(v.Worker, v.At, "/visits", v.Key, v.Input)
			if err == nil {
				_, err = bc.svc.RecordVisit(ctx, c, v.Input, workforce.EventSink{})
			}
			return err
		}})
	}
	slices.SortFunc(calls, func(a, b call) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.ord, b.ord)) })
	for _, c := range calls {
		bc.clock.Set(c.at)
		if err := c.do(); err != nil {
			t.Fatalf("at %s: %v", c.at, err)
		}
	}
}

// dump reads a table's rows with ids replaced by natural keys, sorted.
func dump(t *testing.T, d *db.DB, query string) []string {
	t.Helper()
	rows, err := d.Read().QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				vals[i] = string(x)
			case time.Time:
				vals[i] = x.UTC().Format(time.RFC3339Nano)
			}
		}
		out = append(out, fmt.Sprint(vals...))
	}
	slices.Sort(out)
	return out
}

var bulkTables = map[string]string{
	"workers": `SELECT w.name, w.phone_mask, u.username, w.employment, w.hire_date, w.active, w.primary_grid, w.region_path, w.schedule,
		w.created_at, w.updated_at, w.version FROM workers w JOIN users u ON u.id = w.user_id`,
	"worker_grids": `SELECT d.device_id, g.grid_code, g.region_path, g.is_primary, g.grid_chief FROM worker_grids g
		JOIN worker_devices d ON d.worker_id = g.worker_id`,
	"worker_devices": `SELECT device_id, public_key, status, bound_at, revoked_at FROM worker_devices`,
	"team_members": `SELECT grid_code, region_path, role, name, phone_mask, department_code, note, created_at, updated_at, version
		FROM team_members`,
	"worker_leave": `SELECT d.device_id, l.region_path, l.kind, l.from_date, l.to_date, l.note, l.created_by, l.created_at, l.cancelled_at
		FROM worker_leave l JOIN worker_devices d ON d.worker_id = l.worker_id`,
	"attendance": `SELECT d.device_id, a.kind, a.at, a.day, a.lng, a.lat, a.crs, a.accuracy_m, a.located_grid, a.grid_code, a.inside,
		a.distance_m, a.off_schedule, a.idempotency_key, a.region_path, a.created_at FROM attendance a JOIN worker_devices d ON d.id = a.device_id`,
	"patrols": `SELECT d.device_id, p.grid_code, p.region_path, p.start_key, p.started_at, p.finished_at, p.batches, p.points, p.distance_m,
		p.last_lng, p.last_lat, p.last_at, p.coverage, p.covered_cells, p.grid_cells, p.cell_m, p.track_purged_at
		FROM patrols p JOIN worker_devices d ON d.id = p.device_id`,
	"patrol_batches": `SELECT p.start_key, b.seq, b.idempotency_key, b.content, b.n, b.created_at FROM patrol_batches b
		JOIN patrols p ON p.id = b.patrol_id`,
	"visits": `SELECT d.device_id, v.house_id, v.house_code, v.grid_code, v.region_path, v.purpose, v.notes, v.photos, v.lng, v.lat, v.at,
		v.month, v.event_id, v.idempotency_key, v.created_at FROM visits v JOIN worker_devices d ON d.id = v.device_id`,
	"visit_persons": `SELECT v.idempotency_key, vp.person_id FROM visit_persons vp JOIN visits v ON v.id = vp.visit_id`,
	"proxy_services": `SELECT v.idempotency_key, ps.region_path, ps.kind, ps.for_person_id, ps.for_name, ps.status, ps.month, ps.created_at
		FROM proxy_services ps JOIN visits v ON v.id = ps.visit_id`,
}

// TestBulkEqualsRowByRow loads part of the small demo city's month twice:
// through LoadBulk, and record by record through the service's methods at
// each record's moment; the stored rows must be the same.
func TestBulkEqualsRowByRow(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the small demo city twice")
	}
	p, err := demo.LookupPreset("small")
	if err != nil {
		t.Fatal(err)
	}
	c, err := demo.Generate(p, demo.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Engines(t, func(t *testing.T, d1 *db.DB) {
		d2 := dbtest.Open(t, d1.Engine)
		bulk, rows := newBulkCity(t, d1, c, p), newBulkCity(t, d2, c, p)
		homes, err := demo.LoadHouseholds(context.Background(), d1.Read(), c, 40)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		full := demo.NewWorkforce(c, p, demo.Options{Seed: 1}, demo.WorkforceOptions{Today: now, Calendar: workcal.Default(),
			PasswordHash: "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$a2V5", Households: homes})
		// Six workers, a part-time one and one with leave, so that every
		// kind of record is in the sample.
		pick := []int{0, 1, 2, 3, 4, len(full.Bulk.Workers) - 1}
		if len(full.Bulk.Leave) == 0 {
			t.Fatal("the small city's month has no leave")
		}
		if l := full.Bulk.Leave[0].Worker; !slices.Contains(pick, l) {
			pick = append(pick, l)
		}
		wf := trim(full, pick)
		b := wf.Bulk
		if len(b.Leave) == 0 || len(b.Patrols) == 0 || len(b.Visits) == 0 || len(b.Members) == 0 {
			t.Fatalf("the sample lacks a kind of record: %d leave, %d patrols, %d visits, %d members", len(b.Leave), len(b.Patrols), len(b.Visits), len(b.Members))
		}
		admin := principal(1, "admin", auth.RoleAdmin, "")
		bulk.clock.Set(now)
		res, err := bulk.svc.LoadBulk(context.Background(), admin, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("bulk: %+v", res)
		rowByRow(t, rows, admin, wf)
		for table, q := range bulkTables {
			a, r := dump(t, d1, q), dump(t, d2, q)
			if len(a) == 0 {
				t.Errorf("%s: nothing stored", table)
			}
			if diff := gocmp.Diff(r, a); diff != "" {
				t.Errorf("%s differs (-row by row +bulk):\n%s", table, diff)
			}
		}
		// The sealed tracks open.
		var id int64
		if err := d1.Read().QueryRowContext(context.Background(), `SELECT MIN(id) FROM patrols`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		tr, err := bulk.svc.TrackOf(context.Background(), admin, id)
		if err != nil || len(tr.Points) != tr.Patrol.Points || tr.Patrol.Points == 0 {
			t.Fatalf("track of patrol %d: %d points, %+v, %v", id, len(tr.Points), tr.Patrol, err)
		}
	})
}

// TestBulkRefusals: a bad record refuses the load, naming it, and stores
// nothing of its part.
func TestBulkRefusals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		key := newDevice("bulk-phone-1", 7)
		bound := f.clock.Now().Add(-48 * time.Hour)
		worker := workforce.BulkWorker{Input: workforce.WorkerInput{Name: "王芳", Employment: workforce.FullTime, HireDate: "2024-01-02",
			Grids: grids(gridA)}, DeviceID: key.id, PublicKey: key.key.Public().(ed25519.PublicKey), At: bound}
		in := func(lng float64, at time.Time, k string) workforce.BulkCheck {
			return workforce.BulkCheck{Worker: 0, Kind: workforce.CheckIn, At: at, Lng: lng, Lat: 46.1, Key: k}
		}
		cases := []struct {
			name  string
			bulk  workforce.Bulk
			field string
		}{
			{"no grid", workforce.Bulk{Workers: []workforce.BulkWorker{{Input: workforce.WorkerInput{Name: "李", Employment: workforce.FullTime,
				HireDate: "2024-01-02"}, DeviceID: "bulk-phone-2", PublicKey: worker.PublicKey, At: bound}}}, "workers[0].grids"},
			{"short key", workforce.Bulk{Workers: []workforce.BulkWorker{{Input: worker.Input, DeviceID: "bulk-phone-3", PublicKey: []byte{1}, At: bound}}},
				"workers[0].public_key"},
			{"outside the grid", workforce.Bulk{Workers: []workforce.BulkWorker{worker}, Checks: []workforce.BulkCheck{in(125.35, bound.Add(time.Hour), "a")}},
				"checks[0].lng"},
			{"in the future", workforce.Bulk{Workers: []workforce.BulkWorker{worker}, Checks: []workforce.BulkCheck{in(125.05, f.clock.Now().Add(time.Hour), "a")}},
				"checks[0].at"},
			{"before binding", workforce.Bulk{Workers: []workforce.BulkWorker{worker}, Checks: []workforce.BulkCheck{in(125.05, bound.Add(-time.Hour), "a")}},
				"checks[0].at"},
			{"twice a day", workforce.Bulk{Workers: []workforce.BulkWorker{worker}, Checks: []workforce.BulkCheck{in(125.05, bound.Add(time.Hour), "a"),
				in(125.05, bound.Add(2*time.Hour), "b")}}, "checks[1].at"},
			{"check-out alone", workforce.Bulk{Workers: []workforce.BulkWorker{worker}, Checks: []workforce.BulkCheck{{Worker: 0, Kind: workforce.CheckOut,
				At: bound.Add(time.Hour), Lng: 125.05, Lat: 46.1, Key: "a"}}}, "checks[0].at"},
			{"unknown worker", workforce.Bulk{Workers: []workforce.BulkWorker{worker}, Checks: []workforce.BulkCheck{{Worker: 3, Kind: workforce.CheckIn}}},
				"checks[0].worker"},
			{"patrol jump", workforce.Bulk{Workers: []workforce.BulkWorker{worker}, Patrols: []workforce.BulkPatrol{{Worker: 0, Key: "p", At: bound.Add(time.Hour),
				Lng: 125.05, Lat: 46.1, Batches: []workforce.BulkBatch{{Key: "b", At: bound.Add(2 * time.Hour), Points: []workforce.BulkFix{
					{Lng: 125.05, Lat: 46.1, At: bound.Add(time.Hour + time.Minute)}, {Lng: 125.09, Lat: 46.19, At: bound.Add(time.Hour + 2*time.Minute)}}}}}}},
				"patrols[0].batches[0].points[1]"},
		}
		for _, tc := range cases {
			_, err := f.svc.LoadBulk(ctx, f.admin, tc.bulk, nil)
			e, ok := apperr.As(err)
			if !ok || len(e.Fields) == 0 || !strings.HasPrefix(e.Fields[0].Field, tc.field) {
				t.Errorf("%s: err = %v, want a refusal naming %s", tc.name, err, tc.field)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM attendance`); n != 0 {
			t.Errorf("%d check-ins stored by refused loads", n)
		}
		if _, err := f.svc.LoadBulk(ctx, f.county, workforce.Bulk{}, nil); err != nil {
			t.Errorf("a center of the county may load: %v", err)
		}
		if _, err := f.svc.LoadBulk(ctx, principal(9, "w", auth.RoleWorker, pathEast), workforce.Bulk{}, nil); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a worker loading: %v, want forbidden", err)
		}
	})
}
