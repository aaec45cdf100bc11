// Package live is the change bus behind the dashboards' live push: domain
// services publish (topic, region path) after they commit, the bus fans the
// change out to every screen watching a region above or below it, and it
// carries each change to every other process on the same database (over
// LISTEN/NOTIFY on PostgreSQL, through a table on SQLite) so that a screen
// sees changes made through any server or command.
package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/db"
)

// Topics the dashboards follow.
const (
	People     = "people"
	Events     = "events"
	Operations = "operations"
)

// Registry is a change of the registry's base data made by a process
// without the dashboards (an import or demo command beside the server):
// the servers recount the people figures there and tell their screens
// "people" once they have. Screens never hear it themselves.
const Registry = "registry"

// Topics lists every topic screens hear, in display order.
func Topics() []string { return []string{People, Events, Operations} }

// Root is the path above every region: a change there concerns everyone
// (a lost connection, a city-wide recount).
const Root = "/"

// Change is one published change.
type Change struct {
	Seq    int64  `json:"-"`
	Topic  string `json:"t"`
	Path   string `json:"p"`
	Origin string `json:"o"`
}

// Related reports whether a change at path concerns a region at region:
// the change lies under the region, or the region under the change.
func Related(region, path string) bool {
	return strings.HasPrefix(path, region) || strings.HasPrefix(region, path)
}

// DefaultChannel is the PostgreSQL notification channel.
const DefaultChannel = "gridgov_changes"

// Config holds the bus's dependencies.
type Config struct {
	// DB carries changes to the other processes on the database: over
	// LISTEN/NOTIFY on PostgreSQL, through the live_changes table on
	// SQLite. Without it the bus is in-process only.
	DB *db.DB
	// Channel is the LISTEN/NOTIFY channel (default DefaultChannel).
	Channel string
	// Keep is how many recent changes are kept for resuming streams
	// (default 4096).
	Keep int
	Log  *slog.Logger
	Now  func() time.Time
}

// Bus fans changes out to listeners and streams.
type Bus struct {
	cfg    Config
	origin string

	mu        sync.Mutex
	seq       int64
	ring      []Change // the last cfg.Keep changes, oldest first
	listeners []func(Change)
	streams   map[*Stream]struct{}
	connected bool
	listened  bool // the listen connection was up at least once

	// On SQLite, the changes waiting to be logged for other processes.
	outbox   map[string][]string
	flushing *time.Timer
	logStart int64 // the newest logged change when the bus was made
}

// New returns a bus. Sequence numbers start at the start time in
// microseconds, so that they keep rising across restarts of a process and
// an id handed out by another process rarely falls inside this one's
// window (a resume that does gets the changes or a reset, never a gap).
func New(cfg Config) *Bus {
	if cfg.Channel == "" {
		cfg.Channel = DefaultChannel
	}
	if cfg.Keep <= 0 {
		cfg.Keep = 4096
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	start := cfg.Now().UnixMicro()
	b := &Bus{cfg: cfg, origin: originID(start), seq: start, streams: map[*Stream]struct{}{}}
	if b.logged() {
		b.logStart = b.logEnd()
	}
	return b
}

// originID names this bus among the processes on one database, so that a
// process ignores the echo of its own notifications.
func originID(start int64) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatInt(start, 36) + "-" + hex.EncodeToString(b[:])
}

// Listen adds a function called for every change (local or remote) in the
// order they arrive, before any stream hears of it: caches invalidate
// there, so that a screen that refetches on a change sees it.
func (b *Bus) Listen(fn func(Change)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.listeners = append(b.listeners, fn)
}

// Publish announces that figures of a topic changed under each path. It
// never blocks on screens and never fails the caller's write: a lost
// notification costs a refresh, not data.
func (b *Bus) Publish(ctx context.Context, topic string, paths ...string) {
	paths = compact(paths)
	for _, p := range paths {
		b.deliver(Change{Topic: topic, Path: p, Origin: b.origin})
	}
	switch {
	case b.remote():
		b.notify(ctx, topic, paths)
	case b.logged():
		b.enqueue(topic, paths)
	}
}

// compact drops empty and repeated paths and those under another one.
func compact(paths []string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if p == "" {
			continue
		}
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		out = append(out, p)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	kept := out[:0]
	for _, p := range out {
		if len(kept) > 0 && strings.HasPrefix(p, kept[len(kept)-1]) {
			continue
		}
		kept = append(kept, p)
	}
	return kept
}

func (b *Bus) deliver(c Change) {
	b.mu.Lock()
	b.seq++
	c.Seq = b.seq
	b.ring = append(b.ring, c)
	if len(b.ring) > b.cfg.Keep {
		// Shift in halves so that the copy is amortised.
		n := len(b.ring) - b.cfg.Keep/2
		b.ring = append(b.ring[:0], b.ring[n:]...)
	}
	listeners := slices.Clone(b.listeners)
	streams := make([]*Stream, 0, len(b.streams))
	for s := range b.streams {
		streams = append(streams, s)
	}
	b.mu.Unlock()
	for _, fn := range listeners {
		fn(c)
	}
	for _, s := range streams {
		s.offer(c)
	}
}

// Origin names this bus in the changes it publishes.
func (b *Bus) Origin() string { return b.origin }

// Seq is the sequence number of the latest change.
func (b *Bus) Seq() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seq
}

// Stream is one screen's subscription to the changes around a region.
type Stream struct {
	bus    *Bus
	path   string
	wake   chan struct{}
	mu     sync.Mutex
	topics map[string]bool
	last   int64
	reset  bool
}

// Subscribe opens a stream for the region at path. lastID is the id of the
// last message the screen saw (0: none): the changes since then are
// pending at once when the bus still has them, else the stream starts with
// a reset (the screen refetches everything).
func (b *Bus) Subscribe(path string, lastID int64) *Stream {
	s := &Stream{bus: b, path: path, wake: make(chan struct{}, 1), topics: map[string]bool{}}
	b.mu.Lock()
	defer b.mu.Unlock()
	s.last = b.seq
	if lastID > 0 {
		switch {
		case lastID > b.seq || len(b.ring) == 0 && lastID < b.seq || len(b.ring) > 0 && lastID < b.ring[0].Seq-1:
			s.reset = true
		default:
			for _, c := range b.ring {
				if c.Seq > lastID && Related(path, c.Path) {
					s.topics[c.Topic] = true
				}
			}
		}
		if s.reset || len(s.topics) > 0 {
			s.wake <- struct{}{}
		}
	}
	b.streams[s] = struct{}{}
	return s
}

// Close ends the stream.
func (s *Stream) Close() {
	s.bus.mu.Lock()
	delete(s.bus.streams, s)
	s.bus.mu.Unlock()
}

// Streams counts the open streams.
func (b *Bus) Streams() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.streams)
}

func (s *Stream) offer(c Change) {
	if !Related(s.path, c.Path) || !slices.Contains(Topics(), c.Topic) {
		return
	}
	s.mu.Lock()
	s.topics[c.Topic] = true
	s.last = c.Seq
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Wake is signalled when something is pending.
func (s *Stream) Wake() <-chan struct{} { return s.wake }

// Pending is what a stream has to send: a reset, or the topics changed and
// the id of the latest change; it clears them.
type Pending struct {
	Reset  bool
	Topics []string
	ID     int64
}

// Take returns and clears what is pending.
func (s *Stream) Take() Pending {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := Pending{Reset: s.reset, ID: s.last}
	for _, t := range Topics() {
		if s.topics[t] {
			p.Topics = append(p.Topics, t)
		}
	}
	for t := range s.topics {
		if !slices.Contains(p.Topics, t) {
			p.Topics = append(p.Topics, t)
		}
	}
	clear(s.topics)
	s.reset = false
	return p
}
