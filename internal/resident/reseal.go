package resident

import "github.com/gridgov/gridgov/internal/reseal"

// SealedTables describes the values the resident app seals, for
// re-encryption after a key rotation: each account's phone, bound to the
// phone's blind index.
func SealedTables() []reseal.Table {
	return []reseal.Table{{
		Name:  "resident_accounts",
		Key:   []string{"user_id"},
		Blobs: []string{"phone_enc"},
		With:  []string{"phone_index"},
		Context: func(r reseal.Row, _ int) string {
			if len(r.With[0]) < 16 {
				return "" // a malformed index opens nothing, so the value is reported
			}
			return phoneContext(r.With[0])
		},
	}}
}
