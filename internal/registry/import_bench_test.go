package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/tabular"
)

// BenchmarkImport loads a city's registry files three ways on each engine,
// side by side in one run:
//
//   - gridgov: Service.Import, the path users take (validated, encrypted,
//     grid-located, indexed, audited), houses then persons;
//   - naive: the same rows validated and sealed one by one, each stored by
//     prepared INSERTs, 10,000 rows per transaction, indexes present;
//   - raw: the engine's own loader on the same files into index-free tables
//     of text columns (sqlite3 .import; psql \copy), nothing checked.
//
// The files come from GRIDGOV_BENCH_REGISTRY_DIR: houses.csv, persons.csv
// (`gridgov demo --export-csv`) and regions.geojson (`gridgov export
// regions`); scripts/bench.sh makes them for the daqing preset. Without it
// the benchmark skips. Each route reports rows/s and the peak of live heap,
// and the gridgov route its ratios to the other two.
func BenchmarkImport(b *testing.B) {
	dir := os.Getenv("GRIDGOV_BENCH_REGISTRY_DIR")
	if dir == "" {
		b.Skip("set GRIDGOV_BENCH_REGISTRY_DIR to a directory with houses.csv, persons.csv and regions.geojson")
	}
	files := []struct {
		kind Kind
		path string
	}{{Houses, filepath.Join(dir, "houses.csv")}, {Persons, filepath.Join(dir, "persons.csv")}}
	rows := 0
	for _, f := range files {
		n, err := countRows(f.path)
		if err != nil {
			b.Fatal(err)
		}
		rows += n
	}
	engines := []db.Engine{db.SQLite}
	if os.Getenv("GRIDGOV_TEST_DATABASE_URL") != "" {
		engines = append(engines, db.Postgres)
	}
	for _, engine := range engines {
		rate := map[string]float64{}
		for _, route := range []string{"raw", "naive", "gridgov"} {
			b.Run(fmt.Sprintf("%s/%s", engine, route), func(b *testing.B) {
				var elapsed time.Duration
				var peak uint64
				for range b.N {
					b.StopTimer()
					d, svc := benchRegistry(b, engine, dir)
					runtime.GC()
					stop := watchHeap()
					start := time.Now()
					b.StartTimer()
					for _, f := range files {
						fileStart := time.Now()
						var err error
						switch route {
						case "raw":
							err = rawLoad(b, d, engine, f.kind, f.path)
						case "naive":
							err = svc.naiveImport(context.Background(), f.kind, f.path)
						default:
							err = benchImport(svc, f.kind, f.path)
						}
						if err != nil {
							b.Fatal(err)
						}
						b.Logf("%s %s: %s", route, f.kind, time.Since(fileStart).Round(100*time.Millisecond))
					}
					b.StopTimer()
					elapsed += time.Since(start)
					peak = max(peak, stop())
					d.Close()
				}
				per := elapsed.Seconds() / float64(b.N)
				rate[route] = float64(rows) / per
				b.ReportMetric(0, "ns/op")
				b.ReportMetric(per, "s/load")
				b.ReportMetric(rate[route], "rows/s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				if route == "gridgov" {
					b.ReportMetric(rate["gridgov"]/rate["naive"], "x-naive")
					b.ReportMetric(rate["gridgov"]/rate["raw"], "x-raw")
				}
			})
		}
	}
}

func countRows(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	buf := make([]byte, 1<<20)
	for {
		k, err := f.Read(buf)
		n += strings.Count(string(buf[:k]), "\n")
		if errors.Is(err, io.EOF) {
			return n - 1, nil // the header
		}
		if err != nil {
			return 0, err
		}
	}
}

// watchHeap samples the live heap until the returned function is called,
// which returns the peak.
func watchHeap() func() uint64 {
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		mu.Lock()
		peak = max(peak, sample[0].Value.Uint64())
		mu.Unlock()
	}
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() uint64 {
		close(done)
		read()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// benchRegistry opens an empty database with the city's regions and a
// registry service locating through them.
func benchRegistry(b *testing.B, engine db.Engine, dir string) (*db.DB, *Service) {
	ctx := context.Background()
	d := dbtest.Open(b, engine)
	f, err := os.Open(filepath.Join(dir, "regions.geojson"))
	if err != nil {
		b.Fatal(err)
	}
	items, err := gridmap.ParseRegions(f, gridmap.ParseOptions{CRS: geo.WGS84})
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	res, err := gridmap.NewStore(d, time.Now).ImportRegions(ctx, audit.System("bench"), region.All(), items, gridmap.ImportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if !res.Stored {
		b.Fatalf("regions refused: %+v", res.Rejected[0])
	}
	loc := gridmap.NewLocator(d, slog.New(slog.DiscardHandler))
	if err := loc.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	keys, err := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	if err != nil {
		b.Fatal(err)
	}
	return d, NewService(d, keys, loc, time.Now)
}

func openTable(path string) (*os.File, tabular.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	r, err := tabular.Open(f, info.Size(), filepath.Base(path), tabular.Options{})
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, r, nil
}

func benchImport(svc *Service, kind Kind, path string) error {
	f, r, err := openTable(path)
	if err != nil {
		return err
	}
	defer f.Close()
	defer r.Close()
	rep, err := svc.Import(context.Background(), auth.System("bench"), kind, r, ImportOptions{Source: path})
	if err != nil {
		return err
	}
	if len(rep.Rejected) > 0 || rep.Created != rep.Rows {
		return fmt.Errorf("%s: %d rows, %d created, first rejection %+v", kind, rep.Rows, rep.Created, rep.Rejected[0])
	}
	return nil
}

// naiveImport is the straightforward loader the pipeline is measured
// against: one row at a time, one prepared INSERT per table row, a commit
// every 10,000 rows.
func (s *Service) naiveImport(ctx context.Context, kind Kind, path string) error {
	f, r, err := openTable(path)
	if err != nil {
		return err
	}
	defer f.Close()
	defer r.Close()
	fields := personFields
	if kind == Houses {
		fields = houseFields
	}
	cols, err := tabular.MapHeader(r.Header(), fields)
	var herr *tabular.HeaderError
	if err != nil && !(errors.As(err, &herr) && len(herr.Missing)+len(herr.Duplicate) == 0) {
		return err
	}
	scope := region.All()
	grids := map[string]string{}
	gridPathOf := func(q db.Querier, code string) (string, error) {
		if p, ok := grids[code]; ok {
			return p, nil
		}
		p, err := gridInScope(ctx, q, scope, code, "grid_code")
		grids[code] = p
		return p, err
	}
	now := audit.Canonical(time.Now())
	var tx *sql.Tx
	var stmts []*sql.Stmt
	begin := func() error {
		var err error
		if tx, err = s.db.BeginWrite(ctx); err != nil {
			return err
		}
		stmts = stmts[:0]
		queries := []string{`INSERT INTO houses (` + houseInsertColumns + `) VALUES ` + bindsFor(s.db).list(1, 15)}
		if kind == Persons {
			queries = []string{
				`SELECT id, grid_code FROM houses WHERE code = $1`,
				`INSERT INTO persons (` + personInsertColumns + `) VALUES ` + bindsFor(s.db).list(1, 17) + ` RETURNING id`,
				`INSERT INTO person_houses (person_id, house_id, relation) VALUES ($1, $2, $3)`,
				`INSERT INTO person_tags (person_id, tag, since, until) VALUES ($1, $2, $3, $4)`,
			}
		}
		for _, q := range queries {
			st, err := tx.PrepareContext(ctx, q)
			if err != nil {
				return err
			}
			stmts = append(stmts, st)
		}
		return nil
	}
	if err := begin(); err != nil {
		return err
	}
	defer func() {
		if tx != nil {
			_ = tx.Rollback()
		}
	}()
	n := 0
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if kind == Houses {
			h, err := s.parseHouseRow(cols, row)
			if err != nil {
				return fmt.Errorf("row %d: %w", row.Number, err)
			}
			if h.regionPath, err = gridPathOf(tx, h.GridCode); err != nil {
				return err
			}
			if _, err := stmts[0].ExecContext(ctx, houseArgs(h, now)...); err != nil {
				return err
			}
		} else {
			v, err := s.parsePersonRow(cols, row)
			if err != nil {
				return fmt.Errorf("row %d: %w", row.Number, err)
			}
			houseIDs := make([]int64, len(v.in.Houses))
			for i, l := range v.in.Houses {
				var grid string
				if err := stmts[0].QueryRowContext(ctx, l.HouseCode).Scan(&houseIDs[i], &grid); err != nil {
					return fmt.Errorf("row %d: house %s: %w", row.Number, l.HouseCode, err)
				}
				if v.in.GridCode == "" {
					v.in.GridCode = grid
				}
			}
			if v.regionPath, err = gridPathOf(tx, v.in.GridCode); err != nil {
				return err
			}
			var id int64
			if err := stmts[1].QueryRowContext(ctx, personArgs(v, s.seal(v), v.regionPath, now)...).Scan(&id); err != nil {
				return err
			}
			for i, h := range houseIDs {
				if _, err := stmts[2].ExecContext(ctx, id, h, v.in.Houses[i].Relation); err != nil {
					return err
				}
			}
			for _, t := range v.in.Tags {
				if _, err := stmts[3].ExecContext(ctx, id, t.Tag, t.Since, t.Until); err != nil {
					return err
				}
			}
		}
		if n++; n%10_000 == 0 {
			if err := tx.Commit(); err != nil {
				return err
			}
			tx = nil
			if err := begin(); err != nil {
				return err
			}
		}
	}
	err = tx.Commit()
	tx = nil
	return err
}

// rawLoad runs the engine's own CSV loader on the file into a table of text
// columns without indexes.
func rawLoad(b *testing.B, d *db.DB, engine db.Engine, kind Kind, path string) error {
	header, err := firstLine(path)
	if err != nil {
		return err
	}
	cols := make([]string, len(strings.Split(header, ",")))
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d TEXT", i)
	}
	table := "raw_" + string(kind)
	create := fmt.Sprintf("CREATE TABLE %s (%s)", table, strings.Join(cols, ", "))
	var cmd *exec.Cmd
	switch engine {
	case db.SQLite:
		file := filepath.Join(b.TempDir(), "raw.db")
		cmd = exec.Command("sqlite3", file)
		cmd.Stdin = strings.NewReader(fmt.Sprintf("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n%s;\n.import --csv --skip 1 %s %s\n", create, path, table))
	default:
		if _, err := d.Write().ExecContext(context.Background(), create); err != nil {
			return err
		}
		var schema string
		if err := d.Read().QueryRowContext(context.Background(), `SELECT current_schema()`).Scan(&schema); err != nil {
			return err
		}
		cmd = exec.Command("psql", "-v", "ON_ERROR_STOP=1", "-q", "-d", os.Getenv("GRIDGOV_TEST_DATABASE_URL"),
			"-c", fmt.Sprintf(`\copy %s.%s FROM '%s' CSV HEADER`, schema, table, path))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", cmd.Path, err, out)
	}
	return nil
}

func firstLine(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, err := f.Read(buf)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	return strings.TrimPrefix(strings.TrimSpace(line), "\uFEFF"), nil
}
