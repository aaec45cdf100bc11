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

// The rejected rows of an import, in its answer, its job and its report
// file, are worded in the language the request prefers; Chinese when it
// names none.
func TestImportReasonsFollowTheLanguage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		csv := "房屋编码,地址,网格编码,用途\nL-1,友谊路1号,230602001001001,自住\nL-2,友谊路2号,230602999999999,自住\nL-3,友谊路3号,230602001001001,别墅\n"
		const (
			zhGrid = "网格 230602999999999 不存在"
			enGrid = "grid 230602999999999 not found"
			zhUse  = `用途须为 自住（self_occupied）、出租（rented）、空置（vacant）、商用（commercial）、混合（mixed）、其他（other） 之一，填写的是 "别墅"`
		)
		var report string
		for _, tc := range []struct {
			accept string
			want   string
		}{
			{"zh-CN", zhGrid},
			{"zh-CN,zh;q=0.9,en;q=0.8", zhGrid},
			{"en-US,en;q=0.9,zh-CN;q=0.5", enGrid},
			{"en", enGrid},
			{"", zhGrid},
			{"fr-FR", zhGrid},
			{"not a language;;", zhGrid},
		} {
			h := http.Header{}
			if tc.accept != "" {
				h.Set("Accept-Language", tc.accept)
			}
			up := admin.uploadWith("/api/v1/registry/import/houses", h, nil, "houses.csv", csv)
			body := up.json(t)
			rej, _ := body["rejected"].([]any)
			if up.status != 200 || len(rej) != 2 {
				t.Fatalf("%q: %d %s", tc.accept, up.status, up.body)
			}
			if got := rej[0].(map[string]any)["reason"]; got != tc.want {
				t.Errorf("Accept-Language %q: reason %q, want %q", tc.accept, got, tc.want)
			}
			if tc.want == zhGrid {
				if got := rej[1].(map[string]any)["reason"]; got != zhUse {
					t.Errorf("Accept-Language %q: reason %q, want %q", tc.accept, got, zhUse)
				}
			}
			if !strings.Contains(up.header.Get("Vary"), "Accept-Language") {
				t.Errorf("Accept-Language %q: Vary = %q", tc.accept, up.header.Get("Vary"))
			}
			report = body["error_report"].(string)
		}

		// The report file: lang first, then Accept-Language, then Chinese.
		for _, tc := range []struct {
			query, accept, want string
		}{
			{"&lang=zh-CN", "en", zhGrid},
			{"&lang=en", "zh-CN", enGrid},
			{"", "en", enGrid},
			{"", "zh-CN", zhGrid},
			{"", "", zhGrid},
		} {
			got := admin.do("GET", "/api/v1/registry/import-errors/"+report+"?format=csv"+tc.query, "", "Accept-Language", tc.accept)
			if got.status != 200 || !strings.Contains(string(got.body), tc.want) || !strings.HasPrefix(strings.TrimPrefix(string(got.body), "\ufeff"), "行号 row") {
				t.Errorf("report %s %q: %d %s, want %q", tc.query, tc.accept, got.status, got.body, tc.want)
			}
		}

		// A job's result is worded for whoever asks for it.
		async := http.Header{"Prefer": {"respond-async"}}
		start := admin.uploadWith("/api/v1/registry/import/houses", async, nil, "houses.csv", csv)
		if start.status != 202 {
			t.Fatalf("start: %d %s", start.status, start.body)
		}
		loc := start.header.Get("Location")
		for deadline := time.Now().Add(30 * time.Second); ; {
			st := admin.do("GET", loc, "").json(t)
			if st["state"] != "running" || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		for accept, want := range map[string]string{"en": enGrid, "zh-CN": zhGrid, "": zhGrid} {
			st := admin.do("GET", loc, "", "Accept-Language", accept).json(t)
			res, _ := st["result"].(map[string]any)
			rej, _ := res["rejected"].([]any)
			if len(rej) != 2 || rej[0].(map[string]any)["reason"] != want {
				t.Errorf("job for %q: %v, want %q", accept, fmt.Sprint(st), want)
			}
		}
	})
}
