package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// deviceFixture is a server with the test map, a township center and two
// bound workers: phone in the first grid, other in the second, each with
// an account scoped to their own grid.
type deviceFixture struct {
	e            *wfEnv
	center       *client
	phone, other *wfPhone
	grid1, grid2 string
}

func newDeviceFixture(t *testing.T, d *db.DB) *deviceFixture {
	t.Helper()
	f := &deviceFixture{e: newFieldEnv(t, d), grid1: "230602001001001", grid2: "230602001001002"}
	e := f.e
	e.user("center1", auth.RoleCenter, "230602001")
	e.user("wk1", auth.RoleWorker, f.grid1)
	e.user("wk2", auth.RoleWorker, f.grid2)
	f.center = e.loggedIn("center1")
	hire := e.clock.Now().AddDate(-1, 0, 0).Format(time.DateOnly)
	bind := func(name, user, grid, device string, seed byte) *wfPhone {
		r := f.center.do("POST", "/api/v1/workforce/workers", fmt.Sprintf(`{"name":%q,"user_id":%d,"employment":"full_time","hire_date":%q,
			"grids":[{"grid_code":%q,"primary":true}]}`, name, wfUserID(t, e.env, user), hire, grid))
		if r.status != 201 {
			t.Fatalf("create worker: %d %s", r.status, r.body)
		}
		code := f.center.do("POST", "/api/v1/workforce/workers/"+wfNum(r.json(t), "id")+"/enrolments", "").json(t)["code"].(string)
		ph := e.phone(device, seed)
		if r := ph.bind(code); r.status != 201 {
			t.Fatalf("bind: %d %s", r.status, r.body)
		}
		return ph
	}
	f.phone = bind("李四", "wk1", f.grid1, "android-5f3a9c01", 1)
	f.other = bind("王五", "wk2", f.grid2, "android-77aa0002", 2)
	return f
}

// registered files an event in the grid through the center and registers
// it, answering its id and version.
func (f *deviceFixture) registered(t *testing.T, grid, title string) (string, int) {
	t.Helper()
	r := f.center.do("POST", "/api/v1/events", fmt.Sprintf(`{"category_code":"city_appearance.exposed_garbage","title":%q,"grid_code":%q}`, title, grid))
	if r.status != 201 {
		t.Fatalf("center report: %d %s", r.status, r.body)
	}
	id := wfNum(r.json(t)["event"].(map[string]any), "id")
	r = f.center.do("POST", "/api/v1/events/"+id+"/actions", `{"action":"register","version":1}`)
	if r.status != 200 {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	return id, int(r.json(t)["version"].(float64))
}

// history counts the lines of an action in an event's history.
func history(t *testing.T, d *db.DB, eventID, action string) int {
	t.Helper()
	var n int
	if err := d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM event_actions WHERE event_id = $1 AND action = $2`,
		eventID, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeviceEventActionsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newDeviceFixture(t, d)
		phone, other := f.phone, f.other
		evID, version := f.registered(t, f.grid1, "楼道堆物")
		acts := "/api/v1/workforce/device/events/" + evID + "/actions"
		selfHandle := func(v int) string {
			return fmt.Sprintf(`{"action":"self_handle","version":%d,"note":"网格自办"}`, v)
		}

		// A stale version is refused naming it, and frees the key for the
		// request made after a refresh.
		wantProblem(t, phone.send("POST", acts, "a-1", selfHandle(version-1), 0), 409, "conflict", "version")
		r := phone.send("POST", acts, "a-1", selfHandle(version), 0)
		first := r.json(t)
		if r.status != 200 || first["replayed"] != false {
			t.Fatalf("self-handle: %d %s", r.status, r.body)
		}
		ev := first["event"].(map[string]any)
		if ev["state"] != "handling" || ev["self_handled"] != true {
			t.Fatalf("self-handled event = %v", ev)
		}
		actionID := wfNum(first, "action_id")
		// The retry of an action whose answer was lost: the same action, once.
		r = phone.send("POST", acts, "a-1", selfHandle(version), 0)
		if r.status != 200 || r.json(t)["replayed"] != true || wfNum(r.json(t), "action_id") != actionID {
			t.Fatalf("replayed self-handle: %d %s", r.status, r.body)
		}
		if n := history(t, d, evID, "self_handle"); n != 1 {
			t.Fatalf("%d self_handle lines, want 1", n)
		}
		// Today's tasks now ask for the feedback.
		tasks := phone.send("GET", "/api/v1/workforce/device/tasks", "", "", 0).json(t)["events"].([]any)
		if len(tasks) != 1 || tasks[0].(map[string]any)["do"] != "feedback" {
			t.Fatalf("tasks after self-handle = %v", tasks)
		}
		version = int(ev["version"].(float64))

		cases := []struct {
			name   string
			ph     *wfPhone
			path   string
			key    string
			body   string
			status int
			code   string
			field  string
		}{
			{"same key, another body", phone, acts, "a-1", selfHandle(version), 409, "conflict", "Idempotency-Key"},
			{"no key", phone, acts, "", selfHandle(version), 400, "invalid", "Idempotency-Key"},
			{"a center's action", phone, acts, "a-2", fmt.Sprintf(`{"action":"verify","version":%d}`, version), 400, "invalid", "action"},
			{"dispatch", phone, acts, "a-3", fmt.Sprintf(`{"action":"dispatch","version":%d}`, version), 400, "invalid", "action"},
			{"no version", phone, acts, "a-4", `{"action":"feedback","note":"done"}`, 400, "invalid", "version"},
			{"feedback needs a note", phone, acts, "a-5", fmt.Sprintf(`{"action":"feedback","version":%d}`, version), 400, "invalid", "note"},
			{"self-handle twice", phone, acts, "a-6", selfHandle(version), 409, "conflict", "action"},
			{"another grid's event", other, acts, "a-7", fmt.Sprintf(`{"action":"feedback","version":%d,"note":"x"}`, version), 404, "not_found", ""},
			{"no such event", phone, "/api/v1/workforce/device/events/999999/actions", "a-8", selfHandle(1), 404, "not_found", ""},
			{"unknown field", phone, acts, "a-9", `{"action":"feedback","version":1,"note":"x","department":"d"}`, 400, "invalid", ""},
			{"unbound device", f.e.phone("android-unbound1", 7), acts, "a-10", selfHandle(version), 401, "unauthorized", "Gridgov-Signature.device"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, tc.ph.send("POST", tc.path, tc.key, tc.body, 0), tc.status, tc.code, tc.field)
			})
		}
		if n := history(t, d, evID, "feedback"); n != 0 {
			t.Fatalf("refused feedback left %d lines", n)
		}

		// The feedback, with its photos on the feedback's history line.
		r = phone.send("POST", acts, "a-11", fmt.Sprintf(`{"action":"feedback","version":%d,"note":"已清理干净"}`, version), 0)
		if r.status != 200 || r.json(t)["event"].(map[string]any)["state"] != "handled" {
			t.Fatalf("feedback: %d %s", r.status, r.body)
		}
		feedbackID := wfNum(r.json(t), "action_id")
		photos := "/api/v1/workforce/device/events/" + evID + "/photos?action=" + feedbackID + "&name=after.jpg"
		img := testJPEG(t, 30)
		r = phone.sendRaw("POST", photos, "fp-1", "image/jpeg", img)
		if r.status != 201 || wfNum(r.json(t)["attachment"].(map[string]any), "action_id") != feedbackID {
			t.Fatalf("feedback photo: %d %s", r.status, r.body)
		}
		attID := wfNum(r.json(t)["attachment"].(map[string]any), "id")
		if r := phone.sendRaw("POST", photos, "fp-1", "image/jpeg", img); r.status != 200 || wfNum(r.json(t)["attachment"].(map[string]any), "id") != attID {
			t.Fatalf("replayed feedback photo: %d %s", r.status, r.body)
		}
		// Photos go on the worker's own actions only, and without one only
		// on the worker's own reports.
		var register string
		_ = d.Read().QueryRowContext(context.Background(), `SELECT id FROM event_actions WHERE event_id = $1 AND action = 'register'`, evID).Scan(&register)
		wantProblem(t, phone.sendRaw("POST", strings.Replace(photos, "action="+feedbackID, "action="+register, 1), "fp-2", "image/jpeg", img), 404, "not_found", "action")
		wantProblem(t, other.sendRaw("POST", photos, "fp-3", "image/jpeg", img), 404, "not_found", "action")
		wantProblem(t, phone.sendRaw("POST", strings.Replace(photos, "action="+feedbackID, "action=x", 1), "fp-4", "image/jpeg", img), 400, "invalid", "action")
		wantProblem(t, phone.sendRaw("POST", "/api/v1/workforce/device/events/"+evID+"/photos", "fp-5", "image/jpeg", img), 404, "not_found", "")

		// The console sees the history and the photo on the feedback.
		det := f.center.do("GET", "/api/v1/events/"+evID, "").json(t)
		var lines []string
		for _, h := range det["history"].([]any) {
			lines = append(lines, h.(map[string]any)["action"].(string))
		}
		if det["state"] != "handled" || strings.Join(lines, ",") != "report,register,self_handle,feedback" {
			t.Fatalf("event in the console: %v %v", det["state"], lines)
		}
		files := f.center.do("GET", "/api/v1/events/"+evID+"/attachments", "").json(t)["items"].([]any)
		if len(files) != 1 || wfNum(files[0].(map[string]any), "action_id") != feedbackID {
			t.Fatalf("attachments = %v", files)
		}
	})
}

func TestDeviceVisitPhotosAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newDeviceFixture(t, d)
		phone, other := f.phone, f.other
		now := time.Now().UTC()
		for _, h := range [][2]string{{"H-1", f.grid1}, {"H-2", f.grid2}} {
			if _, err := d.Write().ExecContext(ctx, `INSERT INTO houses (code, grid_code, region_path, usage, created_at, updated_at)
				SELECT $1, code, path, 'residential', $2, $2 FROM regions WHERE code = $3`, h[0], now, h[1]); err != nil {
				t.Fatal(err)
			}
		}
		const photos, visits = "/api/v1/workforce/device/photos?name=door.jpg&lng=124.9&lat=46.6", "/api/v1/workforce/device/visits"
		img := testJPEG(t, 50)
		r := phone.sendRaw("POST", photos, "vp-1", "image/jpeg", img)
		if r.status != 201 || r.json(t)["replayed"] != false {
			t.Fatalf("visit photo: %d %s", r.status, r.body)
		}
		ph := r.json(t)["photo"].(map[string]any)
		id, _ := ph["id"].(string)
		if id == "" || ph["content_type"] != "image/jpeg" || ph["visit_id"] != nil {
			t.Fatalf("photo = %v", ph)
		}
		if r := phone.sendRaw("POST", photos, "vp-1", "image/jpeg", img); r.status != 200 || r.json(t)["replayed"] != true ||
			r.json(t)["photo"].(map[string]any)["id"] != id {
			t.Fatalf("replayed visit photo: %d %s", r.status, r.body)
		}
		wantProblem(t, phone.sendRaw("POST", photos, "vp-1", "image/jpeg", testJPEG(t, 90)), 409, "conflict", "Idempotency-Key")
		wantProblem(t, phone.sendRaw("POST", photos, "vp-2", "application/pdf", img), 400, "invalid", "Content-Type")
		wantProblem(t, phone.sendRaw("POST", photos, "vp-3", "image/jpeg", []byte("GIF89a, or so it says")), 400, "invalid", "file")
		wantProblem(t, phone.sendRaw("POST", photos, "", "image/jpeg", img), 400, "invalid", "Idempotency-Key")
		wantProblem(t, phone.sendRaw("POST", strings.Replace(photos, "&lat=46.6", "", 1), "vp-4", "image/jpeg", img), 400, "invalid", "lng")
		wantProblem(t, f.e.phone("android-unbound1", 7).sendRaw("POST", photos, "vp-5", "image/jpeg", img), 401, "unauthorized", "Gridgov-Signature.device")
		// A refused upload keeps nothing.
		var kept int
		_ = d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM visit_photos`).Scan(&kept)
		if kept != 1 {
			t.Fatalf("%d visit photos kept, want 1", kept)
		}

		visit := func(house string, refs ...string) string {
			return fmt.Sprintf(`{"house_code":%q,"purpose":"rental_check","photos":["%s"]}`, house, strings.Join(refs, `","`))
		}
		// Another worker cannot take the photo; an id never uploaded is named.
		wantProblem(t, other.send("POST", visits, "ov-1", visit("H-2", id), 0), 400, "invalid", "photos[0]")
		wantProblem(t, phone.send("POST", visits, "v-0", visit("H-1", "999999"), 0), 400, "invalid", "photos[0]")
		wantProblem(t, phone.send("POST", visits, "v-00", visit("H-1", id, id), 0), 400, "invalid", "photos[1]")
		r = phone.send("POST", visits, "v-1", visit("H-1", id, "att-1"), 0)
		if r.status != 201 {
			t.Fatalf("visit: %d %s", r.status, r.body)
		}
		v := r.json(t)
		if got := fmt.Sprint(v["photos"]); got != "["+id+" att-1]" {
			t.Fatalf("visit photos = %s", got)
		}
		// The offline retry of the visit is already done, not a photo refusal.
		wantProblem(t, phone.send("POST", visits, "v-1", visit("H-1", id, "att-1"), 0), 409, "conflict", "Idempotency-Key")
		// A photo goes on one visit only.
		wantProblem(t, phone.send("POST", visits, "v-2", visit("H-1", id), 0), 400, "invalid", "photos[0]")
		var visitID int64
		if err := d.Read().QueryRowContext(ctx, `SELECT visit_id FROM visit_photos WHERE id = $1`, id).Scan(&visitID); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(visitID) != wfNum(v, "id") {
			t.Fatalf("photo on visit %d, want %v", visitID, v["id"])
		}
		if r := phone.sendRaw("POST", photos, "vp-1", "image/jpeg", img); r.status != 200 || wfNum(r.json(t)["photo"].(map[string]any), "visit_id") != wfNum(v, "id") {
			t.Fatalf("replayed photo after its visit: %d %s", r.status, r.body)
		}
	})
}

func TestDeviceReportOccurredAtAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newDeviceFixture(t, d)
		phone := f.phone
		const reports = "/api/v1/workforce/device/events"
		report := func(title, at string) string {
			return fmt.Sprintf(`{"category_code":"city_appearance.exposed_garbage","title":%q,"lng":124.9,"lat":46.6,"occurred_at":%q}`, title, at)
		}
		now := f.e.clock.Now()
		drafted := now.Add(-26 * time.Hour).In(time.FixedZone("CST", 8*3600))
		r := phone.send("POST", reports, "o-1", report("昨夜积水", drafted.Format(time.RFC3339)), 0)
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		ev := r.json(t)["event"].(map[string]any)
		if ev["occurred_at"] != drafted.UTC().Format(time.RFC3339) {
			t.Fatalf("occurred_at = %v, want %s", ev["occurred_at"], drafted.UTC().Format(time.RFC3339))
		}
		// The clock of the step runs from the receipt, not the occurrence.
		if ev["step_started_at"] != ev["created_at"] {
			t.Fatalf("step started %v, received %v", ev["step_started_at"], ev["created_at"])
		}
		det := f.center.do("GET", "/api/v1/events/"+wfNum(ev, "id"), "").json(t)
		if det["occurred_at"] != ev["occurred_at"] {
			t.Fatalf("console detail occurred_at = %v", det["occurred_at"])
		}
		if r := phone.send("POST", reports, "o-2", `{"category_code":"city_appearance.exposed_garbage","title":"现在","lng":124.9,"lat":46.6}`, 0); r.status != 201 ||
			r.json(t)["event"].(map[string]any)["occurred_at"] != nil {
			t.Fatalf("report without occurred_at: %d %s", r.status, r.body)
		}
		for _, tc := range []struct{ name, at string }{
			{"in the future", now.Add(time.Hour).Format(time.RFC3339)},
			{"over a week ago", now.Add(-8 * 24 * time.Hour).Format(time.RFC3339)},
			{"not RFC 3339", "2026-06-02 08:00"},
			{"no zone", "2026-06-02T08:00:00"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, phone.send("POST", reports, "o-bad", report("坏时间", tc.at), 0), 400, "invalid", "occurred_at")
			})
		}
		// A little ahead of the server (the phone's clock) is accepted.
		if r := phone.send("POST", reports, "o-3", report("时钟略快", now.Add(2*time.Minute).Format(time.RFC3339)), 0); r.status != 201 {
			t.Fatalf("report two minutes ahead: %d %s", r.status, r.body)
		}
	})
}

// TestDeviceWritesRecovery covers a request that stopped after making its
// event, photo or action but before marking its claim done: a retry more
// than two minutes after the claim takes it over, finds what was made and
// answers with it instead of making it again. The service's clock is
// moved, not waited on.
func TestDeviceWritesRecovery(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newDeviceFixture(t, d)
		phone := f.phone
		// crash undoes the end of the request that used key: its claim is
		// left under way, as a process killed after the write leaves it.
		crash := func(key string) {
			t.Helper()
			res, err := d.Write().ExecContext(ctx, `UPDATE device_writes SET done_at = NULL, event_id = NULL, attachment_id = NULL, action_id = NULL
				WHERE idempotency_key = $1`, key)
			if n, _ := res.RowsAffected(); err != nil || n != 1 {
				t.Fatalf("crash %s: %v (%d rows)", key, err, n)
			}
		}
		count := func(query string, args ...any) int {
			t.Helper()
			var n int
			if err := d.Read().QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		const reports = "/api/v1/workforce/device/events"
		report := `{"category_code":"city_appearance.exposed_garbage","title":"断电前上报","lng":124.9,"lat":46.6}`
		r := phone.send("POST", reports, "rc-1", report, 0)
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		evID := wfNum(r.json(t)["event"].(map[string]any), "id")
		crash("rc-1")
		f.e.clock.Add(3 * time.Minute)
		r = phone.send("POST", reports, "rc-1", report, 0)
		if r.status != 200 || r.json(t)["replayed"] != true || wfNum(r.json(t)["event"].(map[string]any), "id") != evID {
			t.Fatalf("report after a crash: %d %s", r.status, r.body)
		}
		if n := count(`SELECT COUNT(*) FROM events WHERE title = '断电前上报'`); n != 1 {
			t.Fatalf("%d events after the recovery, want 1", n)
		}
		if n := count(`SELECT COUNT(*) FROM device_writes WHERE idempotency_key = 'rc-1' AND done_at IS NOT NULL AND event_id = $1`, evID); n != 1 {
			t.Fatal("the recovered claim is not done with the event")
		}

		// A claim left before anything was made: the taker makes it.
		report2 := `{"category_code":"city_appearance.exposed_garbage","title":"未及上报","lng":124.9,"lat":46.6}`
		sum := sha256.Sum256([]byte(report2))
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO device_writes (device_id, idempotency_key, kind, target, body_sha256, created_at)
			SELECT device_id, 'rc-2', 'event', '', $1, $2 FROM device_writes WHERE idempotency_key = 'rc-1'`,
			hex.EncodeToString(sum[:]), f.e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.e.clock.Add(3 * time.Minute)
		if r := phone.send("POST", reports, "rc-2", report2, 0); r.status != 201 || r.json(t)["replayed"] != false {
			t.Fatalf("report after an empty claim: %d %s", r.status, r.body)
		}
		if n := count(`SELECT COUNT(*) FROM events WHERE title = '未及上报'`); n != 1 {
			t.Fatalf("%d events after an empty claim, want 1", n)
		}

		// A photo stored before the crash is found by its bytes.
		photos := "/api/v1/workforce/device/events/" + evID + "/photos?name=a.jpg"
		img := testJPEG(t, 70)
		r = phone.sendRaw("POST", photos, "pc-1", "image/jpeg", img)
		if r.status != 201 {
			t.Fatalf("photo: %d %s", r.status, r.body)
		}
		attID := wfNum(r.json(t)["attachment"].(map[string]any), "id")
		crash("pc-1")
		f.e.clock.Add(3 * time.Minute)
		r = phone.sendRaw("POST", photos, "pc-1", "image/jpeg", img)
		if r.status != 200 || wfNum(r.json(t)["attachment"].(map[string]any), "id") != attID {
			t.Fatalf("photo after a crash: %d %s", r.status, r.body)
		}
		if n := count(`SELECT COUNT(*) FROM event_attachments WHERE event_id = $1`, evID); n != 1 {
			t.Fatalf("%d photos after the recovery, want 1", n)
		}

		// An action taken before the crash is found in the history.
		regID, version := f.registered(t, f.grid1, "断电前自办")
		acts := "/api/v1/workforce/device/events/" + regID + "/actions"
		body := fmt.Sprintf(`{"action":"self_handle","version":%d}`, version)
		r = phone.send("POST", acts, "ac-1", body, 0)
		if r.status != 200 {
			t.Fatalf("self-handle: %d %s", r.status, r.body)
		}
		actionID := wfNum(r.json(t), "action_id")
		crash("ac-1")
		f.e.clock.Add(3 * time.Minute)
		r = phone.send("POST", acts, "ac-1", body, 0)
		if r.status != 200 || r.json(t)["replayed"] != true || wfNum(r.json(t), "action_id") != actionID {
			t.Fatalf("self-handle after a crash: %d %s", r.status, r.body)
		}
		if n := history(t, d, regID, "self_handle"); n != 1 {
			t.Fatalf("%d self_handle lines after the recovery, want 1", n)
		}

		// A visit photo kept before the crash is found by its bytes.
		const vphotos = "/api/v1/workforce/device/photos?name=v.jpg"
		vimg := testJPEG(t, 110)
		r = phone.sendRaw("POST", vphotos, "vc-1", "image/jpeg", vimg)
		if r.status != 201 {
			t.Fatalf("visit photo: %d %s", r.status, r.body)
		}
		vpID := r.json(t)["photo"].(map[string]any)["id"]
		crash("vc-1")
		// A first taker that stopped too: what was made is still looked
		// for from the first claim on.
		f.e.clock.Add(3 * time.Minute)
		if _, err := d.Write().ExecContext(ctx, `UPDATE device_writes SET taken_at = $1, takeovers = 1 WHERE idempotency_key = 'vc-1'`,
			f.e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.e.clock.Add(3 * time.Minute)
		r = phone.sendRaw("POST", vphotos, "vc-1", "image/jpeg", vimg)
		if r.status != 200 || r.json(t)["photo"].(map[string]any)["id"] != vpID {
			t.Fatalf("visit photo after a crash: %d %s", r.status, r.body)
		}
		if n := count(`SELECT COUNT(*) FROM visit_photos`); n != 1 {
			t.Fatalf("%d visit photos after the recovery, want 1", n)
		}
	})
}
