package memcopy

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// store is a stored value with a version, as a table and its row in
// catalog_state are; loads counts the loads.
type store struct {
	version atomic.Int64
	fail    atomic.Bool
	loads   atomic.Int64
	delay   time.Duration
}

func (st *store) copy(log *slog.Logger) *Copy[string] {
	version := func(context.Context) (int64, error) {
		if st.fail.Load() {
			return 0, errors.New("database gone")
		}
		return st.version.Load(), nil
	}
	load := func(_ context.Context, v int64) (*string, error) {
		st.loads.Add(1)
		time.Sleep(st.delay)
		if st.fail.Load() {
			return nil, errors.New("database gone")
		}
		s := strings.Repeat("v", int(v))
		return &s, nil
	}
	return New("things", log, version, load)
}

// Get loads once; Refresh loads again only when the stored version moved.
func TestRefreshLoadsOnlyANewVersion(t *testing.T) {
	ctx := context.Background()
	st := &store{}
	st.version.Store(1)
	c := st.copy(nil)
	if c.Loaded() != nil {
		t.Fatal("a new copy holds a value")
	}
	for range 3 {
		v, err := c.Get(ctx)
		if err != nil || *v != "v" {
			t.Fatalf("Get = %v, %v", v, err)
		}
		if err := c.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := st.loads.Load(); n != 1 {
		t.Fatalf("%d loads of one version, want 1", n)
	}
	st.version.Store(3)
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if v := c.Loaded(); v == nil || *v != "vvv" || st.loads.Load() != 2 {
		t.Fatalf("after a change: %v, %d loads", v, st.loads.Load())
	}
}

// A failed reload keeps the copy there was, and says why.
func TestAFailedLoadKeepsTheCopy(t *testing.T) {
	ctx := context.Background()
	st := &store{}
	st.version.Store(2)
	c := st.copy(nil)
	if _, err := c.Get(ctx); err != nil {
		t.Fatal(err)
	}
	st.version.Store(4)
	st.fail.Store(true)
	if err := c.Refresh(ctx); err == nil {
		t.Fatal("a failed reload answered nil")
	}
	if v := c.Loaded(); v == nil || *v != "vv" {
		t.Fatalf("after a failed reload the copy is %v, want the old one", v)
	}
	// And a copy that never loaded reports the failure from Get.
	never := &store{}
	never.fail.Store(true)
	if _, err := never.copy(nil).Get(ctx); err == nil {
		t.Fatal("Get of a copy that cannot load answered nil")
	}
}

// Many requests finding the copy stale at once load it once.
func TestConcurrentRefreshesLoadOnce(t *testing.T) {
	ctx := context.Background()
	st := &store{delay: 20 * time.Millisecond}
	st.version.Store(1)
	c := st.copy(nil)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.Get(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := st.loads.Load(); n != 1 {
		t.Fatalf("%d loads for 20 requests at once, want 1", n)
	}
}

// Watch picks up what another process changed, and ends with its context.
func TestWatchFollowsTheStore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := &store{}
	st.version.Store(1)
	c := st.copy(nil)
	if _, err := c.Get(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.Watch(ctx, time.Millisecond); close(done) }()
	st.version.Store(2)
	for deadline := time.Now().Add(10 * time.Second); *c.Loaded() != "vv"; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Watch did not load the new version")
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not end with its context")
	}
}

// AfterWrite does not fail the write that committed; it logs the failure.
func TestAfterWriteLogsAFailure(t *testing.T) {
	var buf bytes.Buffer
	st := &store{}
	st.version.Store(1)
	c := st.copy(slog.New(slog.NewTextHandler(&buf, nil)))
	st.fail.Store(true)
	c.AfterWrite(context.Background())
	if out := buf.String(); !strings.Contains(out, "reload things after a change") || !strings.Contains(out, "database gone") {
		t.Fatalf("log = %q", out)
	}
}
