package workforce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/event"
)

// EventActor takes actions on events; *event.Service is one.
type EventActor interface {
	Act(ctx context.Context, p auth.Principal, id int64, in event.ActInput) (event.Event, error)
}

// deviceActions are the actions the worker app takes on events: handling
// an event in the grid (网格自办) and reporting the result. The others a
// worker may take (asking for more time, comments) stay in the console.
var deviceActions = []event.Action{event.SelfHandle, event.Feedback}

// DeviceActionInput is an action on an event as the device sends it, with
// the version of the event the worker saw.
type DeviceActionInput struct {
	Action  event.Action `json:"action"`
	Version int          `json:"version"`
	Note    string       `json:"note"`
}

// DeviceAction is the answer to an action from the device: the event as it
// stands, the history line the action made (photos of a feedback go on
// it), and whether this was a replay of an action already taken with the
// same Idempotency-Key.
type DeviceAction struct {
	Event    event.Event `json:"event"`
	ActionID int64       `json:"action_id"`
	Replayed bool        `json:"replayed"`
}

// ActOnEvent applies a worker's action to an event through the event
// service, under the worker's account and at the version the worker saw.
// body is the request body as signed: a retry with the same
// Idempotency-Key and body answers with the action already taken, never a
// second one; the same key with another body is a conflict. A refused
// action (stale version, not allowed now) frees its key.
func (s *Service) ActOnEvent(ctx context.Context, c DeviceCaller, eventID int64, body []byte, in DeviceActionInput, sink ReportSink) (DeviceAction, error) {
	if sink.Actions == nil || sink.Events == nil {
		return DeviceAction{}, apperr.New(apperr.Forbidden, "events are not served here")
	}
	var fs apperr.Fields
	if c.IdempotencyKey == "" {
		fs.Add("Idempotency-Key", "is required: a fresh key for each action, the same one when retrying it")
	}
	if !slices.Contains(deviceActions, in.Action) {
		fs.Add("action", "must be self_handle or feedback; other actions are taken in the console")
	}
	switch {
	case in.Version == 0:
		fs.Add("version", "give the version of the event you saw")
	case in.Version < 0:
		fs.Add("version", "must be a positive integer")
	}
	if err := fs.Err(); err != nil {
		return DeviceAction{}, err
	}
	p, err := account(ctx, sink.Users, c)
	if err != nil {
		return DeviceAction{}, err
	}
	w, err := s.claim(ctx, c, writeAction, "event:"+strconv.FormatInt(eventID, 10), bodyHash(body))
	if err != nil {
		return DeviceAction{}, err
	}
	if !w.done && w.takenOver {
		id, err := s.findAction(ctx, p, eventID, in.Action, w)
		if err != nil {
			return DeviceAction{}, err
		}
		if id != 0 {
			if err := s.finish(ctx, &w, written{eventID: eventID, actionID: id}); err != nil {
				return DeviceAction{}, err
			}
		}
	}
	if w.done {
		d, err := sink.Events.Get(ctx, p, eventID)
		if err != nil {
			return DeviceAction{}, fmt.Errorf("replay of action on event %d: %w", eventID, err)
		}
		return DeviceAction{Event: d.Event, ActionID: w.actionID.Int64, Replayed: true}, nil
	}
	e, err := sink.Actions.Act(ctx, p, eventID, event.ActInput{Action: in.Action, Version: in.Version, Note: in.Note})
	if err != nil {
		s.release(ctx, w)
		return DeviceAction{}, err
	}
	// The version guard lets one action through per version, so the
	// account's latest line of this action is the one just made.
	var id int64
	err = s.db.Write().QueryRowContext(ctx, `SELECT id FROM event_actions WHERE event_id = $1 AND actor_id = $2 AND action = $3
		ORDER BY id DESC LIMIT 1`, eventID, p.User.ID, string(in.Action)).Scan(&id)
	if err != nil {
		return DeviceAction{}, fmt.Errorf("action taken on event %d: %w", eventID, err)
	}
	if err := s.finish(ctx, &w, written{eventID: eventID, actionID: id}); err != nil {
		return DeviceAction{}, err
	}
	return DeviceAction{Event: e, ActionID: id}, nil
}

// findAction looks for the action a request that did not finish its claim
// may have taken: by the same account, of the same kind on the same event,
// since the claim was made, and not claimed by another device write.
func (s *Service) findAction(ctx context.Context, p auth.Principal, eventID int64, a event.Action, w deviceWrite) (int64, error) {
	var id int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT ea.id FROM event_actions ea WHERE ea.event_id = $1 AND ea.actor_id = $2 AND ea.action = $3
		AND ea.at >= $4 AND NOT EXISTS (SELECT 1 FROM device_writes dw WHERE dw.action_id = ea.id) ORDER BY ea.id LIMIT 1`,
		eventID, p.User.ID, string(a), w.createdAt.Add(-s.cfg.ClockSkew)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("recover action: %w", err)
	}
	return id, nil
}
