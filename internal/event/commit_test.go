package event

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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

// A batch takes the serials of its reports' codes at Begin, one statement
// per key, and gives them out in turn: a refused write's serials go to
// the next, a key with more reports than it was begun with takes more,
// and those never given out (a caller gone before its turn) go back at
// Flush, so that the codes of what is stored leave no gaps. A key it was
// not begun with is taken alone.
func TestCounterBatchSerials(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Service{db: d, fullCounters: upsertCounters(d.Engine, counterChunk)}
		const a, b, c = "20261202230602", "20261202230603", "20261202230604"
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO event_serials (day, county, last) VALUES ('20261202', '230602', 7)`); err != nil {
			t.Fatal(err)
		}
		var got []string
		take := func(refuse bool, keys ...string) groupcommit.Func {
			return func(ctx context.Context, tx *sql.Tx) error {
				for _, k := range keys {
					n, err := s.serial(ctx, tx, k)
					if err != nil {
						return err
					}
					if !refuse {
						got = append(got, fmt.Sprintf("%s:%d", k[8:], n))
					}
				}
				if refuse {
					return errors.New("refused")
				}
				return nil
			}
		}
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			bt := s.counterBatch(tx)
			defer bt.Close()
			if err := bt.Begin(ctx, tx, []string{a, "", b, a, a, b}); err != nil {
				return err
			}
			for _, w := range []struct {
				fn     groupcommit.Func
				refuse bool
			}{
				{take(false, a), false},
				{take(true, a, a), true}, // 9 and 10 go back
				{take(false, a), false},
				{take(false, a, a, a), false}, // one more than begun with
				{take(false, c), false},       // not begun with
				{take(false), false},
			} {
				if err := bt.Write(ctx, tx, w.fn); (err != nil) != w.refuse {
					return fmt.Errorf("write: %v", err)
				}
			}
			// b's two were never given out.
			return bt.Flush(ctx, tx)
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"230602:8", "230602:9", "230602:10", "230602:11", "230602:12", "230604:1"}
		if !slices.Equal(got, want) {
			t.Fatalf("serials given = %q, want %q", got, want)
		}
		rows := map[string]int{}
		r, err := d.Read().QueryContext(ctx, `SELECT county, last FROM event_serials WHERE day = '20261202'`)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for r.Next() {
			var county string
			var last int
			if err := r.Scan(&county, &last); err != nil {
				t.Fatal(err)
			}
			rows[county] = last
		}
		if rows["230602"] != 12 || rows["230603"] != 0 || rows["230604"] != 1 || len(rows) != 3 {
			t.Fatalf("serial rows = %v, want 230602: 12, 230603: 0, 230604: 1", rows)
		}
	})
}
