package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

func TestSamplingStartAndList(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			c := newCLI(t, engine)
			if code, _, errOut := c.run("", "migrate"); code != 0 {
				t.Fatalf("migrate: %s", errOut)
			}
			// A county with two grids and three houses, written as the server would.
			ctx := context.Background()
			d := c.open()
			regions := region.NewStore(d, time.Now)
			for _, r := range []region.Region{
				{Code: "990100", Name: "示范市", Level: region.City},
				{Code: "990101", Name: "东区", Level: region.County, ParentCode: "990100"},
				{Code: "990101001", Name: "东风街道", Level: region.Township, ParentCode: "990101"},
				{Code: "990101001001", Name: "友谊社区", Level: region.Village, ParentCode: "990101001"},
				{Code: "990101001001001", Name: "友谊一网格", Level: region.Grid, ParentCode: "990101001001"},
				{Code: "990101001001002", Name: "友谊二网格", Level: region.Grid, ParentCode: "990101001001"},
			} {
				if _, err := regions.Create(ctx, audit.System("test"), region.All(), r); err != nil {
					t.Fatal(err)
				}
			}
			keys, err := secret.LoadOrCreate("", c.dataDir)
			if err != nil {
				t.Fatal(err)
			}
			svc := registry.NewService(d, keys, nil, time.Now)
			for _, h := range []registry.House{
				{Code: "H-1", GridCode: "990101001001001"}, {Code: "H-2", GridCode: "990101001001001"}, {Code: "H-3", GridCode: "990101001001002"},
			} {
				if _, _, err := svc.SaveHouse(ctx, auth.System("test"), h); err != nil {
					t.Fatal(err)
				}
			}

			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"sampling"}, "want 'sampling start'"},
				{[]string{"sampling", "draw"}, `unknown subcommand "draw"`},
				{[]string{"sampling", "start", "--month", "2026-06"}, "--region is required"},
				{[]string{"sampling", "start", "--region", "990101", "--month", "2026-13"}, "--month must be YYYY-MM"},
				{[]string{"sampling", "start", "--region", "990101", "--per-grid", "0"}, "--per-grid must be between 1 and 50"},
				{[]string{"sampling", "start", "--region", "990101", "--seed", "-5"}, "--seed must be between 1"},
				{[]string{"sampling", "list", "--limit", "0"}, "--limit must be between 1 and 200"},
				{[]string{"serve", "--sampling-per-grid", "51"}, "--sampling-per-grid must be between 0 (off) and 50"},
			} {
				if code, _, errOut := c.run("", tc.args...); code != 2 || !strings.Contains(errOut, tc.want) {
					t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
				}
			}

			code, out, errOut := c.run("", "sampling", "start", "--month", "2026-06", "--region", "990101", "--per-grid", "1", "--seed", "77")
			if code != 0 || !regexp.MustCompile(`^round \d+: 2026-06 990101 东区, 1 per grid, seed 77: 2 records drawn\n$`).MatchString(out) {
				t.Fatalf("sampling start: %d %q %q", code, out, errOut)
			}
			if code, _, errOut := c.run("", "sampling", "start", "--month", "2026-06", "--region", "990101"); code != 1 || !strings.Contains(errOut, "already has a sampling round") {
				t.Fatalf("a second round for the month: %d %q", code, errOut)
			}
			if code, _, errOut := c.run("", "sampling", "start", "--month", "2026-06", "--region", "990101001"); code != 1 || !strings.Contains(errOut, "overlaps sampling round") {
				t.Fatalf("a round inside the month's round: %d %q", code, errOut)
			}
			if code, _, errOut := c.run("", "sampling", "start", "--month", "2099-01", "--region", "990101"); code != 1 || !strings.Contains(errOut, "is after this month") {
				t.Fatalf("a round of a month to come: %d %q", code, errOut)
			}
			if code, _, errOut := c.run("", "sampling", "start", "--month", "2026-07", "--region", "990199"); code != 1 || !strings.Contains(errOut, "region 990199 not found") {
				t.Fatalf("an unknown region: %d %q", code, errOut)
			}
			code, out, _ = c.run("", "sampling", "start", "--month", "2026-07", "--region", "990101001001002", "--per-grid", "3")
			if code != 0 || !strings.Contains(out, "1 records drawn") {
				t.Fatalf("sampling start with a random seed: %d %q", code, out)
			}
			code, out, _ = c.run("", "sampling", "list")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") ||
				!regexp.MustCompile(`2026-07\s+990101001001002\s+友谊二网格\s+3\s+1\s+0\s+0\s+0\.0%`).MatchString(lines[1]) ||
				!regexp.MustCompile(`2026-06\s+990101\s+东区\s+1\s+2\s+0\s+0\s+0\.0%\s+77$`).MatchString(lines[2]) {
				t.Fatalf("sampling list: %d\n%s", code, out)
			}
			if code, out, _ := c.run("", "sampling", "list", "--month", "2026-05"); code != 0 || !strings.Contains(out, "no sampling rounds") {
				t.Fatalf("sampling list of an empty month: %d %q", code, out)
			}
			if code, _, errOut := c.run("", "sampling", "list", "--month", "May"); code != 2 || !strings.Contains(errOut, "--month must be YYYY-MM") {
				t.Fatalf("sampling list of a bad month: %d %q", code, errOut)
			}
		})
	}
}
