package workforce

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
)

// Enrolment is a one-time code a supervisor gives a worker to bind a
// device. The code is shown once; only its keyed hash is stored.
type Enrolment struct {
	Code      string    `json:"code"`
	WorkerID  int64     `json:"worker_id"`
	Purpose   string    `json:"purpose"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Enrolment purposes: a first binding, or a binding after an approved
// re-binding request.
const (
	purposeBind   = "bind"
	purposeRebind = "rebind"
)

// codeAlphabet has no 0/O or 1/I, which are misread when a code is
// read out over the phone; 10 characters give 50 bits.
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

const codeLen = 10

func newCode() string {
	b := make([]byte, codeLen)
	if _, err := rand.Read(b); err != nil {
		panic("workforce: no randomness: " + err.Error())
	}
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)] // 256 is a multiple of 32: no bias
	}
	return string(b[:5]) + "-" + string(b[5:])
}

// normalCode accepts a code as typed: any case, with spaces or dashes.
func normalCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// codeHash is how a code is stored and found: an HMAC under the keyring's
// index key, so a copy of the table does not let anyone try codes offline.
func (s *Service) codeHash(code string) string {
	return s.cfg.Keys.Index("workforce.enrolment_code", normalCode(code))
}

// IssueEnrolment gives a one-time code for binding a worker's first device.
// Only a worker who has never bound a device gets one this way: once a
// phone has been bound, every later phone needs a re-binding request
// approved by a supervisor other than its requester, whether the earlier
// phone is still bound or its binding ended (by an approved request, or by
// deactivating the worker). Otherwise one supervisor could deactivate and
// reactivate a worker and bind their identity to a phone of their choosing.
// Issuing a code withdraws any earlier unused one.
func (s *Service) IssueEnrolment(ctx context.Context, p auth.Principal, workerID int64) (Enrolment, error) {
	if err := requireManage(p); err != nil {
		return Enrolment{}, err
	}
	now := audit.Canonical(s.now())
	var out Enrolment
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := loadWorker(ctx, tx, workerID)
		if err == nil && !p.User.Scope().Contains(w.regionPath) {
			err = apperr.New(apperr.NotFound, "worker not found")
		}
		if err != nil {
			return err
		}
		if !w.Active {
			return apperr.New(apperr.Conflict, "worker %d is not active", workerID)
		}
		device, active, err := lastDevice(ctx, tx, workerID)
		switch {
		case err != nil:
			return fmt.Errorf("enrol worker %d: %w", workerID, err)
		case active:
			return apperr.New(apperr.Conflict, "worker %d already has a bound device (%s); binding a new one needs a re-binding request approved by a supervisor", workerID, device)
		case device != "":
			return apperr.New(apperr.Conflict, "worker %d had device %s bound before; binding a new one needs a re-binding request approved by a supervisor", workerID, device)
		}
		out, err = s.issueCode(ctx, tx, p.Actor(), workerID, purposeBind, 0, now)
		return err
	})
	return out, err
}

// lastDevice is the worker's bound device if any (active), else the device
// bound last, else "": whether the worker ever bound one.
func lastDevice(ctx context.Context, q db.Querier, workerID int64) (device string, active bool, err error) {
	var status string
	err = q.QueryRowContext(ctx, `SELECT device_id, status FROM worker_devices WHERE worker_id = $1
		ORDER BY CASE WHEN status = 'active' THEN 0 ELSE 1 END, bound_at DESC, id DESC LIMIT 1`, workerID).Scan(&device, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return device, status == "active", err
}

// issueCode withdraws a worker's unused codes and stores a new one.
func (s *Service) issueCode(ctx context.Context, tx *sql.Tx, actor audit.Actor, workerID int64, purpose string, requestID int64, now time.Time) (Enrolment, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE enrolment_codes SET withdrawn_at = $1 WHERE worker_id = $2 AND used_at IS NULL AND withdrawn_at IS NULL`,
		now, workerID); err != nil {
		return Enrolment{}, fmt.Errorf("withdraw codes of worker %d: %w", workerID, err)
	}
	e := Enrolment{Code: newCode(), WorkerID: workerID, Purpose: purpose, ExpiresAt: now.Add(s.cfg.EnrolmentTTL)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enrolment_codes (worker_id, code_hash, purpose, rebind_request_id, issued_by, issued_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, workerID, s.codeHash(e.Code), purpose, nullIfZero(requestID), actor.ID, now, e.ExpiresAt); err != nil {
		return Enrolment{}, fmt.Errorf("store enrolment code: %w", err)
	}
	_, err := audit.Append(ctx, tx, now, audit.Record{Actor: actor, Action: "device.enrolment_issue", TargetType: "worker",
		TargetID: strconv.FormatInt(workerID, 10), Detail: map[string]any{"purpose": purpose, "expires_at": e.ExpiresAt}})
	return e, err
}

// BindInput is what a device sends to bind itself with an enrolment code.
type BindInput struct {
	Code     string `json:"code"`
	DeviceID string `json:"device_id"`
	// PublicKey is the device's Ed25519 public key, base64 (32 bytes).
	PublicKey string `json:"public_key"`
}

// Bound is the answer to a binding: the worker the device now belongs to.
type Bound struct {
	WorkerID int64            `json:"worker_id"`
	Name     string           `json:"name"`
	Grids    []GridAssignment `json:"grids"`
	Device   DeviceView       `json:"device"`
}

// Bind binds a device to the worker an enrolment code was issued for. The
// request must be signed with the key being bound (in the same header as
// later requests), which proves the device holds the private key.
func (s *Service) Bind(ctx context.Context, req SignedRequest, in BindInput) (Bound, error) {
	var fs apperr.Fields
	if strings.TrimSpace(in.Code) == "" {
		fs.Add("code", "is required: the enrolment code from your supervisor")
	}
	if err := checkToken(in.DeviceID, 8, 128); err != nil {
		fs.Add("device_id", err.Error())
	}
	key, err := decodeBase64(in.PublicKey)
	if err != nil || len(key) != ed25519.PublicKeySize {
		fs.Add("public_key", "must be a base64 Ed25519 public key (32 bytes)")
	}
	if err := fs.Err(); err != nil {
		return Bound{}, err
	}
	sg, err := s.checkForm(req)
	if err != nil {
		return Bound{}, err
	}
	if sg.Device != in.DeviceID {
		return Bound{}, apperr.Field("device_id", "must be the device named in the "+SignatureHeader+" header")
	}
	if err := checkSig(req, sg, ed25519.PublicKey(key)); err != nil {
		return Bound{}, err
	}
	now := audit.Canonical(s.now())
	var workerID int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var codeID int64
		var purpose string
		var expires time.Time
		var used, withdrawn sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT id, worker_id, purpose, expires_at, used_at, withdrawn_at FROM enrolment_codes WHERE code_hash = $1`,
			s.codeHash(in.Code)).Scan(&codeID, &workerID, &purpose, &expires, &used, &withdrawn)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && (used.Valid || withdrawn.Valid)):
			return apperr.Field("code", "is not a valid enrolment code (unknown, already used or withdrawn)")
		case err != nil:
			return fmt.Errorf("bind device: %w", err)
		case !now.Before(expires):
			return apperr.Field("code", fmt.Sprintf("expired at %s; ask your supervisor for a new one", expires.In(s.location()).Format("2006-01-02 15:04")))
		}
		w, err := loadWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		if !w.Active {
			return apperr.Field("code", "was issued for a worker who is no longer active")
		}
		var other int64
		err = tx.QueryRowContext(ctx, `SELECT worker_id FROM worker_devices WHERE device_id = $1 AND status = 'active'`, in.DeviceID).Scan(&other)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("bind device: %w", err)
		case other != workerID:
			return &apperr.Error{Code: apperr.Conflict, Message: "a device is bound to one worker",
				Fields: []apperr.FieldError{{Field: "device_id", Reason: fmt.Sprintf("device %s is bound to another worker; that worker's supervisor must unbind it first", in.DeviceID)}}}
		default:
			return apperr.New(apperr.Conflict, "device %s is already bound to this worker", in.DeviceID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO worker_devices (worker_id, device_id, public_key, bound_at) VALUES ($1, $2, $3, $4)`,
			workerID, in.DeviceID, key, now); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "worker %d already has a bound device; binding a new one needs an approved re-binding request", workerID)
			}
			return fmt.Errorf("bind device: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE enrolment_codes SET used_at = $1 WHERE id = $2`, now, codeID); err != nil {
			return fmt.Errorf("bind device: %w", err)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: deviceActor(w.UserID, in.DeviceID), Action: "device.bind", TargetType: "worker",
			TargetID: strconv.FormatInt(workerID, 10), Detail: map[string]any{"device_id": in.DeviceID, "purpose": purpose}})
		return err
	})
	if err != nil {
		return Bound{}, err
	}
	w, err := s.getWorker(ctx, s.db.Write(), workerID)
	if err != nil {
		return Bound{}, err
	}
	return Bound{WorkerID: w.ID, Name: w.Name, Grids: w.Grids, Device: DeviceView{DeviceID: in.DeviceID, BoundAt: now}}, nil
}

// deviceActor is how a device appears in the audit log: as the worker's
// account when there is one.
func deviceActor(userID *int64, device string) audit.Actor {
	a := audit.Actor{Name: "device:" + device}
	if userID != nil {
		a.ID = *userID
	}
	return a
}

// unbind revokes a worker's active device and withdraws unused codes.
func (s *Service) unbind(ctx context.Context, tx *sql.Tx, actor audit.Actor, workerID int64, reason string, now time.Time) error {
	var device string
	err := tx.QueryRowContext(ctx, `UPDATE worker_devices SET status = 'revoked', revoked_at = $1, revoked_reason = $2
		WHERE worker_id = $3 AND status = 'active' RETURNING device_id`, now, reason, workerID).Scan(&device)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("unbind device of worker %d: %w", workerID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE enrolment_codes SET withdrawn_at = $1 WHERE worker_id = $2 AND used_at IS NULL AND withdrawn_at IS NULL`,
		now, workerID); err != nil {
		return fmt.Errorf("withdraw codes of worker %d: %w", workerID, err)
	}
	if device == "" {
		return nil
	}
	_, err = audit.Append(ctx, tx, now, audit.Record{Actor: actor, Action: "device.unbind", TargetType: "worker",
		TargetID: strconv.FormatInt(workerID, 10), Detail: map[string]any{"device_id": device, "reason": reason}})
	return err
}

// RebindRequest asks to move a worker to a new device (lost, broken or
// replaced phone). A supervisor other than the requester decides it.
type RebindRequest struct {
	ID           int64      `json:"id"`
	WorkerID     int64      `json:"worker_id"`
	WorkerName   string     `json:"worker_name"`
	Reason       string     `json:"reason"`
	Status       string     `json:"status"`
	RequestedBy  int64      `json:"requested_by"`
	RequestedAt  time.Time  `json:"requested_at"`
	DecidedBy    *int64     `json:"decided_by,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	DecisionNote string     `json:"decision_note,omitempty"`
	regionPath   string
}

// RequestRebind files a re-binding request. The worker may file it for
// themself (from their account), a supervisor on the worker's behalf. It
// serves a worker who has a device bound and one whose device was unbound
// (by deactivation, say): both need the request to bind another.
func (s *Service) RequestRebind(ctx context.Context, p auth.Principal, workerID int64, reason string) (RebindRequest, error) {
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n < 2:
		return RebindRequest{}, apperr.Field("reason", "say why the device changes, e.g. 手机丢失")
	case n > 200:
		return RebindRequest{}, apperr.Field("reason", "must be at most 200 characters")
	}
	now := audit.Canonical(s.now())
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := loadWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		own := w.UserID != nil && *w.UserID == p.User.ID && p.User.ID != 0
		if !own && !(p.Can(auth.PermWorkforceManage) && p.User.Scope().Contains(w.regionPath)) {
			return apperr.New(apperr.NotFound, "worker not found")
		}
		if !w.Active {
			return apperr.New(apperr.Conflict, "worker %d is not active", workerID)
		}
		device, _, err := lastDevice(ctx, tx, workerID)
		if err != nil {
			return fmt.Errorf("rebind request: %w", err)
		}
		if device == "" {
			return apperr.New(apperr.Conflict, "worker %d has never bound a device; a supervisor issues an enrolment code instead", workerID)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO rebind_requests (worker_id, region_path, reason, requested_by, requested_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, workerID, w.regionPath, reason, p.User.ID, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "a re-binding request for worker %d is already waiting for a decision", workerID)
		}
		if err != nil {
			return fmt.Errorf("rebind request: %w", err)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "device.rebind_request", TargetType: "worker",
			TargetID: strconv.FormatInt(workerID, 10), Detail: map[string]any{"request": id, "device_id": device}})
		return err
	})
	if err != nil {
		return RebindRequest{}, err
	}
	return loadRebind(ctx, s.db.Write(), id)
}

const rebindColumns = `q.id, q.worker_id, w.name, q.reason, q.status, q.requested_by, q.requested_at, q.decided_by, q.decided_at,
	q.decision_note, q.region_path`

func scanRebind(row interface{ Scan(...any) error }) (RebindRequest, error) {
	var r RebindRequest
	var by sql.NullInt64
	var at sql.NullTime
	err := row.Scan(&r.ID, &r.WorkerID, &r.WorkerName, &r.Reason, &r.Status, &r.RequestedBy, &r.RequestedAt, &by, &at,
		&r.DecisionNote, &r.regionPath)
	r.RequestedAt = r.RequestedAt.UTC()
	if by.Valid {
		r.DecidedBy = &by.Int64
	}
	if at.Valid {
		t := at.Time.UTC()
		r.DecidedAt = &t
	}
	return r, err
}

func loadRebind(ctx context.Context, q db.Querier, id int64) (RebindRequest, error) {
	r, err := scanRebind(q.QueryRowContext(ctx, `SELECT `+rebindColumns+` FROM rebind_requests q JOIN workers w ON w.id = q.worker_id
		WHERE q.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return RebindRequest{}, apperr.New(apperr.NotFound, "re-binding request not found")
	}
	if err != nil {
		return RebindRequest{}, fmt.Errorf("load re-binding request %d: %w", id, err)
	}
	return r, nil
}

// RebindQuery filters ListRebinds.
type RebindQuery struct {
	Status string
	Region string
	After  int64
	Limit  int
}

// ListRebinds lists re-binding requests in the caller's scope by id.
func (s *Service) ListRebinds(ctx context.Context, p auth.Principal, q RebindQuery) ([]RebindRequest, error) {
	if err := requireManage(p); err != nil {
		return nil, err
	}
	switch q.Status {
	case "", "pending", "approved", "rejected":
	default:
		return nil, apperr.Field("status", "must be pending, approved or rejected")
	}
	r, err := s.regionFor(ctx, p, q.Region)
	if err != nil {
		return nil, err
	}
	var fs apperr.Fields
	if q.Limit = pageLimit(&fs, q.Limit); fs.Err() != nil {
		return nil, fs.Err()
	}
	lo, hi := scopeOf(r.Path)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+rebindColumns+` FROM rebind_requests q JOIN workers w ON w.id = q.worker_id
		WHERE q.region_path >= $1 AND q.region_path < $2 AND q.id > $3 AND ($4 = '' OR q.status = $4) ORDER BY q.id LIMIT $5`,
		lo, hi, q.After, q.Status, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("list re-binding requests: %w", err)
	}
	defer rows.Close()
	out := []RebindRequest{}
	for rows.Next() {
		r, err := scanRebind(rows)
		if err != nil {
			return nil, fmt.Errorf("list re-binding requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RebindDecision is a decided request and, when approved, the enrolment
// code for the new device (shown once).
type RebindDecision struct {
	Request   RebindRequest `json:"request"`
	Enrolment *Enrolment    `json:"enrolment,omitempty"`
}

// DecideRebind approves or rejects a pending request. Approval unbinds the
// old device at once (a lost phone stops working) and issues an enrolment
// code for the new one. The requester cannot decide their own request.
func (s *Service) DecideRebind(ctx context.Context, p auth.Principal, id int64, approve bool, note string) (RebindDecision, error) {
	if err := requireManage(p); err != nil {
		return RebindDecision{}, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 200 {
		return RebindDecision{}, apperr.Field("note", "must be at most 200 characters")
	}
	now := audit.Canonical(s.now())
	var out RebindDecision
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		r, err := loadRebind(ctx, tx, id)
		if err == nil && !p.User.Scope().Contains(r.regionPath) {
			err = apperr.New(apperr.NotFound, "re-binding request not found")
		}
		if err != nil {
			return err
		}
		if r.Status != "pending" {
			return apperr.New(apperr.Conflict, "the request was already %s", r.Status)
		}
		if r.RequestedBy == p.User.ID {
			return apperr.New(apperr.Forbidden, "you filed this request; another supervisor must decide it")
		}
		status, action := "rejected", "device.rebind_reject"
		if approve {
			status, action = "approved", "device.rebind_approve"
		}
		res, err := tx.ExecContext(ctx, `UPDATE rebind_requests SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4
			WHERE id = $5 AND status = 'pending'`, status, p.User.ID, now, note, id)
		if err != nil {
			return fmt.Errorf("decide re-binding request %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "the request was decided by someone else at the same time")
		}
		if _, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: action, TargetType: "worker",
			TargetID: strconv.FormatInt(r.WorkerID, 10), Detail: map[string]any{"request": id, "note": note}}); err != nil {
			return err
		}
		if approve {
			if err := s.unbind(ctx, tx, p.Actor(), r.WorkerID, fmt.Sprintf("re-binding request %d approved", id), now); err != nil {
				return err
			}
			e, err := s.issueCode(ctx, tx, p.Actor(), r.WorkerID, purposeRebind, id, now)
			if err != nil {
				return err
			}
			out.Enrolment = &e
		}
		out.Request, err = loadRebind(ctx, tx, id)
		return err
	})
	if err == nil && approve {
		s.devices.forgetWorker(out.Request.WorkerID)
	}
	return out, err
}
