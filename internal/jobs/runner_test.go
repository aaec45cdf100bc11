package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/jobs"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// ticker is a sleeper that returns only when the test ticks it, so lease
// renewals happen exactly when a test says.
type ticker chan struct{}

func (tk ticker) Sleep(ctx context.Context, _ time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tk:
		return nil
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newRunner(t *testing.T, d *db.DB, c *clock, holder string, tk ticker, job jobs.Job) *jobs.Runner {
	t.Helper()
	r, err := jobs.NewRunner(jobs.Config{DB: d, Holder: holder, LeaseTTL: 30 * time.Second, Now: c.Now, Sleep: tk.Sleep, Log: quiet}, job)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// blocking is a job that signals when it starts and runs until released or
// its context ends.
type blocking struct {
	runs    atomic.Int32
	started chan struct{}
	release chan struct{}
}

func newBlocking() *blocking {
	return &blocking{started: make(chan struct{}, 10), release: make(chan struct{})}
}

func (b *blocking) job() jobs.Job {
	return jobs.Job{Name: "sweep", Every: time.Minute, Run: func(ctx context.Context) error {
		b.runs.Add(1)
		b.started <- struct{}{}
		select {
		case <-b.release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
}

// Of two servers racing for one job, exactly one runs it; while it runs,
// the other cannot take it.
func TestLeaseRace(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newClock()
		b := newBlocking()
		runners := []*jobs.Runner{newRunner(t, d, c, "a", make(ticker), b.job()), newRunner(t, d, c, "b", make(ticker), b.job())}
		var ran atomic.Int32
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for _, r := range runners {
			wg.Go(func() {
				<-gate
				ok, err := r.RunDue(ctx, "sweep")
				if err != nil {
					t.Errorf("%s: %v", r.Holder(), err)
				}
				if ok {
					ran.Add(1)
				}
			})
		}
		close(gate)
		<-b.started
		// The winner is running; a third try by either fails at once.
		for _, r := range runners {
			if ok, err := r.RunDue(ctx, "sweep"); ok || err != nil {
				t.Fatalf("%s ran a held job: %v %v", r.Holder(), ok, err)
			}
		}
		close(b.release)
		wg.Wait()
		if ran.Load() != 1 || b.runs.Load() != 1 {
			t.Fatalf("ran %d times (%d runs), want once", ran.Load(), b.runs.Load())
		}
	})
}

// A server that stops renewing (crashed, hung) loses the job to another
// once the lease runs out; when it wakes, its renewal finds the lease gone,
// its run is cancelled and its outcome not recorded.
func TestLeaseTakeover(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newClock()
		b := newBlocking()
		tickA := make(ticker)
		a := newRunner(t, d, c, "a", tickA, b.job())
		done := make(chan error, 1)
		go func() {
			_, err := a.RunDue(ctx, "sweep")
			done <- err
		}()
		<-b.started

		var bRuns atomic.Int32
		other := newRunner(t, d, c, "b", make(ticker), jobs.Job{Name: "sweep", Every: time.Minute, Run: func(context.Context) error {
			bRuns.Add(1)
			return nil
		}})
		c.Add(29 * time.Second)
		if ok, _ := other.RunDue(ctx, "sweep"); ok {
			t.Fatal("took a lease that had not run out")
		}
		c.Add(2 * time.Second)
		if ok, err := other.RunDue(ctx, "sweep"); !ok || err != nil || bRuns.Load() != 1 {
			t.Fatalf("takeover: %v %v", ok, err)
		}
		tickA <- struct{}{} // a wakes and tries to renew
		if err := <-done; !errors.Is(err, jobs.ErrLeaseLost) {
			t.Fatalf("a's run = %v, want lease lost", err)
		}
		st, err := other.State(ctx, "sweep")
		if err != nil || st.Holder != "b" || st.Runs != 1 || st.LastRunAt == nil {
			t.Fatalf("state = %+v, %v", st, err)
		}
	})
}

// A running job renews its lease, so it is not taken over while alive.
func TestLeaseRenewal(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newClock()
		b := newBlocking()
		tickA := make(ticker)
		a := newRunner(t, d, c, "a", tickA, b.job())
		done := make(chan error, 1)
		go func() {
			_, err := a.RunDue(ctx, "sweep")
			done <- err
		}()
		<-b.started
		for range 3 {
			c.Add(20 * time.Second)
			tickA <- struct{}{}
		}
		// Wait for the third renewal to be written: the next tick is taken
		// only after it.
		c.Add(5 * time.Second)
		tickA <- struct{}{}
		other := newRunner(t, d, c, "b", make(ticker), b.job())
		if ok, err := other.RunDue(ctx, "sweep"); ok || err != nil {
			t.Fatalf("took over a renewed lease: %v %v", ok, err)
		}
		close(b.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// The schedule and outcome are in the database: a restarted server (a new
// holder) does not run a job that ran less than Every ago, and sees the
// last error.
func TestJobStateSurvivesRestart(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newClock()
		fail := errors.New("database on fire")
		var calls atomic.Int32
		job := jobs.Job{Name: "sweep", Every: time.Minute, Run: func(context.Context) error {
			if calls.Add(1) == 2 {
				return fail
			}
			return nil
		}}
		first := newRunner(t, d, c, "first", make(ticker), job)
		start := c.Now()
		if ok, err := first.RunDue(ctx, "sweep"); !ok || err != nil {
			t.Fatalf("first run: %v %v", ok, err)
		}
		restarted := newRunner(t, d, c, "second", make(ticker), job)
		c.Add(30 * time.Second)
		if ok, _ := restarted.RunDue(ctx, "sweep"); ok {
			t.Fatal("ran again before a minute had passed")
		}
		c.Add(30 * time.Second)
		ok, err := restarted.RunDue(ctx, "sweep")
		if !ok || !errors.Is(err, fail) {
			t.Fatalf("second run: %v %v", ok, err)
		}
		st, err := restarted.State(ctx, "sweep")
		if err != nil {
			t.Fatal(err)
		}
		if st.Runs != 2 || st.LastError != fail.Error() || st.LastOKAt == nil || !st.LastOKAt.Equal(start) ||
			st.LastRunAt == nil || !st.LastRunAt.Equal(start.Add(time.Minute)) {
			t.Fatalf("state = %+v", st)
		}
		// A panicking job is an error, not a crash.
		boom := newRunner(t, d, c, "third", make(ticker), jobs.Job{Name: "boom", Every: time.Minute, Run: func(context.Context) error {
			panic("oops")
		}})
		if ok, err := boom.RunDue(ctx, "boom"); !ok || err == nil {
			t.Fatalf("panic: %v %v", ok, err)
		}
	})
}

// Run loops over the jobs until its context ends.
func TestRunnerRun(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	c := newClock()
	r, err := jobs.NewRunner(jobs.Config{DB: d, Now: c.Now, Log: quiet, Sleep: func(ctx context.Context, dur time.Duration) error {
		if dur <= 0 {
			t.Errorf("sleep %v", dur)
		}
		c.Add(dur)
		return ctx.Err()
	}}, jobs.Job{Name: "tick", Every: time.Minute, Run: func(context.Context) error {
		if calls.Add(1) == 3 {
			cancel()
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	r.Run(ctx)
	if calls.Load() != 3 {
		t.Fatalf("%d runs", calls.Load())
	}
	if _, err := jobs.NewRunner(jobs.Config{DB: d}, jobs.Job{Name: "x", Every: time.Minute, Run: func(context.Context) error { return nil }},
		jobs.Job{Name: "x", Every: time.Minute, Run: func(context.Context) error { return nil }}); err == nil {
		t.Fatal("two jobs of one name accepted")
	}
}
