package reseal

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// BenchmarkReseal re-encrypts a table of persons-like rows (two sealed
// values each) after every rotation; rows/s is the figure to compare with
// the 2.1M persons of a large city.
func BenchmarkReseal(b *testing.B) {
	const rows = 20000
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			d := dbtest.Open(b, engine)
			fillBench(b, d, rows)
			ids := []string{"k1"}
			var elapsed time.Duration
			n := 0
			for b.Loop() {
				ids = append(ids, "k"+strconv.Itoa(len(ids)+1))
				keys := ring(b, ids...)
				start := time.Now()
				res, err := (&Runner{DB: d, Keys: keys}).Run(context.Background(), sample)
				elapsed += time.Since(start)
				if err != nil || res[0].Resealed != rows {
					b.Fatalf("reseal = %+v, %v", res, err)
				}
				n += rows
			}
			b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
		})
	}
}

func fillBench(b *testing.B, d *db.DB, n int) {
	b.Helper()
	bytesType := "BLOB"
	if d.Engine == db.Postgres {
		bytesType = "BYTEA"
	}
	dbtest.Exec(b, d.Write(), `CREATE TABLE reseal_sample (a BIGINT NOT NULL, b INTEGER NOT NULL, tag TEXT NOT NULL,
		x `+bytesType+` NOT NULL, y `+bytesType+`, PRIMARY KEY (a, b))`)
	keys := ring(b, "k1")
	ctx := context.Background()
	tx, err := d.BeginWrite(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		row := Row{Key: []int64{int64(i / 3), int64(i % 3)}, With: []string{"t" + strconv.Itoa(i)}}
		x := keys.Seal([]byte("230602194503100211"), sample.Context(row, 0))
		y := keys.Seal([]byte("13800001234"), sample.Context(row, 1))
		if _, err := tx.ExecContext(ctx, `INSERT INTO reseal_sample (a, b, tag, x, y) VALUES ($1, $2, $3, $4, $5)`, row.Key[0], row.Key[1], row.With[0], x, y); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
