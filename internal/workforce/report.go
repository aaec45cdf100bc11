package workforce

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/attach"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/event"
)

// EventFiler files and reads events; *event.Service is one.
type EventFiler interface {
	Report(ctx context.Context, p auth.Principal, in event.ReportInput) (event.Filed, error)
	Get(ctx context.Context, p auth.Principal, id int64) (event.Detail, error)
}

// EventFiles puts files on events; *event.Service is one.
type EventFiles interface {
	MayAttach(ctx context.Context, p auth.Principal, eventID int64) error
	Attach(ctx context.Context, p auth.Principal, eventID int64, actionID *int64, a attach.Attachment) (event.AttachmentView, error)
	Attachments(ctx context.Context, p auth.Principal, eventID int64) ([]event.AttachmentView, error)
}

// PhotoAcceptor checks and keeps uploaded bytes; *attach.Service is one.
type PhotoAcceptor interface {
	Accept(ctx context.Context, name, declaredType string, r io.Reader, lim attach.Limits) (attach.Attachment, error)
}

// ReportSink is what a device report needs beyond the workforce: the
// accounts (a report is filed under the worker's own), the events, and for
// photos the attachment store. Like EventSink it is passed per call; a
// zero field refuses the requests that need it.
type ReportSink struct {
	Users  UserLoader
	Events EventFiler
	Files  EventFiles
	Photos PhotoAcceptor
	// Actions takes the worker's actions on events (self-handle, feedback).
	Actions EventActor
}

// DeviceReportInput is a report as the device sends it: the event's fields
// and, for a report drafted offline, when it happened (RFC 3339).
type DeviceReportInput struct {
	event.ReportInput
	OccurredAt string `json:"occurred_at"`
}

// maxOccurredAge bounds how long ago a reported event may have happened: a
// draft kept offline longer than a week is better reported afresh.
const maxOccurredAge = 7 * 24 * time.Hour

// occurredAt checks the time a device says the event happened, against the
// service's clock.
func (s *Service) occurredAt(v string) (*time.Time, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
	if err != nil {
		return nil, apperr.Field("occurred_at", "must be an RFC 3339 time such as 2026-06-01T08:30:00+08:00")
	}
	now := s.now()
	switch {
	case t.After(now.Add(s.cfg.ClockSkew)):
		return nil, apperr.Field("occurred_at", fmt.Sprintf("is in the future (%s ahead of the server clock); set the phone's clock",
			t.Sub(now).Round(time.Second)))
	case t.Before(now.Add(-maxOccurredAge)):
		return nil, apperr.Field("occurred_at", "is more than 7 days ago; report what is still there as seen now")
	}
	t = t.UTC()
	return &t, nil
}

// DeviceReport is the answer to a report from the device: the event, the
// open events like it, and whether this was a replay of a report already
// filed with the same Idempotency-Key.
type DeviceReport struct {
	event.Filed
	Replayed bool `json:"replayed"`
}

// DevicePhoto is the answer to a photo upload from the device.
type DevicePhoto struct {
	Attachment event.AttachmentView `json:"attachment"`
	Replayed   bool                 `json:"replayed"`
}

// account is the worker's own account as a principal: what a device
// files and reads on the worker's behalf is what the worker may, in the
// worker's name.
func account(ctx context.Context, users UserLoader, c DeviceCaller) (auth.Principal, error) {
	if users == nil {
		return auth.Principal{}, apperr.New(apperr.Forbidden, "accounts are not served here")
	}
	if c.UserID == 0 {
		return auth.Principal{}, apperr.New(apperr.Forbidden, "your worker record has no account to act under; ask your center to link one")
	}
	u, err := users.GetUser(ctx, auth.System("workforce"), c.UserID)
	if err != nil {
		return auth.Principal{}, fmt.Errorf("account of worker %d: %w", c.WorkerID, err)
	}
	if u.Disabled {
		return auth.Principal{}, apperr.New(apperr.Forbidden, "your account is disabled; ask your center")
	}
	return auth.Principal{User: u}, nil
}

// Account is the worker's own account as a principal, for what a device
// reads outside this service (the category tree it reports under).
func (s *Service) Account(ctx context.Context, c DeviceCaller, users UserLoader) (auth.Principal, error) {
	return account(ctx, users, c)
}

// ReportEvent files an event from the worker's device under the worker's
// account, with the source "worker". body is the request body as signed:
// a retry with the same Idempotency-Key and body answers with the event
// already filed (Replayed), never a second one; the same key with another
// body is a conflict.
func (s *Service) ReportEvent(ctx context.Context, c DeviceCaller, body []byte, din DeviceReportInput, sink ReportSink) (DeviceReport, error) {
	if sink.Events == nil {
		return DeviceReport{}, apperr.New(apperr.Forbidden, "events are not served here")
	}
	if c.IdempotencyKey == "" {
		return DeviceReport{}, apperr.Field("Idempotency-Key", "is required: a fresh key for each report, the same one when retrying it")
	}
	in := din.ReportInput
	occurred, err := s.occurredAt(din.OccurredAt)
	if err != nil {
		return DeviceReport{}, err
	}
	in.OccurredAt = occurred
	p, err := account(ctx, sink.Users, c)
	if err != nil {
		return DeviceReport{}, err
	}
	in.Source = event.FromWorker
	in.ReporterName, in.ReporterPhone = "", ""
	if in.Lng == nil && in.Lat == nil && strings.TrimSpace(in.GridCode) == "" {
		// Without a position (GPS refused, or indoors) the event is the
		// worker's own grid's, as the app's address field implies.
		wk, err := s.getWorker(ctx, s.db.Read(), c.WorkerID)
		if err != nil {
			return DeviceReport{}, err
		}
		for _, g := range wk.Grids {
			if g.Primary || in.GridCode == "" {
				in.GridCode = g.GridCode
			}
		}
	}
	w, err := s.claim(ctx, c, writeEvent, "", bodyHash(body))
	if err != nil {
		return DeviceReport{}, err
	}
	if !w.done && w.takenOver {
		id, err := s.findReported(ctx, p, in, w)
		if err != nil {
			return DeviceReport{}, err
		}
		if id != 0 {
			if err := s.finish(ctx, &w, written{eventID: id}); err != nil {
				return DeviceReport{}, err
			}
		}
	}
	if w.done {
		d, err := sink.Events.Get(ctx, p, w.eventID.Int64)
		if err != nil {
			return DeviceReport{}, fmt.Errorf("replay of report %d: %w", w.eventID.Int64, err)
		}
		return DeviceReport{Filed: event.Filed{Event: d.Event, Similar: []event.Similar{}}, Replayed: true}, nil
	}
	f, err := sink.Events.Report(ctx, p, in)
	if err != nil {
		s.release(ctx, w)
		return DeviceReport{}, err
	}
	if err := s.finish(ctx, &w, written{eventID: f.Event.ID}); err != nil {
		return DeviceReport{}, err
	}
	if f.Similar == nil {
		f.Similar = []event.Similar{}
	}
	return DeviceReport{Filed: f}, nil
}

// findReported looks for the event a request that did not finish its
// claim may have filed: by the same account, of the same category and
// title, since the claim was made.
func (s *Service) findReported(ctx context.Context, p auth.Principal, in event.ReportInput, w deviceWrite) (int64, error) {
	var id int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT e.id FROM events e WHERE e.reporter_id = $1 AND e.source = $2 AND e.category_code = $3
		AND e.title = $4 AND e.created_at >= $5 AND NOT EXISTS (SELECT 1 FROM device_writes dw WHERE dw.event_id = e.id AND dw.kind = $6)
		ORDER BY e.id LIMIT 1`, p.User.ID, string(event.FromWorker), in.CategoryCode, strings.TrimSpace(in.Title),
		w.createdAt.Add(-s.cfg.ClockSkew), writeEvent).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("recover report: %w", err)
	}
	return id, nil
}

// PhotoInput is a photo as the device sends it: the raw image, its
// declared type, an optional file name and where it was taken (a photo
// downscaled on the phone has lost its EXIF location). EventID is the
// event it goes on, and ActionID, when set, the action of the worker's it
// documents (a feedback); both are zero for a visit's photo.
type PhotoInput struct {
	EventID     int64
	ActionID    int64
	ContentType string
	Name        string
	Lng, Lat    *float64
	Body        []byte
}

// photoTypes are the image types a device may send.
var photoTypes = []string{"image/jpeg", "image/png", "image/webp"}

// checkPhoto checks the form of an upload: the key, the type, the bytes and
// the place. It returns the media type and the place, if any.
func checkPhoto(c DeviceCaller, in PhotoInput) (string, *attach.Location, error) {
	var fs apperr.Fields
	if c.IdempotencyKey == "" {
		fs.Add("Idempotency-Key", "is required: a fresh key for each photo, the same one when retrying it")
	}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(in.ContentType, ";")[0]))
	if !contains(photoTypes, ct) {
		fs.Add("Content-Type", "must be image/jpeg, image/png or image/webp, with the image as the body")
	}
	if len(in.Body) == 0 {
		fs.Add("body", "is empty; send the image as the body")
	}
	if (in.Lng == nil) != (in.Lat == nil) {
		fs.Add("lng", "give both lng and lat, or neither")
	}
	var gps *attach.Location
	if in.Lng != nil && in.Lat != nil {
		lng, lat := *in.Lng, *in.Lat
		switch {
		case math.IsNaN(lng) || lng < -180 || lng > 180:
			fs.Add("lng", "must be a longitude between -180 and 180")
		case math.IsNaN(lat) || lat < -90 || lat > 90:
			fs.Add("lat", "must be a latitude between -90 and 90")
		default:
			gps = &attach.Location{Lng: lng, Lat: lat}
		}
	}
	return ct, gps, fs.Err()
}

// acceptPhoto checks and keeps the bytes through the attachment store, with
// the device's place when the image carries none.
func acceptPhoto(ctx context.Context, photos PhotoAcceptor, in PhotoInput, ct string, gps *attach.Location) (attach.Attachment, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = "photo"
	}
	a, err := photos.Accept(ctx, name, ct, bytes.NewReader(in.Body), attach.Limits{})
	if err != nil {
		return attach.Attachment{}, err
	}
	if a.GPS == nil {
		a.GPS = gps
	}
	return a, nil
}

// AddPhoto puts a photo on an event the worker reported, or on an action
// the worker took on an event (ActionID), through the attachment store
// like any upload. A retry with the same Idempotency-Key and bytes answers
// with the photo already stored (Replayed).
func (s *Service) AddPhoto(ctx context.Context, c DeviceCaller, in PhotoInput, sink ReportSink) (DevicePhoto, error) {
	if sink.Files == nil || sink.Photos == nil {
		return DevicePhoto{}, apperr.New(apperr.Forbidden, "photos are not served here")
	}
	ct, gps, err := checkPhoto(c, in)
	if err != nil {
		return DevicePhoto{}, err
	}
	p, err := account(ctx, sink.Users, c)
	if err != nil {
		return DevicePhoto{}, err
	}
	target := "event:" + strconv.FormatInt(in.EventID, 10)
	if in.ActionID != 0 {
		if err := s.ownAction(ctx, p, in.EventID, in.ActionID); err != nil {
			return DevicePhoto{}, err
		}
		target += ":action:" + strconv.FormatInt(in.ActionID, 10)
	} else if err := s.ownReport(ctx, p, in.EventID); err != nil {
		return DevicePhoto{}, err
	}
	hash := bodyHash(in.Body)
	w, err := s.claim(ctx, c, writePhoto, target, hash)
	if err != nil {
		return DevicePhoto{}, err
	}
	if !w.done && w.takenOver {
		// The original's key is its SHA-256, so a photo stored by the
		// request that did not finish is found by the body's hash.
		var id int64
		err := s.db.Read().QueryRowContext(ctx, `SELECT a.id FROM event_attachments a WHERE a.event_id = $1 AND a.blob_key = $2 AND a.created_by = $3
			AND NOT EXISTS (SELECT 1 FROM device_writes dw WHERE dw.kind = $4 AND dw.attachment_id = a.id) ORDER BY a.id LIMIT 1`,
			in.EventID, hash, p.User.ID, writePhoto).Scan(&id)
		switch {
		case err == nil:
			if err := s.finish(ctx, &w, written{eventID: in.EventID, attachmentID: id}); err != nil {
				return DevicePhoto{}, err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return DevicePhoto{}, fmt.Errorf("recover photo: %w", err)
		}
	}
	if w.done {
		views, err := sink.Files.Attachments(ctx, p, in.EventID)
		if err != nil {
			return DevicePhoto{}, err
		}
		for _, v := range views {
			if v.ID == w.attachmentID.Int64 {
				return DevicePhoto{Attachment: v, Replayed: true}, nil
			}
		}
		return DevicePhoto{}, apperr.New(apperr.NotFound, "the photo stored with this Idempotency-Key is no longer on event %d", in.EventID)
	}
	v, err := s.storePhoto(ctx, p, in, ct, gps, sink)
	if err != nil {
		s.release(ctx, w)
		return DevicePhoto{}, err
	}
	if err := s.finish(ctx, &w, written{eventID: in.EventID, attachmentID: v.ID}); err != nil {
		return DevicePhoto{}, err
	}
	return DevicePhoto{Attachment: v}, nil
}

func (s *Service) storePhoto(ctx context.Context, p auth.Principal, in PhotoInput, ct string, gps *attach.Location, sink ReportSink) (event.AttachmentView, error) {
	if err := sink.Files.MayAttach(ctx, p, in.EventID); err != nil {
		return event.AttachmentView{}, err
	}
	a, err := acceptPhoto(ctx, sink.Photos, in, ct, gps)
	if err != nil {
		return event.AttachmentView{}, err
	}
	var action *int64
	if in.ActionID != 0 {
		action = &in.ActionID
	}
	return sink.Files.Attach(ctx, p, in.EventID, action, a)
}

// ownReport checks that the event was reported under the worker's
// account; any other event is not found, as it is not the device's to add
// photos to.
func (s *Service) ownReport(ctx context.Context, p auth.Principal, eventID int64) error {
	var reporter sql.NullInt64
	err := s.db.Read().QueryRowContext(ctx, `SELECT reporter_id FROM events WHERE id = $1`, eventID).Scan(&reporter)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && (!reporter.Valid || reporter.Int64 != p.User.ID)):
		return apperr.New(apperr.NotFound, "event %d not found among your reports", eventID)
	case err != nil:
		return fmt.Errorf("event %d: %w", eventID, err)
	}
	return nil
}

// ownAction checks that the action is on the event and was taken under the
// worker's account; anything else is not found, naming the action.
func (s *Service) ownAction(ctx context.Context, p auth.Principal, eventID, actionID int64) error {
	var actor sql.NullInt64
	err := s.db.Read().QueryRowContext(ctx, `SELECT actor_id FROM event_actions WHERE id = $1 AND event_id = $2`, actionID, eventID).Scan(&actor)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && (!actor.Valid || actor.Int64 != p.User.ID)):
		return &apperr.Error{Code: apperr.NotFound, Message: "action not found",
			Fields: []apperr.FieldError{{Field: "action", Reason: fmt.Sprintf("action %d on event %d not found among your actions", actionID, eventID)}}}
	case err != nil:
		return fmt.Errorf("action %d of event %d: %w", actionID, eventID, err)
	}
	return nil
}
