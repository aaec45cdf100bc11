// Package db opens the embedded SQLite database or a PostgreSQL server behind one
// interface, applies the embedded migrations, and runs transactions.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names a supported database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Config says which database to open.
type Config struct {
	// URL selects PostgreSQL when set (postgres:// or postgresql://).
	URL string
	// Path is the SQLite file used when URL is empty.
	Path string
}

// Querier is what both *sql.DB and *sql.Tx offer; store helpers take it so that
// they run inside or outside a transaction alike.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open database. SQLite allows one writer at a time, so writes go
// through a single-connection pool and reads through a separate pool; on
// PostgreSQL both are the same pool.
type DB struct {
	Engine Engine
	write  *sql.DB
	read   *sql.DB

	readStmts sync.Map // query → *sql.Stmt on the read pool

	ckpt       *checkpointer // SQLite's background checkpoints; nil on PostgreSQL
	turns      *turns        // writers' turns between processes (turns.go); nil on PostgreSQL
	versions   *versions     // SQLite's data versions (version.go); nil on PostgreSQL
	pgVersions atomic.Int64  // numbers PostgreSQL's Versions, each new

	// bulk counts the bulk writers running (BulkWrites).
	bulk struct {
		sync.Mutex
		n int
	}
	// bulkCache is whether the writer has the bulk writers' page cache
	// (indexbuild.go); read without the lock by an index build, which
	// holds the writer's connection that BulkWrites may be waiting for.
	bulkCache atomic.Bool
}

// Open connects to the configured engine and checks the connection.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	var d *DB
	var err error
	if cfg.URL != "" {
		d, err = openPostgres(cfg.URL)
	} else {
		d, err = openSQLite(cfg.Path)
	}
	if err != nil {
		return nil, err
	}
	if err := d.Ping(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// ValidateURL checks a PostgreSQL URL without connecting.
func ValidateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("scheme %q is not supported (use postgres://)", u.Scheme)
	}
	return nil
}

// pgIdleTime is how long a PostgreSQL connection stays unused before the
// pool closes it.
const pgIdleTime = 5 * time.Minute

func openPostgres(raw string) (*DB, error) {
	if err := ValidateURL(raw); err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	pool, err := sql.Open("pgx", raw)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// Every connection the pool opens stays while it is used: one closed
	// for being above an idle limit was opened again at the next burst,
	// a server process forked, its caches filled and its statements
	// prepared again each time, which under a steady intake cost
	// PostgreSQL more than the reports (docs/BENCHMARKS.md). Idle ones go
	// after a while.
	n := max(8, 4*runtime.NumCPU())
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(pgIdleTime)
	return &DB{Engine: Postgres, write: pool, read: pool}, nil
}

func openSQLite(path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open sqlite: no database path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// WAL lets readers run beside the writer; IMMEDIATE transactions take the
	// write lock at BEGIN so two writers queue on busy_timeout instead of one
	// failing at its first write. synchronous=FULL fsyncs the WAL at every
	// commit, so what was acknowledged survives a power cut too; writers
	// that commit often batch their work instead (group commit of events,
	// chunks of imports).
	pragmas := []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)"}
	dsn := func(extra ...string) string {
		q := url.Values{}
		for _, p := range append(pragmas, extra...) {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		q.Set("_time_format", "sqlite")
		return "file:" + path + "?" + q.Encode()
	}
	// The page cache is per connection; the writer's is small until a bulk
	// writer asks for a large one (writerCacheKiB).
	write, err := sql.Open("sqlite", dsn(fmt.Sprintf("cache_size(%d)", writerCacheKiB), fmt.Sprintf("wal_autocheckpoint(%d)", walCheckpoint),
		fmt.Sprintf("journal_size_limit(%d)", walKeep), "temp_store(MEMORY)"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	oneConnection(write)
	read, err := sql.Open("sqlite", dsn("query_only(1)", "cache_size(-32768)"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	read.SetMaxOpenConns(max(4, runtime.NumCPU()))
	read.SetMaxIdleConns(max(4, runtime.NumCPU()))
	t, err := openTurns(path)
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	v, err := openVersions(dsn("query_only(1)"))
	if err != nil {
		write.Close()
		read.Close()
		t.close()
		return nil, err
	}
	d := &DB{Engine: SQLite, write: write, read: read, turns: t, versions: v}
	if err := d.startCheckpoints(dsn()); err != nil {
		write.Close()
		read.Close()
		t.close()
		v.close()
		return nil, err
	}
	return d, nil
}

// oneConnection makes p a pool of one connection that stays open: the
// writer, and the connections of their own that SQLite's checkpoints and
// data versions need.
func oneConnection(p *sql.DB) {
	p.SetMaxOpenConns(1)
	p.SetMaxIdleConns(1)
	p.SetConnMaxIdleTime(0)
	p.SetConnMaxLifetime(0)
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", d.Engine, err)
	}
	if d.read != d.write {
		if err := d.read.PingContext(ctx); err != nil {
			return fmt.Errorf("ping %s readers: %w", d.Engine, err)
		}
	}
	return nil
}

// Close closes every pool.
func (d *DB) Close() error {
	var err error
	d.readStmts.Range(func(_, st any) bool {
		err = errors.Join(err, st.(*sql.Stmt).Close())
		return true
	})
	err = errors.Join(err, d.stopCheckpoints(), d.versions.close(), d.write.Close(), d.turns.close())
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Read returns the pool for queries that change nothing.
func (d *DB) Read() Querier { return d.read }

// Write returns the pool for single statements that change data; use InTx for
// anything that takes more than one statement.
func (d *DB) Write() Querier { return writePool{d} }

// writePool runs each statement as a writer that says it waits (turns.go).
type writePool struct{ d *DB }

func (w writePool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	defer w.d.turns.announce(ctx)()
	return w.d.write.ExecContext(ctx, query, args...)
}

func (w writePool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	defer w.d.turns.announce(ctx)()
	return w.d.write.QueryContext(ctx, query, args...)
}

func (w writePool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	defer w.d.turns.announce(ctx)()
	return w.d.write.QueryRowContext(ctx, query, args...)
}

// InTx runs fn in a transaction and commits when it returns nil. Any error or
// panic rolls everything back, so nothing is half-written.
func (d *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := d.begin(ctx)
	if err != nil {
		return err
	}
	return runTx(ctx, tx, fn)
}

// InBulkTx is InTx for bulk writers, which run one transaction after
// another for a long while: it lets the writers that wait go first, as
// BeginBulk does.
func (d *DB) InBulkTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.BeginBulk(ctx)
	if err != nil {
		return err
	}
	return runTx(ctx, tx, fn)
}

// begin starts a transaction on the writer as a writer that says it waits
// for the lock meanwhile.
func (d *DB) begin(ctx context.Context) (*sql.Tx, error) {
	defer d.turns.announce(ctx)()
	return d.beginTx(ctx)
}

func (d *DB) beginTx(ctx context.Context) (*sql.Tx, error) {
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return tx, nil
}

// runTx runs fn in tx and commits when it returns nil; any error or panic
// rolls tx back.
func runTx(ctx context.Context, tx *sql.Tx, fn func(tx *sql.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
				slog.Default().LogAttrs(ctx, slog.LevelWarn, "rollback failed", slog.Any("err", rbErr))
			}
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Describe returns a printable description of the database without secrets.
func Describe(cfg Config) string {
	if cfg.URL == "" {
		return "sqlite " + cfg.Path
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return "postgres (unparsable url)"
	}
	return "postgres " + u.Redacted()
}

// Like escapes s for use in a LIKE pattern with ESCAPE '\'.
func Like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// Pools names the connection pools, for metrics.
func (d *DB) Pools() map[string]*sql.DB {
	if d.read == d.write {
		return map[string]*sql.DB{string(d.Engine): d.write}
	}
	return map[string]*sql.DB{string(d.Engine) + "_write": d.write, string(d.Engine) + "_read": d.read}
}

// HasIndex reports whether an index of that name exists, as q sees the
// schema (q may be a transaction).
func (d *DB) HasIndex(ctx context.Context, q Querier, name string) (bool, error) {
	query := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1`
	if d.Engine == Postgres {
		query = `SELECT COUNT(*) FROM pg_indexes WHERE indexname = $1 AND schemaname = current_schema()`
	}
	var n int
	if err := q.QueryRowContext(ctx, query, name).Scan(&n); err != nil {
		return false, fmt.Errorf("look for index %s: %w", name, err)
	}
	return n > 0, nil
}

// BeginWrite starts a transaction on the writer for work that commits in
// batches of its own choosing (group commits); prefer InTx otherwise.
func (d *DB) BeginWrite(ctx context.Context) (*sql.Tx, error) {
	return d.begin(ctx)
}

// BeginBulk is BeginWrite for bulk writers, which commit one batch after
// another for a long while (imports, the demo's year of events): it first
// lets the writers that wait for the lock, in this process or another, go
// first (turns.go).
func (d *DB) BeginBulk(ctx context.Context) (*sql.Tx, error) {
	if err := d.turns.yield(ctx); err != nil {
		return nil, err
	}
	return d.beginTx(ctx)
}

// ReadStmt is query prepared on the read pool and kept, for the queries
// run on every request (a session's lookup): each connection parses it
// once instead of on every call.
func (d *DB) ReadStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := d.readStmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := d.read.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if prev, loaded := d.readStmts.LoadOrStore(query, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// PrepareWrite prepares a statement on the writer pool, for statements a
// writer runs thousands of times: inside a transaction, tx.StmtContext
// then reuses what the connection prepared instead of parsing the SQL
// again (SQLite's single writer connection always has it).
func (d *DB) PrepareWrite(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := d.write.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return st, nil
}

// Values writes the bind marks of rows×cols values, "(…), (…)", for
// multi-row statements: ? on SQLite, whose $n lookup scans the names bound
// before it and so takes quadratic time in the number of parameters, and
// $1… elsewhere.
func (e Engine) Values(rows, cols int) string {
	var sb strings.Builder
	sb.Grow(rows * cols * 5)
	n := 0
	for r := range rows {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range cols {
			if c > 0 {
				sb.WriteString(", ")
			}
			n++
			if e == SQLite {
				sb.WriteByte('?')
			} else {
				sb.WriteByte('$')
				sb.WriteString(strconv.Itoa(n))
			}
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// The writer's WAL on SQLite: checkpointed every walCheckpoint pages (200
// MiB), every walBulkCheckpoint pages (800 MiB) while a bulk writer runs,
// and cut back to walKeep bytes when it restarts.
const (
	walCheckpoint     = 50_000
	walBulkCheckpoint = 200_000
	walKeep           = 256 << 20
)

// BulkWrites widens SQLite's checkpoint interval, and the writer's page
// cache (writerCacheKiB), while a bulk writer (an import of millions of
// rows) runs: a first load rewrites the pages of its random-order indexes
// at every commit, and a checkpoint copies each page once however often
// the WAL holds it, so checkpointing a quarter as often copies far less
// (docs/BENCHMARKS.md). The background checkpointer
// (checkpoint.go) copies meanwhile, beside the writer; what the wider
// interval saves is the writer's own. The returned done checkpoints what
// the bulk writers left, so that the next writer's commit does not pay for
// it, and restores the usual interval and cache once the last of them is
// done. A no-op on PostgreSQL.
func (d *DB) BulkWrites(ctx context.Context) (done func() error, err error) {
	if d.Engine != SQLite {
		return func() error { return nil }, nil
	}
	d.bulk.Lock()
	defer d.bulk.Unlock()
	if d.bulk.n == 0 {
		// No limit meanwhile: cutting the WAL back at each restart would
		// make every cycle grow the file again.
		d.bulkCache.Store(true)
		if err := d.pragmas(ctx, fmt.Sprintf("wal_autocheckpoint = %d", walBulkCheckpoint), "journal_size_limit = -1",
			fmt.Sprintf("cache_size = %d", bulkCacheKiB)); err != nil {
			d.bulkCache.Store(false)
			return nil, errors.Join(fmt.Errorf("bulk writes: %w", err), d.renewWriter())
		}
	}
	d.bulk.n++
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			d.bulk.Lock()
			defer d.bulk.Unlock()
			if d.bulk.n--; d.bulk.n > 0 {
				return
			}
			err = d.pragmas(context.Background(), "wal_checkpoint(PASSIVE)")
			if err != nil {
				err = fmt.Errorf("end of bulk writes: %w", err)
			}
			// A new connection opens with the usual interval, WAL limit and
			// cache, and the cache's hash table small again.
			d.bulkCache.Store(false)
			err = errors.Join(err, d.renewWriter())
		})
		return err
	}, nil
}

// renewWriter closes the writer's connection, once it is free, so that the
// next writer opens a new one with the settings of the DSN.
func (d *DB) renewWriter() error {
	conn, err := d.write.Conn(context.Background())
	if err != nil {
		return fmt.Errorf("renew the writer's connection: %w", err)
	}
	// Raw returning ErrBadConn makes database/sql close the connection
	// instead of keeping it in the pool; conn is done with after it.
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	if err := conn.Close(); err != nil && !errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("renew the writer's connection: %w", err)
	}
	return nil
}

// pragmas runs PRAGMA statements on the writer, in order.
func (d *DB) pragmas(ctx context.Context, list ...string) error {
	for _, p := range list {
		if _, err := d.write.ExecContext(ctx, "PRAGMA "+p); err != nil {
			return fmt.Errorf("pragma %s: %w", p, err)
		}
	}
	return nil
}
