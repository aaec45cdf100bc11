package live

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/gridgov/gridgov/internal/db"
)

// On SQLite there is no LISTEN/NOTIFY, but several processes may share the
// database file: the server, and commands such as import or demo that load
// data beside it. Each process appends its changes to live_changes,
// coalesced per topic over flushEvery, and every server's Run tails the
// table. SQLite has one writer at a time, so ids grow in commit order and
// "everything after the last id seen" misses nothing.
const (
	flushEvery = 250 * time.Millisecond
	pollEvery  = 500 * time.Millisecond
	keepLog    = time.Hour
	// maxLogPaths bounds one row; more paths than this become the root.
	maxLogPaths = 1000
)

func (b *Bus) logged() bool { return b.cfg.DB != nil && b.cfg.DB.Engine == db.SQLite }

// enqueue keeps a change for the next flush, which it schedules.
func (b *Bus) enqueue(topic string, paths []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.outbox == nil {
		b.outbox = map[string][]string{}
	}
	b.outbox[topic] = append(b.outbox[topic], paths...)
	if b.flushing == nil {
		b.flushing = time.AfterFunc(flushEvery, func() { b.Flush(context.Background()) })
	}
}

// Flush writes the changes not yet in live_changes. Commands that publish
// and then exit call it last, so that a server hears of their final
// changes; a failure is logged, since a lost change costs a refresh.
func (b *Bus) Flush(ctx context.Context) {
	if !b.logged() {
		return
	}
	b.mu.Lock()
	out := b.outbox
	b.outbox = nil
	if b.flushing != nil {
		b.flushing.Stop()
		b.flushing = nil
	}
	b.mu.Unlock()
	if len(out) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := b.cfg.Now().UTC()
	err := b.cfg.DB.InTx(ctx, func(tx *sql.Tx) error {
		for _, topic := range slices.Sorted(maps.Keys(out)) {
			paths := compact(out[topic])
			if len(paths) > maxLogPaths {
				paths = []string{Root}
			}
			raw, err := json.Marshal(paths)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO live_changes (origin, topic, paths, at) VALUES ($1, $2, $3, $4)`,
				b.origin, topic, string(raw), now); err != nil {
				return fmt.Errorf("log change: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		b.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "live: log changes", slog.Any("err", err))
	}
}

// logEnd is the id of the newest logged change: a bus hears the changes
// logged after it was made. On failure it is 0, and the bus hears the last
// hour again, which costs refreshes, not data.
func (b *Bus) logEnd() int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var last int64
	if err := b.cfg.DB.Read().QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM live_changes`).Scan(&last); err != nil {
		b.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "live: change log", slog.Any("err", err))
	}
	return last
}

// tail delivers the other processes' logged changes until ctx ends,
// starting after the newest row there when the bus was made, and now and
// then deletes rows older than keepLog (always keeping the newest, whose id
// the next row must exceed).
func (b *Bus) tail(ctx context.Context) {
	last := b.logStart
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	prune := time.Now()
	for {
		select {
		case <-ctx.Done():
			b.Flush(ctx)
			return
		case <-tick.C:
		}
		next, err := b.readLog(ctx, last)
		if err != nil {
			if ctx.Err() == nil {
				b.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "live: tail", slog.Any("err", err))
			}
			continue
		}
		last = next
		if time.Since(prune) > 10*time.Minute {
			prune = time.Now()
			if _, err := b.cfg.DB.Write().ExecContext(ctx, `DELETE FROM live_changes WHERE at < $1
				AND id < (SELECT MAX(id) FROM live_changes)`, b.cfg.Now().UTC().Add(-keepLog)); err != nil && ctx.Err() == nil {
				b.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "live: prune", slog.Any("err", err))
			}
		}
	}
}

// readLog delivers the rows after last from other processes and returns
// the id of the newest row read.
func (b *Bus) readLog(ctx context.Context, last int64) (int64, error) {
	rows, err := b.cfg.DB.Read().QueryContext(ctx, `SELECT id, origin, topic, paths FROM live_changes WHERE id > $1 ORDER BY id`, last)
	if err != nil {
		return last, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	var got []notice
	for rows.Next() {
		var n notice
		var raw string
		if err := rows.Scan(&last, &n.Origin, &n.Topic, &raw); err != nil {
			return last, fmt.Errorf("read changes: %w", err)
		}
		if n.Origin == b.origin || json.Unmarshal([]byte(raw), &n.Paths) != nil {
			continue
		}
		got = append(got, n)
	}
	if err := rows.Err(); err != nil {
		return last, fmt.Errorf("read changes: %w", err)
	}
	rows.Close()
	for _, n := range got {
		for _, p := range compact(n.Paths) {
			b.deliver(Change{Topic: n.Topic, Path: p, Origin: n.Origin})
		}
	}
	return last, nil
}
