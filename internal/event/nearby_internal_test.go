package event

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A call that arrives while a catch-up runs returns only after the next
// one, which starts after it, has read all there was: the running one may
// have taken the database's version before the call's report committed.
// However many calls wait, that next catch-up runs once for all of them.
func TestCatchUpsWaitForOneThatStartsAfterTheCall(t *testing.T) {
	var turns catchUps
	ctx := context.Background()
	var rounds atomic.Int32
	firstIn, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := turns.run(ctx, func() (bool, error) {
			rounds.Add(1)
			close(firstIn)
			<-release
			return false, nil
		})
		first <- err
	}()
	<-firstIn
	const waiters = 8
	var wg sync.WaitGroup
	seen := make(chan int32, waiters)
	for range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := turns.run(ctx, func() (bool, error) {
				rounds.Add(1)
				return false, nil
			})
			if err != nil {
				t.Error(err)
			}
			seen <- rounds.Load()
		}()
	}
	// Let the waiters arrive (those that have not yet are as good: they
	// too arrive after the first catch-up started).
	time.Sleep(20 * time.Millisecond)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
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
			ctx := context.Background()
			var rounds atomic.Int32
			firstIn, release := make(chan struct{}), make(chan struct{})
			type result struct {
				more bool
				err  error
			}
			first := make(chan result, 1)
			go func() {
				more, err := turns.run(ctx, func() (bool, error) {
					rounds.Add(1)
					close(firstIn)
					<-release
					return tc.more, tc.err
				})
				first <- result{more, err}
			}()
			<-firstIn
			waiter := make(chan result, 1)
			go func() {
				more, err := turns.run(ctx, func() (bool, error) {
					rounds.Add(1)
					return false, nil
				})
				waiter <- result{more, err}
			}()
			time.Sleep(20 * time.Millisecond)
			close(release)
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

// A call whose context ends while it waits returns the context's error.
func TestCatchUpsWaitEndsWithTheContext(t *testing.T) {
	var turns catchUps
	firstIn, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	go func() {
		_, _ = turns.run(context.Background(), func() (bool, error) {
			close(firstIn)
			<-release
			return false, nil
		})
	}()
	<-firstIn
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := turns.run(ctx, func() (bool, error) { return false, nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
}

// Two calls arrive during one catch-up; whichever leads the next may fail.
// One that failed covers nobody: the other then runs its own. Which of
// the two leads is up to the scheduler, so the scene is played often.
func TestCatchUpsAFailedTurnCoversNobody(t *testing.T) {
	ctx := context.Background()
	for range 40 {
		var turns catchUps
		firstIn, release := make(chan struct{}), make(chan struct{})
		firstDone := make(chan struct{})
		go func() {
			defer close(firstDone)
			_, _ = turns.run(ctx, func() (bool, error) {
				close(firstIn)
				<-release
				return false, nil
			})
		}()
		<-firstIn
		var failedRan, okRan atomic.Bool
		failing, succeeding := make(chan error, 1), make(chan error, 1)
		go func() {
			_, err := turns.run(ctx, func() (bool, error) {
				failedRan.Store(true)
				return false, errors.New("disk gone")
			})
			failing <- err
		}()
		go func() {
			_, err := turns.run(ctx, func() (bool, error) {
				okRan.Store(true)
				return false, nil
			})
			succeeding <- err
		}()
		time.Sleep(2 * time.Millisecond)
		close(release)
		<-firstDone
		if err := <-succeeding; err != nil {
			t.Fatalf("the call whose catch-up succeeds returned %v", err)
		}
		<-failing
		if failedRan.Load() && !okRan.Load() {
			t.Fatal("a failed catch-up counted for the call that waited for it")
		}
	}
}
