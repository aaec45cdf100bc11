package db

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// Version marks what the database held when it was taken: two equal
// Versions mean that nothing was committed between the calls that returned
// them. Different ones say only that something may have been.
type Version struct{ epoch, data int64 }

// versions answers DataVersion on SQLite from a connection of its own.
// PRAGMA data_version on a connection moves whenever another connection,
// of this process or of another sharing the file, has committed since that
// connection last asked; the connection must stay the same between calls,
// so it is pinned, and replaced (a new epoch) only after an error.
type versions struct {
	mu    sync.Mutex
	pool  *sql.DB
	conn  *sql.Conn
	st    *sql.Stmt
	epoch int64
}

func openVersions(dsn string) (*versions, error) {
	pool, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite data version: %w", err)
	}
	oneConnection(pool)
	return &versions{pool: pool}, nil
}

// DataVersion returns the database's Version, for a reader that keeps a
// copy of recent rows in memory and skips reading what is new when
// nothing is. On PostgreSQL every call returns a new Version.
func (d *DB) DataVersion(ctx context.Context) (Version, error) {
	v := d.versions
	if v == nil {
		return Version{data: d.pgVersions.Add(1)}, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.conn == nil {
		conn, err := v.pool.Conn(ctx)
		if err != nil {
			return Version{}, fmt.Errorf("data version: %w", err)
		}
		st, err := conn.PrepareContext(ctx, `PRAGMA data_version`)
		if err != nil {
			conn.Close()
			return Version{}, fmt.Errorf("data version: %w", err)
		}
		v.conn, v.st = conn, st
		v.epoch++
	}
	var data int64
	if err := v.st.QueryRowContext(ctx).Scan(&data); err != nil {
		// The next call starts a new epoch on a new connection, whose
		// numbers say nothing about this one's.
		v.dropConn()
		return Version{}, fmt.Errorf("data version: %w", err)
	}
	return Version{epoch: v.epoch, data: data}, nil
}

// dropConn closes the pinned connection; the caller holds mu.
func (v *versions) dropConn() {
	if v.conn == nil {
		return
	}
	v.st.Close()
	v.conn.Close()
	v.conn, v.st = nil, nil
}

func (v *versions) close() error {
	if v == nil {
		return nil
	}
	v.mu.Lock()
	v.dropConn()
	v.mu.Unlock()
	return v.pool.Close()
}
