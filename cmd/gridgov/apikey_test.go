package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/db"
)

func TestAPIKeyAddListRevoke(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			c := newCLI(t, engine)
			code, out, errOut := c.run("", "apikey", "add", "--name", "12345热线")
			key := regexp.MustCompile(`(?m)^gg_[A-Za-z0-9_-]{43}$`).FindString(out)
			if code != 0 || key == "" || !strings.Contains(out, "created API key 1 for 12345热线") {
				t.Fatalf("add: %d %q %q", code, out, errOut)
			}
			if code, _, errOut := c.run("", "apikey", "add", "--name", "12345热线"); code != 1 || !strings.Contains(errOut, "already has a key") {
				t.Fatalf("add twice: %d %q", code, errOut)
			}
			code, out, _ = c.run("", "apikey", "list")
			if code != 0 || !strings.Contains(out, "12345热线") || !strings.Contains(out, key[:11]+"…") || strings.Contains(out, key) || !strings.Contains(out, "active") {
				t.Fatalf("list: %d %q", code, out)
			}
			svc := apikey.NewService(c.open(), time.Now)
			if cl, err := svc.Authenticate(context.Background(), key); err != nil || cl.Name != "12345热线" {
				t.Fatalf("the printed key does not authenticate: %+v %v", cl, err)
			}
			if code, out, errOut := c.run("", "apikey", "revoke", "1"); code != 0 || !strings.Contains(out, "revoked") {
				t.Fatalf("revoke: %d %q %q", code, out, errOut)
			}
			if code, _, _ := c.run("", "apikey", "revoke", "1"); code != 0 {
				t.Fatalf("revoke again: %d", code)
			}
			if _, err := svc.Authenticate(context.Background(), key); err == nil {
				t.Fatal("a revoked key still authenticates")
			}
			if code, out, _ := c.run("", "apikey", "list"); code != 0 || !strings.Contains(out, "revoked") {
				t.Fatalf("list after revoke: %d %q", code, out)
			}
			if code, _, errOut := c.run("", "apikey", "revoke", "99"); code != 1 || !strings.Contains(errOut, "not found") {
				t.Fatalf("revoke unknown: %d %q", code, errOut)
			}
			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"apikey"}, "apikey add --name NAME"},
				{[]string{"apikey", "add"}, "--name is required"},
				{[]string{"apikey", "revoke"}, "apikey revoke ID"},
				{[]string{"apikey", "revoke", "x"}, "positive number"},
				{[]string{"apikey", "rotate"}, "unknown subcommand"},
			} {
				if code, _, errOut := c.run("", tc.args...); code != 2 || !strings.Contains(errOut, tc.want) {
					t.Errorf("%v: %d %q, want 2 and %q", tc.args, code, errOut, tc.want)
				}
			}
			code, out, _ = c.run("", "audit", "verify")
			if code != 0 || !strings.Contains(out, "intact: 2 entries") {
				t.Fatalf("audit verify: %d %q", code, out)
			}
		})
	}
}
