// Package resealtest checks, in the tests of the packages that seal values,
// that their reseal.Table descriptions re-encrypt what they really sealed.
package resealtest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/reseal"
	"github.com/gridgov/gridgov/internal/secret"
)

// Value is one sealed value as stored.
type Value struct {
	Table, Column string
	Row           reseal.Row
	Sealed        []byte
}

// Where names a value in failure messages.
func (v Value) Where() string {
	return fmt.Sprintf("%s %v %s", v.Table, v.Row.Key, v.Column)
}

// Values reads every non-NULL sealed value of the tables.
func Values(t testing.TB, d *db.DB, tables ...reseal.Table) []Value {
	t.Helper()
	var out []Value
	for _, tb := range tables {
		cols := strings.Join(append(append(append([]string(nil), tb.Key...), tb.With...), tb.Blobs...), ", ")
		rows, err := d.Read().QueryContext(context.Background(), `SELECT `+cols+` FROM `+tb.Name+` ORDER BY `+strings.Join(tb.Key, ", "))
		if err != nil {
			t.Fatalf("read %s: %v", tb.Name, err)
		}
		for rows.Next() {
			row := reseal.Row{Key: make([]int64, len(tb.Key)), With: make([]string, len(tb.With))}
			with := make([]sql.NullString, len(tb.With))
			blobs := make([][]byte, len(tb.Blobs))
			var dest []any
			for i := range row.Key {
				dest = append(dest, &row.Key[i])
			}
			for i := range with {
				dest = append(dest, &with[i])
			}
			for i := range blobs {
				dest = append(dest, &blobs[i])
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				t.Fatalf("read %s: %v", tb.Name, err)
			}
			for i, w := range with {
				row.With[i] = w.String
			}
			for i, b := range blobs {
				if b != nil {
					out = append(out, Value{Table: tb.Name, Column: tb.Blobs[i], Row: row, Sealed: b})
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatalf("read %s: %v", tb.Name, err)
		}
	}
	return out
}

// Open opens a value with the context its table describes.
func Open(keys *secret.Keyring, tables []reseal.Table, v Value) ([]byte, error) {
	for _, tb := range tables {
		if tb.Name != v.Table {
			continue
		}
		for i, c := range tb.Blobs {
			if c == v.Column {
				return keys.Open(v.Sealed, tb.Context(v.Row, i))
			}
		}
	}
	return nil, fmt.Errorf("no table describes %s", v.Where())
}

// Rotate checks a rotation: every table holds at least one value sealed
// with before; a run with after (before's keys and a newer one) leaves
// every value sealed with after's newest key and opening, with its
// context, to the same plaintext, which before's keys no longer open; a
// second run rewrites nothing. It returns the results of the first run.
func Rotate(t testing.TB, d *db.DB, before, after *secret.Keyring, tables ...reseal.Table) []reseal.Result {
	t.Helper()
	ctx := context.Background()
	old := Values(t, d, tables...)
	plain := map[string][]byte{}
	for _, tb := range tables {
		n := 0
		for _, v := range old {
			if v.Table == tb.Name {
				n++
			}
		}
		if n == 0 {
			t.Fatalf("%s holds no sealed value: the test seals nothing there", tb.Name)
		}
	}
	for _, v := range old {
		if secret.SealedWith(v.Sealed) != before.CurrentKeyID() {
			t.Fatalf("%s is sealed with %q before the rotation, want %q", v.Where(), secret.SealedWith(v.Sealed), before.CurrentKeyID())
		}
		p, err := Open(before, tables, v)
		if err != nil {
			t.Fatalf("%s does not open with the context its table describes: %v", v.Where(), err)
		}
		plain[v.Where()] = p
	}

	results, err := (&reseal.Runner{DB: d, Keys: after}).Run(ctx, tables...)
	if err != nil {
		t.Fatalf("reseal: %v", err)
	}
	for _, r := range results {
		if r.Failed != 0 || r.Changed != 0 {
			t.Fatalf("reseal %s: %+v", r.Table, r)
		}
	}

	now := Values(t, d, tables...)
	if len(now) != len(old) {
		t.Fatalf("%d sealed values after the rotation, %d before", len(now), len(old))
	}
	for _, v := range now {
		if got := secret.SealedWith(v.Sealed); got != after.CurrentKeyID() {
			t.Fatalf("%s is sealed with %q after the rotation, want %q", v.Where(), got, after.CurrentKeyID())
		}
		p, err := Open(after, tables, v)
		if err != nil {
			t.Fatalf("%s does not open after the rotation: %v", v.Where(), err)
		}
		if !bytes.Equal(p, plain[v.Where()]) {
			t.Fatalf("%s opens to another value after the rotation", v.Where())
		}
		if _, err := Open(before, tables, v); err == nil {
			t.Fatalf("%s still opens with the old key alone", v.Where())
		}
	}

	again, err := (&reseal.Runner{DB: d, Keys: after}).Run(ctx, tables...)
	if err != nil {
		t.Fatalf("second reseal: %v", err)
	}
	for _, r := range again {
		if r.Resealed != 0 {
			t.Fatalf("second reseal rewrote %d rows of %s", r.Resealed, r.Table)
		}
	}
	if last := Values(t, d, tables...); len(last) != len(now) || !sameBlobs(last, now) {
		t.Fatal("a second reseal changed stored values")
	}
	return results
}

func sameBlobs(a, b []Value) bool {
	for i := range a {
		if !bytes.Equal(a[i].Sealed, b[i].Sealed) {
			return false
		}
	}
	return true
}
