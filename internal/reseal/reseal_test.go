package reseal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/secret"
)

func ring(t testing.TB, ids ...string) *secret.Keyring {
	t.Helper()
	var keys []secret.Key
	for i, id := range ids {
		keys = append(keys, secret.Key{ID: id, Bytes: bytes.Repeat([]byte{byte(i + 1)}, secret.KeySize)})
	}
	k, err := secret.NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sample is a scratch table with a two-column key, a context column and
// two sealed columns, one of them optional.
var sample = Table{
	Name:  "reseal_sample",
	Key:   []string{"a", "b"},
	Blobs: []string{"x", "y"},
	With:  []string{"tag"},
	Context: func(r Row, blob int) string {
		return fmt.Sprintf("sample:%d:%d:%s:%d", r.Key[0], r.Key[1], r.With[0], blob)
	},
}

func plainOf(a, b int64, blob int) string { return fmt.Sprintf("value %d/%d/%d", a, b, blob) }

// fill stores n rows sealed with keys; every third row has no y.
func fill(t *testing.T, d *db.DB, keys *secret.Keyring, n int) {
	t.Helper()
	bytesType := "BLOB"
	if d.Engine == db.Postgres {
		bytesType = "BYTEA"
	}
	dbtest.Exec(t, d.Write(), `CREATE TABLE reseal_sample (a BIGINT NOT NULL, b INTEGER NOT NULL, tag TEXT NOT NULL,
		x `+bytesType+` NOT NULL, y `+bytesType+`, PRIMARY KEY (a, b))`)
	ctx := context.Background()
	for i := range n {
		a, b := int64(i/3), int64(i%3)
		row := Row{Key: []int64{a, b}, With: []string{"t" + strconv.Itoa(i)}}
		x := keys.Seal([]byte(plainOf(a, b, 0)), sample.Context(row, 0))
		var y []byte
		if i%3 != 0 {
			y = keys.Seal([]byte(plainOf(a, b, 1)), sample.Context(row, 1))
		}
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO reseal_sample (a, b, tag, x, y) VALUES ($1, $2, $3, $4, $5)`, a, b, row.With[0], x, y); err != nil {
			t.Fatal(err)
		}
	}
}

type stored struct {
	a, b int64
	tag  string
	x, y []byte
}

func readAll(t *testing.T, d *db.DB) []stored {
	t.Helper()
	rows, err := d.Read().QueryContext(context.Background(), `SELECT a, b, tag, x, y FROM reseal_sample ORDER BY a, b`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []stored
	for rows.Next() {
		var s stored
		if err := rows.Scan(&s.a, &s.b, &s.tag, &s.x, &s.y); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// checkAll fails unless every value is sealed with want and opens to its plaintext.
func checkAll(t *testing.T, d *db.DB, keys *secret.Keyring, want string) {
	t.Helper()
	for _, s := range readAll(t, d) {
		row := Row{Key: []int64{s.a, s.b}, With: []string{s.tag}}
		for i, blob := range [][]byte{s.x, s.y} {
			if blob == nil {
				if i == 0 || s.b != 0 {
					t.Fatalf("row %d/%d lost value %d", s.a, s.b, i)
				}
				continue
			}
			if got := secret.SealedWith(blob); got != want {
				t.Fatalf("row %d/%d value %d sealed with %q, want %q", s.a, s.b, i, got, want)
			}
			p, err := keys.Open(blob, sample.Context(row, i))
			if err != nil || string(p) != plainOf(s.a, s.b, i) {
				t.Fatalf("row %d/%d value %d opens to %q, %v", s.a, s.b, i, p, err)
			}
		}
	}
}

func resealAudits(t *testing.T, d *db.DB) []audit.Entry {
	t.Helper()
	entries, err := audit.List(context.Background(), d.Read(), audit.Filter{Action: "keys.reseal", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestResealWalksEveryBatchOnceAndSkipsWhatIsDone(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, ab := ring(t, "k1"), ring(t, "k1", "k2")
		fill(t, d, a, 250)
		// Rows written after the rotation are already sealed with k2.
		done := Row{Key: []int64{7, 1}, With: []string{"t22"}}
		dbtest.Exec(t, d.Write(), `UPDATE reseal_sample SET x = $1, y = $2 WHERE a = 7 AND b = 1`,
			ab.Seal([]byte(plainOf(7, 1, 0)), sample.Context(done, 0)), ab.Seal([]byte(plainOf(7, 1, 1)), sample.Context(done, 1)))

		var progress []Result
		r := &Runner{DB: d, Keys: ab, Batch: 40, Workers: 3, Progress: func(r Result) { progress = append(progress, r) }}
		results, err := r.Run(ctx, sample)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 1 || results[0].Table != "reseal_sample" || results[0].Rows != 250 || results[0].Resealed != 249 ||
			results[0].Changed != 0 || results[0].Failed != 0 {
			t.Fatalf("results = %+v", results)
		}
		// 250 rows in pages of 40: seven batches, each reported.
		if len(progress) != 7 || progress[6].Rows != 250 || progress[0].Rows != 40 {
			t.Fatalf("progress = %+v", progress)
		}
		checkAll(t, d, ab, "k2")
		if got := len(resealAudits(t, d)); got != 1 {
			t.Fatalf("%d audit records, want one per table", got)
		}
		e := resealAudits(t, d)[0]
		if e.Detail["table"] != "reseal_sample" || fmt.Sprint(e.Detail["count"]) != "249" || e.Detail["key"] != "k2" || e.Detail["complete"] != true {
			t.Fatalf("audit detail = %v", e.Detail)
		}

		before := readAll(t, d)
		results, err = r.Run(ctx, sample)
		if err != nil || results[0].Resealed != 0 || results[0].Rows != 250 {
			t.Fatalf("second run = %+v, %v", results, err)
		}
		for i, s := range readAll(t, d) {
			if !bytes.Equal(s.x, before[i].x) || !bytes.Equal(s.y, before[i].y) {
				t.Fatalf("second run rewrote row %d/%d", s.a, s.b)
			}
		}
		if got := len(resealAudits(t, d)); got != 1 {
			t.Fatalf("a run that rewrote nothing was audited: %d records", got)
		}
	})
}

func TestResealLeavesARowChangedMeanwhile(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, ab := ring(t, "k1"), ring(t, "k1", "k2")
		fill(t, d, a, 30)
		// Between the read and the write of the batch, a server that still
		// has only k1 writes a new value into row 2/2 and clears y of 3/1.
		row := Row{Key: []int64{2, 2}, With: []string{"t8"}}
		newer := a.Seal([]byte("written meanwhile"), sample.Context(row, 0))
		r := &Runner{DB: d, Keys: ab, Batch: 100}
		r.beforeWrite = func(string) {
			dbtest.Exec(t, d.Write(), `UPDATE reseal_sample SET x = $1 WHERE a = 2 AND b = 2`, newer)
			dbtest.Exec(t, d.Write(), `UPDATE reseal_sample SET y = NULL WHERE a = 3 AND b = 1`)
			r.beforeWrite = nil
		}
		results, err := r.Run(ctx, sample)
		if err != nil {
			t.Fatal(err)
		}
		if results[0].Resealed != 28 || results[0].Changed != 2 {
			t.Fatalf("results = %+v", results)
		}
		var x, y []byte
		if err := d.Read().QueryRowContext(ctx, `SELECT x, y FROM reseal_sample WHERE a = 2 AND b = 2`).Scan(&x, &y); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, newer) || secret.SealedWith(y) != "k1" {
			t.Fatal("the value written meanwhile was overwritten")
		}
		if err := d.Read().QueryRowContext(ctx, `SELECT y FROM reseal_sample WHERE a = 3 AND b = 1`).Scan(&y); err != nil || y != nil {
			t.Fatalf("the value cleared meanwhile came back: %v", err)
		}
		// The next run takes what was left.
		results, err = r.Run(ctx, sample)
		if err != nil || results[0].Resealed != 2 || results[0].Changed != 0 {
			t.Fatalf("next run = %+v, %v", results, err)
		}
		if err := d.Read().QueryRowContext(ctx, `SELECT x FROM reseal_sample WHERE a = 2 AND b = 2`).Scan(&x); err != nil {
			t.Fatal(err)
		}
		if p, err := ab.Open(x, sample.Context(row, 0)); err != nil || string(p) != "written meanwhile" || secret.SealedWith(x) != "k2" {
			t.Fatalf("the value written meanwhile after the next run: %q, %v", p, err)
		}
	})
}

func TestResealReportsWhatNoKeyOpens(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, ab := ring(t, "k1"), ring(t, "k1", "k2")
		fill(t, d, a, 12)
		// A value sealed for another row, and one under a key that is gone.
		moved := a.Seal([]byte("moved"), "elsewhere")
		lost := ring(t, "k0").Seal([]byte("lost"), sample.Context(Row{Key: []int64{3, 1}, With: []string{"t10"}}, 1))
		dbtest.Exec(t, d.Write(), `UPDATE reseal_sample SET x = $1 WHERE a = 0 AND b = 0`, moved)
		dbtest.Exec(t, d.Write(), `UPDATE reseal_sample SET y = $1 WHERE a = 3 AND b = 1`, lost)
		results, err := (&Runner{DB: d, Keys: ab}).Run(ctx, sample)
		if err != nil {
			t.Fatal(err)
		}
		res := results[0]
		// Row 0/0 has no other value; row 3/1 still has its x to reseal.
		if res.Failed != 2 || res.Resealed != 11 || strings.Join(res.FailedRows, "; ") != "reseal_sample a=0,b=0 x; reseal_sample a=3,b=1 y" {
			t.Fatalf("result = %+v", res)
		}
		var x, y []byte
		var x0 []byte
		d.Read().QueryRowContext(ctx, `SELECT x FROM reseal_sample WHERE a = 0 AND b = 0`).Scan(&x0)
		d.Read().QueryRowContext(ctx, `SELECT x, y FROM reseal_sample WHERE a = 3 AND b = 1`).Scan(&x, &y)
		if !bytes.Equal(x0, moved) || !bytes.Equal(y, lost) || secret.SealedWith(x) != "k2" {
			t.Fatal("an unopenable value was changed, or its row's other value not resealed")
		}
		if e := resealAudits(t, d); len(e) != 1 || fmt.Sprint(e[0].Detail["failed"]) != "2" {
			t.Fatalf("audit = %+v", e)
		}
	})
}

func TestResealInterruptedAndRunAgain(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		a, ab := ring(t, "k1"), ring(t, "k1", "k2")
		fill(t, d, a, 90)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := &Runner{DB: d, Keys: ab, Batch: 30, Progress: func(Result) { cancel() }}
		results, err := r.Run(ctx, sample)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %+v, %v", results, err)
		}
		if len(results) != 1 || results[0].Resealed != 30 {
			t.Fatalf("interrupted run = %+v", results)
		}
		if e := resealAudits(t, d); len(e) != 1 || e[0].Detail["complete"] != false || fmt.Sprint(e[0].Detail["count"]) != "30" {
			t.Fatalf("the interrupted run's audit: %+v", e)
		}
		results, err = (&Runner{DB: d, Keys: ab, Batch: 30}).Run(context.Background(), sample)
		if err != nil || results[0].Resealed != 60 {
			t.Fatalf("the run after: %+v, %v", results, err)
		}
		checkAll(t, d, ab, "k2")
	})
}

func TestTableValidate(t *testing.T) {
	ctxFn := func(Row, int) string { return "" }
	for _, tb := range []Table{
		{Name: "persons; DROP TABLE x", Key: []string{"id"}, Blobs: []string{"b"}, Context: ctxFn},
		{Name: "persons", Key: []string{"id"}, Blobs: []string{"b"}},
		{Name: "persons", Blobs: []string{"b"}, Context: ctxFn},
		{Name: "persons", Key: []string{"id"}, Context: ctxFn},
		{Name: "persons", Key: []string{"id"}, Blobs: []string{"b"}, With: []string{"a b"}, Context: ctxFn},
	} {
		if err := tb.Validate(); err == nil {
			t.Errorf("%+v: accepted", tb)
		}
		if _, err := (&Runner{}).Run(context.Background(), tb); err == nil {
			t.Errorf("%+v: run accepted it", tb)
		}
	}
	if err := sample.Validate(); err != nil {
		t.Fatal(err)
	}
}
