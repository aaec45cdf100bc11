package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
)

// A 2027 notice as it might read: the provisional compiled-in year gets
// bridging days and make-up working days.
const notice2027 = `{
  "$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
  "year": 2027,
  "papers": ["https://www.gov.cn/zhengce/2027"],
  "days": [
    {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
    {"name": "元旦", "date": "2027-01-02", "isOffDay": true},
    {"name": "元旦", "date": "2027-01-03", "isOffDay": true},
    {"name": "春节", "date": "2027-02-05", "isOffDay": true},
    {"name": "春节", "date": "2027-02-20", "isOffDay": false},
    {"name": "清明", "date": "2027-04-05", "isOffDay": true}
  ]
}`

func TestCalendarShowImportSetDay(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			c := newCLI(t, engine)
			code, out, errOut := c.run("", "calendar", "show")
			if code != 0 || !strings.Contains(out, "version 1") || !strings.Contains(out, "08:30–12:00, 13:30–17:30 (7.5 h a working day)") ||
				!strings.Contains(out, "Sunday, Saturday") || !strings.Contains(out, "2027  default") {
				t.Fatalf("show: %d %q %q", code, out, errOut)
			}

			file := filepath.Join(t.TempDir(), "2027.json")
			if err := os.WriteFile(file, []byte(notice2027), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut = c.run("", "calendar", "import", file)
			if code != 0 || !strings.Contains(out, "2027: 3 added, 10 removed, 1 changed, 2 unchanged (version 2)") ||
				!strings.Contains(out, "  + 2027-02-20 Saturday  working 春节") ||
				!strings.Contains(out, "  - 2027-10-01 Friday    off     国庆节") ||
				!strings.Contains(out, "  ~ 2027-04-05 Monday    off     清明 (was off 清明节)") {
				t.Fatalf("import: %d %q %q", code, out, errOut)
			}
			if code, out, _ := c.run("", "calendar", "import", file); code != 0 || !strings.Contains(out, "2027: no change") {
				t.Fatalf("import again: %d %q", code, out)
			}

			// Flags may follow the date.
			code, out, errOut = c.run("", "calendar", "set-day", "2026-03-02", "--off", "--name", "停电")
			if code != 0 || out != "2026-03-02 (Monday) is now a day off: 停电 (was not set, so working by the weekly pattern; version 3)\n" {
				t.Fatalf("set-day: %d %q %q", code, out, errOut)
			}
			code, out, _ = c.run("", "calendar", "set-day", "--work", "--name", "劳动节", "2026-05-09")
			if code != 0 || !strings.Contains(out, "is already a working day: 劳动节; nothing changed") {
				t.Fatalf("set-day unchanged: %d %q", code, out)
			}
			code, out, _ = c.run("", "calendar", "show", "--year", "2026")
			if code != 0 || !strings.Contains(out, "2026: 247 working days; arrangement from manual, changed") ||
				!strings.Contains(out, "2026-03-02  Monday     off      2026    停电") || !strings.Contains(out, "2026-05-09  Saturday   working  2026    劳动节") {
				t.Fatalf("show 2026: %d %q", code, out)
			}
			code, out, _ = c.run("", "calendar", "delete-day", "2026-03-02")
			if code != 0 || !strings.Contains(out, "removed (was a day off: 停电); now working by the weekly pattern (version 4)") {
				t.Fatalf("delete-day: %d %q", code, out)
			}
			if code, _, errOut := c.run("", "calendar", "delete-day", "2026-03-02"); code != 1 || !strings.Contains(errOut, "not a holiday") {
				t.Fatalf("delete-day again: %d %q", code, errOut)
			}

			bad := filepath.Join(t.TempDir(), "bad.json")
			if err := os.WriteFile(bad, []byte(`{"year": 2027, "days": [{"name": "元旦", "date": "2027-13-01", "isOffDay": true}]}`), 0o600); err != nil {
				t.Fatal(err)
			}
			if code, _, errOut := c.run("", "calendar", "import", bad); code != 1 || !strings.Contains(errOut, "days[0].date") {
				t.Fatalf("bad file: %d %q", code, errOut)
			}
			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"calendar"}, "calendar show"},
				{[]string{"calendar", "print"}, "unknown subcommand"},
				{[]string{"calendar", "import"}, "exactly one holiday-cn year file"},
				{[]string{"calendar", "set-day", "2026-03-02", "--name", "x"}, "either --off or --work"},
				{[]string{"calendar", "set-day", "2026-03-02", "--off", "--work", "--name", "x"}, "either --off or --work"},
				{[]string{"calendar", "set-day", "2026-03-02", "--off"}, "--name is required"},
				{[]string{"calendar", "set-day", "2026-02-30", "--off", "--name", "x"}, "not a date in the calendar"},
				{[]string{"calendar", "show", "2026"}, "--year"},
			} {
				if code, _, errOut := c.run("", tc.args...); code != 2 || !strings.Contains(errOut, tc.want) {
					t.Errorf("%v: %d %q, want 2 and %q", tc.args, code, errOut, tc.want)
				}
			}
			code, out, _ = c.run("", "audit", "verify")
			if code != 0 || !strings.Contains(out, "intact: 4 entries") {
				t.Fatalf("audit verify: %d %q", code, out)
			}
		})
	}
}
