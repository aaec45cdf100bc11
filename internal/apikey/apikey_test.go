package apikey_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func wantCode(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != field) {
		t.Fatalf("err = %v, want field %s", err, field)
	}
}

func TestCreateAuthenticateListRevoke(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
		svc := apikey.NewService(d, c.Now)
		admin := auth.System("admin1")

		k, err := svc.Create(ctx, admin, " 12345 热线 ")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(k.Secret, apikey.Prefix) || len(k.Secret) != len(apikey.Prefix)+43 || k.Name != "12345 热线" ||
			!strings.HasPrefix(k.Secret, k.Prefix) || len(k.Prefix) != len(apikey.Prefix)+8 || k.CreatedBy != "admin1" {
			t.Fatalf("created = %+v", k)
		}
		// Only the hash is stored: the key appears nowhere in the table.
		var n int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE key_hash = $1 OR prefix = $1 OR name = $1`, k.Secret).Scan(&n); err != nil || n != 0 {
			t.Fatalf("plaintext stored: %d %v", n, err)
		}
		wantCode(t, func() error { _, err := svc.Create(ctx, admin, "12345 热线"); return err }(), apperr.Conflict, "name")
		for _, bad := range []string{"", "  ", "<b>x</b>", strings.Repeat("a", 51), "-lead"} {
			_, err := svc.Create(ctx, admin, bad)
			wantCode(t, err, apperr.Invalid, "name")
		}

		cl, err := svc.Authenticate(ctx, k.Secret)
		if err != nil || cl.Name != "12345 热线" || cl.ID != k.ID {
			t.Fatalf("authenticate = %+v, %v", cl, err)
		}
		if p := cl.Principal("10.0.0.1"); p.User.ID != 0 || p.User.Role != auth.RoleResident || p.User.Username != "apikey:12345 热线" || p.Can(auth.PermRegionsRead) {
			t.Fatalf("principal = %+v", p)
		}
		// The last use is written at most once a minute.
		c.Add(30 * time.Second)
		if _, err := svc.Authenticate(ctx, k.Secret); err != nil {
			t.Fatal(err)
		}
		keys, err := svc.List(ctx, admin)
		if err != nil || len(keys) != 1 || keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)) {
			t.Fatalf("list = %+v, %v", keys, err)
		}
		c.Add(time.Minute)
		if _, err := svc.Authenticate(ctx, k.Secret); err != nil {
			t.Fatal(err)
		}
		keys, _ = svc.List(ctx, admin)
		if !keys[0].LastUsedAt.Equal(c.Now()) {
			t.Fatalf("last used = %v, want %v", keys[0].LastUsedAt, c.Now())
		}

		for _, bad := range []string{"", "nonsense", apikey.Prefix + strings.Repeat("A", 43), strings.Replace(k.Secret, "gg_", "xx_", 1)} {
			_, err := svc.Authenticate(ctx, bad)
			wantCode(t, err, apperr.Unauthorized, "")
		}

		other, err := svc.Create(ctx, admin, "fixmystreet")
		if err != nil {
			t.Fatal(err)
		}
		r, err := svc.Revoke(ctx, admin, k.ID)
		if err != nil || r.Active() || r.RevokedBy != "admin1" {
			t.Fatalf("revoke = %+v, %v", r, err)
		}
		_, err = svc.Authenticate(ctx, k.Secret)
		wantCode(t, err, apperr.Unauthorized, "")
		if !strings.Contains(err.Error(), "revoked") {
			t.Fatalf("revoked key error = %v", err)
		}
		// Idempotent: a second revoke answers the same and audits nothing.
		again, err := svc.Revoke(ctx, admin, k.ID)
		if err != nil || again.RevokedAt == nil || !again.RevokedAt.Equal(*r.RevokedAt) {
			t.Fatalf("revoke again = %+v, %v", again, err)
		}
		_, err = svc.Revoke(ctx, admin, 9999)
		wantCode(t, err, apperr.NotFound, "")
		if _, err := svc.Authenticate(ctx, other.Secret); err != nil {
			t.Fatalf("other key: %v", err)
		}
		// The name is free again once its key is revoked.
		if _, err := svc.Create(ctx, admin, "12345 热线"); err != nil {
			t.Fatalf("re-create after revoke: %v", err)
		}
		keys, _ = svc.List(ctx, admin)
		if len(keys) != 3 || !keys[0].Active() || !keys[1].Active() || keys[2].Active() {
			t.Fatalf("list order = %+v", keys)
		}

		entries, err := audit.List(ctx, d.Read(), audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, en := range entries {
			counts[en.Action]++
			if strings.Contains(fmt.Sprint(en.Detail), k.Secret) {
				t.Fatal("a key reached the audit log")
			}
		}
		if counts["apikey.create"] != 3 || counts["apikey.revoke"] != 1 {
			t.Fatalf("audit = %v", counts)
		}
		if rep, err := audit.Verify(ctx, d.Read()); err != nil || rep.First != nil {
			t.Fatalf("audit chain: %+v %v", rep, err)
		}
	})
}

func TestOnlyDeploymentWideAdminsManageKeys(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := apikey.NewService(d, time.Now)
		for _, p := range []auth.Principal{
			{User: auth.User{Username: "c", Role: auth.RoleCenter}},
			{User: auth.TestUserScopedTo(auth.User{Username: "a", Role: auth.RoleAdmin}, "/230600/")},
			{User: auth.User{Username: "r", Role: auth.RoleResident}},
			{User: auth.User{Username: "x", Role: auth.RoleAdmin}, Restricted: true},
		} {
			_, err := svc.Create(ctx, p, "client")
			wantCode(t, err, apperr.Forbidden, "")
			_, err = svc.List(ctx, p)
			wantCode(t, err, apperr.Forbidden, "")
			_, err = svc.Revoke(ctx, p, 1)
			wantCode(t, err, apperr.Forbidden, "")
		}
		var n int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("keys = %d %v", n, err)
		}
	})
}
