package auth

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// sessionCache keeps, for a moment, what Authenticate read of a session and
// its user. Every request authenticates, and at a few thousand requests a
// second from the same clients (a hotline's integration, the center's
// consoles) reading the same session row again was a tenth of the server's
// work. Whatever this service changes in accounts or sessions empties the
// cache as it commits (inTx, exec), so a logout, a disabled account or a
// narrowed scope applies at once in this process; a change made by another
// process sharing the database (a command run beside the server) applies
// within sessionCacheFor. Only the once-a-minute touch of a session's last
// use drops that session's entry alone.
type sessionCache struct {
	mu  sync.Mutex
	gen uint64 // bumped by every change; an entry of an older one is void
	m   map[string]cachedSession
	// now is the cache's own clock, not the service's: a test's frozen
	// clock must not keep entries forever.
	now func() time.Time
	ttl time.Duration
}

type cachedSession struct {
	user      User
	sess      Session
	displayID sql.NullInt64
	gen       uint64
	until     time.Time
}

// sessionCacheFor is how long a session read stays in the cache.
const sessionCacheFor = time.Second

// sessionCacheMax bounds the entries; past it, expired ones are dropped,
// and if none were, all are.
const sessionCacheMax = 4096

func newSessionCache() *sessionCache {
	return &sessionCache{m: map[string]cachedSession{}, now: time.Now, ttl: sessionCacheFor}
}

// get returns the entry of a token hash read within the last ttl and not
// voided since.
func (c *sessionCache) get(h string) (cachedSession, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[h]
	if !ok || e.gen != c.gen || !c.now().Before(e.until) {
		return cachedSession{}, false
	}
	return e, true
}

// generation is the current generation, taken before a read: an entry put
// with an older one than the cache holds by then is dropped, since a change
// may have committed between the read and the put.
func (c *sessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *sessionCache) put(h string, e cachedSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.gen != c.gen {
		return
	}
	now := c.now()
	if len(c.m) >= sessionCacheMax {
		for k, old := range c.m {
			if old.gen != c.gen || !now.Before(old.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= sessionCacheMax {
			clear(c.m)
		}
	}
	e.until = now.Add(c.ttl)
	c.m[h] = e
}

// drop voids the entry of one token hash. A read of it taken before may
// still be put after, with what the caller changed missing: drop is for
// changes that such a read cannot turn into a wrong answer (a session's
// last use, which Authenticate reads again before ending a session).
func (c *sessionCache) drop(h string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, h)
}

// forget voids every entry.
func (c *sessionCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// inTx is the database's InTx for the service's changes: the cached
// sessions are voided once it ends, whether it committed or not.
func (s *Service) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	defer s.sessions.forget()
	return s.db.InTx(ctx, fn)
}

// exec runs one changing statement outside a transaction and voids the
// cached sessions.
func (s *Service) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	defer s.sessions.forget()
	return s.db.Write().ExecContext(ctx, query, args...)
}
