package auth

import (
	"strings"
	"testing"
	"time"
)

var fastHash = HashParams{Memory: 1024, Time: 1, Threads: 1}

func TestHashAndCheckPassword(t *testing.T) {
	h, err := HashPassword("Correct-Horse-9", fastHash)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id", h)
	}
	if ok, err := CheckPassword("Correct-Horse-9", h); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := CheckPassword("correct-horse-9", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("Correct-Horse-9", fastHash)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", strings.Replace(h, "$v=19$", "$v=18$", 1)} {
		if _, err := CheckPassword("x", bad); err == nil {
			t.Fatalf("malformed hash %q accepted", bad)
		}
	}
}

func FuzzCheckPassword(f *testing.F) {
	h, _ := HashPassword("Correct-Horse-9", fastHash)
	f.Add("Correct-Horse-9", h)
	f.Add("x", "$argon2id$v=19$m=1,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, pw, encoded string) {
		// Must never panic or accept a hash it cannot parse.
		ok, err := CheckPassword(pw, encoded)
		if err != nil && ok {
			t.Fatal("ok with error")
		}
	})
}

func TestValidatePassword(t *testing.T) {
	cases := []struct {
		pw, user, want string
	}{
		{"Abcdefgh12", "u", ""},
		{"网格管理-Abc123", "u", ""},
		{"Short1!", "u", "at least 10"},
		{"abcdefghijk", "u", "three of"},
		{"abcdefgh12", "u", "three of"},
		{"Admin-12345", "admin", "username"},
		{strings.Repeat("Aa1", 100), "u", "at most"},
		{"Abcdefg1\xff\xfe", "u", "UTF-8"},
	}
	for _, tc := range cases {
		got := ValidatePassword(tc.pw, tc.user)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("ValidatePassword(%q) = %q, want %q", tc.pw, got, tc.want)
		}
	}
	for range 200 {
		if pw := GeneratePassword(); ValidatePassword(pw, "admin") != "" {
			t.Fatalf("generated password %q fails the policy", pw)
		}
	}
}

func FuzzValidatePassword(f *testing.F) {
	f.Add("Abcdefgh12", "user")
	f.Fuzz(func(t *testing.T, pw, user string) {
		if ValidatePassword(pw, user) == "" && (len([]rune(pw)) < MinPasswordLength || len(pw) > MaxPasswordBytes) {
			t.Fatalf("accepted %q", pw)
		}
	})
}

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	th := NewThrottle(3, time.Minute, 5*time.Minute, func() time.Time { return now })
	for i := range 2 {
		if th.Fail("k") {
			t.Fatalf("locked after %d failures", i+1)
		}
	}
	if th.Wait("k") != 0 {
		t.Fatal("waiting before the limit")
	}
	if !th.Fail("k") {
		t.Fatal("not locked at the limit")
	}
	if got := th.Wait("k"); got != 5*time.Minute {
		t.Fatalf("wait = %v, want 5m", got)
	}
	if th.Wait("other") != 0 {
		t.Fatal("another key is locked")
	}
	now = now.Add(5*time.Minute + time.Second)
	if th.Wait("k") != 0 {
		t.Fatal("still locked after the lockout")
	}
	// Failures spread wider than the window do not add up.
	th.Fail("w")
	now = now.Add(2 * time.Minute)
	th.Fail("w")
	now = now.Add(2 * time.Minute)
	if th.Fail("w") {
		t.Fatal("failures outside the window were counted together")
	}
	th.Reset("w")
	if th.Wait("w") != 0 {
		t.Fatal("reset did not clear")
	}
}

func TestMatchTOTPRefusesReplayAndDrift(t *testing.T) {
	secret := "JBSWY3DPEHPK3PXP"
	now := time.Date(2026, 3, 1, 9, 0, 10, 0, time.UTC)
	code, _ := TOTPCode(secret, now)
	step, ok := matchTOTP(secret, code, now, 0)
	if !ok || step != now.Unix()/30 {
		t.Fatalf("current code refused")
	}
	if _, ok := matchTOTP(secret, code, now, step); ok {
		t.Fatal("the same code was accepted twice")
	}
	prev, _ := TOTPCode(secret, now.Add(-30*time.Second))
	if _, ok := matchTOTP(secret, prev, now, 0); !ok {
		t.Fatal("one step of drift refused")
	}
	old, _ := TOTPCode(secret, now.Add(-2*time.Minute))
	if _, ok := matchTOTP(secret, old, now, 0); ok && old != code {
		t.Fatal("a two-minute-old code accepted")
	}
	if _, ok := matchTOTP(secret, "12345", now, 0); ok {
		t.Fatal("short code accepted")
	}
}
