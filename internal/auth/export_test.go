package auth

import "time"

// SetSessionCacheClock sets the clock by which cached sessions age.
func (s *Service) SetSessionCacheClock(now func() time.Time) {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	s.sessions.now = now
}

// SessionCacheFor is how long a session read stays cached.
const SessionCacheFor = sessionCacheFor
