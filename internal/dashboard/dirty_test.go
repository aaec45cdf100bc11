package dashboard

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// A panel asked for while another reload has taken its changed paths
// waits for that reload: it never shows less than the changes heard
// before it was asked for.
func TestSyncWaitsForAReloadUnderWay(t *testing.T) {
	s := &Service{}
	var d dirtySet
	d.mark("/230600/230602/")

	loading, release := make(chan struct{}), make(chan struct{})
	loaded := make(chan struct{})
	go func() {
		_ = s.sync(context.Background(), &d, "", func(context.Context, string) error {
			close(loading)
			<-release
			close(loaded)
			return nil
		})
	}()
	<-loading

	panel := make(chan error, 1)
	go func() {
		panel <- s.sync(context.Background(), &d, "/230600/230602/230602001/", func(context.Context, string) error {
			t.Error("the panel read again what the other reload holds")
			return nil
		})
	}()
	select {
	case <-panel:
		t.Fatal("the panel went on while its paths were still being read")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-panel; err != nil {
		t.Fatal(err)
	}
	select {
	case <-loaded:
	default:
		t.Fatal("the panel returned before the reload it waited for ended")
	}

	// A region the reload did not concern never waits.
	if d.pending("/230600/230603/") {
		t.Error("an unrelated region is pending")
	}
}

// What fails to load is marked changed again and no longer held as being
// read.
func TestSyncKeepsWhatFailed(t *testing.T) {
	s := &Service{}
	var d dirtySet
	d.mark("/a/1/", "/a/2/")
	boom := errors.New("boom")
	var read []string
	err := s.sync(context.Background(), &d, "", func(_ context.Context, p string) error {
		read = append(read, p)
		if len(read) == 2 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("sync = %v, want %v", err, boom)
	}
	if len(d.loading) != 0 {
		t.Errorf("still held as being read: %v", d.loading)
	}
	left := d.take("")
	if !slices.Equal(left, read[1:]) {
		t.Errorf("marked again %v, want %v", left, read[1:])
	}
}
