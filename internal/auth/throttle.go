package auth

import (
	"sync"
	"time"
)

// Throttle counts failed logins per key (an account or an IP address) and
// refuses further tries for a while once a key has failed too often within
// the window. It lives in memory: with several servers each counts its own
// share, which still bounds guessing per server.
type Throttle struct {
	mu       sync.Mutex
	limit    int
	window   time.Duration
	lockout  time.Duration
	now      func() time.Time
	failures map[string]*failureRecord
}

type failureRecord struct {
	count       int
	first       time.Time
	lockedUntil time.Time
}

// NewThrottle allows limit failures per key within window, then refuses the
// key for lockout.
func NewThrottle(limit int, window, lockout time.Duration, now func() time.Time) *Throttle {
	return &Throttle{limit: limit, window: window, lockout: lockout, now: now, failures: map[string]*failureRecord{}}
}

// Wait returns how long the key must still wait, zero if it may try now.
func (t *Throttle) Wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.failures[key]
	if r == nil {
		return 0
	}
	if d := r.lockedUntil.Sub(t.now()); d > 0 {
		return d
	}
	return 0
}

// Fail records a failure and reports whether the key is now locked out.
func (t *Throttle) Fail(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	r := t.failures[key]
	if r == nil || now.Sub(r.first) > t.window {
		if len(t.failures) > 100_000 {
			t.pruneLocked(now)
		}
		r = &failureRecord{first: now}
		t.failures[key] = r
	}
	r.count++
	if r.count >= t.limit {
		r.lockedUntil = now.Add(t.lockout)
		r.count = 0
		r.first = now
		return true
	}
	return false
}

// Reset forgets a key's failures after a success.
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}

// pruneLocked drops records that no longer matter, so a flood of distinct
// keys cannot grow the map without bound.
func (t *Throttle) pruneLocked(now time.Time) {
	for k, r := range t.failures {
		if now.Sub(r.first) > t.window && now.After(r.lockedUntil) {
			delete(t.failures, k)
		}
	}
}
