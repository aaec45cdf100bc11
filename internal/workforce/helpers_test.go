package workforce_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workcal"
	"github.com/gridgov/gridgov/internal/workforce"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

var cst = time.FixedZone("CST", 8*3600)

// local is a wall-clock time in China.
func local(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, cst)
}

func box(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

// Grid codes of the fixture: two grids in Dongfeng street, one in Hongqi.
const (
	gridA = "990101001001001" // 125.0–125.1
	gridB = "990101001001002" // 125.1–125.2
	gridC = "990101002001001" // 125.2–125.4
)

// Paths of the fixture's townships.
const (
	pathCounty = "/990100/990101/"
	pathEast   = "/990100/990101/990101001/"
	pathWest   = "/990100/990101/990101002/"
)

func mapFile() string {
	fc := geojson.NewFeatureCollection()
	add := func(code, name, level, parent string, p orb.Polygon) {
		f := geojson.NewFeature(p)
		f.Properties = geojson.Properties{"code": code, "name": name, "level": level}
		if parent != "" {
			f.Properties["parent_code"] = parent
		}
		fc.Append(f)
	}
	add("990100", "示范市", "city", "", box(125.0, 46.0, 125.4, 46.2))
	add("990101", "东区", "county", "990100", box(125.0, 46.0, 125.4, 46.2))
	add("990101001", "东风街道", "township", "990101", box(125.0, 46.0, 125.2, 46.2))
	add("990101002", "红旗街道", "township", "990101", box(125.2, 46.0, 125.4, 46.2))
	add("990101001001", "友谊社区", "village", "990101001", box(125.0, 46.0, 125.2, 46.2))
	add("990101002001", "胜利社区", "village", "990101002", box(125.2, 46.0, 125.4, 46.2))
	add(gridA, "友谊一网格", "grid", "990101001001", box(125.0, 46.0, 125.1, 46.2))
	add(gridB, "友谊二网格", "grid", "990101001001", box(125.1, 46.0, 125.2, 46.2))
	add(gridC, "胜利一网格", "grid", "990101002001", box(125.2, 46.0, 125.4, 46.2))
	b, _ := json.Marshal(fc)
	return string(b)
}

type calendars struct{ c *workcal.Calendar }

func (c calendars) Current() *workcal.Calendar { return c.c }

type fixture struct {
	t     *testing.T
	d     *db.DB
	svc   *workforce.Service
	clock *clock
	cfg   workforce.Config
	admin auth.Principal
	// center of the county, and of each township.
	county, east, west auth.Principal
}

func principal(id int64, name string, role auth.Role, scopePath string) auth.Principal {
	u := auth.User{ID: id, Username: name, Role: role}
	if scopePath != "" {
		u = auth.TestUserScopedTo(u, scopePath)
	}
	return auth.Principal{User: u}
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	loc := gridmap.NewLocator(d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	maps := gridmap.NewService(d, loc, time.Now)
	items, err := gridmap.ParseRegions(strings.NewReader(mapFile()), gridmap.ParseOptions{CRS: geo.WGS84})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := maps.ImportRegions(ctx, audit.System("test"), region.All(), items, gridmap.ImportOptions{}); err != nil || !res.Stored {
		t.Fatalf("import map: %+v %v", res, err)
	}
	if err := loc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: local(2026, 6, 1, 8, 20)} // a Monday
	f := &fixture{t: t, d: d, clock: c,
		cfg:    workforce.Config{DB: d, Keys: keys, Locator: loc, Boundaries: maps.Store, Now: c.Now},
		admin:  principal(1, "admin", auth.RoleAdmin, ""),
		county: principal(2, "county", auth.RoleCenter, pathCounty),
		east:   principal(3, "east", auth.RoleCenter, pathEast),
		west:   principal(4, "west", auth.RoleCenter, pathWest),
	}
	f.svc = workforce.NewService(f.cfg)
	return f
}

// account creates a login account directly (no password hashing needed).
func (f *fixture) account(username string, role auth.Role, scope string) int64 {
	f.t.Helper()
	var id int64
	now := time.Now().UTC()
	var sc any
	if scope != "" {
		sc = scope
	}
	err := f.d.Write().QueryRowContext(context.Background(), `INSERT INTO users (username, password_hash, role, scope_region,
		password_changed_at, created_at, updated_at) VALUES ($1, 'x', $2, $3, $4, $4, $4) RETURNING id`, username, string(role), sc, now).Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) worker(p auth.Principal, in workforce.WorkerInput) workforce.Worker {
	f.t.Helper()
	if in.Employment == "" {
		in.Employment = workforce.FullTime
	}
	if in.HireDate == "" {
		in.HireDate = "2024-03-01"
	}
	w, err := f.svc.CreateWorker(context.Background(), p, in)
	if err != nil {
		f.t.Fatalf("create worker %s: %v", in.Name, err)
	}
	return w
}

func grids(codes ...string) []workforce.GridAssignment {
	out := make([]workforce.GridAssignment, len(codes))
	for i, c := range codes {
		out[i] = workforce.GridAssignment{GridCode: c, Primary: i == 0}
	}
	return out
}

// device is a phone with its key pair.
type device struct {
	id  string
	key ed25519.PrivateKey
}

func newDevice(id string, seed byte) device {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return device{id: id, key: ed25519.NewKeyFromSeed(s)}
}

func (dv device) publicKey() string {
	return base64.StdEncoding.EncodeToString(dv.key.Public().(ed25519.PublicKey))
}

// request signs a request as the device at the fixture's time.
func (f *fixture) request(dv device, method, target, key string, body []byte) workforce.SignedRequest {
	return workforce.SignedRequest{Header: workforce.Sign(dv.key, dv.id, f.clock.Now(), method, target, key, body),
		Method: method, Target: target, IdempotencyKey: key, Body: body}
}

// enrol issues a code for the worker and binds the device with it.
func (f *fixture) enrol(p auth.Principal, workerID int64, dv device) {
	f.t.Helper()
	ctx := context.Background()
	e, err := f.svc.IssueEnrolment(ctx, p, workerID)
	if err != nil {
		f.t.Fatalf("enrol: %v", err)
	}
	f.bind(e.Code, dv)
}

func (f *fixture) bind(code string, dv device) workforce.Bound {
	f.t.Helper()
	in := workforce.BindInput{Code: code, DeviceID: dv.id, PublicKey: dv.publicKey()}
	body, _ := json.Marshal(in)
	b, err := f.svc.Bind(context.Background(), f.request(dv, "POST", "/api/v1/workforce/devices/bind", "", body), in)
	if err != nil {
		f.t.Fatalf("bind %s: %v", dv.id, err)
	}
	return b
}

// check signs and records a check-in or check-out at a WGS-84 point.
func (f *fixture) check(dv device, kind workforce.Kind, key string, lng, lat float64) (workforce.Record, error) {
	in := workforce.CheckInput{Lng: &lng, Lat: &lat}
	body, _ := json.Marshal(in)
	target := "/api/v1/workforce/attendance/check-in"
	if kind == workforce.CheckOut {
		target = "/api/v1/workforce/attendance/check-out"
	}
	c, err := f.svc.Authenticate(context.Background(), f.request(dv, "POST", target, key, body))
	if err != nil {
		return workforce.Record{}, err
	}
	return f.svc.Check(context.Background(), c, kind, in)
}

// wantField checks that err carries the code and names the field first.
func wantField(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("err = %v, want %s naming %s", err, code, field)
	}
	if field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != field) {
		t.Fatalf("err = %v, want field %s", err, field)
	}
}

func auditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	entries, err := audit.List(context.Background(), d.Read(), audit.Filter{Action: action, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Read().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
