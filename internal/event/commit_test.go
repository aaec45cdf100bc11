package event

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/groupcommit"
)

// A transaction's counter moves are those of its stored writes: a write
// refused after moving counters moves none (its savepoint rolls back its
// rows, and the batch drops its moves), and the total is applied once, by
// Flush. A closed batch leaves no buffer behind for its transaction. The
// group committer itself is tested in internal/groupcommit.
func TestCounterBatchKeepsOnlyStoredWrites(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Service{db: d, fullCounters: upsertCounters(d.Engine, counterChunk)}
		k := counterKey{"230600", "2026-12", "dispute", "reported"}
		move := func(n int64, refuse bool) groupcommit.Func {
			return func(ctx context.Context, tx *sql.Tx) error {
				buf, ok := s.buffer(tx)
				if !ok {
					return errors.New("no counter buffer for the transaction")
				}
				buf[k] += n
				if refuse {
					return errors.New("refused")
				}
				return nil
			}
		}
		for round := range 2 { // the second from the pool
			var open *sql.Tx
			err := d.InTx(ctx, func(tx *sql.Tx) error {
				open = tx
				b := s.counterBatch(tx)
				defer b.Close()
				for _, w := range []struct {
					n      int64
					refuse bool
				}{{1, false}, {10, true}, {100, false}} {
					if err := b.Write(ctx, tx, move(w.n, w.refuse)); (err != nil) != w.refuse {
						return fmt.Errorf("write of %d: %v", w.n, err)
					}
				}
				return b.Flush(ctx, tx)
			})
			if err != nil {
				t.Fatal(err)
			}
			var n int64
			if err := d.Read().QueryRowContext(ctx, `SELECT n FROM event_counters
				WHERE region_code = $1 AND month = $2 AND category_code = $3 AND measure = $4`, k.region, k.month, k.category, k.measure).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if want := int64(101 * (round + 1)); n != want {
				t.Fatalf("round %d: counter %d, want %d", round, n, want)
			}
			if _, ok := s.counters.Load(open); ok {
				t.Fatalf("round %d: a closed batch left its buffer", round)
			}
		}
	})
}
