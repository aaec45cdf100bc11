package auth_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
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

type fixture struct {
	d     *db.DB
	svc   *auth.Service
	clock *clock
}

const pw = "Grid-Pass-2026"

func newFixture(t *testing.T, d *db.DB, cfg auth.Config) *fixture {
	t.Helper()
	keys, err := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 5, 11, 9, 0, 0, 0, time.UTC)}
	cfg.HashParams = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}
	svc, err := auth.NewService(d, keys, cfg, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	regions := region.NewStore(d, c.Now)
	for _, r := range []region.Region{
		{Code: "230600", Name: "大庆市", Level: region.City},
		{Code: "230602", Name: "萨尔图区", Level: region.County, ParentCode: "230600"},
		{Code: "230602001", Name: "萨尔图街道", Level: region.Township, ParentCode: "230602"},
		{Code: "230602002", Name: "铁人街道", Level: region.Township, ParentCode: "230602"},
	} {
		if _, err := regions.Create(context.Background(), audit.System("test"), region.All(), r); err != nil {
			t.Fatal(err)
		}
	}
	// Departments a department account may act for, one of them closed.
	for _, dept := range []struct {
		code   string
		active bool
	}{{"urban", true}, {"closed", false}} {
		if _, err := d.Write().ExecContext(context.Background(), `INSERT INTO departments (code, name, level, region_code, region_path, active,
			created_at, updated_at) VALUES ($1, $1, 2, '230602', '/230600/230602/', $2, $3, $3)`, dept.code, dept.active, c.t); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{d: d, svc: svc, clock: c}
}

func (f *fixture) user(t *testing.T, username string, role auth.Role, scope string) auth.User {
	t.Helper()
	u, err := f.svc.CreateUser(context.Background(), auth.System("test"), auth.NewUser{Username: username, Role: role, Scope: scope, Password: pw})
	if err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
	return u
}

func (f *fixture) login(t *testing.T, username, password string) (auth.LoginResult, error) {
	t.Helper()
	return f.svc.Login(context.Background(), auth.LoginInput{Username: username, Password: password, IP: "10.0.0.1"})
}

func auditActions(t *testing.T, d *db.DB) []string {
	t.Helper()
	entries, err := audit.List(context.Background(), d.Read(), audit.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		out = append(out, entries[i].Action+":"+entries[i].Outcome)
	}
	return out
}

func TestLoginAuthenticateLogout(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, auth.Config{})
		f.user(t, "zhang.san", auth.RoleCenter, "230602001")

		if _, err := f.login(t, "zhang.san", "wrong-Password1"); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := f.login(t, "nobody", pw); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("unknown user: %v", err)
		}
		res, err := f.login(t, "Zhang.San", pw)
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		p, err := f.svc.Authenticate(ctx, res.Token, "10.0.0.1")
		if err != nil {
			t.Fatalf("authenticate: %v", err)
		}
		if p.User.Username != "zhang.san" || p.User.ScopeRegionName != "萨尔图街道" || p.CSRFToken == "" {
			t.Fatalf("principal = %+v", p)
		}
		if !p.User.Scope().Contains("/230600/230602/230602001/x/") || p.User.Scope().Contains("/230600/230602/230602002/") {
			t.Fatal("scope does not match the township")
		}
		if err := f.svc.Logout(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("token still valid after logout: %v", err)
		}
		got := strings.Join(auditActions(t, d), " ")
		want := "user.create:ok auth.login:denied auth.login:denied auth.login:ok auth.logout:ok"
		if !strings.HasSuffix(got, want) {
			t.Fatalf("audit = %s\nwant suffix %s", got, want)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, auth.Config{SessionIdle: 30 * time.Minute, SessionMax: 2 * time.Hour})
		f.user(t, "li.si", auth.RoleWorker, "230602001")
		res, err := f.login(t, "li.si", pw)
		if err != nil {
			t.Fatal(err)
		}
		// Used every 20 minutes, the session lives until the absolute limit.
		for range 5 {
			f.clock.Add(20 * time.Minute)
			if _, err := f.svc.Authenticate(ctx, res.Token, ""); err != nil {
				t.Fatalf("active session ended early at %v: %v", f.clock.Now(), err)
			}
		}
		f.clock.Add(21 * time.Minute)
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("session outlived SessionMax: %v", err)
		}
		res, _ = f.login(t, "li.si", pw)
		f.clock.Add(31 * time.Minute)
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("idle session still valid: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, "forged-token", ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("forged token: %v", err)
		}
		// A session is only as good as its account: disabled behind its
		// back (as another process would), the session ends with it once
		// the moment it is cached for has passed.
		cache := &clock{t: time.Now()}
		f.svc.SetSessionCacheClock(cache.Now)
		res, _ = f.login(t, "li.si", pw)
		p, err := f.svc.Authenticate(ctx, res.Token, "")
		if err != nil || p.User.Username != "li.si" || p.User.Role != auth.RoleWorker || p.User.Scope().Path() == "" {
			t.Fatalf("session = %+v, %v", p.User, err)
		}
		if _, err := d.Write().ExecContext(ctx, `UPDATE users SET disabled = TRUE WHERE username = 'li.si'`); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); err != nil {
			t.Fatalf("cached session: %v", err)
		}
		cache.Add(auth.SessionCacheFor)
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); !apperr.Is(err, apperr.Unauthorized) || !strings.Contains(err.Error(), "disabled") {
			t.Fatalf("session of a disabled account: %v", err)
		}
	})
}

// A cached read never ends a session that was used since: here another
// process used it after the read, and by the read alone it is idle.
func TestCachedSessionEndsOnlyOnWhatIsStored(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, auth.Config{SessionIdle: 30 * time.Minute, SessionMax: 2 * time.Hour})
		cache := &clock{t: time.Now()}
		f.svc.SetSessionCacheClock(cache.Now)
		f.user(t, "zhou.jiu", auth.RoleWorker, "230602001")
		res, err := f.login(t, "zhou.jiu", pw)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Add(30 * time.Second)
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1`, f.clock.Now().Add(25*time.Minute)); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(31 * time.Minute)
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); err != nil {
			t.Fatalf("a session used 6 minutes ago ended: %v", err)
		}
	})
}

func TestResidentSessionsLastLonger(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, auth.Config{SessionIdle: 30 * time.Minute, SessionMax: 2 * time.Hour,
			ResidentIdle: 7 * 24 * time.Hour, ResidentMax: 30 * 24 * time.Hour})
		f.user(t, "li.si", auth.RoleWorker, "230602001")
		var rid int64
		if err := d.InTx(ctx, func(tx *sql.Tx) (err error) {
			rid, err = auth.CreateResidentAccount(ctx, tx, f.clock.Now(), "居民")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		staff, err := f.login(t, "li.si", pw)
		if err != nil {
			t.Fatal(err)
		}
		resident, err := f.svc.OpenResidentSession(ctx, rid, "")
		if err != nil {
			t.Fatal(err)
		}
		// A day unused ends the staff session, in Authenticate and in the
		// purge alike, and leaves the resident's.
		f.clock.Add(24 * time.Hour)
		if n, err := f.svc.PurgeExpiredSessions(ctx); err != nil || n != 1 {
			t.Fatalf("purge = %d, %v; want the staff session only", n, err)
		}
		if _, err := f.svc.Authenticate(ctx, staff.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("idle staff session: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, resident.Token, ""); err != nil {
			t.Fatalf("resident session ended after a day: %v", err)
		}
		// Used weekly, it still ends at ResidentMax.
		for range 4 {
			f.clock.Add(6 * 24 * time.Hour)
			if _, err := f.svc.Authenticate(ctx, resident.Token, ""); err != nil {
				t.Fatalf("resident session ended early at %v: %v", f.clock.Now(), err)
			}
		}
		f.clock.Add(6 * 24 * time.Hour)
		if _, err := f.svc.Authenticate(ctx, resident.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("resident session outlived ResidentMax: %v", err)
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, auth.Config{AccountLimit: 3, IPLimit: 100, ThrottleLockout: 10 * time.Minute})
		f.user(t, "wang.wu", auth.RoleCenter, "230602")
		for range 3 {
			if _, err := f.login(t, "wang.wu", "Bad-Password-1"); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("want unauthorized, got %v", err)
			}
		}
		_, err := f.login(t, "wang.wu", pw)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.RateLimited || e.RetryAfterSeconds != 600 {
			t.Fatalf("right password during lockout: %v", err)
		}
		f.clock.Add(10*time.Minute + time.Second)
		if _, err := f.login(t, "wang.wu", pw); err != nil {
			t.Fatalf("login after lockout: %v", err)
		}
	})
}

func TestThrottlePerIP(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, auth.Config{AccountLimit: 100, IPLimit: 4})
		// Spraying many accounts from one address locks the address.
		for i := range 4 {
			_, _ = f.login(t, "user"+string(rune('a'+i)), "Bad-Password-1")
		}
		f.user(t, "zhao.liu", auth.RoleCenter, "230602")
		if _, err := f.login(t, "zhao.liu", pw); !apperr.Is(err, apperr.RateLimited) {
			t.Fatalf("address not throttled: %v", err)
		}
		if _, err := f.svc.Login(context.Background(), auth.LoginInput{Username: "zhao.liu", Password: pw, IP: "10.0.0.2"}); err != nil {
			t.Fatalf("another address was throttled: %v", err)
		}
	})
}

func TestTOTPEnrolmentAndLogin(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, auth.Config{TOTPRequired: []auth.Role{auth.RoleAdmin}})
		f.user(t, "root", auth.RoleAdmin, "")
		res, err := f.login(t, "root", pw)
		if err != nil {
			t.Fatal(err)
		}
		p := res.Principal
		if !p.Restricted || p.Can(auth.PermUsersManage) {
			t.Fatal("admin without TOTP must get a restricted session")
		}
		en, err := f.svc.EnrollTOTP(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(en.URL, "otpauth://totp/") || en.Secret == "" {
			t.Fatalf("enrolment = %+v", en)
		}
		if err := f.svc.ConfirmTOTP(ctx, p, "000000"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("wrong confirm code: %v", err)
		}
		code, _ := auth.TOTPCode(en.Secret, f.clock.Now())
		if err := f.svc.ConfirmTOTP(ctx, p, code); err != nil {
			t.Fatalf("confirm: %v", err)
		}
		p2, err := f.svc.Authenticate(ctx, res.Token, "")
		if err != nil || p2.Restricted {
			t.Fatalf("session still restricted after enrolment: %v", err)
		}
		// Login now needs the code; the code used to confirm cannot be replayed.
		if _, err := f.login(t, "root", pw); !apperr.Is(err, apperr.OTPRequired) {
			t.Fatalf("login without code: %v", err)
		}
		if _, err := f.svc.Login(ctx, auth.LoginInput{Username: "root", Password: pw, OTP: code}); !apperr.Is(err, apperr.OTPRequired) {
			t.Fatalf("replayed code: %v", err)
		}
		f.clock.Add(30 * time.Second)
		code2, _ := auth.TOTPCode(en.Secret, f.clock.Now())
		if _, err := f.svc.Login(ctx, auth.LoginInput{Username: "root", Password: pw, OTP: code2}); err != nil {
			t.Fatalf("login with fresh code: %v", err)
		}
		if _, err := f.svc.EnrollTOTP(ctx, p2); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("re-enrol while on: %v", err)
		}
		// The secret is stored sealed, not as text.
		var raw []byte
		if err := d.Read().QueryRowContext(ctx, `SELECT totp_secret FROM users WHERE username = 'root'`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), en.Secret) {
			t.Fatal("TOTP secret stored in clear")
		}
	})
}

func TestChangePassword(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, auth.Config{})
		f.user(t, "chen.qi", auth.RoleLeader, "230602")
		a, _ := f.login(t, "chen.qi", pw)
		b, _ := f.login(t, "chen.qi", pw)
		cases := []struct{ current, next, field string }{
			{"Wrong-Pass-1", "New-Pass-2026", "current_password"},
			{pw, "short", "new_password"},
			{pw, pw, "new_password"},
			{pw, "Chen.Qi-2026x", "new_password"},
		}
		for _, tc := range cases {
			err := f.svc.ChangePassword(ctx, a.Principal, tc.current, tc.next)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Fields[0].Field != tc.field {
				t.Fatalf("change %q -> %q: %v, want field %s", tc.current, tc.next, err, tc.field)
			}
		}
		if err := f.svc.ChangePassword(ctx, a.Principal, pw, "New-Pass-2026"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, a.Token, ""); err != nil {
			t.Fatalf("the session that changed the password ended: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, b.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("other session survived a password change: %v", err)
		}
		if _, err := f.login(t, "chen.qi", "New-Pass-2026"); err != nil {
			t.Fatalf("login with new password: %v", err)
		}
	})
}

func TestCreateUserValidationAndScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, auth.Config{})
		townAdmin := f.user(t, "town.admin", auth.RoleAdmin, "230602001")
		res, _ := f.login(t, "town.admin", pw)
		actor := res.Principal
		if actor.User.ID != townAdmin.ID {
			t.Fatal("wrong principal")
		}
		cases := []struct {
			name  string
			actor auth.Principal
			in    auth.NewUser
			code  apperr.Code
			field string
		}{
			{"bad username", auth.System("t"), auth.NewUser{Username: "a b", Role: auth.RoleAdmin, Password: pw}, apperr.Invalid, "username"},
			{"unknown role", auth.System("t"), auth.NewUser{Username: "x1", Role: "boss", Password: pw}, apperr.Invalid, "role"},
			{"center without scope", auth.System("t"), auth.NewUser{Username: "x2", Role: auth.RoleCenter, Password: pw}, apperr.Invalid, "scope"},
			{"weak password", auth.System("t"), auth.NewUser{Username: "x3", Role: auth.RoleAdmin, Password: "password"}, apperr.Invalid, "password"},
			{"unknown region", auth.System("t"), auth.NewUser{Username: "x4", Role: auth.RoleWorker, Scope: "230699001", Password: pw}, apperr.Invalid, "scope"},
			{"bad department code", auth.System("t"), auth.NewUser{Username: "x5", Role: auth.RoleDepartment, Scope: "城管 局", Password: pw}, apperr.Invalid, "scope"},
			{"unknown department", auth.System("t"), auth.NewUser{Username: "x10", Role: auth.RoleDepartment, Scope: "nodept", Password: pw}, apperr.Invalid, "scope"},
			{"inactive department", auth.System("t"), auth.NewUser{Username: "x11", Role: auth.RoleDepartment, Scope: "closed", Password: pw}, apperr.Invalid, "scope"},
			{"resident with scope", auth.System("t"), auth.NewUser{Username: "x6", Role: auth.RoleResident, Scope: "230602", Password: pw}, apperr.Invalid, "scope"},
			{"duplicate", auth.System("t"), auth.NewUser{Username: "TOWN.ADMIN", Role: auth.RoleAdmin, Password: pw}, apperr.Conflict, "username"},
			{"sibling township", actor, auth.NewUser{Username: "x7", Role: auth.RoleWorker, Scope: "230602002", Password: pw}, apperr.Invalid, "scope"},
			{"deployment-wide by scoped admin", actor, auth.NewUser{Username: "x8", Role: auth.RoleAdmin, Password: pw}, apperr.Invalid, "scope"},
			{"not an admin", auth.Principal{User: auth.User{Role: auth.RoleCenter}}, auth.NewUser{Username: "x9", Role: auth.RoleWorker, Scope: "230602001", Password: pw}, apperr.Forbidden, ""},
		}
		for _, tc := range cases {
			_, err := f.svc.CreateUser(ctx, tc.actor, tc.in)
			e, ok := apperr.As(err)
			if !ok || e.Code != tc.code || (tc.field != "" && e.Fields[0].Field != tc.field) {
				t.Fatalf("%s: %v, want %s on %s", tc.name, err, tc.code, tc.field)
			}
		}
		w, err := f.svc.CreateUser(ctx, actor, auth.NewUser{Username: "worker1", Role: auth.RoleWorker, Scope: "230602001", Password: pw})
		if err != nil {
			t.Fatalf("create in own township: %v", err)
		}
		f.user(t, "other.worker", auth.RoleWorker, "230602002")
		list, err := f.svc.ListUsers(ctx, actor, auth.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range list {
			names = append(names, u.Username)
		}
		if strings.Join(names, ",") != "town.admin,worker1" {
			t.Fatalf("township admin sees %v", names)
		}
		if _, err := f.svc.GetUser(ctx, actor, w.ID+1); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("user in sibling township: %v", err)
		}
	})
}

func TestUpdateUser(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, auth.Config{})
		admin := auth.System("t")
		u := f.user(t, "sun.ba", auth.RoleWorker, "230602001")
		res, _ := f.login(t, "sun.ba", pw)
		// Read once, the session is cached; the change must end it at once.
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); err != nil {
			t.Fatal(err)
		}
		role := auth.RoleCenter
		scope := "230602"
		up, err := f.svc.UpdateUser(ctx, admin, u.ID, auth.UserUpdate{Version: u.Version, Role: &role, Scope: &scope})
		if err != nil {
			t.Fatal(err)
		}
		if up.Role != auth.RoleCenter || up.ScopeRegion != "230602" || up.Version != u.Version+1 {
			t.Fatalf("updated = %+v", up)
		}
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatal("session survived a role change")
		}
		disabled := true
		if _, err := f.svc.UpdateUser(ctx, admin, u.ID, auth.UserUpdate{Version: u.Version, Disabled: &disabled}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("stale version: %v", err)
		}
		if _, err := f.svc.UpdateUser(ctx, admin, u.ID, auth.UserUpdate{Version: up.Version, Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.login(t, "sun.ba", pw); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("disabled user logged in: %v", err)
		}
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "user.update"})
		if len(entries) != 2 || entries[1].Detail["role"] != "center" || entries[0].Detail["disabled"] != true {
			t.Fatalf("audit of updates = %+v", entries)
		}
	})
}

func TestEnsureAdminOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, auth.Config{})
		// Accounts loaded before the first start (a demo city's workers)
		// do not stand in for an administrator.
		f.user(t, "worker1", auth.RoleWorker, "230602001")
		password, created, err := f.svc.EnsureAdmin(ctx, "admin")
		if err != nil || !created || auth.ValidatePassword(password, "admin") != "" {
			t.Fatalf("EnsureAdmin = %q, %v, %v", password, created, err)
		}
		res, err := f.login(t, "admin", password)
		if err != nil || !res.Principal.User.MustChangePassword {
			t.Fatalf("bootstrap admin login: %v, must change = %v", err, res.Principal.User.MustChangePassword)
		}
		if _, created, _ := f.svc.EnsureAdmin(ctx, "admin"); created {
			t.Fatal("second EnsureAdmin created another account")
		}
	})
}
