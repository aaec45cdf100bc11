package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/idcard"
)

// TestMain lets a test run the real program in a child process, so that it
// can be killed.
func TestMain(m *testing.M) {
	if os.Getenv("GRIDGOV_TEST_RUN_MAIN") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// child is the real program run with args in a process of its own, on the
// CLI's database, so that a test can kill it.
func (c *cli) child(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GRIDGOV_TEST_RUN_MAIN=1", "GRIDGOV_DATA_DIR="+c.dataDir, "GRIDGOV_DATABASE_URL="+c.dbURL,
		"GRIDGOV_LOG_LEVEL=warn")
	return cmd
}

// An import killed with SIGKILL halfway leaves whole chunks behind; running
// the same file again stores the rest, duplicates nothing and rejects
// nothing.
func TestImportResumesAfterKill(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		engine := d.Engine
		d.Close()
		c := newCLI(t, engine)
		if code, _, errOut := c.run("", "demo"); code != 0 {
			t.Fatalf("demo: %s", errOut)
		}
		const n = 150_000
		var b strings.Builder
		b.WriteString("house_code,address,grid_code,usage,floor_area_m2\n")
		for i := range n {
			fmt.Fprintf(&b, "K-%06d,友谊路%d号,990102001001001,self_occupied,%d\n", i, i, 40+i%90)
		}
		file := filepath.Join(t.TempDir(), "houses.csv")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}

		child := c.child("import", "houses", file)
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		store := c.open()
		count := func() int {
			var k int
			if err := store.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM houses WHERE code LIKE 'K-%'`).Scan(&k); err != nil {
				t.Fatal(err)
			}
			return k
		}
		deadline := time.Now().Add(2 * time.Minute)
		for count() == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if err := child.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = child.Wait()
		before := count()
		if before == 0 || before == n {
			t.Fatalf("the kill came at %d of %d rows; the test wants it halfway", before, n)
		}
		code, out, errOut := c.run("", "import", "houses", file)
		want := fmt.Sprintf("%d rows: %d created, 0 updated, %d unchanged, 0 rejected", n, n-before, before)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("re-run: %d %q %q, want %q", code, out, errOut, want)
		}
		if after := count(); after != n {
			t.Fatalf("%d houses after the re-run, want %d", after, n)
		}
	})
}

// A first load of persons, killed with SIGKILL halfway, has stored whole
// chunks without the unique index on ID numbers; running the file again
// builds the index first, stores the rest and duplicates no one.
func TestFirstLoadOfPersonsResumesAfterKill(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		engine := d.Engine
		d.Close()
		c := newCLI(t, engine)
		if code, _, errOut := c.run("", "demo", "--registry=false"); code != 0 {
			t.Fatalf("demo: %s", errOut)
		}
		dir := t.TempDir()
		houses, persons := filepath.Join(dir, "houses.csv"), filepath.Join(dir, "persons.csv")
		const n = 100_000
		var hb, pb strings.Builder
		hb.WriteString("house_code,address,grid_code,usage\n")
		pb.WriteString("name,id_number,house_code,house_relation,residence_type\n")
		born := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range n {
			if i%4 == 0 {
				fmt.Fprintf(&hb, "P-%06d,友谊路%d号,990102001001001,self_occupied\n", i/4, i/4)
			}
			first := fmt.Sprintf("230602%s%03d", born.AddDate(0, 0, i/1000).Format("20060102"), i%1000)
			fmt.Fprintf(&pb, "人%d,%s%c,P-%06d,lives,registered\n", i, first, idcard.CheckDigit(first), i/4)
		}
		for file, text := range map[string]string{houses: hb.String(), persons: pb.String()} {
			if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if code, _, errOut := c.run("", "import", "houses", houses); code != 0 {
			t.Fatalf("import houses: %s", errOut)
		}

		child := c.child("import", "persons", persons)
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		store := c.open()
		count := func(q string) int {
			var k int
			if err := store.Read().QueryRowContext(context.Background(), q).Scan(&k); err != nil {
				t.Fatal(err)
			}
			return k
		}
		const stored = `SELECT COUNT(*) FROM persons`
		hasUnique := func() bool {
			t.Helper()
			has, err := store.HasIndex(context.Background(), store.Read(), "persons_id_number")
			if err != nil {
				t.Fatal(err)
			}
			return has
		}
		deadline := time.Now().Add(2 * time.Minute)
		for count(stored) == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if err := child.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = child.Wait()
		before := count(stored)
		if before == 0 || before == n {
			t.Fatalf("the kill came at %d of %d rows; the test wants it halfway", before, n)
		}
		if hasUnique() {
			t.Fatal("the unique index on ID numbers was there during the first load")
		}
		code, out, errOut := c.run("", "import", "persons", persons)
		want := fmt.Sprintf("%d rows: %d created, 0 updated, %d unchanged, 0 rejected", n, n-before, before)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("re-run: %d %q %q, want %q", code, out, errOut, want)
		}
		if after, distinct := count(stored), count(`SELECT COUNT(DISTINCT id_number_index) FROM persons`); after != n || distinct != n {
			t.Fatalf("%d persons with %d ID numbers after the re-run, want %d", after, distinct, n)
		}
		if !hasUnique() {
			t.Fatal("no unique index on ID numbers after the re-run")
		}
	})
}

// A server killed with SIGKILL while reports pour in loses none it
// acknowledged: every 201 names an event that is in the database after.
func TestAcknowledgedEventsSurviveKill(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		engine := d.Engine
		d.Close()
		c := newCLI(t, engine)
		if code, _, errOut := c.run("", "demo", "--registry=false"); code != 0 {
			t.Fatalf("demo: %s", errOut)
		}
		const password = "Kill-Test-2026-pw"
		if code, _, errOut := c.run(password+"\n", "user", "add", "--username", "ops", "--role", "admin", "--password-stdin"); code != 0 {
			t.Fatalf("user add: %s", errOut)
		}
		var out syncBuffer
		child := c.child("serve", "--addr", "127.0.0.1:0")
		child.Stdout, child.Stderr = &out, &out
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		defer child.Process.Kill()
		addrRe := regexp.MustCompile(`serving on (http://\S+)`)
		var base string
		for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if m := addrRe.FindStringSubmatch(out.String()); m != nil {
				base = m[1]
			}
		}
		if base == "" {
			t.Fatalf("server did not start: %s", out.String())
		}
		res, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"ops","password":"`+password+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		var login struct {
			Token string `json:"token"`
		}
		_ = json.NewDecoder(res.Body).Decode(&login)
		res.Body.Close()
		if login.Token == "" {
			t.Fatalf("login: %d", res.StatusCode)
		}
		grid := func() string {
			var code string
			if err := c.open().Read().QueryRowContext(context.Background(), `SELECT code FROM regions WHERE level = 5 ORDER BY code LIMIT 1`).Scan(&code); err != nil {
				t.Fatal(err)
			}
			return code
		}()
		var mu sync.Mutex
		var acked []int64
		var wg sync.WaitGroup
		stop := make(chan struct{})
		client := &http.Client{Timeout: 5 * time.Second}
		for w := range 16 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf(`{"category_code":"city_appearance.exposed_garbage","title":"压测 %d-%d","grid_code":%q}`, w, i, grid)
					req, _ := http.NewRequest("POST", base+"/api/v1/events", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+login.Token)
					res, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					var filed struct {
						Event struct {
							ID int64 `json:"id"`
						} `json:"event"`
					}
					_ = json.NewDecoder(res.Body).Decode(&filed)
					res.Body.Close()
					if res.StatusCode == http.StatusCreated {
						mu.Lock()
						acked = append(acked, filed.Event.ID)
						mu.Unlock()
					}
				}
			})
		}
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			n := len(acked)
			mu.Unlock()
			if n >= 300 {
				break
			}
		}
		if err := child.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = child.Wait()
		close(stop)
		wg.Wait()
		if len(acked) < 300 {
			t.Fatalf("only %d reports acknowledged before the kill", len(acked))
		}
		store := c.open()
		missing := 0
		for _, id := range acked {
			var n int
			if err := store.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM events WHERE id = $1`, id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				missing++
			}
		}
		if missing > 0 {
			t.Fatalf("%d of %d acknowledged events are missing after the kill", missing, len(acked))
		}
		// The counters move in the transaction of their events: the city's
		// reports after the kill are the events stored, none lost and none
		// counted twice.
		var reported, events int64
		if err := store.Read().QueryRowContext(context.Background(), `SELECT COALESCE(SUM(n), 0) FROM event_counters WHERE region_code =
			(SELECT code FROM regions WHERE level = 1) AND LENGTH(month) = 7 AND category_code = '*' AND measure = 'reported'`).Scan(&reported); err != nil {
			t.Fatal(err)
		}
		if err := store.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM events WHERE measures % 2 = 1`).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if reported != events {
			t.Fatalf("the counters say %d reports, the events table %d", reported, events)
		}
		t.Logf("%d acknowledged events, all stored and counted", len(acked))
	})
}
