package db

import (
	"context"
	"fmt"
	"time"
)

// MigrateDownTo undoes the migrations above version, for tests of a
// migration's down and up on rows already stored.
func (d *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := d.migrations()
	if err != nil {
		return err
	}
	defer d.migrating()()
	if _, err := p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("migrate down to %d: %w", version, err)
	}
	return nil
}

// SetBulkPatience bounds how long d's bulk writers wait for the writers
// that wait, for a test of that bound.
func (d *DB) SetBulkPatience(p time.Duration) { d.turns.patience = p }

// AnnounceWaiting says that a writer of d waits until done is called.
func (d *DB) AnnounceWaiting(ctx context.Context) (done func()) { return d.turns.announce(ctx) }
