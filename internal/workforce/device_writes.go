package workforce

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
)

// A device's writes that end in another service's rows (an event, a photo)
// cannot share that service's transaction, so the Idempotency-Key is
// claimed first in device_writes, the write is made, and the claim is then
// marked done with what it made. A retry finds the done claim and answers
// with the same result; a concurrent twin finds the claim under way and
// waits for it. A claim left under way by a crash is taken over after
// writeStale, and the taker looks for what the crashed request made
// before making it again.

// Kinds of device writes.
const (
	writeEvent = "event"
	writePhoto = "photo"
	// writeAction is an action on an event (self-handle, feedback).
	writeAction = "action"
	// writeVisitPhoto is a photo kept for a visit still to be sent; its
	// attachment_id is the visit_photos row.
	writeVisitPhoto = "visit_photo"
)

const (
	// writeStale is how long a claim may stay under way before another
	// request takes it over: far longer than filing an event takes.
	writeStale = 2 * time.Minute
	// writeWait is how long a request waits for a concurrent twin to finish.
	writeWait = 15 * time.Second
	writePoll = 50 * time.Millisecond
)

// deviceWrite is a claimed Idempotency-Key.
type deviceWrite struct {
	id           int64
	kind, target string
	hash         string
	eventID      sql.NullInt64
	attachmentID sql.NullInt64
	actionID     sql.NullInt64
	createdAt    time.Time
	done         bool
	// takenOver marks a claim left under way by another request and taken
	// over; what that request made must be looked for first, from
	// createdAt (the first claim's time) on.
	takenOver bool
}

func bodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// errClaimRace is a lost race for a new claim; the claim is read again.
var errClaimRace = errors.New("device write claimed concurrently")

// claim takes the device's Idempotency-Key for a write of kind on target
// with a body of the given hash. It returns the claim, done when the key
// was used before for this same request (a replay). The same key for
// another request is a conflict naming the Idempotency-Key; a claim still
// under way is waited for, and refused as busy if it does not finish.
func (s *Service) claim(ctx context.Context, c DeviceCaller, kind, target, hash string) (deviceWrite, error) {
	if c.IdempotencyKey == "" {
		return deviceWrite{}, apperr.Field("Idempotency-Key", "is required: a fresh key for each new request, the same one when retrying it")
	}
	deadline := time.Now().Add(writeWait)
	for {
		w, busy, err := s.tryClaim(ctx, c, kind, target, hash)
		if errors.Is(err, errClaimRace) {
			continue
		}
		if err != nil || !busy {
			return w, err
		}
		if time.Now().After(deadline) {
			return deviceWrite{}, &apperr.Error{Code: apperr.RateLimited, Message: "the same request is still being processed",
				Fields:            []apperr.FieldError{{Field: "Idempotency-Key", Reason: "is in use by a request still under way; retry in a few seconds"}},
				RetryAfterSeconds: 2}
		}
		select {
		case <-ctx.Done():
			return deviceWrite{}, ctx.Err()
		case <-time.After(writePoll):
		}
	}
}

// tryClaim makes one attempt at claim; busy reports a claim under way.
func (s *Service) tryClaim(ctx context.Context, c DeviceCaller, kind, target, hash string) (deviceWrite, bool, error) {
	now := audit.Canonical(s.now())
	var w deviceWrite
	busy := false
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		// The caller may come from the device cache: a device unbound since
		// is refused here, before anything is claimed or made.
		if err := stillBound(ctx, tx, c); err != nil {
			return err
		}
		var done, taken sql.NullTime
		var takeovers int
		err := tx.QueryRowContext(ctx, `SELECT id, kind, target, body_sha256, event_id, attachment_id, action_id, created_at, done_at,
			taken_at, takeovers FROM device_writes WHERE device_id = $1 AND idempotency_key = $2`, c.deviceRow, c.IdempotencyKey).Scan(&w.id,
			&w.kind, &w.target, &w.hash, &w.eventID, &w.attachmentID, &w.actionID, &w.createdAt, &done, &taken, &takeovers)
		if errors.Is(err, sql.ErrNoRows) {
			w = deviceWrite{kind: kind, target: target, hash: hash, createdAt: now}
			err := tx.QueryRowContext(ctx, `INSERT INTO device_writes (device_id, idempotency_key, kind, target, body_sha256, created_at)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, c.deviceRow, c.IdempotencyKey, kind, target, hash, now).Scan(&w.id)
			if db.IsUniqueViolation(err) {
				return errClaimRace
			}
			if err != nil {
				return fmt.Errorf("claim device write: %w", err)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("claim device write: %w", err)
		}
		if w.kind != kind || w.target != target || w.hash != hash {
			return &apperr.Error{Code: apperr.Conflict, Message: "the Idempotency-Key was used for another request",
				Fields: []apperr.FieldError{{Field: "Idempotency-Key", Reason: fmt.Sprintf(
					"was already used by this device at %s for a different request; use a fresh key for a new request",
					w.createdAt.UTC().Format(time.RFC3339))}}}
		}
		w.done = done.Valid
		if w.done {
			return nil
		}
		since := w.createdAt
		if taken.Valid {
			since = taken.Time
		}
		if now.Sub(since) < writeStale {
			busy = true
			return nil
		}
		// Left under way by a request that did not finish: take it over,
		// unless another request just did. created_at stays the first
		// claim's, since what it made is looked for from then on.
		res, err := tx.ExecContext(ctx, `UPDATE device_writes SET taken_at = $1, takeovers = takeovers + 1
			WHERE id = $2 AND takeovers = $3 AND done_at IS NULL`, now, w.id, takeovers)
		if err != nil {
			return fmt.Errorf("take over device write %d: %w", w.id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			busy = true
			return nil
		}
		w.takenOver = true
		return nil
	})
	return w, busy, err
}

// written is what a device write made; zero ids are none.
type written struct {
	eventID, attachmentID, actionID int64
}

// finish marks a claim done with what the write made. It runs even when
// the request was cancelled meanwhile: the write is made, and the claim
// must say so.
func (s *Service) finish(ctx context.Context, w *deviceWrite, made written) error {
	ctx = context.WithoutCancel(ctx)
	_, err := s.db.Write().ExecContext(ctx, `UPDATE device_writes SET event_id = $1, attachment_id = $2, action_id = $3, done_at = $4 WHERE id = $5`,
		nullIfZero(made.eventID), nullIfZero(made.attachmentID), nullIfZero(made.actionID), audit.Canonical(s.now()), w.id)
	if err != nil {
		return fmt.Errorf("finish device write %d: %w", w.id, err)
	}
	w.done = true
	w.eventID = sql.NullInt64{Int64: made.eventID, Valid: made.eventID != 0}
	w.attachmentID = sql.NullInt64{Int64: made.attachmentID, Valid: made.attachmentID != 0}
	w.actionID = sql.NullInt64{Int64: made.actionID, Valid: made.actionID != 0}
	return nil
}

// release gives up a claim whose write was refused or failed, so that the
// key may carry the request again (corrected, or once the server is well).
func (s *Service) release(ctx context.Context, w deviceWrite) {
	ctx = context.WithoutCancel(ctx)
	// Should this fail, the claim goes stale and is taken over by a retry.
	_, _ = s.db.Write().ExecContext(ctx, `DELETE FROM device_writes WHERE id = $1 AND done_at IS NULL`, w.id)
}
