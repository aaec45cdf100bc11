package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/attach"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/httpapi"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/resident"
	"github.com/gridgov/gridgov/internal/secret"
)

// residentEnv is newEnv with the events and the residents' app served,
// and the sign-in codes caught by a MemorySender.
func residentEnv(t *testing.T, d *db.DB) (*env, *resident.MemorySender) {
	t.Helper()
	ctx := context.Background()
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	e := &env{t: t, d: d, now: time.Now()}
	svc, err := auth.NewService(d, keys, auth.Config{HashParams: auth.HashParams{Memory: 1024, Time: 1, Threads: 1}, AccountLimit: 5, IPLimit: 1000}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	e.auth = svc
	regions := region.NewStore(d, time.Now)
	if _, err := regions.Create(ctx, audit.System("test"), region.All(), region.Region{Code: "230600", Name: "大庆市", Level: region.City}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	loc := gridmap.NewLocator(d, log)
	if err := loc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	cats := category.NewService(d, log, time.Now)
	if _, err := cats.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	depts := department.NewService(d, cats, log, time.Now)
	events := event.NewService(event.Config{DB: d, Keys: keys, Locator: loc, Catalog: cats, Router: depts, Log: log,
		HomeGrids: resident.Homes{DB: d}})
	e.events = events
	files, err := attach.NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.files = files
	sms := &resident.MemorySender{}
	e.srv = httptest.NewServer(httpapi.New(httpapi.Options{DB: d, Auth: svc, Regions: regions, Version: "test", Log: log,
		Map: gridmap.NewService(d, loc, time.Now), Categories: cats, Departments: depts, Events: events,
		Attachments:  attach.NewService(files, attach.Options{MaxDecodes: 1}),
		Residents:    resident.NewService(resident.Config{DB: d, Keys: keys, Auth: svc, Events: events, Locator: loc, SMS: sms, Log: log}),
		MaxBodyBytes: 4096, MaxUploadBytes: 64 << 10}))
	t.Cleanup(e.srv.Close)
	return e, sms
}

// residentIn signs a browser in by phone and code.
func residentIn(t *testing.T, e *env, sms *resident.MemorySender, phone string) *client {
	t.Helper()
	c := e.browser()
	if r := c.do("POST", "/api/v1/resident/codes", fmt.Sprintf(`{"phone":%q}`, phone)); r.status != 200 {
		t.Fatalf("code for %s: %d %s", phone, r.status, r.body)
	}
	r := c.do("POST", "/api/v1/resident/sessions", fmt.Sprintf(`{"phone":%q,"code":%q}`, phone, sms.Last(phone)))
	if r.status != 200 {
		t.Fatalf("sign in %s: %d %s", phone, r.status, r.body)
	}
	c.csrf = r.json(t)["csrf_token"].(string)
	return c
}

func TestResidentSignInAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e, sms := residentEnv(t, d)
		c := e.browser()
		wantProblem(t, c.do("POST", "/api/v1/resident/codes", `{"phone":"1234"}`), 400, "invalid", "phone")
		wantProblem(t, c.do("POST", "/api/v1/resident/codes", `{"phone":"13912345678","extra":1}`), 400, "invalid", "extra")
		r := c.do("POST", "/api/v1/resident/codes", `{"phone":"13912345678"}`)
		if r.status != 200 || r.json(t)["expires_at"] == nil || strings.Contains(string(r.body), sms.Last("13912345678")) {
			t.Fatalf("send: %d %s", r.status, r.body)
		}
		again := c.do("POST", "/api/v1/resident/codes", `{"phone":"139 1234 5678"}`)
		wantProblem(t, again, 429, "rate_limited", "phone")
		if secs, err := strconv.Atoi(again.header.Get("Retry-After")); err != nil || secs < 55 || secs > 60 {
			t.Fatalf("Retry-After = %q", again.header.Get("Retry-After"))
		}
		// A cross-site page cannot ask for codes in the user's name.
		wantProblem(t, c.do("POST", "/api/v1/resident/codes", `{"phone":"13912345679"}`, "Sec-Fetch-Site", "cross-site"), 403, "forbidden", "")

		code := sms.Last("13912345678")
		wrong := fmt.Sprintf("%06d", (mustAtoi(t, code)+1)%1_000_000)
		wantProblem(t, c.do("POST", "/api/v1/resident/sessions", `{"phone":"13912345678","code":"`+wrong+`"}`), 400, "invalid", "code")
		wantProblem(t, c.do("POST", "/api/v1/resident/sessions", `{"phone":"13912345678","code":"12"}`), 400, "invalid", "code")
		r = c.do("POST", "/api/v1/resident/sessions", `{"phone":"13912345678","code":"`+code+`"}`)
		if r.status != 200 {
			t.Fatalf("sign in: %d %s", r.status, r.body)
		}
		body := r.json(t)
		user := body["user"].(map[string]any)
		if user["role"] != "resident" || body["token"] == "" || strings.Contains(string(r.body), "13912345678") {
			t.Fatalf("signed in: %s", r.body)
		}
		c.csrf = body["csrf_token"].(string)
		if me := c.do("GET", "/api/v1/me", "").json(t); me["role"] != "resident" {
			t.Fatalf("me: %v", me)
		}
		wantProblem(t, e.browser().do("POST", "/api/v1/resident/sessions", `{"phone":"13912345678","code":"`+code+`"}`), 400, "invalid", "code")
		prof := c.do("GET", "/api/v1/resident/profile", "").json(t)
		if prof["phone"] != "139****5678" || prof["grid"] != nil {
			t.Fatalf("profile: %v", prof)
		}
		// Cookie writes need the CSRF token like the console's.
		c.csrf = ""
		wantProblem(t, c.do("PUT", "/api/v1/resident/profile", `{"grid_code":"230602001001001"}`), 403, "forbidden", "")
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestResidentLoopAPI: a resident reports by address with a photo, a
// neighbour finds it nearby and follows it, the center handles and closes
// it, the reporter sees the public timeline and rates it.
// A resident reports as the account they signed in with: a name or phone
// of someone else is refused, naming the field; staff see the account's
// name. Staff taking a call still give the caller's.
func TestResidentReportsAsThemselvesAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e, sms := residentEnv(t, d)
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		a := residentIn(t, e, sms, "13900001111")
		const place = `"category_code":"city_appearance.exposed_garbage","title":"路口垃圾","lng":124.9,"lat":46.5`
		wantProblem(t, a.do("POST", "/api/v1/events", `{`+place+`,"reporter_name":"张三"}`), 400, "invalid", "reporter_name")
		wantProblem(t, a.do("POST", "/api/v1/events", `{`+place+`,"reporter_phone":"13812345678"}`), 400, "invalid", "reporter_phone")
		r := a.do("POST", "/api/v1/events", `{`+place+`}`)
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		id := int(r.json(t)["event"].(map[string]any)["id"].(float64))
		seen := admin.do("GET", fmt.Sprintf("/api/v1/events/%d", id), "").json(t)
		if seen["reporter_name"] != "居民1111" || seen["reporter_phone"] != nil {
			t.Fatalf("staff see the reporter as %v / %v", seen["reporter_name"], seen["reporter_phone"])
		}
		r = admin.do("POST", "/api/v1/events", `{`+place+`,"source":"hotline","reporter_name":"张三","reporter_phone":"13812345678"}`)
		if ev := r.json(t)["event"].(map[string]any); r.status != 201 || ev["reporter_name"] != "张三" || ev["reporter_phone"] != "138****5678" {
			t.Fatalf("hotline report: %d %s", r.status, r.body)
		}
	})
}

func TestResidentLoopAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e, sms := residentEnv(t, d)
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("tieren", auth.RoleCenter, "230602002")
		if r := admin.do("POST", "/api/v1/departments", `{"code":"230602-urban","name":"萨尔图区城市管理综合执法局","region_code":"230602"}`); r.status != 201 {
			t.Fatalf("department: %d %s", r.status, r.body)
		}
		e.user("urban1", auth.RoleDepartment, "230602-urban")
		center, urban := e.loggedIn("center1"), e.loggedIn("urban1")
		a := residentIn(t, e, sms, "13900001111")
		b := residentIn(t, e, sms, "13900002222")

		// Address only: first the grid.
		report := `{"category_code":"city_appearance.exposed_garbage","title":"楼下垃圾","description":"三天没人收","address":"友谊路1号"}`
		wantProblem(t, a.do("POST", "/api/v1/events", report), 400, "invalid", "lng")
		wantProblem(t, a.do("PUT", "/api/v1/resident/profile", `{"grid_code":"230602001001"}`), 400, "invalid", "grid_code")
		regs := a.do("GET", "/api/v1/resident/regions?parent=230602001001", "").json(t)["items"].([]any)
		if len(regs) != 2 || regs[0].(map[string]any)["code"] != "230602001001001" {
			t.Fatalf("regions: %v", regs)
		}
		if r := a.do("PUT", "/api/v1/resident/profile", `{"grid_code":"230602001001001"}`); r.status != 200 || r.json(t)["grid"].(map[string]any)["name"] != "友谊第一网格" {
			t.Fatalf("profile: %d %s", r.status, r.body)
		}
		r := a.do("POST", "/api/v1/events", report)
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		ev := r.json(t)["event"].(map[string]any)
		id := int(ev["id"].(float64))
		if ev["grid_code"] != "230602001001001" || ev["source"] != "resident" {
			t.Fatalf("placed: %v", ev)
		}
		if up := a.uploadNamed(fmt.Sprintf("/api/v1/events/%d/attachments", id), nil, "photo.jpg", string(gpsJPEG(t))); up.status != 201 {
			t.Fatalf("photo: %d %s", up.status, up.body)
		}
		// A second report with a point, which the neighbour will find.
		r = a.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"路口垃圾","lng":124.9,"lat":46.5,"address":"友谊路口"}`)
		if r.status != 201 {
			t.Fatalf("report with a point: %d %s", r.status, r.body)
		}
		pid := int(r.json(t)["event"].(map[string]any)["id"].(float64))

		wantProblem(t, b.do("GET", "/api/v1/resident/nearby?lng=124.9&lat=46.5", ""), 400, "invalid", "category")
		wantProblem(t, b.do("GET", "/api/v1/resident/nearby?category=x&lng=east&lat=46.5", ""), 400, "invalid", "lng")
		near := b.do("GET", "/api/v1/resident/nearby?category=city_appearance.exposed_garbage&lng=124.901&lat=46.501", "")
		items := near.json(t)["items"].([]any)
		if near.status != 200 || len(items) != 1 || int(items[0].(map[string]any)["id"].(float64)) != pid {
			t.Fatalf("nearby: %d %s", near.status, near.body)
		}
		if strings.Contains(string(near.body), "友谊路口") || strings.Contains(string(near.body), "居民") {
			t.Fatalf("nearby shows the address or the reporter: %s", near.body)
		}
		follow := fmt.Sprintf("/api/v1/resident/follows/%d", pid)
		for range 2 {
			if f := b.do("POST", follow, ""); f.status != 200 || f.json(t)["followers"] != float64(1) {
				t.Fatalf("follow: %d %s", f.status, f.body)
			}
		}
		wantProblem(t, a.do("POST", follow, ""), 409, "conflict", "event_id")
		wantProblem(t, b.do("POST", "/api/v1/resident/follows/abc", ""), 400, "invalid", "event_id")
		wantProblem(t, center.do("POST", follow, ""), 403, "forbidden", "")
		wantProblem(t, center.do("GET", "/api/v1/resident/events", ""), 403, "forbidden", "")
		if f := b.do("DELETE", follow, ""); f.status != 200 || f.json(t)["following"] != false {
			t.Fatalf("unfollow: %d %s", f.status, f.body)
		}
		b.do("POST", follow, "")

		// The center works the event through to the end and sees the follower.
		act := func(c *client, body string) {
			t.Helper()
			cur := c.do("GET", fmt.Sprintf("/api/v1/events/%d", pid), "").json(t)
			r := c.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", pid), strings.Replace(body, "{", fmt.Sprintf(`{"version":%v,`, cur["version"]), 1))
			if r.status != 200 {
				t.Fatalf("%s: %d %s", body, r.status, r.body)
			}
		}
		act(center, `{"action":"register","note":"已受理"}`)
		act(center, `{"action":"dispatch","department":"230602-urban","note":"请城管处置"}`)
		act(urban, `{"action":"accept"}`)
		act(urban, `{"action":"comment","note":"内部：车辆调度"}`)
		act(urban, `{"action":"feedback","note":"已清运"}`)
		act(center, `{"action":"verify","note":"核查通过"}`)
		if det := center.do("GET", fmt.Sprintf("/api/v1/events/%d", pid), "").json(t); det["followers"] != float64(1) {
			t.Fatalf("the center sees %v followers", det["followers"])
		}

		// The follower sees the public timeline, the reporter can rate.
		seen := b.do("GET", "/api/v1/resident/events", "")
		if seen.status != 200 || strings.Contains(string(seen.body), "内部") || strings.Contains(string(seen.body), "测试") ||
			!strings.Contains(string(seen.body), "萨尔图区城市管理综合执法局") || !strings.Contains(string(seen.body), "已清运") {
			t.Fatalf("follower's events: %d %s", seen.status, seen.body)
		}
		var mine struct {
			Items []struct {
				ID       int    `json:"id"`
				Relation string `json:"relation"`
				State    string `json:"state"`
				Timeline []struct {
					Action string `json:"action"`
				} `json:"timeline"`
				Own *struct {
					Version int  `json:"version"`
					CanRate bool `json:"can_rate"`
				} `json:"own"`
			} `json:"items"`
		}
		if err := json.Unmarshal(a.do("GET", "/api/v1/resident/events", "").body, &mine); err != nil {
			t.Fatal(err)
		}
		if len(mine.Items) != 2 || mine.Items[0].ID != pid || mine.Items[0].Own == nil || !mine.Items[0].Own.CanRate || len(mine.Items[0].Timeline) != 6 {
			t.Fatalf("reporter's events: %+v", mine)
		}
		rate := a.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", pid), fmt.Sprintf(`{"action":"rate","rating":"satisfied","version":%d}`, mine.Items[0].Own.Version))
		if rate.status != 200 {
			t.Fatalf("rate: %d %s", rate.status, rate.body)
		}
		if det := center.do("GET", fmt.Sprintf("/api/v1/events/%d", pid), "").json(t); det["rating"] != "satisfied" {
			t.Fatalf("rating: %v", det["rating"])
		}

		// Notices: the center posts for its township; the resident of a grid in it reads them.
		wantProblem(t, a.do("POST", "/api/v1/notices", `{"title":"t","body":"b","region_code":"230602001"}`), 403, "forbidden", "")
		wantProblem(t, center.do("POST", "/api/v1/notices", `{"title":"t","body":"b","region_code":"230602002"}`), 400, "invalid", "region_code")
		wantProblem(t, center.do("POST", "/api/v1/notices", `{"title":"t","body":"b","region_code":"230602001","expires_at":"2020-01-01T00:00:00Z"}`), 400, "invalid", "expires_at")
		n := center.do("POST", "/api/v1/notices", `{"title":"周六停水","body":"周六 8:00-12:00 停水检修。","region_code":"230602001"}`)
		if n.status != 201 || n.json(t)["status"] != "published" {
			t.Fatalf("notice: %d %s", n.status, n.body)
		}
		nid := int(n.json(t)["id"].(float64))
		e.loggedIn("tieren").do("POST", "/api/v1/notices", `{"title":"铁人通知","body":"b","region_code":"230602002"}`)
		got := a.do("GET", "/api/v1/resident/notices", "").json(t)
		if list := got["items"].([]any); got["grid_chosen"] != true || len(list) != 1 || list[0].(map[string]any)["title"] != "周六停水" {
			t.Fatalf("resident's notices: %v", got)
		}
		if list := center.do("GET", "/api/v1/notices", "").json(t)["items"].([]any); len(list) != 1 {
			t.Fatalf("center's notices: %v", list)
		}
		wantProblem(t, e.loggedIn("tieren").do("POST", fmt.Sprintf("/api/v1/notices/%d/withdraw", nid), ""), 404, "not_found", "")
		if w := center.do("POST", fmt.Sprintf("/api/v1/notices/%d/withdraw", nid), ""); w.status != 200 || w.json(t)["status"] != "withdrawn" {
			t.Fatalf("withdraw: %d %s", w.status, w.body)
		}
		if list := a.do("GET", "/api/v1/resident/notices", "").json(t)["items"].([]any); len(list) != 0 {
			t.Fatalf("withdrawn notice still shown: %v", list)
		}
	})
}
