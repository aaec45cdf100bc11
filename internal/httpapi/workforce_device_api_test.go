package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/workforce"
)

// sendRaw signs and sends a body of any type, as a photo is sent.
func (p *wfPhone) sendRaw(method, path, key, contentType string, body []byte) resp {
	p.e.t.Helper()
	sig := workforce.Sign(p.key, p.id, p.e.clock.Now(), method, path, key, body)
	req, _ := http.NewRequest(method, p.e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(workforce.SignatureHeader, sig)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.e.t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b.Bytes()}
}

func testJPEG(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		for y := range 24 {
			img.Set(x, y, color.RGBA{R: shade, G: uint8(x * 8), B: uint8(y * 10), A: 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWorkforceDeviceAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newFieldEnv(t, d)
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("wk1", auth.RoleWorker, "230602001001")
		e.user("wk2", auth.RoleWorker, "230602001001")
		c1 := e.loggedIn("center1")
		grid1, grid2 := "230602001001001", "230602001001002"
		hire := e.clock.Now().AddDate(-1, 0, 0).Format(time.DateOnly)
		newWorker := func(name, user, grid, device string, seed byte) *wfPhone {
			t.Helper()
			r := c1.do("POST", "/api/v1/workforce/workers", fmt.Sprintf(`{"name":%q,"user_id":%d,"employment":"full_time","hire_date":%q,
				"grids":[{"grid_code":%q,"primary":true}]}`, name, wfUserID(t, e.env, user), hire, grid))
			if r.status != 201 {
				t.Fatalf("create worker: %d %s", r.status, r.body)
			}
			code := c1.do("POST", "/api/v1/workforce/workers/"+wfNum(r.json(t), "id")+"/enrolments", "").json(t)["code"].(string)
			ph := e.phone(device, seed)
			if r := ph.bind(code); r.status != 201 {
				t.Fatalf("bind: %d %s", r.status, r.body)
			}
			return ph
		}
		phone := newWorker("李四", "wk1", grid1, "android-5f3a9c01", 1)
		other := newWorker("王五", "wk2", grid2, "android-77aa0002", 2)
		stranger := e.phone("android-unbound1", 7)
		forger := e.phone("android-5f3a9c01", 9) // the bound id, another key

		const reports = "/api/v1/workforce/device/events"
		report := `{"category_code":"city_appearance.exposed_garbage","title":"路边垃圾","description":"三天未清运","lng":124.9,"lat":46.6}`
		r := phone.send("POST", reports, "r-1", report, 0)
		first := r.json(t)
		if r.status != 201 || first["replayed"] != false {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		ev := first["event"].(map[string]any)
		evID := wfNum(ev, "id")
		if ev["source"] != "worker" || ev["grid_code"] != grid1 || ev["reporter_name"] == "" {
			t.Fatalf("reported event = %v", ev)
		}
		// The retry of a report whose answer was lost: the same event.
		r = phone.send("POST", reports, "r-1", report, 0)
		if r.status != 200 || r.json(t)["replayed"] != true || wfNum(r.json(t)["event"].(map[string]any), "id") != evID {
			t.Fatalf("replayed report: %d %s", r.status, r.body)
		}
		// A refused report leaves its key free for the corrected one.
		wantProblem(t, phone.send("POST", reports, "r-2", `{"category_code":"nope","title":"x","lng":124.9,"lat":46.6}`, 0), 400, "invalid", "category_code")
		if r := phone.send("POST", reports, "r-2", strings.Replace(report, "路边垃圾", "楼下垃圾", 1), 0); r.status != 201 {
			t.Fatalf("corrected report: %d %s", r.status, r.body)
		}
		cases := []struct {
			name   string
			ph     *wfPhone
			key    string
			body   string
			status int
			code   string
			field  string
		}{
			{"same key, another body", phone, "r-1", strings.Replace(report, "三天", "五天", 1), 409, "conflict", "Idempotency-Key"},
			{"no key", phone, "", report, 400, "invalid", "Idempotency-Key"},
			{"a resident's source is not taken", phone, "r-3", `{"source":"resident","category_code":"nope","title":"x"}`, 400, "invalid", "category_code"},
			{"unbound device", stranger, "r-4", report, 401, "unauthorized", "Gridgov-Signature.device"},
			{"wrong signature", forger, "r-5", report, 401, "unauthorized", "Gridgov-Signature.sig"},
			{"without a position, the worker's grid", phone, "r-6", `{"category_code":"city_appearance.exposed_garbage","title":"x"}`, 201, "", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.ph.send("POST", reports, tc.key, tc.body, 0)
				if tc.status == 201 {
					if r.status != 201 || r.json(t)["event"].(map[string]any)["grid_code"] != grid1 {
						t.Fatalf("%d %s", r.status, r.body)
					}
					return
				}
				wantProblem(t, r, tc.status, tc.code, tc.field)
			})
		}

		// Two identical requests at once file one event.
		var wg sync.WaitGroup
		statuses := make([]int, 4)
		ids := make([]string, 4)
		twin := `{"category_code":"city_appearance.exposed_garbage","title":"同时上报","lng":124.9,"lat":46.6}`
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := phone.send("POST", reports, "r-twin", twin, 0)
				statuses[i] = r.status
				if r.status < 300 {
					ids[i] = wfNum(r.json(t)["event"].(map[string]any), "id")
				}
			}()
		}
		wg.Wait()
		sort.Ints(statuses)
		if statuses[0] != 200 || statuses[3] != 201 || statuses[2] != 200 || ids[0] != ids[1] || ids[1] != ids[2] || ids[2] != ids[3] {
			t.Fatalf("concurrent twins: %v %v", statuses, ids)
		}
		var n int
		_ = d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE title = '同时上报'`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d events from concurrent twins, want 1", n)
		}

		// Photos on the worker's own report.
		photos := "/api/v1/workforce/device/events/" + evID + "/photos?name=scene.jpg&lng=124.9&lat=46.6"
		img := testJPEG(t, 10)
		r = phone.sendRaw("POST", photos, "p-1", "image/jpeg", img)
		if r.status != 201 || r.json(t)["replayed"] != false {
			t.Fatalf("photo: %d %s", r.status, r.body)
		}
		att := r.json(t)["attachment"].(map[string]any)
		if att["content_type"] != "image/jpeg" || att["url"] == "" {
			t.Fatalf("photo = %v", att)
		}
		r = phone.sendRaw("POST", photos, "p-1", "image/jpeg", img)
		if r.status != 200 || r.json(t)["replayed"] != true || wfNum(r.json(t)["attachment"].(map[string]any), "id") != wfNum(att, "id") {
			t.Fatalf("replayed photo: %d %s", r.status, r.body)
		}
		wantProblem(t, phone.sendRaw("POST", photos, "p-1", "image/jpeg", testJPEG(t, 200)), 409, "conflict", "Idempotency-Key")
		wantProblem(t, phone.sendRaw("POST", photos, "p-2", "text/plain", img), 400, "invalid", "Content-Type")
		wantProblem(t, phone.sendRaw("POST", photos, "p-3", "image/jpeg", []byte("not a picture at all, but text")), 400, "invalid", "file")
		wantProblem(t, phone.sendRaw("POST", photos, "", "image/jpeg", img), 400, "invalid", "Idempotency-Key")
		wantProblem(t, phone.sendRaw("POST", strings.Replace(photos, "lng=124.9", "lng=east", 1), "p-4", "image/jpeg", img), 400, "invalid", "lng")
		wantProblem(t, stranger.sendRaw("POST", photos, "p-5", "image/jpeg", img), 401, "unauthorized", "Gridgov-Signature.device")
		// Another worker's event, and one that does not exist.
		wantProblem(t, other.sendRaw("POST", photos, "p-6", "image/jpeg", img), 404, "not_found", "")
		wantProblem(t, phone.sendRaw("POST", "/api/v1/workforce/device/events/999999/photos", "p-7", "image/jpeg", img), 404, "not_found", "")
		list := e.admin.do("GET", "/api/v1/events/"+evID+"/attachments", "").json(t)["items"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["gps"] == nil {
			t.Fatalf("attachments of the report = %v", list)
		}

		// Today's tasks: attendance, an event to handle in the grid, the
		// worker's reports, and an elderly person living alone to visit.
		const tasks = "/api/v1/workforce/device/tasks"
		r = phone.send("GET", tasks, "", "", 0)
		today := r.json(t)
		if r.status != 200 || today["attendance"].(map[string]any)["check_in"] != nil || today["open_patrol"] != nil ||
			len(today["reported"].([]any)) < 3 {
			t.Fatalf("tasks before check-in: %d %s", r.status, r.body)
		}
		if r := phone.checkIn("ci-1", 124.9, 46.6); r.status != 201 {
			t.Fatalf("check in: %d %s", r.status, r.body)
		}
		// An offline retry of the check-in is recognisably already done.
		wantProblem(t, phone.checkIn("ci-1", 124.9, 46.6), 409, "conflict", "Idempotency-Key")
		reg := c1.do("POST", "/api/v1/events", fmt.Sprintf(`{"category_code":"city_appearance.exposed_garbage","title":"待处置","grid_code":%q}`, grid1))
		if reg.status != 201 {
			t.Fatalf("center report: %d %s", reg.status, reg.body)
		}
		regID := wfNum(reg.json(t)["event"].(map[string]any), "id")
		if r := c1.do("POST", "/api/v1/events/"+regID+"/actions", `{"action":"register","version":1}`); r.status != 200 {
			t.Fatalf("register: %d %s", r.status, r.body)
		}
		now := time.Now().UTC()
		var elder int64
		if err := d.Write().QueryRowContext(ctx, `INSERT INTO persons (name, id_kind, id_number_enc, id_number_index, id_number_mask, phone_mask,
			birth_date, sex, residence_type, grid_code, region_path, created_at, updated_at) SELECT '张奶奶', 'resident_id', $1, 'idx-1',
			'230602********1234', '138****5678', '1940-01-01', 'female', 'registered', code, path, $2, $2 FROM regions WHERE code = $3 RETURNING id`,
			[]byte{1}, now, grid1).Scan(&elder); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO person_tags (person_id, tag) VALUES ($1, 'elderly_alone')`, elder); err != nil {
			t.Fatal(err)
		}
		r = phone.send("GET", tasks, "", "", 0)
		today = r.json(t)
		evs := today["events"].([]any)
		if r.status != 200 || today["attendance"].(map[string]any)["check_in"] == nil || len(evs) != 1 ||
			evs[0].(map[string]any)["do"] != "self_handle" || wfNum(evs[0].(map[string]any)["event"].(map[string]any), "id") != regID {
			t.Fatalf("tasks: %d %s", r.status, r.body)
		}
		visits := today["visits"].([]any)
		if len(visits) != 1 || wfNum(visits[0].(map[string]any)["person"].(map[string]any), "id") != fmt.Sprint(elder) {
			t.Fatalf("visit suggestions = %v", visits)
		}
		if r := other.send("GET", tasks, "", "", 0); r.status != 200 || len(r.json(t)["events"].([]any)) != 0 || len(r.json(t)["visits"].([]any)) != 0 {
			t.Fatalf("the other grid's tasks: %d %s", r.status, r.body)
		}

		// The grid's houses and people: the worker's grids only, masked.
		for _, h := range [][2]string{{"H-1", grid1}, {"H-2", grid2}, {"H-3", grid1}} {
			if _, err := d.Write().ExecContext(ctx, `INSERT INTO houses (code, grid_code, region_path, usage, created_at, updated_at)
				SELECT $1, code, path, 'residential', $2, $2 FROM regions WHERE code = $3`, h[0], now, h[1]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO person_houses (person_id, house_id, relation) SELECT $1, id, 'owner' FROM houses WHERE code = 'H-1'`,
			elder); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO persons (name, id_kind, id_number_enc, id_number_index, id_number_mask, birth_date, sex,
			residence_type, grid_code, region_path, created_at, updated_at) SELECT '邻格人', 'resident_id', $1, 'idx-2', 'y', '1980-01-01', 'male',
			'registered', code, path, $2, $2 FROM regions WHERE code = $3`, []byte{2}, now, grid2); err != nil {
			t.Fatal(err)
		}
		const houses, persons = "/api/v1/workforce/device/grid/houses", "/api/v1/workforce/device/grid/persons"
		r = phone.send("GET", houses, "", "", 0)
		codes := []string{}
		for _, h := range r.json(t)["items"].([]any) {
			codes = append(codes, h.(map[string]any)["code"].(string))
		}
		if r.status != 200 || strings.Join(codes, ",") != "H-1,H-3" {
			t.Fatalf("houses = %d %v", r.status, codes)
		}
		r = phone.send("GET", houses+"?limit=1", "", "", 0)
		next := wfNum(r.json(t), "next_after")
		if r.status != 200 || len(r.json(t)["items"].([]any)) != 1 || next == "<nil>" {
			t.Fatalf("first page: %d %s", r.status, r.body)
		}
		if r := phone.send("GET", houses+"?limit=1&after="+next, "", "", 0); r.status != 200 || r.json(t)["items"].([]any)[0].(map[string]any)["code"] != "H-3" ||
			r.json(t)["next_after"] != nil {
			t.Fatalf("second page: %d %s", r.status, r.body)
		}
		r = phone.send("GET", persons, "", "", 0)
		items := r.json(t)["items"].([]any)
		if r.status != 200 || len(items) != 1 {
			t.Fatalf("persons: %d %s", r.status, r.body)
		}
		if p := items[0].(map[string]any); p["name"] != "张奶奶" || p["id_number"] != "230602********1234" || p["phone"] != "138****5678" || p["revealed"] != false {
			t.Fatalf("person = %v", p)
		}
		if r := phone.send("GET", persons+"?house=H-1", "", "", 0); r.status != 200 || len(r.json(t)["items"].([]any)) != 1 {
			t.Fatalf("persons of H-1: %d %s", r.status, r.body)
		}
		if r := other.send("GET", persons, "", "", 0); r.status != 200 || len(r.json(t)["items"].([]any)) != 1 ||
			r.json(t)["items"].([]any)[0].(map[string]any)["name"] != "邻格人" {
			t.Fatalf("the other grid's persons: %d %s", r.status, r.body)
		}
		wantProblem(t, phone.send("GET", persons+"?house=H-2", "", "", 0), 404, "not_found", "house")
		wantProblem(t, phone.send("GET", houses+"?limit=5000", "", "", 0), 400, "invalid", "limit")
		wantProblem(t, phone.send("GET", houses+"?after=x", "", "", 0), 400, "invalid", "after")
		wantProblem(t, stranger.send("GET", houses, "", "", 0), 401, "unauthorized", "Gridgov-Signature.device")
		wantProblem(t, forger.send("GET", persons, "", "", 0), 401, "unauthorized", "Gridgov-Signature.sig")

		// A visit to the elder takes them off the suggestions; its offline
		// retry is recognisably already done.
		visit := fmt.Sprintf(`{"house_code":"H-1","person_ids":[%d],"purpose":"elderly_care"}`, elder)
		if r := phone.send("POST", "/api/v1/workforce/device/visits", "v-1", visit, 0); r.status != 201 {
			t.Fatalf("visit: %d %s", r.status, r.body)
		}
		wantProblem(t, phone.send("POST", "/api/v1/workforce/device/visits", "v-1", visit, 0), 409, "conflict", "Idempotency-Key")
		if r := phone.send("GET", tasks, "", "", 0); len(r.json(t)["visits"].([]any)) != 0 {
			t.Fatalf("visit suggestions after the visit: %s", r.body)
		}
	})
}

// A bound phone reads the category tree it reports under by its signature:
// it has no browser session once the worker's sign-in has ended.
func TestWorkforceDeviceCategories(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newFieldEnv(t, d)
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("wk1", auth.RoleWorker, "230602001001")
		c1 := e.loggedIn("center1")
		hire := e.clock.Now().AddDate(-1, 0, 0).Format(time.DateOnly)
		r := c1.do("POST", "/api/v1/workforce/workers", fmt.Sprintf(`{"name":"李四","user_id":%d,"employment":"full_time","hire_date":%q,
			"grids":[{"grid_code":"230602001001001","primary":true}]}`, wfUserID(t, e.env, "wk1"), hire))
		if r.status != 201 {
			t.Fatalf("create worker: %d %s", r.status, r.body)
		}
		code := c1.do("POST", "/api/v1/workforce/workers/"+wfNum(r.json(t), "id")+"/enrolments", "").json(t)["code"].(string)
		phone := e.phone("android-5f3a9c01", 1)
		if r := phone.bind(code); r.status != 201 {
			t.Fatalf("bind: %d %s", r.status, r.body)
		}
		const path = "/api/v1/workforce/device/categories"
		r = phone.send("GET", path, "", "", 0)
		if r.status != 200 || !strings.Contains(string(r.body), `"code":"city_appearance"`) || !strings.Contains(string(r.body), `"code":"city_appearance.exposed_garbage"`) {
			t.Fatalf("categories: %d %s", r.status, r.body)
		}
		if r := phone.c.do("GET", "/api/v1/categories", ""); r.status != 401 {
			t.Fatalf("session route without a session: %d %s", r.status, r.body)
		}
		wantProblem(t, e.phone("android-unbound1", 7).send("GET", path, "", "", 0), 401, "unauthorized", "Gridgov-Signature.device")
	})
}
