package httpapi_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// The reasons a map import gives for the features it rejects follow the
// reader's language as a problem's do: Chinese when asked for, English
// otherwise, the region code and the points kept.
func TestMapImportReasonsFollowTheLanguage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		// A bowtie: its outline crosses itself.
		bowtie := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"230602001001003","name":"蝴蝶网格","level":"grid","parent_code":"230602001001"},` +
			`"geometry":{"type":"Polygon","coordinates":[[[124.9,46.5],[125.0,46.6],[125.0,46.5],[124.9,46.6],[124.9,46.5]]]}}]}`
		english := regexp.MustCompile(`[A-Za-z]{3,}`)
		for _, tc := range []struct {
			accept  string
			chinese bool
		}{{"zh-CN,zh;q=0.9", true}, {"en", false}, {"", false}} {
			r := admin.uploadWith("/api/v1/regions/import", http.Header{"Accept-Language": {tc.accept}}, nil, "regions.geojson", bowtie)
			if r.status != 422 {
				t.Fatalf("%q: %d %s", tc.accept, r.status, r.body)
			}
			rejected, _ := r.json(t)["rejected"].([]any)
			if len(rejected) != 1 {
				t.Fatalf("%q: rejected %s", tc.accept, r.body)
			}
			reason := rejected[0].(map[string]any)["reason"].(string)
			if got := english.MatchString(reason); got == tc.chinese {
				t.Errorf("Accept-Language %q: reason %q", tc.accept, reason)
			}
			if tc.chinese && !strings.Contains(reason, "自相交") {
				t.Errorf("Accept-Language %q: reason %q does not say the outline crosses itself", tc.accept, reason)
			}
			if !strings.Contains(r.header.Get("Vary"), "Accept-Language") {
				t.Errorf("Accept-Language %q: Vary = %q", tc.accept, r.header.Get("Vary"))
			}
		}
	})
}
