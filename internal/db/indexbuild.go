package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
)

// The SQLite writer's page cache, in the negative KiB of PRAGMA
// cache_size. Bulk writers (BulkWrites) get a larger one: an import inserts
// into several indexes of tables of millions of rows. No larger than
// 64 MiB: an import's random-order indexes are built at its end
// (registry/indexes.go), so what its inserts touch again is the tables'
// and ordered indexes' last pages, and a larger cache only holds pages it
// is done with, at the cost of allocating them one by one and looking them
// up in a hash table far larger than the CPU's caches (1 GiB took an
// import a third longer than 32–128 MiB, docs/BENCHMARKS.md). Other
// writers get a small one, because SQLite walks the whole cache at many
// commits of a database under 1 GiB: splitting B-tree pages renumbers them
// through the page of the lock byte at 1 GiB, the cache then holds a page
// past the database's end, and the commit looks for such pages in every
// slot of its hash table. A cache of 1 GiB made that walk 6% of the CPU of
// event intake. Shrinking cache_size does not shrink the hash table, so
// the writer's connection is replaced when the bulk writers are done.
const (
	writerCacheKiB = -16384
	bulkCacheKiB   = -65536
)

// SQLite sorts the keys of a new index in memory, on one core, while they
// fit in the page cache, as they always do in the writer's. For a build it
// gets a cache of 16 MiB and a helper thread instead: the keys then go in
// runs of 16 MiB to temporary files, each sorted by the helper while the
// writer reads the next, and the runs are merged at the end. In-memory
// temporary storage would turn the helper off, so the build stores them in
// files.
var buildPragmas = []string{"PRAGMA temp_store = FILE", "PRAGMA threads = 1", "PRAGMA cache_size = -16384"}

// writerPragmas are the settings the writer gets back after a build.
func (d *DB) writerPragmas() []string {
	cache := writerCacheKiB
	if d.bulkCache.Load() {
		cache = bulkCacheKiB
	}
	return []string{"PRAGMA temp_store = MEMORY", "PRAGMA threads = 0", fmt.Sprintf("PRAGMA cache_size = %d", cache)}
}

// InIndexBuild is InTx for fn that builds indexes over large tables: on
// SQLite the builds sort on both cores (see buildPragmas). As a bulk
// writer it lets the writers that wait go first; they then wait for it as
// for any transaction.
func (d *DB) InIndexBuild(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if d.Engine != SQLite {
		return d.InTx(ctx, fn)
	}
	if err := d.turns.yield(ctx); err != nil {
		return fmt.Errorf("index build: %w", err)
	}
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("index build: %w", err)
	}
	defer func() {
		// The writer's settings come back, or its connection goes: a new one
		// opens with them.
		if rerr := pragmas(ctx, conn, d.writerPragmas()); rerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		err = errors.Join(err, conn.Close())
	}()
	if err := pragmas(ctx, conn, buildPragmas); err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	return runTx(ctx, tx, fn)
}

func pragmas(ctx context.Context, conn *sql.Conn, list []string) error {
	for _, p := range list {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), p); err != nil {
			return fmt.Errorf("index build: %s: %w", p, err)
		}
	}
	return nil
}
