package workforce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/attach"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
)

// A visit's photos are uploaded before the visit, each on its own: the
// offline queue sends them first, then the visit naming them by id. Each
// upload is a device write, so a retried upload answers with the photo
// already kept; the visit has its own key, so neither is counted twice.

// VisitPhoto is a photo kept for a visit. ID is what a visit's photos
// name (decimal, as a string).
type VisitPhoto struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	Width       int        `json:"width,omitempty"`
	Height      int        `json:"height,omitempty"`
	TakenAt     *time.Time `json:"taken_at,omitempty"`
	// VisitID is the visit that took the photo, once one did.
	VisitID   *int64    `json:"visit_id"`
	CreatedAt time.Time `json:"created_at"`
}

// DeviceVisitPhoto is the answer to a visit photo upload.
type DeviceVisitPhoto struct {
	Photo    VisitPhoto `json:"photo"`
	Replayed bool       `json:"replayed"`
}

// AddVisitPhoto keeps a photo for a visit the worker will send, checked and
// stored through the attachment store like any upload. A retry with the
// same Idempotency-Key and bytes answers with the photo already kept.
func (s *Service) AddVisitPhoto(ctx context.Context, c DeviceCaller, in PhotoInput, photos PhotoAcceptor) (DeviceVisitPhoto, error) {
	if photos == nil {
		return DeviceVisitPhoto{}, apperr.New(apperr.Forbidden, "photos are not served here")
	}
	ct, gps, err := checkPhoto(c, in)
	if err != nil {
		return DeviceVisitPhoto{}, err
	}
	hash := bodyHash(in.Body)
	w, err := s.claim(ctx, c, writeVisitPhoto, "", hash)
	if err != nil {
		return DeviceVisitPhoto{}, err
	}
	if !w.done && w.takenOver {
		var id int64
		err := s.db.Read().QueryRowContext(ctx, `SELECT vp.id FROM visit_photos vp WHERE vp.device_id = $1 AND vp.blob_key = $2 AND vp.created_at >= $3
			AND NOT EXISTS (SELECT 1 FROM device_writes dw WHERE dw.kind = $4 AND dw.attachment_id = vp.id) ORDER BY vp.id LIMIT 1`,
			c.deviceRow, hash, w.createdAt.Add(-s.cfg.ClockSkew), writeVisitPhoto).Scan(&id)
		switch {
		case err == nil:
			if err := s.finish(ctx, &w, written{attachmentID: id}); err != nil {
				return DeviceVisitPhoto{}, err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return DeviceVisitPhoto{}, fmt.Errorf("recover visit photo: %w", err)
		}
	}
	if w.done {
		ph, err := loadVisitPhoto(ctx, s.db.Read(), w.attachmentID.Int64)
		if err != nil {
			return DeviceVisitPhoto{}, err
		}
		return DeviceVisitPhoto{Photo: ph, Replayed: true}, nil
	}
	ph, err := s.keepVisitPhoto(ctx, c, in, ct, gps, photos)
	if err != nil {
		s.release(ctx, w)
		return DeviceVisitPhoto{}, err
	}
	id, _ := strconv.ParseInt(ph.ID, 10, 64)
	if err := s.finish(ctx, &w, written{attachmentID: id}); err != nil {
		return DeviceVisitPhoto{}, err
	}
	return DeviceVisitPhoto{Photo: ph}, nil
}

func (s *Service) keepVisitPhoto(ctx context.Context, c DeviceCaller, in PhotoInput, ct string, gps *attach.Location, photos PhotoAcceptor) (VisitPhoto, error) {
	a, err := acceptPhoto(ctx, photos, in, ct, gps)
	if err != nil {
		return VisitPhoto{}, err
	}
	now := audit.Canonical(s.now())
	var lng, lat any
	if a.GPS != nil {
		lng, lat = a.GPS.Lng, a.GPS.Lat
	}
	var id int64
	err = s.db.Write().QueryRowContext(ctx, `INSERT INTO visit_photos (worker_id, device_id, blob_key, public_key, thumb_key, content_type, name,
		size, width, height, lng, lat, taken_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		c.WorkerID, c.deviceRow, a.Key, a.PublicKey, a.ThumbKey, a.ContentType, a.Name, a.Size, a.Width, a.Height, lng, lat, a.TakenAt, now).Scan(&id)
	if err != nil {
		return VisitPhoto{}, fmt.Errorf("keep visit photo: %w", err)
	}
	return VisitPhoto{ID: strconv.FormatInt(id, 10), Name: a.Name, ContentType: a.ContentType, Size: a.Size, Width: a.Width, Height: a.Height,
		TakenAt: a.TakenAt, CreatedAt: now}, nil
}

func loadVisitPhoto(ctx context.Context, q db.Querier, id int64) (VisitPhoto, error) {
	var ph VisitPhoto
	var taken sql.NullTime
	var visit sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT name, content_type, size, width, height, taken_at, visit_id, created_at FROM visit_photos WHERE id = $1`,
		id).Scan(&ph.Name, &ph.ContentType, &ph.Size, &ph.Width, &ph.Height, &taken, &visit, &ph.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return VisitPhoto{}, apperr.New(apperr.NotFound, "visit photo %d not found", id)
	}
	if err != nil {
		return VisitPhoto{}, fmt.Errorf("visit photo %d: %w", id, err)
	}
	ph.ID, ph.CreatedAt = strconv.FormatInt(id, 10), ph.CreatedAt.UTC()
	if taken.Valid {
		t := taken.Time.UTC()
		ph.TakenAt = &t
	}
	if visit.Valid {
		ph.VisitID = &visit.Int64
	}
	return ph, nil
}

// uploadID reads a visit's photo reference as the id of an uploaded visit
// photo: all digits. Other references (files kept elsewhere) are left as
// they are.
func uploadID(ref string) (int64, bool) {
	for _, r := range ref {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(ref, 10, 64)
	return id, err == nil && id > 0
}

// checkVisitPhotos checks that the uploaded photos a visit names are the
// worker's and on no visit yet.
func checkVisitPhotos(ctx context.Context, q db.Querier, workerID int64, refs []string) error {
	var fs apperr.Fields
	seen := map[int64]bool{}
	for i, ref := range refs {
		id, ok := uploadID(ref)
		if !ok {
			continue
		}
		if seen[id] {
			fs.Add(fmt.Sprintf("photos[%d]", i), fmt.Sprintf("photo %d is named twice", id))
			continue
		}
		seen[id] = true
		var owner int64
		var visit sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT worker_id, visit_id FROM visit_photos WHERE id = $1`, id).Scan(&owner, &visit)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && owner != workerID):
			fs.Add(fmt.Sprintf("photos[%d]", i), fmt.Sprintf("photo %d not found among your uploads; upload it first", id))
		case err != nil:
			return fmt.Errorf("visit photo %d: %w", id, err)
		case visit.Valid:
			fs.Add(fmt.Sprintf("photos[%d]", i), fmt.Sprintf("photo %d is on visit %d already", id, visit.Int64))
		}
	}
	return fs.Err()
}

// linkVisitPhotos gives the uploaded photos a visit names to the visit,
// inside the visit's transaction; a photo another visit took meanwhile
// refuses the visit.
func linkVisitPhotos(ctx context.Context, tx *sql.Tx, workerID, visitID int64, refs []string) error {
	for i, ref := range refs {
		id, ok := uploadID(ref)
		if !ok {
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE visit_photos SET visit_id = $1 WHERE id = $2 AND worker_id = $3 AND visit_id IS NULL`, visitID, id, workerID)
		if err != nil {
			return fmt.Errorf("link visit photo %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &apperr.Error{Code: apperr.Conflict, Message: "a photo of the visit was taken by another visit",
				Fields: []apperr.FieldError{{Field: fmt.Sprintf("photos[%d]", i), Reason: fmt.Sprintf("photo %d went on another visit meanwhile", id)}}}
		}
	}
	return nil
}
