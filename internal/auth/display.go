package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/region"
)

// Displays (大屏终端) are wall screens that stay signed in for weeks. An
// admin, center or leader turns the browser they are using into one: their
// console session on it ends and a display session takes its place. That
// session belongs to the creator's account but is narrowed to reading the
// dashboards of the display's region, never idles out within a working
// week (DisplayIdle, renewed by use) and ends at the latest DisplayMax
// after it began. Revoking the display, or the creator losing the right to
// see its region, ends it at the next request.

// DisplayRef names the display a principal's session belongs to.
type DisplayRef struct {
	ID         int64
	Name       string
	RegionCode string
	RegionName string
}

// displayPermissions are all a display session may use: the dashboards, and
// the region tree and workforce figures the panels are built from. The
// HTTP layer further admits display sessions only to the routes the big
// screen calls.
var displayPermissions = []Permission{PermDashboardRead, PermRegionsRead, PermWorkforceRead}

func displayCan(perm Permission) bool {
	for _, p := range displayPermissions {
		if p == perm {
			return true
		}
	}
	return false
}

// Display is a big-screen terminal as listed to those who manage them.
type Display struct {
	ID            int64
	Name          string
	RegionCode    string
	RegionName    string
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
	LastSeenAt    time.Time
	RevokedAt     *time.Time
	// RevokedByName is empty when the screen itself signed out.
	RevokedByName string
	// Active is whether the display still has a session, and EndsAt when
	// that session ends unless it is used before then.
	Active bool
	EndsAt *time.Time
}

// NewDisplay is the input for turning a screen into a display.
type NewDisplay struct {
	Name   string
	Region string
}

// DisplayResult is a new display and the session that replaced the caller's.
type DisplayResult struct {
	Token     string
	Principal Principal
	Display   Display
	// ExpiresAt is the session's absolute end, for the cookie.
	ExpiresAt time.Time
}

// CreateDisplay turns the caller's session into a display session: the
// caller's session is deleted and a display session for the region (inside
// the caller's scope) is opened in its place, in one transaction.
func (s *Service) CreateDisplay(ctx context.Context, p Principal, in NewDisplay) (DisplayResult, error) {
	if p.Display != nil {
		return DisplayResult{}, apperr.New(apperr.Forbidden, "this screen is already a display")
	}
	if !p.Can(PermDashboardRead) {
		return DisplayResult{}, apperr.New(apperr.Forbidden, "only administrators, centers and leaders may set up a display")
	}
	name, code := strings.TrimSpace(in.Name), strings.TrimSpace(in.Region)
	var fs apperr.Fields
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		fs.Add("name", "is required")
	case n > 50:
		fs.Add("name", "must be at most 50 characters")
	}
	if code == "" {
		fs.Add("region", "is required")
	}
	if err := fs.Err(); err != nil {
		return DisplayResult{}, err
	}
	now := s.clock()
	token := randomToken()
	sess := Session{TokenHash: HashToken(token), UserID: p.User.ID, CSRFToken: randomToken(), CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.cfg.DisplayMax)}
	var d Display
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := region.Lookup(ctx, tx, code)
		if apperr.Is(err, apperr.NotFound) || (err == nil && !p.User.Scope().Contains(r.Path)) {
			return apperr.Field("region", fmt.Sprintf("region %s is not in your area", code))
		}
		if err != nil {
			return err
		}
		// The caller's own session goes: two tries from one session make
		// one display, and the console is no longer open on this screen.
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1 AND display_id IS NULL`, p.TokenHash)
		if err != nil {
			return fmt.Errorf("end console session: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Unauthorized, "session expired or logged out")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO displays (name, region_code, created_by, created_at, last_seen_at)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`, name, r.Code, p.User.ID, now).Scan(&d.ID); err != nil {
			return fmt.Errorf("create display: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, restricted, ip, created_at, last_seen_at, expires_at, display_id)
			VALUES ($1, $2, $3, FALSE, $4, $5, $5, $6, $7)`,
			sess.TokenHash, sess.UserID, sess.CSRFToken, p.IP, sess.CreatedAt, sess.ExpiresAt, d.ID); err != nil {
			return fmt.Errorf("create display session: %w", err)
		}
		d.Name, d.RegionCode, d.RegionName = name, r.Code, r.Name
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "display.create", TargetType: "display",
			TargetID: strconv.FormatInt(d.ID, 10), Detail: map[string]any{"name": name, "region": r.Code}})
		return err
	})
	if err != nil {
		return DisplayResult{}, err
	}
	d.CreatedBy, d.CreatedByName, d.CreatedAt, d.LastSeenAt, d.Active = p.User.ID, p.User.Username, now, now, true
	ends := s.displayEnds(sess.ExpiresAt, now)
	d.EndsAt = &ends
	dp, err := s.displayPrincipal(ctx, sess, d.ID, p.IP, now)
	if err != nil {
		return DisplayResult{}, err
	}
	return DisplayResult{Token: token, Principal: dp, Display: d, ExpiresAt: sess.ExpiresAt}, nil
}

// displayEnds is when a display session ends if it is not used again.
func (s *Service) displayEnds(expires, lastSeen time.Time) time.Time {
	if idle := lastSeen.Add(s.cfg.DisplayIdle); idle.Before(expires) {
		return idle
	}
	return expires
}

// authenticateDisplay resolves a display session (already loaded by its
// token hash h) to a principal narrowed to the display's region, ending it
// when it is past its time, revoked, or its creator may no longer see the
// region.
func (s *Service) authenticateDisplay(ctx context.Context, h string, sess Session, displayID int64, ip string) (Principal, error) {
	now := s.clock()
	p, usedOn, err := s.loadDisplayPrincipal(ctx, sess, displayID, ip, now)
	if err != nil {
		var ended *displayEnded
		if !errors.As(err, &ended) {
			return Principal{}, err
		}
		if _, err := s.exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, h); err != nil {
			return Principal{}, fmt.Errorf("end display session: %w", err)
		}
		return Principal{}, apperr.New(apperr.Unauthorized, "%s", ended.reason)
	}
	p.TokenHash = h
	// Renew by use, at most once a minute like every session.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if _, err := s.exec(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now, h); err != nil {
			return Principal{}, fmt.Errorf("touch display session: %w", err)
		}
		if _, err := s.exec(ctx, `UPDATE displays SET last_seen_at = $1 WHERE id = $2`, now, displayID); err != nil {
			return Principal{}, fmt.Errorf("touch display: %w", err)
		}
	}
	// The first use of each day is audited; the guard on the old day lets
	// only one of several concurrent requests write it.
	if day := s.now().Format(time.DateOnly); usedOn != day {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE displays SET used_on = $1 WHERE id = $2 AND used_on <> $1`, day, displayID)
			if err != nil {
				return fmt.Errorf("record display use: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil
			}
			_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "display.use", TargetType: "display",
				TargetID: strconv.FormatInt(displayID, 10), Detail: map[string]any{"day": day}})
			return err
		})
		if err != nil {
			return Principal{}, err
		}
	}
	return p, nil
}

// displayEnded is why a display session can no longer be used.
type displayEnded struct{ reason string }

func (e *displayEnded) Error() string { return e.reason }

// loadDisplayPrincipal checks a display session and builds its principal;
// it also returns the day whose first use was last audited.
func (s *Service) loadDisplayPrincipal(ctx context.Context, sess Session, displayID int64, ip string, now time.Time) (Principal, string, error) {
	var name, code, path, regionName, usedOn string
	var revoked sql.NullTime
	err := s.db.Read().QueryRowContext(ctx, `SELECT d.name, d.region_code, r.path, r.name, d.used_on, d.revoked_at
		FROM displays d JOIN regions r ON r.code = d.region_code WHERE d.id = $1`, displayID).
		Scan(&name, &code, &path, &regionName, &usedOn, &revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Principal{}, "", &displayEnded{"this display no longer exists"}
	case err != nil:
		return Principal{}, "", fmt.Errorf("load display: %w", err)
	case revoked.Valid:
		return Principal{}, "", &displayEnded{"this display was revoked; sign in again"}
	case now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.cfg.DisplayIdle:
		return Principal{}, "", &displayEnded{"display session expired; sign in again"}
	}
	u, err := s.userByID(ctx, sess.UserID)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return Principal{}, "", err
	}
	if err != nil || u.Disabled || !u.Role.Can(PermDashboardRead) || !u.Scope().Contains(path) {
		return Principal{}, "", &displayEnded{"the account that set up this display may no longer show its region; sign in again"}
	}
	// The creator's account, seen only through the display's region and
	// with nothing of its own to finish first (password, second factor).
	u.ScopeRegion, u.ScopeDepartment, u.ScopeRegionName, u.scopePath = code, "", regionName, path
	u.MustChangePassword = false
	return Principal{User: u, CSRFToken: sess.CSRFToken, IP: ip,
		Display: &DisplayRef{ID: displayID, Name: name, RegionCode: code, RegionName: regionName}}, usedOn, nil
}

func (s *Service) displayPrincipal(ctx context.Context, sess Session, displayID int64, ip string, now time.Time) (Principal, error) {
	p, _, err := s.loadDisplayPrincipal(ctx, sess, displayID, ip, now)
	if err != nil {
		return Principal{}, err
	}
	p.TokenHash = sess.TokenHash
	return p, nil
}

// Recheck confirms that a display principal's session may still be used,
// for connections that outlive a request (the dashboard stream); it renews
// the session like any request. Other principals pass unchecked.
func (s *Service) Recheck(ctx context.Context, p Principal) error {
	if p.Display == nil {
		return nil
	}
	var sess Session
	var displayID sql.NullInt64
	err := s.db.Read().QueryRowContext(ctx, `SELECT user_id, csrf_token, created_at, last_seen_at, expires_at, display_id
		FROM sessions WHERE token_hash = $1`, p.TokenHash).
		Scan(&sess.UserID, &sess.CSRFToken, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &displayID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && displayID.Int64 != p.Display.ID) {
		return apperr.New(apperr.Unauthorized, "display session ended")
	}
	if err != nil {
		return fmt.Errorf("load display session: %w", err)
	}
	_, err = s.authenticateDisplay(ctx, p.TokenHash, sess, displayID.Int64, p.IP)
	return err
}

// ListDisplays returns the displays whose region is inside the actor's
// scope, newest first (at most 500).
func (s *Service) ListDisplays(ctx context.Context, actor Principal) ([]Display, error) {
	if !actor.Can(PermDisplaysManage) {
		return nil, apperr.New(apperr.Forbidden, "you may not manage displays")
	}
	query := `SELECT d.id, d.name, d.region_code, r.name, d.created_by, cu.username, d.created_at, d.last_seen_at, d.revoked_at,
		COALESCE(ru.username, ''), s.expires_at, s.last_seen_at
		FROM displays d JOIN regions r ON r.code = d.region_code JOIN users cu ON cu.id = d.created_by
		LEFT JOIN users ru ON ru.id = d.revoked_by LEFT JOIN sessions s ON s.display_id = d.id`
	var args []any
	if scope := actor.User.Scope(); !scope.IsAll() {
		lo, hi := scope.Range()
		args = append(args, lo, hi)
		query += ` WHERE r.path >= $1 AND r.path < $2`
	}
	query += ` ORDER BY d.id DESC LIMIT 500`
	rows, err := s.db.Read().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list displays: %w", err)
	}
	defer rows.Close()
	out := []Display{}
	for rows.Next() {
		var d Display
		var revoked, expires, seen sql.NullTime
		if err := rows.Scan(&d.ID, &d.Name, &d.RegionCode, &d.RegionName, &d.CreatedBy, &d.CreatedByName, &d.CreatedAt, &d.LastSeenAt,
			&revoked, &d.RevokedByName, &expires, &seen); err != nil {
			return nil, fmt.Errorf("list displays: %w", err)
		}
		d.CreatedAt, d.LastSeenAt = d.CreatedAt.UTC(), d.LastSeenAt.UTC()
		if revoked.Valid {
			t := revoked.Time.UTC()
			d.RevokedAt = &t
		}
		if expires.Valid && seen.Valid && !revoked.Valid {
			ends := s.displayEnds(expires.Time.UTC(), seen.Time.UTC())
			if d.Active = ends.After(s.clock()); d.Active {
				d.EndsAt = &ends
			}
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RevokeDisplay ends a display inside the actor's scope and its session at
// once. Revoking a display already revoked changes nothing.
func (s *Service) RevokeDisplay(ctx context.Context, actor Principal, id int64) error {
	if !actor.Can(PermDisplaysManage) {
		return apperr.New(apperr.Forbidden, "you may not manage displays")
	}
	var path string
	err := s.db.Read().QueryRowContext(ctx, `SELECT r.path FROM displays d JOIN regions r ON r.code = d.region_code WHERE d.id = $1`, id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !actor.User.Scope().Contains(path)) {
		return apperr.New(apperr.NotFound, "display %d not found", id)
	}
	if err != nil {
		return fmt.Errorf("revoke display: %w", err)
	}
	return s.endDisplay(ctx, actor, id, actor.User.ID)
}

// endDisplay marks the display revoked (by revokedBy, 0 for the screen
// itself) and deletes its session, auditing only the first revocation.
func (s *Service) endDisplay(ctx context.Context, actor Principal, id, revokedBy int64) error {
	now := s.clock()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE displays SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL`,
			now, nilIfZero(revokedBy), id)
		if err != nil {
			return fmt.Errorf("revoke display: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE display_id = $1`, id); err != nil {
			return fmt.Errorf("end display session: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: actor.Actor(), Action: "display.revoke", TargetType: "display",
			TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"by_screen": revokedBy == 0}})
		return err
	})
}

func nilIfZero(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
