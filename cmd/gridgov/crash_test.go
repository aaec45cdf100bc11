package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// TestMain lets a test run the real program in a child process, so that it
// can be killed.
func TestMain(m *testing.M) {
	if os.Getenv("GRIDGOV_TEST_RUN_MAIN") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
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

		child := exec.Command(os.Args[0], "import", "houses", file)
		child.Env = append(os.Environ(), "GRIDGOV_TEST_RUN_MAIN=1", "GRIDGOV_DATA_DIR="+c.dataDir, "GRIDGOV_DATABASE_URL="+c.dbURL,
			"GRIDGOV_LOG_LEVEL=warn")
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
