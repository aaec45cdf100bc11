package auth

import "github.com/gridgov/gridgov/internal/reseal"

// SealedTables describes the values auth seals, for re-encryption after a
// key rotation: each account's TOTP secret, bound to the account.
func SealedTables() []reseal.Table {
	return []reseal.Table{{
		Name:    "users",
		Key:     []string{"id"},
		Blobs:   []string{"totp_secret"},
		Context: func(r reseal.Row, _ int) string { return totpContext(r.Key[0]) },
	}}
}
