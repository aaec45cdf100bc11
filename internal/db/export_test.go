package db

import (
	"context"
	"fmt"
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
