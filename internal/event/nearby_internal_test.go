package event

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// result is what a call of catchUps.run returned.
type result struct {
	more bool
	err  error
}

// runBlocked starts a call whose catch-up counts itself in rounds and runs
// until release is called, then returns more and err; it returns once
// that catch-up has begun. done gets the call's result.
func runBlocked(t *testing.T, turns *catchUps, rounds *atomic.Int32, more bool, err error) (release func(), done <-chan result) {
	t.Helper()
	in, out, gate := make(chan struct{}), make(chan result, 1), make(chan struct{})
	go func() {
		m, e := turns.run(context.Background(), func() (bool, error) {
			rounds.Add(1)
			close(in)
			<-gate
			return more, err
		})
		out <- result{m, e}
	}()
	select {
	case <-in:
	case r := <-out:
		t.Fatalf("a call with nothing running returned %+v without running its catch-up", r)
	}
	return func() { close(gate) }, out
}

// runCounted starts a call whose catch-up counts itself in rounds and
// returns more and err at once.
func runCounted(turns *catchUps, rounds *atomic.Int32, more bool, err error) <-chan result {
	out := make(chan result, 1)
	go func() {
		m, e := turns.run(context.Background(), func() (bool, error) {
			rounds.Add(1)
			return more, err
		})
		out <- result{m, e}
	}()
	return out
}

// A call that arrives while a catch-up runs returns only after the next
// one, which starts after it, has read all there was: the running one may
// have taken the database's version before the call's report committed.
// However many calls wait, that next catch-up runs once for all of them.
func TestCatchUpsWaitForOneThatStartsAfterTheCall(t *testing.T) {
	var turns catchUps
	var rounds atomic.Int32
	release, first := runBlocked(t, &turns, &rounds, false, nil)
	const waiters = 8
	var wg sync.WaitGroup
	seen := make(chan int32, waiters)
	for range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := <-runCounted(&turns, &rounds, false, nil); r.err != nil {
				t.Error(r.err)
			}
			seen <- rounds.Load()
		}()
	}
	// Let the waiters arrive (those that have not yet are as good: they
	// too arrive after the first catch-up started).
	time.Sleep(20 * time.Millisecond)
	release()
	if r := <-first; r.err != nil {
		t.Fatal(r.err)
	}
	wg.Wait()
	close(seen)
	for r := range seen {
		if r < 2 {
			t.Fatalf("a call that arrived during the first catch-up returned after %d catch-up(s); want the second one", r)
		}
	}
	// The waiters that arrived during the first round share the second;
	// a late one may have needed a third.
	if n := rounds.Load(); n < 2 || n > 3 {
		t.Fatalf("%d catch-ups for %d calls arriving during the first; want 2, or 3 for a late arrival", n, waiters)
	}
}

// A catch-up that fails, or stops at its limit, covers nobody: each
// waiting call runs one of its own, and a failure is its own caller's.
func TestCatchUpsAfterAFailureOrALimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		more bool
		err  error
	}{{"failure", false, errors.New("disk gone")}, {"limit", true, nil}} {
		t.Run(tc.name, func(t *testing.T) {
			var turns catchUps
			var rounds atomic.Int32
			release, first := runBlocked(t, &turns, &rounds, tc.more, tc.err)
			waiter := runCounted(&turns, &rounds, false, nil)
			time.Sleep(20 * time.Millisecond)
			release()
			if got := <-first; got.more != tc.more || !errors.Is(got.err, tc.err) {
				t.Fatalf("the first call returned %+v, want its own catch-up's %v, %v", got, tc.more, tc.err)
			}
			if got := <-waiter; got.more || got.err != nil {
				t.Fatalf("the waiting call returned %+v, want its own successful catch-up", got)
			}
			if n := rounds.Load(); n != 2 {
				t.Fatalf("%d catch-ups, want the waiter's own after the first", n)
			}
		})
	}
}

// Two calls arrive during one catch-up; whichever leads the next may fail.
// One that failed covers nobody: the other then runs its own. Which of
// the two leads is up to the scheduler, so the scene is played often.
func TestCatchUpsAFailedTurnCoversNobody(t *testing.T) {
	for range 40 {
		var turns catchUps
		var rounds, failedRan, okRan atomic.Int32
		release, first := runBlocked(t, &turns, &rounds, false, nil)
		failing := runCounted(&turns, &failedRan, false, errors.New("disk gone"))
		succeeding := runCounted(&turns, &okRan, false, nil)
		time.Sleep(2 * time.Millisecond)
		release()
		<-first
		if r := <-succeeding; r.err != nil {
			t.Fatalf("the call whose catch-up succeeds returned %v", r.err)
		}
		<-failing
		if failedRan.Load() > 0 && okRan.Load() == 0 {
			t.Fatal("a failed catch-up counted for the call that waited for it")
		}
	}
}

// A call whose context ends while it waits returns the context's error.
func TestCatchUpsWaitEndsWithTheContext(t *testing.T) {
	var turns catchUps
	var rounds atomic.Int32
	release, _ := runBlocked(t, &turns, &rounds, false, nil)
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := turns.run(ctx, func() (bool, error) { return false, nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
}

// Calls that arrive within the gap after a catch-up began share the next
// one, which waits for the gap's end; none of them returns before it.
func TestCatchUpsWithinTheGapShareOne(t *testing.T) {
	const gap = 250 * time.Millisecond
	turns := catchUps{gap: gap}
	var rounds atomic.Int32
	if r := <-runCounted(&turns, &rounds, false, nil); r.err != nil {
		t.Fatal(r.err)
	}
	start := time.Now()
	const calls = 6
	results := make([]<-chan result, calls)
	for i := range results {
		results[i] = runCounted(&turns, &rounds, false, nil)
	}
	for _, done := range results {
		if r := <-done; r.err != nil {
			t.Fatal(r.err)
		}
	}
	if n := rounds.Load(); n != 2 {
		t.Fatalf("%d catch-ups for %d calls within the gap after the first; want the first and one more", n, calls)
	}
	if waited := time.Since(start); waited < gap/2 {
		t.Fatalf("the calls returned after %s; want them to wait for the gap's end", waited)
	}
}

// A call whose context ends while its catch-up waits for the gap returns
// the context's error, and a call that waited for that catch-up runs one
// of its own.
func TestCatchUpsPauseEndsWithTheContext(t *testing.T) {
	turns := catchUps{gap: time.Hour}
	var rounds atomic.Int32
	if r := <-runCounted(&turns, &rounds, false, nil); r.err != nil {
		t.Fatal(r.err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	paused := make(chan error, 1)
	go func() {
		_, err := turns.run(ctx, func() (bool, error) { return false, nil })
		paused <- err
	}()
	// Wait until the call above pauses, then queue one behind it with a
	// gap that has passed.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		turns.mu.Lock()
		running := turns.running
		turns.mu.Unlock()
		if running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second call never paused for the gap")
		}
	}
	turns.mu.Lock()
	turns.gap = 0
	turns.mu.Unlock()
	waiter := runCounted(&turns, &rounds, false, nil)
	time.Sleep(20 * time.Millisecond) // the waiter queues behind the pause
	cancel()
	if err := <-paused; !errors.Is(err, context.Canceled) {
		t.Fatalf("the paused call returned %v, want the context's end", err)
	}
	if r := <-waiter; r.err != nil {
		t.Fatal(r.err)
	}
	if n := rounds.Load(); n != 2 {
		t.Fatalf("%d catch-ups, want the first and the waiter's own", n)
	}
}
