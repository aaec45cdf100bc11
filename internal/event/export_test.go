package event

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
)

var errTried = errors.New("tried, and rolled back")

// TryAct applies an action as Act does and rolls it back: nil if it would
// succeed, else Act's refusal.
func (s *Service) TryAct(ctx context.Context, p auth.Principal, id int64, in ActInput) error {
	if err := checkInput(&in); err != nil {
		return err
	}
	now := audit.Canonical(s.now())
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := s.actTx(ctx, tx, p, id, in, now); err != nil {
			return err
		}
		return errTried
	})
	if errors.Is(err, errTried) {
		return nil
	}
	return err
}

// NearbyRead is the highest event id the duplicate search's index has
// read, and whether it has loaded.
func (s *Service) NearbyRead() (int64, bool) {
	s.near.own.Lock()
	defer s.near.own.Unlock()
	return s.near.last, s.near.loaded
}

// NearbyActionsRead is the highest event_actions id the duplicate search's
// index has read.
func (s *Service) NearbyActionsRead() int64 {
	s.near.own.Lock()
	defer s.near.own.Unlock()
	return s.near.lastAction
}

// SetFollowChunk sets how many events the index's follower reads at a time.
func (s *Service) SetFollowChunk(n int) { s.near.chunk.Store(int64(n)) }
