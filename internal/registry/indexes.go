package registry

import (
	"context"
	"fmt"
)

// deferredIndexes are the persons indexes whose keys arrive in random order
// (names, blind-indexed phones, birth dates): every row of a bulk load
// lands on a different page of each, so a first load of millions of persons
// drops them and builds them once at the end, by sorting. The unique index
// on ID numbers stays, as imports look rows up by it. The definitions are
// those of migration 00003; TestDeferredIndexesMatchSchema keeps them so.
var deferredIndexes = []struct{ name, columns string }{
	{"persons_name", "persons (name, region_path)"},
	{"persons_phone", "persons (phone_index)"},
	{"persons_birth", "persons (birth_date)"},
}

// EnsureIndexes builds any deferred index that is missing, as after a bulk
// load that was killed before it could build them. serve calls it at start;
// it costs nothing when the indexes exist.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	for _, ix := range deferredIndexes {
		if _, err := s.db.Write().ExecContext(ctx, `CREATE INDEX IF NOT EXISTS `+ix.name+` ON `+ix.columns); err != nil {
			return fmt.Errorf("build index %s: %w", ix.name, err)
		}
	}
	return nil
}

// dropDeferredIndexes drops the deferred indexes when the persons table is
// empty, and reports whether it did.
func (s *Service) dropDeferredIndexes(ctx context.Context) (bool, error) {
	var any int
	err := s.db.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM persons LIMIT 1) AS p`).Scan(&any)
	if err != nil || any > 0 {
		return false, err
	}
	for _, ix := range deferredIndexes {
		if _, err := s.db.Write().ExecContext(ctx, `DROP INDEX IF EXISTS `+ix.name); err != nil {
			return true, fmt.Errorf("drop index %s: %w", ix.name, err)
		}
	}
	return true, nil
}
