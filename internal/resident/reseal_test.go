package resident_test

import (
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/reseal/resealtest"
	"github.com/gridgov/gridgov/internal/resident"
	"github.com/gridgov/gridgov/internal/secret"
)

func TestResealResidentPhonesAfterRotation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d) // seals with k1, all-zero bytes
		first := f.signIn(t, "13812345678")
		f.signIn(t, "+86 139 0000 1111")

		before, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
		after, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)}, secret.Key{ID: "k2", Bytes: []byte("0123456789abcdef0123456789abcdef")})
		res := resealtest.Rotate(t, d, before, after, resident.SealedTables()...)
		if res[0].Resealed != 2 {
			t.Fatalf("resealed = %+v", res)
		}
		var phones []string
		for _, v := range resealtest.Values(t, d, resident.SealedTables()...) {
			p, err := resealtest.Open(after, resident.SealedTables(), v)
			if err != nil {
				t.Fatal(err)
			}
			phones = append(phones, string(p))
		}
		if len(phones) != 2 || phones[0] != "13812345678" || phones[1] != "13900001111" {
			t.Fatalf("phones after the rotation = %v", phones)
		}
		// Signing in again finds the same account: the blind index is unchanged.
		if again := f.signIn(t, "13812345678"); again.User.ID != first.User.ID {
			t.Fatalf("signed in as %d after the rotation, was %d", again.User.ID, first.User.ID)
		}
	})
}
