package resident_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// wantField checks that err is of the code and names the field with a
// reason containing want.
func wantField(t *testing.T, err error, code apperr.Code, field, want string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("got %v, want a %s error", err, code)
	}
	for _, fe := range e.Fields {
		if fe.Field == field && strings.Contains(fe.Reason, want) {
			return
		}
	}
	t.Fatalf("got %+v, want field %s with %q", e.Fields, field, want)
}

func TestSignInCreatesOneAccountPerPhone(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		const phone = "13912340001"
		a := f.signIn(t, "139 1234 0001")
		if a.User.Role != auth.RoleResident || a.User.ScopeRegion != "" || a.User.DisplayName != "居民0001" {
			t.Fatalf("account %+v", a.User)
		}
		// The session works like a console session.
		b := f.signIn(t, "+86 139-1234-0001")
		if b.User.ID != a.User.ID {
			t.Fatalf("second sign-in made account %d, first %d", b.User.ID, a.User.ID)
		}
		// The phone is sealed and indexed, never stored in the clear.
		var enc []byte
		var mask, index string
		if err := d.Read().QueryRowContext(ctx, `SELECT phone_enc, phone_mask, phone_index FROM resident_accounts WHERE user_id = $1`,
			a.User.ID).Scan(&enc, &mask, &index); err != nil {
			t.Fatal(err)
		}
		if mask != "139****0001" || bytes.Contains(enc, []byte(phone)) || strings.Contains(index, phone) {
			t.Fatalf("stored phone: mask %q, enc has phone %v, index %q", mask, bytes.Contains(enc, []byte(phone)), index)
		}
		// The code is stored only as its keyed hash.
		var hash string
		if err := d.Read().QueryRowContext(ctx, `SELECT code_hash FROM resident_codes`).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(hash, f.sms.Last(phone)) && len(hash) < 20 {
			t.Fatalf("code stored as %q", hash)
		}
		// Nobody gets in with a password.
		var username string
		if err := d.Read().QueryRowContext(ctx, `SELECT username FROM users WHERE id = $1`, a.User.ID).Scan(&username); err != nil {
			t.Fatal(err)
		}
		if _, err := f.auth.Login(ctx, auth.LoginInput{Username: username, Password: "anything-at-all-1A"}); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("password login of a resident: %v", err)
		}
		// Staff cannot be given a session through the resident path.
		if _, err := f.auth.OpenResidentSession(ctx, f.city.User.ID, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("resident session for staff: %v", err)
		}
	})
}

func TestCodeRules(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		const phone = "13800000002"
		send := func() error {
			_, err := f.svc.SendCode(ctx, phone, "192.0.2.9")
			return err
		}
		signIn := func(code string) error {
			_, err := f.svc.SignIn(ctx, phone, code, "192.0.2.9")
			return err
		}
		wrong := func() string {
			c := f.sms.Last(phone)
			return fmt.Sprintf("%06d", (atoi(c)+1)%1_000_000)
		}

		t.Run("no code", func(t *testing.T) {
			wantField(t, signIn("123456"), apperr.Invalid, "code", "no code was sent")
		})
		t.Run("bad input", func(t *testing.T) {
			_, err := f.svc.SendCode(ctx, "12345", "")
			wantField(t, err, apperr.Invalid, "phone", "mainland China mobile")
			wantField(t, signIn("12ab56"), apperr.Invalid, "code", "6 digits")
		})
		t.Run("resend wait", func(t *testing.T) {
			if err := send(); err != nil {
				t.Fatal(err)
			}
			f.clock.Add(20 * time.Second)
			err := send()
			wantField(t, err, apperr.RateLimited, "phone", "moments ago")
			if e, _ := apperr.As(err); e.RetryAfterSeconds != 40 {
				t.Fatalf("retry after %d, want 40", e.RetryAfterSeconds)
			}
			f.clock.Add(40 * time.Second)
			if err := send(); err != nil {
				t.Fatalf("after the wait: %v", err)
			}
		})
		t.Run("expiry", func(t *testing.T) {
			code := f.sms.Last(phone)
			f.clock.Add(5*time.Minute + time.Second)
			wantField(t, signIn(code), apperr.Invalid, "code", "expired")
		})
		t.Run("attempts", func(t *testing.T) {
			f.clock.Add(time.Minute)
			if err := send(); err != nil {
				t.Fatal(err)
			}
			for i := 4; i >= 1; i-- {
				wantField(t, signIn(wrong()), apperr.Invalid, "code", fmt.Sprintf("%d tries left", i))
			}
			wantField(t, signIn(wrong()), apperr.Invalid, "code", "last try")
			// The right code after five wrong ones is refused too.
			wantField(t, signIn(f.sms.Last(phone)), apperr.Invalid, "code", "too many times")
		})
		t.Run("new code replaces the old", func(t *testing.T) {
			f.clock.Add(time.Minute)
			if err := send(); err != nil {
				t.Fatal(err)
			}
			old := f.sms.Last(phone)
			f.clock.Add(time.Minute)
			if err := send(); err != nil {
				t.Fatal(err)
			}
			if old != f.sms.Last(phone) {
				if err := signIn(old); !apperr.Is(err, apperr.Invalid) {
					t.Fatalf("old code: %v", err)
				}
			}
		})
		t.Run("single use", func(t *testing.T) {
			f.clock.Add(time.Minute)
			if err := send(); err != nil {
				t.Fatal(err)
			}
			code := f.sms.Last(phone)
			if err := signIn(code); err != nil {
				t.Fatal(err)
			}
			wantField(t, signIn(code), apperr.Invalid, "code", "used already")
		})
		t.Run("daily cap", func(t *testing.T) {
			// Sends so far today: 1+1 (resend) +1 (attempts) +2 +1 = 6.
			for i := 6; i < 10; i++ {
				f.clock.Add(time.Minute)
				if err := send(); err != nil {
					t.Fatalf("send %d: %v", i+1, err)
				}
			}
			f.clock.Add(time.Minute)
			err := send()
			wantField(t, err, apperr.RateLimited, "phone", "10 codes today")
			e, _ := apperr.As(err)
			now := f.clock.Now().In(time.FixedZone("CST", 8*3600))
			midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, now.Location())
			if want := int(midnight.Sub(now).Seconds()); e.RetryAfterSeconds != want {
				t.Fatalf("retry after %d, want %d (to midnight)", e.RetryAfterSeconds, want)
			}
			f.clock.Add(midnight.Sub(now))
			if err := send(); err != nil {
				t.Fatalf("the next day: %v", err)
			}
		})
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestConcurrentSignInsMakeOneAccount(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		const phone = "13700000003"

		// Racing first sign-ins (the account step itself) agree on one account.
		const n = 8
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { ids[i], errs[i] = f.svc.EnsureAccount(ctx, phone) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("sign-in %d: account %d, err %v; first %d", i, ids[i], errs[i], ids[0])
			}
		}
		var accounts, users int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM resident_accounts`).Scan(&accounts); err != nil {
			t.Fatal(err)
		}
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'resident'`).Scan(&users); err != nil {
			t.Fatal(err)
		}
		if accounts != 1 || users != 1 {
			t.Fatalf("%d resident accounts and %d resident users, want 1 and 1", accounts, users)
		}

		// One code used by several requests at once lets exactly one in.
		if _, err := f.svc.SendCode(ctx, phone, ""); err != nil {
			t.Fatal(err)
		}
		code := f.sms.Last(phone)
		var ok, used int
		var mu sync.Mutex
		for range n {
			wg.Go(func() {
				_, err := f.svc.SignIn(ctx, phone, code, "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case apperr.Is(err, apperr.Invalid):
					used++
				default:
					t.Errorf("sign-in: %v", err)
				}
			})
		}
		wg.Wait()
		if ok != 1 || used != n-1 {
			t.Fatalf("%d sign-ins succeeded and %d were refused, want 1 and %d", ok, used, n-1)
		}
	})
}
