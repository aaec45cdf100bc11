package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/httpapi"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

// BenchmarkPersonSearch measures person search over HTTP on a city-sized
// registry: POST /api/v1/persons/search by ID number (the blind index) and
// by name prefix (two characters, the first page of 50), one request at a
// time through a real listener. Beside each it runs the same searches in
// process, so the HTTP share is visible, and it reports p50 and p99 and
// the p99's ratio to a 50 ms budget (a person at a counter waiting).
//
// It needs GRIDGOV_BENCH_DATA_DIR, the data directory of `gridgov demo
// --preset daqing` (SQLite database and keys), and GRIDGOV_BENCH_REGISTRY_DIR
// with the same city's persons.csv (`--export-csv`) to draw real names and
// ID numbers from; scripts/bench.sh makes both. Without them it skips.
func BenchmarkPersonSearch(b *testing.B) {
	dataDir, csvDir := os.Getenv("GRIDGOV_BENCH_DATA_DIR"), os.Getenv("GRIDGOV_BENCH_REGISTRY_DIR")
	if dataDir == "" || csvDir == "" {
		b.Skip("set GRIDGOV_BENCH_DATA_DIR (a daqing demo data directory) and GRIDGOV_BENCH_REGISTRY_DIR (its persons.csv)")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, db.Config{Path: filepath.Join(dataDir, "gridgov.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	keys, err := secret.LoadOrCreate("", dataDir)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	loc := gridmap.NewLocator(d, log)
	if err := loc.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	authSvc, err := auth.NewService(d, keys, auth.Config{HashParams: auth.HashParams{Memory: 1024, Time: 1, Threads: 1}}, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	reg := registry.NewService(d, keys, loc, time.Now)
	srv := httptest.NewServer(httpapi.New(httpapi.Options{DB: d, Auth: authSvc, Regions: region.NewStore(d, time.Now), Log: log,
		Map: gridmap.NewService(d, loc, time.Now), Registry: reg, Version: "bench"}))
	defer srv.Close()
	token, principal := benchAdmin(b, authSvc, srv.URL)
	names, ids := sampleRegistry(b, filepath.Join(csvDir, "persons.csv"), 2000)
	for _, kind := range []string{"id_number", "name"} {
		bodies := make([]registry.SearchQuery, len(ids))
		for i := range bodies {
			if kind == "id_number" {
				bodies[i] = registry.SearchQuery{IDNumber: ids[i]}
			} else {
				bodies[i] = registry.SearchQuery{Name: string([]rune(names[i])[:2])}
			}
		}
		var inProcessP99 time.Duration
		for _, route := range []string{"in-process", "http"} {
			b.Run(kind+"/"+route, func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				found := 0
				client := &http.Client{}
				b.ResetTimer()
				for i := range b.N {
					q := bodies[i%len(bodies)]
					start := time.Now()
					var n int
					if route == "http" {
						n = searchHTTP(b, client, srv.URL, token, q)
					} else {
						res, err := reg.Search(ctx, principal, q)
						if err != nil {
							b.Fatal(err)
						}
						n = len(res.Items)
					}
					lat = append(lat, time.Since(start))
					if n > 0 {
						found++
					}
				}
				b.StopTimer()
				if found < b.N*9/10 {
					b.Fatalf("only %d of %d searches found anyone", found, b.N)
				}
				slices.Sort(lat)
				p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
				b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
				b.ReportMetric((50*time.Millisecond).Seconds()/p99.Seconds(), "x-50ms-budget")
				if route == "in-process" {
					inProcessP99 = p99
				} else if inProcessP99 > 0 {
					b.ReportMetric(p99.Seconds()/inProcessP99.Seconds(), "x-in-process-p99")
				}
			})
		}
	}
}

// benchAdmin creates a fresh administrator, logs in over HTTP and returns
// the bearer token and the principal it stands for.
func benchAdmin(b *testing.B, authSvc *auth.Service, base string) (string, auth.Principal) {
	ctx := context.Background()
	user := fmt.Sprintf("bench%d", time.Now().UnixNano())
	if _, err := authSvc.CreateUser(ctx, auth.System("bench"), auth.NewUser{Username: user, Role: auth.RoleAdmin, Password: pw, DisplayName: "压测"}); err != nil {
		b.Fatal(err)
	}
	token := login(b, base, user)
	principal, err := authSvc.Authenticate(ctx, token, "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	return token, principal
}

func login(b *testing.B, base, user string) string {
	body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	res, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		b.Fatalf("login: %d %v", res.StatusCode, err)
	}
	return out.Token
}

func searchHTTP(b *testing.B, c *http.Client, base, token string, q registry.SearchQuery) int {
	body, _ := json.Marshal(q)
	req, _ := http.NewRequest("POST", base+"/api/v1/persons/search", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Items []json.RawMessage `json:"items"`
	}
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || json.Unmarshal(raw, &out) != nil {
		b.Fatalf("search: %d %s", res.StatusCode, raw)
	}
	return len(out.Items)
}

// sampleRegistry draws n random rows' names and ID numbers from a persons
// file (reservoir sampling: the file is read once, never held).
func sampleRegistry(b *testing.B, path string, n int) (names, ids []string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		seen++
		name, id := strings.Clone(rec[0]), strings.Clone(rec[1])
		if len(names) < n {
			names, ids = append(names, name), append(ids, id)
		} else if j := rng.IntN(seen); j < n {
			names[j], ids[j] = name, id
		}
	}
	if len(ids) == 0 {
		b.Fatal("no persons in " + path)
	}
	return names, ids
}
