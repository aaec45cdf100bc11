package live_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/live"
)

func TestRelated(t *testing.T) {
	for _, c := range []struct {
		region, path string
		want         bool
	}{
		{"/230600/230602/", "/230600/230602/230602001/230602001001/230602001001001/", true}, // a grid under the county
		{"/230600/230602/230602001/", "/230600/", true},                                     // a city-wide change
		{"/230600/230602/230602002/", "/230600/230602/230602001/", false},                   // a sibling township
		{"/230600/230602/", "/230600/230602/", true},
		{"/230600/230602/", live.Root, true},
		{"/230600/230602/", "/230600/2306021/", false}, // a prefix of the code, not of the path
	} {
		if got := live.Related(c.region, c.path); got != c.want {
			t.Errorf("Related(%s, %s) = %v, want %v", c.region, c.path, got, c.want)
		}
	}
}

func pending(s *live.Stream) (live.Pending, bool) {
	select {
	case <-s.Wake():
		return s.Take(), true
	default:
		return live.Pending{}, false
	}
}

func TestStreamsCoalesceAndResume(t *testing.T) {
	ctx := context.Background()
	b := live.New(live.Config{Keep: 8})
	county := b.Subscribe("/230600/230602/", 0)
	other := b.Subscribe("/230600/230603/", 0)
	heard := 0
	b.Listen(func(live.Change) { heard++ })
	b.Publish(ctx, live.Events, "/230600/230602/230602001/230602001001/230602001001001/")
	b.Publish(ctx, live.People, "/230600/230602/230602001/", "")
	p, ok := pending(county)
	if !ok || p.Reset || !slices.Equal(p.Topics, []string{live.People, live.Events}) || p.ID != b.Seq() {
		t.Fatalf("county pending = %+v (%v)", p, ok)
	}
	if p, ok := pending(other); ok && len(p.Topics) > 0 {
		t.Fatalf("other county heard %+v", p)
	}
	if heard != 2 {
		t.Fatalf("listener heard %d changes, want 2", heard)
	}
	last := p.ID
	county.Close()
	b.Publish(ctx, live.Operations, "/230600/230602/230602001/")
	b.Publish(ctx, live.People, "/230600/230603/")
	back := b.Subscribe("/230600/230602/", last)
	if p, ok := pending(back); !ok || p.Reset || !slices.Equal(p.Topics, []string{live.Operations}) {
		t.Fatalf("resumed = %+v (%v)", p, ok)
	}
	// Up to date: nothing pending.
	if p, ok := pending(b.Subscribe("/230600/230602/", b.Seq())); ok {
		t.Fatalf("up-to-date resume = %+v", p)
	}
	// Gone from the window, or not from this bus: reset.
	for i := 0; i < 20; i++ {
		b.Publish(ctx, live.Events, "/230600/230603/")
	}
	for _, id := range []int64{last, b.Seq() + 100, 1} {
		if p, ok := pending(b.Subscribe("/230600/230602/", id)); !ok || !p.Reset {
			t.Fatalf("resume from %d = %+v (%v), want reset", id, p, ok)
		}
	}
	if n := b.Streams(); n != 6 {
		t.Fatalf("streams = %d", n)
	}
}

// On PostgreSQL two buses, each on its own connection, as two serve
// processes would be, hear each other's changes and not their own twice.
func TestPostgresBusesHearEachOther(t *testing.T) {
	a := dbtest.Open(t, db.Postgres)
	other := dbtest.Open(t, db.Postgres)
	var buf [6]byte
	_, _ = rand.Read(buf[:])
	channel := "test_" + hex.EncodeToString(buf[:])
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	one := live.New(live.Config{DB: a, Channel: channel})
	two := live.New(live.Config{DB: other, Channel: channel})
	got := make(chan live.Change, 16)
	two.Listen(func(c live.Change) { got <- c })
	mine := make(chan live.Change, 16)
	one.Listen(func(c live.Change) { mine <- c })
	go one.Run(ctx)
	go two.Run(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for !one.Connected() || !two.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("the buses did not start listening")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stream := two.Subscribe("/230600/230602/", 0)
	one.Publish(ctx, live.Events, "/230600/230602/230602001/")
	select {
	case c := <-got:
		if c.Topic != live.Events || c.Path != "/230600/230602/230602001/" || c.Origin != one.Origin() {
			t.Fatalf("heard %+v", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the other bus heard nothing")
	}
	// Listeners hear a change before the streams are offered it.
	select {
	case <-stream.Wake():
	case <-time.After(10 * time.Second):
		t.Fatal("the other bus's stream was not woken")
	}
	if p := stream.Take(); !slices.Equal(p.Topics, []string{live.Events}) {
		t.Fatalf("the other bus's stream = %+v", p)
	}
	two.Publish(ctx, live.People, "/230600/")
	if c := <-mine; c.Origin != one.Origin() {
		t.Fatalf("first change = %+v, want its own", c)
	}
	select {
	case c := <-mine:
		if c.Topic != live.People || c.Origin != two.Origin() {
			t.Fatalf("heard %+v", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first bus heard nothing back")
	}
	select {
	case c := <-got:
		if c.Origin != two.Origin() || c.Topic != live.People {
			t.Fatalf("own change = %+v", c)
		}
	default:
		t.Fatal("a bus does not hear its own change")
	}
	// Notifications arrive in commit order: had the echo of its own change
	// come back, it would come before this marker.
	one.Publish(ctx, live.Operations, "/230600/230603/")
	select {
	case c := <-got:
		if c.Origin != one.Origin() || c.Topic != live.Operations {
			t.Fatalf("the bus heard %+v, its own change again?", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the marker did not arrive")
	}
}

// On SQLite a server and a command loading data beside it share the
// database file: the command's changes reach the server's screens through
// the live_changes table, once each, and no bus hears its own changes back.
func TestSQLiteProcessesShareChangesThroughTheLog(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := dbtest.Config(t, db.SQLite)
	server, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if err := server.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	command, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer command.Close()

	srv := live.New(live.Config{DB: server})
	cmd := live.New(live.Config{DB: command})
	heard := make(chan live.Change, 64)
	srv.Listen(func(c live.Change) { heard <- c })
	go srv.Run(ctx)
	stream := srv.Subscribe("/230600/230602/", 0)
	// The server's own changes are logged for the others but not heard again.
	srv.Publish(ctx, live.Operations, "/230600/230602/230602001/")
	if c := <-heard; c.Origin != srv.Origin() {
		t.Fatalf("own change = %+v", c)
	}
	// Many changes from the command within one flush become one row per
	// topic; Flush (a command's last act) writes them at once.
	for i := range 50 {
		cmd.Publish(ctx, live.People, fmt.Sprintf("/230600/230602/230602001/230602001%03d/", i))
	}
	cmd.Publish(ctx, live.Events, "/230600/230603/")
	cmd.Flush(ctx)
	var rows int
	if err := command.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM live_changes WHERE origin = $1`, cmd.Origin()).Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("%d rows logged by the command (%v), want one per topic", rows, err)
	}
	var people, events int
	for people < 50 || events < 1 {
		select {
		case c := <-heard:
			switch {
			case c.Origin != cmd.Origin():
				t.Fatalf("heard %+v", c)
			case c.Topic == live.People:
				people++
			case c.Topic == live.Events:
				events++
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the server heard %d people and %d events changes of the command's", people, events)
		}
	}
	if p := stream.Take(); !slices.Equal(p.Topics, []string{live.People, live.Operations}) {
		t.Fatalf("the county's stream = %+v", p)
	}
	// Nothing is heard twice.
	select {
	case c := <-heard:
		t.Fatalf("heard again: %+v", c)
	case <-time.After(1200 * time.Millisecond):
	}
}

// A registry change is for the dashboards to recount; screens hear of it
// only as "people" once they have.
func TestScreensDoNotHearRegistryChanges(t *testing.T) {
	b := live.New(live.Config{})
	s := b.Subscribe("/230600/", 0)
	heard := 0
	b.Listen(func(c live.Change) {
		if c.Topic == live.Registry {
			heard++
		}
	})
	b.Publish(context.Background(), live.Registry, live.Root)
	if p, ok := pending(s); ok || heard != 1 {
		t.Fatalf("stream = %+v (%v), listener heard %d", p, ok, heard)
	}
}
