package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// An upload with "Prefer: respond-async" is answered at once with a job the
// uploader follows to its report; nobody else can see the job.
func TestImportJobs(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		e.user("admin2", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		var csv strings.Builder
		csv.WriteString("房屋编码,地址,网格编码\n")
		const n = 1200
		for i := range n {
			fmt.Fprintf(&csv, "J-%05d,路%d,230602001001001\n", i, i)
		}
		csv.WriteString("J-00001,重复,230602001001001\n")
		async := http.Header{"Prefer": {"respond-async"}}
		start := admin.uploadWith("/api/v1/registry/import/houses", async, nil, "houses.csv", csv.String())
		if start.status != 202 || !strings.HasPrefix(start.header.Get("Location"), "/api/v1/registry/imports/") {
			t.Fatalf("start: %d %v %s", start.status, start.header, start.body)
		}
		loc := start.header.Get("Location")
		var st map[string]any
		for deadline := time.Now().Add(30 * time.Second); ; {
			st = admin.do("GET", loc, "").json(t)
			if st["state"] != "running" || time.Now().After(deadline) {
				break
			}
			if f, ok := st["fraction"].(float64); ok && (f < 0 || f > 1) {
				t.Fatalf("fraction %v", f)
			}
			time.Sleep(20 * time.Millisecond)
		}
		res, _ := st["result"].(map[string]any)
		if st["state"] != "done" || st["rows"] != float64(n+1) || res == nil || res["created"] != float64(n) || res["error_report"] == nil {
			t.Fatalf("finished job = %v", st)
		}
		if f := st["fraction"]; f != float64(1) {
			t.Fatalf("fraction of a finished CSV import = %v, want 1", f)
		}
		wantProblem(t, e.loggedIn("admin2").do("GET", loc, ""), 404, "not_found", "")
		wantProblem(t, admin.do("GET", "/api/v1/registry/imports/nope", ""), 404, "not_found", "")

		// A file the import refuses as a whole ends the job with the problem.
		bad := admin.uploadWith("/api/v1/registry/import/houses", async, nil, "bad.csv", "地址\n友谊路\n")
		if bad.status != 202 {
			t.Fatalf("bad start: %d %s", bad.status, bad.body)
		}
		for deadline := time.Now().Add(10 * time.Second); ; {
			st = admin.do("GET", bad.header.Get("Location"), "").json(t)
			if st["state"] != "running" || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		prob, _ := st["problem"].(map[string]any)
		if st["state"] != "failed" || prob == nil || prob["status"] != float64(400) || !strings.Contains(fmt.Sprint(prob["errors"]), "file") {
			t.Fatalf("failed job = %v", st)
		}
	})
}
