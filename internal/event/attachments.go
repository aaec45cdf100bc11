package event

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/attach"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
)

// Photos and files on events. internal/attach checks and keeps the bytes;
// this file decides who may add a file and who sees which variant. A
// photo's original carries where it was taken, often a resident's home, so
// only the staff handling the event (center, department, grid worker) see
// originals and locations; the reporter and anyone merely looking on
// (leaders, centers below the holding one) get the public variant.

// MaxAttachments bounds the files on one event: enough for a before/after
// series at every step, too few to turn an event into file storage.
const MaxAttachments = 30

// Variant names one of an attachment's blobs.
type Variant string

const (
	// VariantOriginal is the file as uploaded; staff only.
	VariantOriginal Variant = "original"
	// VariantPublic is the file without metadata (for documents, the
	// original itself).
	VariantPublic Variant = "public"
	// VariantThumb is a small JPEG of a photo.
	VariantThumb Variant = "thumb"
)

// AttachmentView is a file on an event as the caller may see it. Key and
// GPS are set for staff only; Size is the size of the variant the view
// leads to, and is left out where that is not known.
type AttachmentView struct {
	ID          int64            `json:"id"`
	EventID     int64            `json:"event_id"`
	ActionID    *int64           `json:"action_id,omitempty"`
	Name        string           `json:"name"`
	ContentType string           `json:"content_type"`
	Size        int64            `json:"size,omitempty"`
	Width       int              `json:"width,omitempty"`
	Height      int              `json:"height,omitempty"`
	Key         string           `json:"key,omitempty"`
	PublicKey   string           `json:"public_key"`
	ThumbKey    string           `json:"thumb_key,omitempty"`
	GPS         *attach.Location `json:"gps,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
}

// BlobRef says what to serve for a blob the caller may read.
type BlobRef struct {
	Key         string
	Variant     Variant
	ContentType string
	// Name is the file name to offer for saving.
	Name string
	// Image is true for photos and thumbnails, which may be shown inline.
	Image bool
}

// staff reports whether the parties handle the event rather than look on.
func staff(parties []Party) bool {
	return slices.Contains(parties, Center) || slices.Contains(parties, Dept) || slices.Contains(parties, Worker)
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// attachable checks that p may add a file to e now: a party who may
// comment (an attachment is a comment with a file), in a state that takes
// comments, on an event below the limit. It returns p's parties.
func (s *Service) attachable(ctx context.Context, q rowQuerier, p auth.Principal, e *Event) ([]Party, error) {
	parties := s.partiesTx(ctx, q, p, e)
	if len(parties) == 0 {
		return nil, apperr.New(apperr.NotFound, "event not found")
	}
	if _, err := next(Comment, e.State, parties); errors.Is(err, errNotYours) {
		return nil, apperr.New(apperr.Forbidden, "only those handling the event and its reporter may add files to it")
	} else if err != nil {
		return nil, apperr.New(apperr.Conflict, "files cannot be added while the event is %s", e.State)
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_attachments WHERE event_id = $1`, e.ID).Scan(&n); err != nil {
		return nil, fmt.Errorf("count attachments of event %s: %w", e.Code, err)
	}
	if n >= MaxAttachments {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("event %s holds %d files, the most it may", e.Code, MaxAttachments),
			Fields: []apperr.FieldError{{Field: "file", Reason: fmt.Sprintf("the event has %d files already, the most it may hold", n)}}}
	}
	return parties, nil
}

// MayAttach checks, before an upload is read and stored, that p could add a
// file to the event; Attach checks again when it stores the row.
func (s *Service) MayAttach(ctx context.Context, p auth.Principal, eventID int64) error {
	e, err := loadEvent(ctx, s.db.Read(), eventID)
	if err != nil {
		return err
	}
	_, err = s.attachable(ctx, s.db.Read(), p, &e)
	return err
}

// Attach puts an accepted file on an event, and on one of its actions when
// actionID is set (an action the caller took). The blobs are in the store
// already; a refusal here leaves them unreferenced for the store's sweep.
func (s *Service) Attach(ctx context.Context, p auth.Principal, eventID int64, actionID *int64, a attach.Attachment) (AttachmentView, error) {
	if !attach.ValidKey(a.Key) || !attach.ValidKey(a.PublicKey) || (a.ThumbKey != "" && !attach.ValidKey(a.ThumbKey)) || a.ContentType == "" {
		return AttachmentView{}, fmt.Errorf("attach to event %d: the attachment was not accepted by the attach service", eventID)
	}
	now := audit.Canonical(s.now())
	var v AttachmentView
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		// A no-op update takes the event's row lock on PostgreSQL, so that
		// two uploads to one event cannot both pass the count below; the
		// version stays, so concurrent actions are not disturbed. (SQLite
		// has one writer already.)
		if _, err := tx.ExecContext(ctx, `UPDATE events SET version = version WHERE id = $1`, eventID); err != nil {
			return fmt.Errorf("attach to event %d: %w", eventID, err)
		}
		e, err := loadEvent(ctx, tx, eventID)
		if err != nil {
			return err
		}
		parties, err := s.attachable(ctx, tx, p, &e)
		if err != nil {
			return err
		}
		if actionID != nil {
			var actor sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT actor_id FROM event_actions WHERE id = $1 AND event_id = $2`, *actionID, eventID).Scan(&actor)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return apperr.Field("action_id", fmt.Sprintf("is not an action on event %s", e.Code))
			case err != nil:
				return fmt.Errorf("attach to event %s: %w", e.Code, err)
			case !actor.Valid || p.User.ID == 0 || actor.Int64 != p.User.ID:
				return apperr.Field("action_id", "files go only on actions you took yourself")
			}
		}
		r := attachmentRow{eventID: e.ID, key: a.Key, publicKey: a.PublicKey, thumbKey: a.ThumbKey, contentType: a.ContentType,
			name: a.Name, size: a.Size, width: a.Width, height: a.Height, createdAt: now}
		if actionID != nil {
			r.actionID = sql.NullInt64{Int64: *actionID, Valid: true}
		}
		var lng, lat, by any
		if a.GPS != nil {
			lng, lat = a.GPS.Lng, a.GPS.Lat
			r.lng, r.lat = sql.NullFloat64{Float64: a.GPS.Lng, Valid: true}, sql.NullFloat64{Float64: a.GPS.Lat, Valid: true}
		}
		if p.User.ID != 0 {
			by = p.User.ID
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO event_attachments (event_id, action_id, blob_key, public_key, thumb_key, content_type,
			name, size, width, height, lng, lat, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id`,
			e.ID, r.actionID, a.Key, a.PublicKey, a.ThumbKey, a.ContentType, a.Name, a.Size, a.Width, a.Height, lng, lat, by, now).Scan(&r.id)
		if err != nil {
			return fmt.Errorf("attach to event %s: %w", e.Code, err)
		}
		v = r.view(staff(parties))
		return nil
	})
	if err != nil {
		return AttachmentView{}, err
	}
	return v, nil
}

// Attachments lists the files on an event the caller may see, oldest first.
func (s *Service) Attachments(ctx context.Context, p auth.Principal, eventID int64) ([]AttachmentView, error) {
	e, err := loadEvent(ctx, s.db.Read(), eventID)
	if err != nil {
		return nil, err
	}
	parties := s.parties(ctx, p, &e)
	if len(parties) == 0 {
		return nil, apperr.New(apperr.NotFound, "event not found")
	}
	isStaff := staff(parties)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, event_id, action_id, blob_key, public_key, thumb_key, content_type, name, size,
		width, height, lng, lat, created_at FROM event_attachments WHERE event_id = $1 ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("attachments of event %s: %w", e.Code, err)
	}
	defer rows.Close()
	out := []AttachmentView{}
	for rows.Next() {
		var r attachmentRow
		if err := rows.Scan(&r.id, &r.eventID, &r.actionID, &r.key, &r.publicKey, &r.thumbKey, &r.contentType, &r.name, &r.size,
			&r.width, &r.height, &r.lng, &r.lat, &r.createdAt); err != nil {
			return nil, fmt.Errorf("attachments of event %s: %w", e.Code, err)
		}
		out = append(out, r.view(isStaff))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attachments of event %s: %w", e.Code, err)
	}
	return out, nil
}

// blobCandidates bounds how many attachments holding one blob Blob looks
// at: the same bytes on many events the caller can see is rare, and the
// SQL filter below already drops the events the caller cannot.
const blobCandidates = 20

// Blob checks that p may read the blob key as the given variant (empty:
// public) and says how to serve it. The blob must belong to an event p can
// see; an original only to one p handles as staff. Keys that p may not
// read are not found, so that their existence is not revealed, except an
// original on an event p sees but does not handle, which is forbidden.
func (s *Service) Blob(ctx context.Context, p auth.Principal, key string, variant Variant) (BlobRef, error) {
	var column string
	switch variant {
	case "", VariantPublic:
		variant, column = VariantPublic, "public_key"
	case VariantOriginal:
		column = "blob_key"
	case VariantThumb:
		column = "thumb_key"
	default:
		return BlobRef{}, apperr.Field("variant", "must be original, public or thumb")
	}
	if !attach.ValidKey(key) {
		return BlobRef{}, apperr.Field("key", "is not an attachment key")
	}
	// A first cut in SQL by the caller's role; partiesTx decides below.
	args := []any{key, p.User.ID}
	visible := "e.reporter_id = $2"
	switch p.User.Role {
	case auth.RoleDepartment:
		args = append(args, p.User.ScopeDepartment)
		visible += " OR EXISTS (SELECT 1 FROM event_departments d WHERE d.event_id = e.id AND d.department = $3)"
	case auth.RoleResident:
	default:
		if sc := p.User.Scope(); sc.IsAll() {
			visible = "1 = 1"
		} else if sc.Path() != "" {
			lo, hi := sc.Range()
			args = append(args, lo, hi)
			visible += " OR (e.region_path >= $3 AND e.region_path < $4)"
		}
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT a.event_id, a.content_type, a.name FROM event_attachments a JOIN events e ON e.id = a.event_id
		WHERE a.`+column+` = $1 AND (`+visible+`) ORDER BY a.id LIMIT `+fmt.Sprint(blobCandidates), args...)
	if err != nil {
		return BlobRef{}, fmt.Errorf("find blob: %w", err)
	}
	type candidate struct {
		eventID     int64
		contentType string
		name        string
	}
	var cands []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.eventID, &c.contentType, &c.name); err != nil {
			rows.Close()
			return BlobRef{}, fmt.Errorf("find blob: %w", err)
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return BlobRef{}, fmt.Errorf("find blob: %w", err)
	}
	lookedOn := false
	for _, c := range cands {
		e, err := loadEvent(ctx, s.db.Read(), c.eventID)
		if err != nil {
			return BlobRef{}, err
		}
		parties := s.parties(ctx, p, &e)
		if len(parties) == 0 {
			continue
		}
		if variant == VariantOriginal && !staff(parties) {
			lookedOn = true
			continue
		}
		ref := BlobRef{Key: key, Variant: variant, ContentType: c.contentType, Name: c.name, Image: strings.HasPrefix(c.contentType, "image/")}
		if variant == VariantThumb {
			// Thumbnails are always JPEG (attach.Attachment.ThumbKey).
			ref.ContentType, ref.Image = "image/jpeg", true
			ref.Name = strings.TrimSuffix(c.name, path.Ext(c.name)) + "-thumb.jpg"
		}
		return ref, nil
	}
	if lookedOn {
		return BlobRef{}, apperr.New(apperr.Forbidden, "originals are for the staff handling the event; ask for variant=public")
	}
	return BlobRef{}, apperr.New(apperr.NotFound, "file not found")
}

// attachmentRow is one row of event_attachments.
type attachmentRow struct {
	id, eventID int64
	actionID    sql.NullInt64
	key         string
	publicKey   string
	thumbKey    string
	contentType string
	name        string
	size        int64
	// width and height are as the image is meant to be viewed.
	width, height int
	lng, lat      sql.NullFloat64
	createdAt     time.Time
}

func (r attachmentRow) view(isStaff bool) AttachmentView {
	v := AttachmentView{ID: r.id, EventID: r.eventID, Name: r.name, ContentType: r.contentType, Width: r.width, Height: r.height,
		PublicKey: r.publicKey, ThumbKey: r.thumbKey, CreatedAt: r.createdAt.UTC()}
	if r.actionID.Valid {
		id := r.actionID.Int64
		v.ActionID = &id
	}
	switch {
	case isStaff:
		v.Key, v.Size = r.key, r.size
		if r.lng.Valid && r.lat.Valid {
			v.GPS = &attach.Location{Lng: r.lng.Float64, Lat: r.lat.Float64}
		}
	case r.publicKey == r.key:
		// The table keeps the original's size only; it is the public
		// variant's too when nothing was stripped.
		v.Size = r.size
	}
	return v
}
