package workforce

import "github.com/gridgov/gridgov/internal/reseal"

// SealedTables describes the values the workforce seals, for re-encryption
// after a key rotation: the phones of workers and team members, bound to
// their rows, and the points of every stored patrol batch, bound to the
// patrol and the batch number.
func SealedTables() []reseal.Table {
	phones := func(table string) reseal.Table {
		return reseal.Table{
			Name:    table,
			Key:     []string{"id"},
			Blobs:   []string{"phone_enc"},
			Context: func(r reseal.Row, _ int) string { return phoneContext(table, r.Key[0]) },
		}
	}
	return []reseal.Table{
		phones("workers"),
		phones("team_members"),
		{
			Name:    "patrol_batches",
			Key:     []string{"patrol_id", "seq"},
			Blobs:   []string{"points"},
			Context: func(r reseal.Row, _ int) string { return batchContext(r.Key[0], int(r.Key[1])) },
		},
	}
}
