package db

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"
)

// Background checkpoints on SQLite. A checkpoint copies the pages of the
// WAL into the database file. Left to the writer, it runs inside the
// commit that crosses the WAL's limit, and every write waits behind it:
// an import's writer spent seconds of its run on them while the other core
// stood idle. A checkpointer on a connection of its own copies what is new
// in PASSIVE mode, which runs beside the writer and never blocks it; when
// the writer's own checkpoint comes (walCheckpoint), little is left to
// copy, and the WAL restarts from its beginning as before. It runs ten
// times a second: event intake at 3,500 reports/s grows the WAL by 25,000
// pages a second, and with a tick of a second the writer's checkpoint
// still copied up to a second of them, 35–40 ms inside one commit that the
// reports of the next groups waited for (docs/BENCHMARKS.md).
const checkpointEvery = 100 * time.Millisecond

// checkpointer is the background checkpoint's connection and lifetime.
type checkpointer struct {
	conn *sql.DB
	stop context.CancelFunc
	done chan struct{}
}

// startCheckpoints opens the checkpointer's connection with dsn and starts
// it.
func (d *DB) startCheckpoints(dsn string) error {
	conn, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	oneConnection(conn)
	ctx, stop := context.WithCancel(context.Background())
	d.ckpt = &checkpointer{conn: conn, stop: stop, done: make(chan struct{})}
	go d.ckpt.run(ctx)
	return nil
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// busy is 1 when another connection (another process's
		// checkpointer, or a writer's own) was checkpointing: this one
		// then does nothing until the next tick.
		var busy, frames, copied int64
		err := c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		if err != nil && ctx.Err() == nil {
			slog.Default().LogAttrs(ctx, slog.LevelWarn, "background checkpoint failed", slog.Any("err", err))
		}
	}
}

// stopCheckpoints stops the checkpointer, if any, and closes its
// connection.
func (d *DB) stopCheckpoints() error {
	if d.ckpt == nil {
		return nil
	}
	c := d.ckpt
	d.ckpt = nil
	c.stop()
	<-c.done
	return c.conn.Close()
}
