package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/reseal/resealtest"
	"github.com/gridgov/gridgov/internal/secret"
)

func TestResealTOTPSecretsWithTheRunner(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, auth.Config{}) // seals with k1, all-zero bytes
		f.user(t, "keyholder", auth.RoleAdmin, "")
		f.user(t, "nototp", auth.RoleAdmin, "")
		res, _ := f.login(t, "keyholder", pw)
		en, err := f.svc.EnrollTOTP(ctx, res.Principal)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := auth.TOTPCode(en.Secret, f.clock.Now())
		if err := f.svc.ConfirmTOTP(ctx, res.Principal, code); err != nil {
			t.Fatal(err)
		}

		before, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
		after, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)}, secret.Key{ID: "k2", Bytes: []byte("0123456789abcdef0123456789abcdef")})
		out := resealtest.Rotate(t, d, before, after, auth.SealedTables()...)
		if out[0].Rows != 2 || out[0].Resealed != 1 {
			t.Fatalf("resealed = %+v", out)
		}
		svc, err := auth.NewService(d, after, auth.Config{HashParams: auth.HashParams{Memory: 1024, Time: 1, Threads: 1}}, f.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Add(30 * time.Second)
		code, _ = auth.TOTPCode(en.Secret, f.clock.Now())
		if _, err := svc.Login(ctx, auth.LoginInput{Username: "keyholder", Password: pw, OTP: code}); err != nil {
			t.Fatalf("TOTP login after the rotation: %v", err)
		}
	})
}
