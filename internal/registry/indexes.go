package registry

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gridgov/gridgov/internal/db"
)

// idNumberIndex is the unique index on persons' blind-indexed ID numbers.
const idNumberIndex = "persons_id_number"

// deferredIndexes are the persons indexes whose keys arrive in random order
// (blind-indexed ID numbers and phones, names, birth dates): every row of a
// bulk load lands on a different page of each, so a first load of millions
// of persons drops them and builds them once at the end, by sorting. The
// definitions are those of the migrations; TestDeferredIndexesMatchSchema
// keeps them so.
var deferredIndexes = []deferredIndex{
	{idNumberIndex, "persons (id_number_index)", true},
	{"persons_name", "persons (name, region_path)", false},
	{"persons_phone", "persons (phone_index)", false},
	{"persons_birth", "persons (birth_date)", false},
}

type deferredIndex struct {
	name, columns string
	unique        bool
}

// EnsureIndexes builds any deferred index that is missing, as after a bulk
// load that was killed before it could build them. serve calls it at start;
// it costs nothing when the indexes exist.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	for _, ix := range deferredIndexes {
		has, err := s.db.HasIndex(ctx, s.db.Read(), ix.name)
		if err != nil {
			return err
		}
		if has {
			continue
		}
		if err := s.db.InIndexBuild(ctx, func(tx *sql.Tx) error { return s.buildIndex(ctx, tx, ix) }); err != nil {
			return err
		}
	}
	return nil
}

// buildIndex builds ix inside tx unless it exists. On PostgreSQL two
// builders of one index would both add it to the catalog, and the second
// fail; a lock that admits one at a time (and no writer of persons) keeps
// the second waiting until the first commits, when it finds the index.
func (s *Service) buildIndex(ctx context.Context, tx *sql.Tx, ix deferredIndex) error {
	if s.db.Engine == db.Postgres {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE persons IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("build index %s: lock persons: %w", ix.name, err)
		}
	}
	kind := "INDEX"
	if ix.unique {
		kind = "UNIQUE INDEX"
	}
	if _, err := tx.ExecContext(ctx, `CREATE `+kind+` IF NOT EXISTS `+ix.name+` ON `+ix.columns); err != nil {
		return fmt.Errorf("build index %s: %w", ix.name, err)
	}
	return nil
}

var errNotFirst = errors.New("not a first load")

// isEmpty reports whether table holds no rows.
func isEmpty(ctx context.Context, q db.Querier, table string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+table+` LIMIT 1) AS t`).Scan(&n); err != nil {
		return false, fmt.Errorf("is %s empty: %w", table, err)
	}
	return n == 0, nil
}

// dropDeferredIndexes drops the deferred indexes when the persons table is
// empty and has them, and reports whether it did: the import is then a
// first load. The checks and the drops are one transaction, so no other
// writer's person slips in between, and of two imports starting together
// only one finds the index. Until the unique index is back, only the first
// load, which finds its own duplicates, adds persons (see
// ensureIDNumberIndex).
func (s *Service) dropDeferredIndexes(ctx context.Context) (bool, error) {
	// Most imports are not first loads; they take no lock to learn so.
	if ok, err := isEmpty(ctx, s.db.Read(), "persons"); err != nil || !ok {
		return false, err
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if s.db.Engine == db.Postgres {
			// SQLite's write transactions take turns; PostgreSQL's take
			// this lock in turn, and it keeps persons from being written.
			if _, err := tx.ExecContext(ctx, `LOCK TABLE persons IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("lock persons: %w", err)
			}
		}
		if has, err := s.db.HasIndex(ctx, tx, idNumberIndex); err != nil || !has {
			return cmp.Or(err, errNotFirst)
		}
		for _, ix := range deferredIndexes {
			if _, err := tx.ExecContext(ctx, `DROP INDEX IF EXISTS `+ix.name); err != nil {
				return fmt.Errorf("drop index %s: %w", ix.name, err)
			}
		}
		ok, err := isEmpty(ctx, tx, "persons")
		if err == nil && !ok {
			err = errNotFirst
		}
		return err
	})
	if errors.Is(err, errNotFirst) {
		return false, nil
	}
	return err == nil, err
}

// hasIndex reports whether the index exists, as seen from q.
func (s *Service) hasIndex(ctx context.Context, q db.Querier, name string) (bool, error) {
	query := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1`
	if s.db.Engine == db.Postgres {
		query = `SELECT COUNT(*) FROM pg_indexes WHERE indexname = $1 AND schemaname = current_schema()`
	}
	var n int
	if err := q.QueryRowContext(ctx, query, name).Scan(&n); err != nil {
		return false, fmt.Errorf("look for index %s: %w", name, err)
	}
	return n > 0, nil
}

// ensureIDNumberIndex builds the unique index on ID numbers inside tx if a
// first load dropped it, before tx adds a person: a person stored without it
// could repeat one of the load's. A first load still running then goes on
// with the index, and one that crashed is finished.
func (s *Service) ensureIDNumberIndex(ctx context.Context, tx *sql.Tx) error {
	ok, err := s.db.HasIndex(ctx, tx, idNumberIndex)
	if err != nil || ok {
		return err
	}
	return s.buildIndex(ctx, tx, deferredIndexes[0])
}
