package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// cli runs the program in-process against one database.
type cli struct {
	t       *testing.T
	dataDir string
	dbURL   string
}

func newCLI(t *testing.T, engine db.Engine) *cli {
	c := &cli{t: t, dataDir: t.TempDir()}
	if engine == db.Postgres {
		c.dbURL = dbtest.Config(t, engine).URL
	}
	return c
}

func (c *cli) env(extra map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		switch k {
		case "GRIDGOV_DATA_DIR":
			return c.dataDir
		case "GRIDGOV_DATABASE_URL":
			return c.dbURL
		case "GRIDGOV_LOG_LEVEL":
			return "warn"
		}
		return ""
	}
}

func (c *cli) run(stdin string, args ...string) (int, string, string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, c.env(nil), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func (c *cli) open() *db.DB {
	c.t.Helper()
	d, err := db.Open(context.Background(), db.Config{URL: c.dbURL, Path: filepath.Join(c.dataDir, "gridgov.db")})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { d.Close() })
	return d
}

func TestUsageAndVersion(t *testing.T) {
	c := newCLI(t, db.SQLite)
	if code, _, errOut := c.run(""); code != 2 || !strings.Contains(errOut, "usage: gridgov") {
		t.Fatalf("no args: %d %q", code, errOut)
	}
	if code, _, errOut := c.run("", "fly"); code != 2 || !strings.Contains(errOut, `unknown command "fly"`) {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	if code, out, _ := c.run("", "version"); code != 0 || !strings.HasPrefix(out, "gridgov ") {
		t.Fatalf("version: %d %q", code, out)
	}
}

func TestConfigValidation(t *testing.T) {
	c := newCLI(t, db.SQLite)
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"serve", "--addr", "8080"}, nil, "--addr"},
		{[]string{"serve", "--database-url", "mysql://x"}, nil, "--database-url"},
		{[]string{"serve", "--log-level", "loud"}, nil, "--log-level"},
		{[]string{"serve", "--totp-required-roles", "admin,king"}, nil, "unknown role"},
		{[]string{"serve", "--trusted-proxies", "10.0.0.0/33"}, nil, "--trusted-proxies"},
		{[]string{"serve", "--tls-cert", "a.pem"}, nil, "--tls-key"},
		{[]string{"serve", "--session-idle", "2h", "--session-max", "1h"}, nil, "--session-idle"},
		{[]string{"serve"}, map[string]string{"GRIDGOV_SESSION_IDLE": "soon"}, "GRIDGOV_SESSION_IDLE"},
		{[]string{"serve", "--nope"}, nil, "flag provided but not defined"},
		{[]string{"user", "add", "--role", "admin"}, nil, "--username is required"},
		{[]string{"user", "add", "--username", "x", "--role", "admin", "--password-stdin"}, nil, "no password on standard input"},
		{[]string{"user", "list", "--role", "king"}, nil, "unknown role"},
		{[]string{"user"}, nil, "want 'user add'"},
		{[]string{"audit"}, nil, "audit verify"},
		{[]string{"demo", "--preset", "huge"}, nil, "unknown preset"},
	}
	for _, tc := range cases {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tc.args, c.env(tc.env), strings.NewReader(""), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}

func TestUserAddListAndAuditVerify(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			c := newCLI(t, engine)
			if code, _, errOut := c.run("", "migrate"); code != 0 {
				t.Fatalf("migrate: %s", errOut)
			}
			code, out, errOut := c.run("Grid-Pass-2026\n", "user", "add", "--username", "ops", "--role", "admin", "--display-name", "运维", "--password-stdin")
			if code != 0 || !strings.Contains(out, "created user ops") {
				t.Fatalf("user add: %d %q %q", code, out, errOut)
			}
			if strings.Contains(out+errOut, "Grid-Pass-2026") {
				t.Fatal("the password was echoed")
			}
			if code, _, errOut := c.run("weak\n", "user", "add", "--username", "w", "--role", "admin", "--password-stdin"); code != 1 || !strings.Contains(errOut, "password") {
				t.Fatalf("weak password: %d %q", code, errOut)
			}
			if code, _, errOut := c.run("", "user", "add", "--username", "c1", "--role", "center", "--scope", "230602"); code != 1 || !strings.Contains(errOut, "scope") {
				t.Fatalf("unknown scope region: %d %q", code, errOut)
			}
			code, out, _ = c.run("", "user", "add", "--username", "gen", "--role", "admin")
			if code != 0 || !regexp.MustCompile(`one-time password: \S{19}`).MatchString(out) {
				t.Fatalf("generated password: %d %q", code, out)
			}
			code, out, _ = c.run("", "user", "list")
			if code != 0 || !strings.Contains(out, "ops") || !strings.Contains(out, "运维") || !strings.Contains(out, "must change password") {
				t.Fatalf("user list: %d %q", code, out)
			}
			code, out, _ = c.run("", "audit", "verify")
			if code != 0 || !strings.Contains(out, "intact: 2 entries") {
				t.Fatalf("audit verify: %d %q", code, out)
			}
			if code, out, errOut := c.run("", "keys", "rotate"); code != 0 || !strings.Contains(out, "new data key k2") {
				t.Fatalf("keys rotate: %d %q %q", code, out, errOut)
			}
			if code, out, _ = c.run("", "user", "list"); code != 0 || !strings.Contains(out, "ops") {
				t.Fatalf("user list after rotation: %d %q", code, out)
			}

			// Tamper with the first entry: verification must fail and name it.
			d := c.open()
			if _, err := d.Write().ExecContext(context.Background(), `UPDATE audit_log SET actor = 'mallory' WHERE seq = 1`); err != nil {
				t.Fatal(err)
			}
			code, _, errOut = c.run("", "audit", "verify")
			if code != 1 || !strings.Contains(errOut, "first bad entry is 1") {
				t.Fatalf("audit verify after tampering: %d %q", code, errOut)
			}
		})
	}
}

func TestDemoIsIdempotent(t *testing.T) {
	c := newCLI(t, db.SQLite)
	code, out, errOut := c.run("", "demo")
	if code != 0 || !regexp.MustCompile(`\d+ regions, \d+ overlay polygons, \d+ stations`).MatchString(out) {
		t.Fatalf("demo: %d %q %q", code, out, errOut)
	}
	code, out, errOut = c.run("", "regions", "check")
	if code != 0 || !strings.Contains(out, "0 with gaps") || !strings.Contains(out, "0 with overlaps") {
		t.Fatalf("regions check of the demo city: %d %q %q", code, out, errOut)
	}
	exported := filepath.Join(t.TempDir(), "city.geojson")
	if code, _, errOut := c.run("", "export", "regions", "--crs", "gcj02", "--out", exported); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	// Re-importing the exported city changes nothing.
	code, out, errOut = c.run("", "import", "regions", "--crs", "gcj02", exported)
	if code != 0 || !strings.HasPrefix(out, "0 created, 0 updated") {
		t.Fatalf("re-import: %d %q %q", code, out, errOut)
	}
	// Overlays and stations from files; a bad station refuses the file.
	dir := t.TempDir()
	overlays := filepath.Join(dir, "mediation.geojson")
	// An overlay far from the city is refused; one in its middle is taken.
	os.WriteFile(overlays, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"MX1","name":"调解网格X"},
		"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}`), 0o600)
	if code, out, _ := c.run("", "import", "overlays", "--layer", "mediation", overlays); code != 1 || !strings.Contains(out, "lies outside the city") {
		t.Fatalf("overlay outside the city: %d %q", code, out)
	}
	os.WriteFile(overlays, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"MX1","name":"调解网格X"},
		"geometry":{"type":"Polygon","coordinates":[[[124.88,46.18],[124.92,46.18],[124.92,46.22],[124.88,46.22],[124.88,46.18]]]}}]}`), 0o600)
	if code, out, errOut := c.run("", "import", "overlays", "--layer", "mediation", overlays); code != 0 || !strings.Contains(out, "1 created") {
		t.Fatalf("import overlays: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := c.run("", "import", "overlays", overlays); code != 2 || !strings.Contains(errOut, "--layer") {
		t.Fatalf("overlays without layer: %d %q", code, errOut)
	}
	stations := filepath.Join(dir, "stations.geojson")
	os.WriteFile(stations, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"SX1","name":"驿站"},
		"geometry":{"type":"Point","coordinates":[0.5,0.5]}}]}`), 0o600)
	if code, out, _ := c.run("", "import", "stations", stations); code != 1 || !strings.Contains(out, "not inside any grid") {
		t.Fatalf("station outside the city: %d %q", code, out)
	}
	code, out, _ = c.run("", "demo")
	if code != 0 || !strings.Contains(out, "already present") {
		t.Fatalf("second demo: %d %q", code, out)
	}
}

// syncBuffer is a bytes.Buffer safe to read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeBootstrapsAdminAndShutsDownGracefully(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			c := newCLI(t, engine)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out, errOut syncBuffer
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, c.env(nil), strings.NewReader(""), &out, &errOut)
			}()
			addrRe := regexp.MustCompile(`serving on (http://\S+)`)
			var base string
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if m := addrRe.FindStringSubmatch(out.String()); m != nil {
					base = m[1]
					break
				}
			}
			if base == "" {
				t.Fatalf("server did not start: %s %s", out.String(), errOut.String())
			}
			pwRe := regexp.MustCompile(`one-time password:\s+(\S+)`)
			m := pwRe.FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("no bootstrap password printed: %s", out.String())
			}
			body := fmt.Sprintf(`{"username":"admin","password":%q}`, m[1])
			res, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			var login struct {
				User struct {
					MustChangePassword bool `json:"must_change_password"`
				} `json:"user"`
			}
			_ = json.NewDecoder(res.Body).Decode(&login)
			res.Body.Close()
			if res.StatusCode != 200 || !login.User.MustChangePassword {
				t.Fatalf("bootstrap login: %d %+v", res.StatusCode, login)
			}
			res, err = http.Get(base + "/healthz")
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("healthz: %v %v", res, err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()

			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Fatalf("serve exited %d: %s", code, errOut.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatal("serve did not stop after cancellation")
			}
			if strings.Contains(errOut.String(), m[1]) {
				t.Fatal("the one-time password reached the log")
			}
			// A second start on the same database creates no second admin.
			var out2 syncBuffer
			ctx2, cancel2 := context.WithCancel(context.Background())
			done2 := make(chan int, 1)
			go func() {
				done2 <- run(ctx2, []string{"serve", "--addr", "127.0.0.1:0"}, c.env(nil), strings.NewReader(""), &out2, io.Discard)
			}()
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !addrRe.MatchString(out2.String()); {
				time.Sleep(20 * time.Millisecond)
			}
			cancel2()
			<-done2
			if strings.Contains(out2.String(), "one-time password") {
				t.Fatal("a second administrator was bootstrapped")
			}
		})
	}
}

// TestDemoOnRealBoundaries subdivides the real Daqing district outlines.
func TestDemoOnRealBoundaries(t *testing.T) {
	const path = "../../../shared/data/daqing-districts.geojson"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("reference data not available (%v)", err)
	}
	c := newCLI(t, db.SQLite)
	code, out, errOut := c.run("", "demo", "--preset", "small", "--boundaries", path, "--crs", "gcj02", "--city-name", "大庆市")
	if code != 0 || !strings.Contains(out, "demo city 230600") {
		t.Fatalf("demo on real boundaries: %d %q %q", code, out, errOut)
	}
	code, out, errOut = c.run("", "regions", "check", "--json", "230602")
	if code != 0 && code != 1 {
		t.Fatalf("check: %d %q", code, errOut)
	}
	var rep struct {
		Parents []struct {
			Code         string  `json:"code"`
			CoveredShare float64 `json:"covered_share"`
		} `json:"parents"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Parents) == 0 {
		t.Fatalf("check output: %v %q", err, out[:min(len(out), 300)])
	}
	if rep.Parents[0].Code != "230602" || rep.Parents[0].CoveredShare < 0.999 {
		t.Fatalf("Sartu district covered by its townships: %+v", rep.Parents[0])
	}
}

func TestImportPersonsAndHouses(t *testing.T) {
	c := newCLI(t, db.SQLite)
	if code, _, errOut := c.run("", "demo"); code != 0 {
		t.Fatalf("demo: %s", errOut)
	}
	dir := t.TempDir()
	houses := filepath.Join(dir, "houses.csv")
	// A point inside the demo city: the station of its first grid.
	os.WriteFile(houses, []byte("房屋编码,地址,网格编码,用途\nH-1,友谊路1号,990102001001001,出租\n"), 0o600)
	if code, out, errOut := c.run("", "import", "houses", houses); code != 0 || !strings.Contains(out, "1 created") {
		t.Fatalf("import houses: %d %q %q", code, out, errOut)
	}
	first := "11010519491231002"
	persons := filepath.Join(dir, "persons.csv")
	// The third row's birth date (30 February) is hidden by the mask, and
	// no reason printed gives it back.
	os.WriteFile(persons, []byte("姓名,身份证号,房屋编码\n张三,"+first+"X,H-1\n李四,"+first+"0,H-1\n王五,230602198502300011,H-1\n"), 0o600)
	report := filepath.Join(dir, "errors.csv")
	code, out, errOut := c.run("", "import", "persons", "--errors", report, persons)
	if code != 0 || !strings.Contains(out, "1 created") || !strings.Contains(out, "row 3, column 身份证号") || !strings.Contains(out, "row 4, column 身份证号") {
		t.Fatalf("import persons: %d %q %q", code, out, errOut)
	}
	written, err := os.ReadFile(report)
	if err != nil || len(written) == 0 {
		t.Fatalf("error report not written: %v", err)
	}
	if !strings.Contains(out, "230602********0011") || !strings.Contains(string(written), "230602********0011") {
		t.Fatalf("the rejected number is not shown masked:\n%s\n%s", out, written)
	}
	for _, shown := range []string{out, errOut, string(written)} {
		if strings.Contains(shown, "19850230") {
			t.Fatalf("the output gives back a masked birth date:\n%s", shown)
		}
	}
	// Rejected rows speak the locale's language; LC_ALL wins over LANG.
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "zh_CN.UTF-8"}, "校验码"},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "check digit"},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "check digit"},
		{map[string]string{"LC_ALL": "zh_CN.UTF-8", "LANG": "C"}, "号码中的出生日期"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"import", "persons", persons}, c.env(tc.env), strings.NewReader(""), &out, &errOut)
		if code != 0 || !strings.Contains(out.String(), tc.want) {
			t.Fatalf("import with %v: %d %q %q, want %q", tc.env, code, out.String(), errOut.String(), tc.want)
		}
	}
	// The flags as README.md gives them, after the file.
	if code, _, errOut := c.run("", "import", "persons", persons, "--all-or-nothing"); code != 1 || !strings.Contains(errOut, "nothing stored") {
		t.Fatalf("all-or-nothing after the file: %d %q", code, errOut)
	}
	if code, _, errOut := c.run("", "import", "persons", "--all-or-nothing", persons); code != 1 || !strings.Contains(errOut, "nothing stored") {
		t.Fatalf("all-or-nothing before the file: %d %q", code, errOut)
	}
	other := filepath.Join(dir, "errors2.xlsx")
	if code, out, errOut := c.run("", "import", "persons", persons, "--errors", other, "--encoding", "utf-8"); code != 0 || !strings.Contains(out, other) {
		t.Fatalf("--errors after the file: %d %q %q", code, out, errOut)
	}
	if info, err := os.Stat(other); err != nil || info.Size() == 0 {
		t.Fatalf("error report not written: %v", err)
	}
	if code, _, errOut := c.run("", "import", "persons", "--encoding", "big5", persons); code != 2 || !strings.Contains(errOut, "--encoding") {
		t.Fatalf("bad encoding flag: %d %q", code, errOut)
	}
	if code, _, errOut := c.run("", "import", "persons", persons, "--encoding", "big5"); code != 2 || !strings.Contains(errOut, "--encoding") {
		t.Fatalf("bad encoding flag after the file: %d %q", code, errOut)
	}
	if code, _, errOut := c.run("", "import", "persons", persons, persons); code != 2 || !strings.Contains(errOut, "exactly one") {
		t.Fatalf("two files: %d %q", code, errOut)
	}
	// After "--" a name that looks like a flag is the file.
	if code, _, errOut := c.run("", "import", "persons", "--", "--all-or-nothing"); code != 1 || !strings.Contains(errOut, "--all-or-nothing") {
		t.Fatalf("a file named after \"--\": %d %q", code, errOut)
	}
}
