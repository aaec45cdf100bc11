package registry

import "github.com/gridgov/gridgov/internal/reseal"

// SealedTables describes the values the registry seals, for re-encryption
// after a key rotation: a person's ID number and phone, both bound to the
// person by the ID number's blind index.
func SealedTables() []reseal.Table {
	fields := []string{"id", "phone"}
	return []reseal.Table{{
		Name:  "persons",
		Key:   []string{"id"},
		Blobs: []string{"id_number_enc", "phone_enc"},
		With:  []string{"id_number_index"},
		Context: func(r reseal.Row, blob int) string {
			if len(r.With[0]) < 16 {
				return "" // a malformed index opens nothing, so the value is reported
			}
			return personContext(fields[blob], r.With[0])
		},
	}}
}
