package event

import "github.com/gridgov/gridgov/internal/reseal"

// SealedTables describes the values events seal, for re-encryption after a
// key rotation: the reporter's phone, bound to the event by its token.
func SealedTables() []reseal.Table {
	return []reseal.Table{{
		Name:    "events",
		Key:     []string{"id"},
		Blobs:   []string{"reporter_phone_enc"},
		With:    []string{"token"},
		Context: func(r reseal.Row, _ int) string { return reporterPhoneContext(r.With[0]) },
	}}
}

// reporterPhoneContext binds a reporter's sealed phone to its event.
func reporterPhoneContext(token string) string { return "event.reporter_phone:" + token }
