package live

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/gridgov/gridgov/internal/db"
)

// maxPayload keeps a notification under PostgreSQL's 8000-byte limit.
const maxPayload = 7000

type notice struct {
	Origin string   `json:"o"`
	Topic  string   `json:"t"`
	Paths  []string `json:"p"`
}

func (b *Bus) remote() bool { return b.cfg.DB != nil && b.cfg.DB.Engine == db.Postgres }

// notify sends a change to the other processes. Too many paths for one
// notification become the root: every screen refetches, none misses it.
func (b *Bus) notify(ctx context.Context, topic string, paths []string) {
	payload, _ := json.Marshal(notice{Origin: b.origin, Topic: topic, Paths: paths})
	if len(payload) > maxPayload {
		payload, _ = json.Marshal(notice{Origin: b.origin, Topic: topic, Paths: []string{Root}})
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := b.cfg.DB.Write().ExecContext(ctx, `SELECT pg_notify($1, $2)`, b.cfg.Channel, string(payload)); err != nil {
		b.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "live: notify", slog.Any("err", err))
	}
}

// Run hears the other processes' changes until ctx ends. On PostgreSQL it
// holds one connection of the pool for LISTEN and takes a new one when that
// breaks; after a break every screen is told to refetch, since changes may
// have passed unheard. On SQLite it tails the live_changes table.
func (b *Bus) Run(ctx context.Context) {
	if b.logged() {
		b.tail(ctx)
		return
	}
	if !b.remote() {
		return
	}
	pool := b.cfg.DB.Pools()[string(db.Postgres)]
	wait := time.Second
	for ctx.Err() == nil {
		err := b.listen(ctx, pool)
		if ctx.Err() != nil {
			return
		}
		b.setConnected(false)
		b.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "live: listen connection lost; reconnecting", slog.Any("err", err), slog.Duration("in", wait))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// Connected reports whether the listen connection is up.
func (b *Bus) Connected() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.connected
}

func (b *Bus) setConnected(v bool) {
	b.mu.Lock()
	b.connected = v
	b.mu.Unlock()
}

func (b *Bus) listen(ctx context.Context, pool *sql.DB) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("listen: driver connection is %T, not pgx", dc)
		}
		pg := c.Conn()
		if _, err := pg.Exec(ctx, `LISTEN "`+b.cfg.Channel+`"`); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		// Whatever happened while nobody listened is unknown.
		b.mu.Lock()
		again := b.listened
		b.listened, b.connected = true, true
		b.mu.Unlock()
		if again {
			for _, t := range Topics() {
				b.deliver(Change{Topic: t, Path: Root, Origin: "reconnect"})
			}
		}
		for {
			n, err := pg.WaitForNotification(ctx)
			if err != nil {
				// Leave the connection unusable for the pool either way:
				// it is still listening.
				_ = pg.Close(context.Background())
				return errors.Join(err, driver.ErrBadConn)
			}
			var m notice
			if err := json.Unmarshal([]byte(n.Payload), &m); err != nil || m.Origin == b.origin {
				continue
			}
			for _, p := range compact(m.Paths) {
				b.deliver(Change{Topic: m.Topic, Path: p, Origin: m.Origin})
			}
		}
	})
}
