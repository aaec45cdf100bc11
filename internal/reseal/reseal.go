// Package reseal re-encrypts every value sealed with the data keyring under
// its current key, after a key rotation. Each package that seals values
// describes its sealed columns as a Table next to the code that seals them
// (the AEAD context is computed there); one Runner walks them all.
//
// A run walks each table in primary-key order, a batch of rows at a time:
// it reads a batch, opens and reseals the values not sealed with the current
// key on every core, and writes the batch in one transaction. Each UPDATE is
// guarded by the old values, so a value rewritten meanwhile is left alone.
// A run is safe to interrupt and to repeat: what is already sealed with the
// current key is skipped.
package reseal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/secret"
)

// DefaultBatch is how many rows one transaction rewrites.
const DefaultBatch = 1000

// Table describes the sealed columns of one table.
type Table struct {
	// Name is the table; it and every column name are constants of the
	// owning package, never input.
	Name string
	// Key is the integer primary key, in order: {"id"}, {"patrol_id", "seq"}.
	Key []string
	// Blobs are the sealed columns; NULL is allowed and left alone.
	Blobs []string
	// With are further columns, read as text, that the context is computed from.
	With []string
	// Context returns the AEAD context of Blobs[blob] of a row; it must be
	// the context the owning package seals and opens that value with.
	Context func(r Row, blob int) string
}

// Row is what a Context is computed from.
type Row struct {
	Key  []int64  // the values of Table.Key
	With []string // the values of Table.With ("" for NULL)
}

// Result is the progress of one table.
type Result struct {
	Table string
	// Rows is how many rows were read.
	Rows int
	// Resealed is how many rows were rewritten with their values under the
	// current key (but for values no key opens).
	Resealed int
	// Changed is how many rows changed between read and write and were left
	// alone; a later run takes them.
	Changed int
	// Failed counts values that no key in the keyring opens; FailedRows
	// names the first of them (table, key and column, never a value).
	Failed     int
	FailedRows []string
}

// Runner re-encrypts the described tables.
type Runner struct {
	DB   *db.DB
	Keys *secret.Keyring
	// Batch is the number of rows per transaction (DefaultBatch when 0).
	Batch int
	// Workers is the number of goroutines that open and seal (every core when 0).
	Workers int
	// Progress, when set, is called after every batch with the table's totals so far.
	Progress func(Result)
	// Now stamps the audit records (time.Now when nil).
	Now func() time.Time

	// beforeWrite runs between the read and the write of every batch (tests).
	beforeWrite func(table string)
}

var ident = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Validate checks that a table is described completely and with plain
// identifiers, since they are put into SQL.
func (t Table) Validate() error {
	if !ident.MatchString(t.Name) {
		return fmt.Errorf("reseal: bad table name %q", t.Name)
	}
	if len(t.Key) == 0 || len(t.Blobs) == 0 || t.Context == nil {
		return fmt.Errorf("reseal: table %s needs a key, sealed columns and a context", t.Name)
	}
	for _, c := range append(append(append([]string(nil), t.Key...), t.Blobs...), t.With...) {
		if !ident.MatchString(c) {
			return fmt.Errorf("reseal: table %s: bad column name %q", t.Name, c)
		}
	}
	return nil
}

// Run re-encrypts every table in turn and returns one Result per table
// started. An error stops the run; what was written before it stays
// written and audited.
func (r *Runner) Run(ctx context.Context, tables ...Table) ([]Result, error) {
	for _, t := range tables {
		if err := t.Validate(); err != nil {
			return nil, err
		}
	}
	var out []Result
	for _, t := range tables {
		res, err := r.table(ctx, t)
		out = append(out, res)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// item is one row that holds a value to reseal.
type item struct {
	row Row
	old [][]byte // as read
	new [][]byte // as to be written: resealed, or old when already current, NULL or unopenable
}

type batch struct {
	items []item
	rows  int // rows read, including those that needed nothing
	fails []string
	err   error
}

func (r *Runner) table(ctx context.Context, t Table) (res Result, err error) {
	res.Table = t.Name
	defer func() {
		if res.Resealed == 0 && res.Failed == 0 {
			return
		}
		// Recorded even when the run was interrupted: what was rewritten stays rewritten.
		actx := context.WithoutCancel(ctx)
		detail := map[string]any{"table": t.Name, "count": res.Resealed, "failed": res.Failed,
			"key": r.Keys.CurrentKeyID(), "complete": err == nil}
		aerr := r.DB.InTx(actx, func(tx *sql.Tx) error {
			_, err := audit.Append(actx, tx, r.now(), audit.Record{Actor: audit.System("keys"), Action: "keys.reseal", Detail: detail})
			return err
		})
		if aerr != nil {
			err = errors.Join(err, fmt.Errorf("reseal %s: audit: %w", t.Name, aerr))
		}
	}()

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 1)
	go func() {
		defer close(batches)
		r.read(rctx, t, batches)
	}()
	// On return, drain the reader so that it ends.
	defer func() {
		cancel()
		for range batches {
		}
	}()

	write := r.writer(t)
	for b := range batches {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if b.err != nil {
			return res, b.err
		}
		res.Rows += b.rows
		res.Failed += len(b.fails)
		for _, f := range b.fails {
			if len(res.FailedRows) < 10 {
				res.FailedRows = append(res.FailedRows, f)
			}
		}
		if len(b.items) > 0 {
			if r.beforeWrite != nil {
				r.beforeWrite(t.Name)
			}
			n, err := write(ctx, b.items)
			if err != nil {
				return res, fmt.Errorf("reseal %s: %w", t.Name, err)
			}
			res.Resealed += n
			res.Changed += len(b.items) - n
		}
		if r.Progress != nil {
			r.Progress(res)
		}
	}
	return res, ctx.Err()
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return audit.Canonical(r.Now())
	}
	return audit.Canonical(time.Now())
}

func (r *Runner) batchSize() int {
	if r.Batch > 0 {
		return r.Batch
	}
	return DefaultBatch
}

// read pages through the table by primary key and sends every page, its
// values resealed, to out; it reads the next page while the last is written.
func (r *Runner) read(ctx context.Context, t Table, out chan<- batch) {
	cols := strings.Join(append(append(append([]string(nil), t.Key...), t.With...), t.Blobs...), ", ")
	order := strings.Join(t.Key, ", ")
	binds := make([]string, len(t.Key))
	for i := range binds {
		binds[i] = "$" + strconv.Itoa(i+1)
	}
	first := `SELECT ` + cols + ` FROM ` + t.Name + ` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(r.batchSize())
	next := `SELECT ` + cols + ` FROM ` + t.Name + ` WHERE (` + order + `) > (` + strings.Join(binds, ", ") + `) ORDER BY ` + order +
		` LIMIT ` + strconv.Itoa(r.batchSize())
	send := func(b batch) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var after []any
	for {
		var rows *sql.Rows
		var err error
		if after == nil {
			rows, err = r.DB.Read().QueryContext(ctx, first)
		} else {
			rows, err = r.DB.Read().QueryContext(ctx, next, after...)
		}
		if err != nil {
			send(batch{err: fmt.Errorf("reseal %s: read: %w", t.Name, err)})
			return
		}
		b, last, err := r.scan(t, rows)
		if err != nil {
			send(batch{err: fmt.Errorf("reseal %s: read: %w", t.Name, err)})
			return
		}
		if b.rows == 0 {
			return
		}
		r.resealAll(t, &b)
		if !send(b) || b.rows < r.batchSize() {
			return
		}
		after = make([]any, len(last))
		for i, k := range last {
			after[i] = k
		}
	}
}

// scan reads one page and keeps the rows that hold a value not sealed with
// the current key.
func (r *Runner) scan(t Table, rows *sql.Rows) (batch, []int64, error) {
	defer rows.Close()
	current := r.Keys.CurrentKeyID()
	var b batch
	var last []int64
	for rows.Next() {
		row := Row{Key: make([]int64, len(t.Key)), With: make([]string, len(t.With))}
		with := make([]sql.NullString, len(t.With))
		blobs := make([][]byte, len(t.Blobs))
		dest := make([]any, 0, len(t.Key)+len(t.With)+len(t.Blobs))
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
			return batch{}, nil, err
		}
		b.rows++
		last = row.Key
		stale := false
		for _, blob := range blobs {
			if blob != nil && secret.SealedWith(blob) != current {
				stale = true
			}
		}
		if !stale {
			continue
		}
		for i, w := range with {
			row.With[i] = w.String
		}
		b.items = append(b.items, item{row: row, old: blobs})
	}
	return b, last, rows.Err()
}

// resealAll opens and reseals the stale values of a batch on every core.
// A value no key opens is kept as it is and reported.
func (r *Runner) resealAll(t Table, b *batch) {
	workers := r.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(1, len(b.items)/64))
	current := r.Keys.CurrentKeyID()
	fails := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(b.items); i += workers {
				it := &b.items[i]
				it.new = make([][]byte, len(it.old))
				for j, old := range it.old {
					it.new[j] = old
					if old == nil || secret.SealedWith(old) == current {
						continue
					}
					c := t.Context(it.row, j)
					plain, err := r.Keys.Open(old, c)
					if err != nil {
						fails[w] = append(fails[w], fmt.Sprintf("%s %s %s", t.Name, keyText(t, it.row), t.Blobs[j]))
						continue
					}
					it.new[j] = r.Keys.Seal(plain, c)
				}
			}
		})
	}
	wg.Wait()
	for _, f := range fails {
		b.fails = append(b.fails, f...)
	}
	// A row whose every stale value failed has nothing to write.
	kept := b.items[:0]
	for _, it := range b.items {
		for j := range it.old {
			if secret.SealedWith(it.new[j]) == current && secret.SealedWith(it.old[j]) != current {
				kept = append(kept, it)
				break
			}
		}
	}
	b.items = kept
}

func keyText(t Table, row Row) string {
	parts := make([]string, len(t.Key))
	for i, k := range t.Key {
		parts[i] = k + "=" + strconv.FormatInt(row.Key[i], 10)
	}
	return strings.Join(parts, ",")
}

// writer returns the function that writes a batch in one transaction and
// says how many rows it rewrote. Every row is guarded by all its old
// values: a row rewritten meanwhile matches nothing and is left alone.
func (r *Runner) writer(t Table) func(context.Context, []item) (int, error) {
	if r.DB.Engine == db.Postgres {
		return r.writePostgres(t)
	}
	// SQLite runs in-process: one prepared UPDATE per row costs no round trip.
	var set, where []string
	n := 0
	bind := func() string { n++; return "$" + strconv.Itoa(n) }
	for _, c := range t.Blobs {
		set = append(set, c+" = "+bind())
	}
	for _, c := range t.Key {
		where = append(where, c+" = "+bind())
	}
	for _, c := range t.Blobs {
		where = append(where, c+" IS "+bind())
	}
	query := `UPDATE ` + t.Name + ` SET ` + strings.Join(set, ", ") + ` WHERE ` + strings.Join(where, " AND ")
	return func(ctx context.Context, items []item) (int, error) {
		done := 0
		err := r.DB.InTx(ctx, func(tx *sql.Tx) error {
			done = 0
			st, err := tx.PrepareContext(ctx, query)
			if err != nil {
				return err
			}
			defer st.Close()
			args := make([]any, 0, 2*len(t.Blobs)+len(t.Key))
			for _, it := range items {
				args = args[:0]
				for _, v := range it.new {
					args = append(args, v)
				}
				for _, k := range it.row.Key {
					args = append(args, k)
				}
				for _, v := range it.old {
					args = append(args, v)
				}
				res, err := st.ExecContext(ctx, args...)
				if err != nil {
					return err
				}
				if k, _ := res.RowsAffected(); k == 1 {
					done++
				}
			}
			return nil
		})
		return done, err
	}
}

// writePostgres rewrites a whole batch with one statement over arrays, so
// a batch costs one round trip instead of one per row.
func (r *Runner) writePostgres(t Table) func(context.Context, []item) (int, error) {
	var arrays, names, set, where []string
	n := 0
	add := func(name, typ string) string {
		n++
		arrays = append(arrays, "$"+strconv.Itoa(n)+"::"+typ+"[]")
		names = append(names, name)
		return "v." + name
	}
	for i, c := range t.Key {
		where = append(where, "t."+c+" = "+add("k"+strconv.Itoa(i), "bigint"))
	}
	// Redundant with the join, but it keeps the planner on the primary key
	// instead of hashing a whole table of millions of rows.
	where = append(where, "t."+t.Key[0]+" = ANY($1::bigint[])")
	for i, c := range t.Blobs {
		where = append(where, "t."+c+" IS NOT DISTINCT FROM "+add("o"+strconv.Itoa(i), "bytea"))
	}
	for i, c := range t.Blobs {
		set = append(set, c+" = "+add("n"+strconv.Itoa(i), "bytea"))
	}
	query := `UPDATE ` + t.Name + ` AS t SET ` + strings.Join(set, ", ") + ` FROM unnest(` + strings.Join(arrays, ", ") +
		`) AS v(` + strings.Join(names, ", ") + `) WHERE ` + strings.Join(where, " AND ")
	return func(ctx context.Context, items []item) (int, error) {
		keys := make([][]int64, len(t.Key))
		olds := make([][][]byte, len(t.Blobs))
		news := make([][][]byte, len(t.Blobs))
		for _, it := range items {
			for i, k := range it.row.Key {
				keys[i] = append(keys[i], k)
			}
			for i := range it.old {
				olds[i] = append(olds[i], it.old[i])
				news[i] = append(news[i], it.new[i])
			}
		}
		args := make([]any, 0, n)
		for _, k := range keys {
			args = append(args, k)
		}
		for _, o := range olds {
			args = append(args, o)
		}
		for _, v := range news {
			args = append(args, v)
		}
		var done int64
		err := r.DB.InTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, query, args...)
			if err != nil {
				return err
			}
			done, err = res.RowsAffected()
			return err
		})
		return int(done), err
	}
}
