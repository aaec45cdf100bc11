// Package jobs runs a server's background work: periodic jobs under a lease
// in the database, so that of several serve processes on one database
// exactly one runs a job at a time and the schedule survives restarts; the
// deadline sweep of the event loop; and its notifications, in-app and by
// webhook with retries.
package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
)

// Job is a periodic job.
type Job struct {
	// Name identifies the job's lease and state; unique per deployment.
	Name string
	// Every is the time from the start of one run to the start of the next.
	Every time.Duration
	// Timeout ends a run that takes too long (default 10 minutes).
	Timeout time.Duration
	// Run does the work. Its context ends when the run times out, the
	// server stops or the lease is lost.
	Run func(ctx context.Context) error
}

// Config sets up a Runner.
type Config struct {
	DB *db.DB
	// Holder names this process in the leases (default host-pid-random).
	Holder string
	// LeaseTTL is how long a lease lasts without renewal (default 30s): a
	// crashed holder's job is taken over this long after its last renewal.
	// A running job renews it every third of it.
	LeaseTTL time.Duration
	Now      func() time.Time                                 // nil: time.Now
	Sleep    func(ctx context.Context, d time.Duration) error // nil: a timer
	Log      *slog.Logger                                     // nil: slog.Default()
}

// Runner runs periodic jobs, each in the one process that holds its lease.
type Runner struct {
	db     *db.DB
	holder string
	ttl    time.Duration
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	log    *slog.Logger
	jobs   map[string]Job
	order  []string

	mu sync.Mutex
	// running holds the jobs this process runs now: the lease admits its
	// holder again (to renew), so a second run here is refused here.
	running map[string]bool
}

// ErrLeaseLost says a run ended after another process took its lease over
// (it missed renewals); its outcome was not recorded.
var ErrLeaseLost = errors.New("job lease lost")

// NewRunner checks the jobs and returns their runner.
func NewRunner(cfg Config, jobs ...Job) (*Runner, error) {
	r := &Runner{db: cfg.DB, holder: cfg.Holder, ttl: cfg.LeaseTTL, now: cfg.Now, sleep: cfg.Sleep, log: cfg.Log, jobs: map[string]Job{},
		running: map[string]bool{}}
	if r.db == nil {
		return nil, errors.New("jobs: no database")
	}
	if r.holder == "" {
		r.holder = defaultHolder()
	}
	if r.ttl <= 0 {
		r.ttl = 30 * time.Second
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.sleep == nil {
		r.sleep = sleep
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	for _, j := range jobs {
		switch {
		case j.Name == "" || len(j.Name) > 100:
			return nil, fmt.Errorf("jobs: a job needs a name of at most 100 bytes, got %q", j.Name)
		case j.Every <= 0:
			return nil, fmt.Errorf("jobs: %s: Every must be positive", j.Name)
		case j.Run == nil:
			return nil, fmt.Errorf("jobs: %s: no Run", j.Name)
		}
		if _, dup := r.jobs[j.Name]; dup {
			return nil, fmt.Errorf("jobs: %s named twice", j.Name)
		}
		if j.Timeout <= 0 {
			j.Timeout = 10 * time.Minute
		}
		r.jobs[j.Name] = j
		r.order = append(r.order, j.Name)
	}
	return r, nil
}

func defaultHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Holder is the name under which this runner takes leases.
func (r *Runner) Holder() string { return r.holder }

// Run runs every job whenever it is due until ctx ends, then waits for the
// runs in progress to stop.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, name := range r.order {
		j := r.jobs[name]
		wg.Go(func() { r.loop(ctx, j) })
	}
	wg.Wait()
}

func (r *Runner) loop(ctx context.Context, j Job) {
	for ctx.Err() == nil {
		if _, err := r.runDue(ctx, j); err != nil && ctx.Err() == nil {
			r.log.LogAttrs(ctx, slog.LevelWarn, "job", slog.String("job", j.Name), slog.Any("err", err))
		}
		if r.sleep(ctx, r.wait(ctx, j)) != nil {
			return
		}
	}
}

// wait is how long to sleep before trying the job again: until its next
// run is due, or, while another process holds it, a part of the lease.
func (r *Runner) wait(ctx context.Context, j Job) time.Duration {
	d := min(j.Every, r.ttl/2)
	if st, err := r.State(ctx, j.Name); err == nil && st.LastRunAt != nil {
		if until := st.LastRunAt.Add(j.Every).Sub(r.now()); until > 0 {
			d = until
		}
	}
	d = max(d, 100*time.Millisecond)
	// Jitter spreads the servers' attempts so that they do not all hit the
	// lease at the same instant.
	return d + mrand.N(d/20+1)
}

// RunDue runs the named job now if it is due and its lease is free, and
// reports whether it ran. The run's error is returned and recorded.
func (r *Runner) RunDue(ctx context.Context, name string) (bool, error) {
	j, ok := r.jobs[name]
	if !ok {
		return false, fmt.Errorf("jobs: no job %q", name)
	}
	return r.runDue(ctx, j)
}

func (r *Runner) runDue(ctx context.Context, j Job) (bool, error) {
	r.mu.Lock()
	busy := r.running[j.Name]
	r.running[j.Name] = true
	r.mu.Unlock()
	if busy {
		return false, nil
	}
	defer func() {
		r.mu.Lock()
		delete(r.running, j.Name)
		r.mu.Unlock()
	}()
	start := audit.Canonical(r.now())
	ok, err := r.acquire(ctx, j, start)
	if err != nil || !ok {
		return false, err
	}
	runCtx, cancel := context.WithTimeout(ctx, j.Timeout)
	defer cancel()
	var lost bool
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		lost = r.renew(runCtx, j.Name)
		if lost {
			cancel()
		}
	}()
	runErr := r.call(runCtx, j)
	cancel()
	<-renewed
	// Record the outcome even when the server is stopping.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer fcancel()
	recorded, err := r.finish(fctx, j.Name, start, runErr)
	switch {
	case err != nil:
		return true, errors.Join(runErr, err)
	case lost || !recorded:
		return true, errors.Join(runErr, fmt.Errorf("%s: %w", j.Name, ErrLeaseLost))
	}
	if runErr != nil {
		return true, fmt.Errorf("%s: %w", j.Name, runErr)
	}
	return true, nil
}

// call runs the job, turning a panic into an error so that one bad run
// neither kills the server nor keeps the lease.
func (r *Runner) call(ctx context.Context, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.LogAttrs(ctx, slog.LevelError, "job panicked", slog.String("job", j.Name), slog.Any("panic", p),
				slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return j.Run(ctx)
}

// renew keeps the lease while ctx lasts; it reports true when the lease was
// lost to another process.
func (r *Runner) renew(ctx context.Context, name string) bool {
	for {
		if r.sleep(ctx, r.ttl/3) != nil {
			return false
		}
		res, err := r.db.Write().ExecContext(ctx, `UPDATE job_leases SET expires_at = $1 WHERE name = $2 AND holder = $3`,
			audit.Canonical(r.now().Add(r.ttl)), name, r.holder)
		if err != nil {
			// A hiccup: the lease lasts a while yet; try again.
			if ctx.Err() == nil {
				r.log.LogAttrs(ctx, slog.LevelWarn, "renew job lease", slog.String("job", name), slog.Any("err", err))
			}
			continue
		}
		if n, _ := res.RowsAffected(); n != 1 {
			r.log.LogAttrs(ctx, slog.LevelWarn, "job lease lost to another server", slog.String("job", name))
			return true
		}
	}
}

// acquire takes the job's lease if it is free or already this runner's and
// the job is due. It is one UPDATE, so of two servers racing exactly one
// gets it, on SQLite and PostgreSQL alike.
func (r *Runner) acquire(ctx context.Context, j Job, now time.Time) (bool, error) {
	var ok bool
	err := r.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_leases (name, expires_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
			j.Name, time.Unix(0, 0).UTC()); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE job_leases SET holder = $1, expires_at = $2
			WHERE name = $3 AND (expires_at < $4 OR holder = $1) AND (last_run_at IS NULL OR last_run_at <= $5)`,
			r.holder, now.Add(r.ttl), j.Name, now, now.Add(-j.Every))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("job lease %s: %w", j.Name, err)
	}
	return ok, nil
}

// finish records the run and frees the lease; it reports false when the
// lease was no longer this runner's.
func (r *Runner) finish(ctx context.Context, name string, start time.Time, runErr error) (bool, error) {
	end := audit.Canonical(r.now())
	var res sql.Result
	var err error
	if runErr == nil {
		res, err = r.db.Write().ExecContext(ctx, `UPDATE job_leases SET expires_at = $1, last_run_at = $2, last_ok_at = $1,
			last_error = '', runs = runs + 1 WHERE name = $3 AND holder = $4`, end, start, name, r.holder)
	} else {
		msg := runErr.Error()
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		res, err = r.db.Write().ExecContext(ctx, `UPDATE job_leases SET expires_at = $1, last_run_at = $2, last_error = $3,
			runs = runs + 1 WHERE name = $4 AND holder = $5`, end, start, msg, name, r.holder)
	}
	if err != nil {
		return false, fmt.Errorf("record job %s: %w", name, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// State is a job's lease and last run as stored.
type State struct {
	Name      string     `json:"name"`
	Holder    string     `json:"holder"`
	ExpiresAt time.Time  `json:"expires_at"`
	LastRunAt *time.Time `json:"last_run_at,omitempty"`
	LastOKAt  *time.Time `json:"last_ok_at,omitempty"`
	LastError string     `json:"last_error,omitempty"`
	Runs      int64      `json:"runs"`
}

// State reads a job's state; a job that never ran has a zero State.
func (r *Runner) State(ctx context.Context, name string) (State, error) {
	return ReadState(ctx, r.db, name)
}

// ReadState reads a job's state from the database.
func ReadState(ctx context.Context, d *db.DB, name string) (State, error) {
	st := State{Name: name}
	var last, ok sql.NullTime
	err := d.Read().QueryRowContext(ctx, `SELECT holder, expires_at, last_run_at, last_ok_at, last_error, runs FROM job_leases WHERE name = $1`,
		name).Scan(&st.Holder, &st.ExpiresAt, &last, &ok, &st.LastError, &st.Runs)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("job state %s: %w", name, err)
	}
	st.ExpiresAt = st.ExpiresAt.UTC()
	if last.Valid {
		t := last.Time.UTC()
		st.LastRunAt = &t
	}
	if ok.Valid {
		t := ok.Time.UTC()
		st.LastOKAt = &t
	}
	return st, nil
}
