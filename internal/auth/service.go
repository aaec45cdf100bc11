package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
)

// Config tunes the service; zero fields take the defaults.
type Config struct {
	HashParams HashParams
	// SessionIdle ends a session that has not been used for this long.
	SessionIdle time.Duration
	// SessionMax ends every session this long after login.
	SessionMax time.Duration
	// ResidentIdle and ResidentMax are the same for residents, who sign in
	// on their own phones with a one-time code: asking for a new code every
	// half hour would drive them away, and their sessions reach only their
	// own reports.
	ResidentIdle time.Duration
	ResidentMax  time.Duration
	// DisplayIdle and DisplayMax are the same for display sessions (wall
	// screens, see display.go): unused for DisplayIdle they end, and each
	// ends DisplayMax after the display was set up.
	DisplayIdle time.Duration
	DisplayMax  time.Duration
	// TOTPRequired lists the roles that must use a second factor; a user of
	// such a role without TOTP gets a session that can only enrol.
	TOTPRequired []Role
	// Issuer names the deployment in authenticator apps.
	Issuer string
	// AccountLimit failures per account and IPLimit per address within
	// ThrottleWindow lock the key for ThrottleLockout.
	AccountLimit    int
	IPLimit         int
	ThrottleWindow  time.Duration
	ThrottleLockout time.Duration
}

func (c *Config) defaults() {
	if c.HashParams == (HashParams{}) {
		c.HashParams = DefaultHashParams
	}
	if c.SessionIdle == 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.SessionMax == 0 {
		c.SessionMax = 12 * time.Hour
	}
	if c.ResidentIdle == 0 {
		c.ResidentIdle = 30 * 24 * time.Hour
	}
	if c.ResidentMax == 0 {
		c.ResidentMax = 90 * 24 * time.Hour
	}
	if c.DisplayIdle == 0 {
		c.DisplayIdle = 30 * 24 * time.Hour
	}
	if c.DisplayMax == 0 {
		c.DisplayMax = 180 * 24 * time.Hour
	}
	if c.Issuer == "" {
		c.Issuer = "gridgov"
	}
	if c.AccountLimit == 0 {
		c.AccountLimit = 5
	}
	if c.IPLimit == 0 {
		c.IPLimit = 30
	}
	if c.ThrottleWindow == 0 {
		c.ThrottleWindow = 15 * time.Minute
	}
	if c.ThrottleLockout == 0 {
		c.ThrottleLockout = 15 * time.Minute
	}
}

// Service authenticates callers and manages accounts.
type Service struct {
	db       *db.DB
	keys     *secret.Keyring
	cfg      Config
	now      func() time.Time
	accounts *Throttle
	ips      *Throttle
	// hashing bounds concurrent argon2 runs, each of which takes HashParams.Memory.
	hashing   chan struct{}
	dummyHash string
	sessions  *sessionCache
}

// NewService returns a Service; now is the clock.
func NewService(d *db.DB, keys *secret.Keyring, cfg Config, now func() time.Time) (*Service, error) {
	cfg.defaults()
	for _, r := range cfg.TOTPRequired {
		if _, err := ParseRole(string(r)); err != nil {
			return nil, fmt.Errorf("totp required roles: %w", err)
		}
	}
	dummy, err := HashPassword("not a real password", cfg.HashParams)
	if err != nil {
		return nil, err
	}
	return &Service{
		db: d, keys: keys, cfg: cfg, now: now,
		accounts:  NewThrottle(cfg.AccountLimit, cfg.ThrottleWindow, cfg.ThrottleLockout, now),
		ips:       NewThrottle(cfg.IPLimit, cfg.ThrottleWindow, cfg.ThrottleLockout, now),
		hashing:   make(chan struct{}, max(1, runtime.NumCPU())),
		dummyHash: dummy,
		sessions:  newSessionCache(),
	}, nil
}

func (s *Service) hash(ctx context.Context, password string) (string, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.hashing }()
	return HashPassword(password, s.cfg.HashParams)
}

func (s *Service) check(ctx context.Context, password, encoded string) (bool, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.hashing }()
	return CheckPassword(password, encoded)
}

func (s *Service) clock() time.Time { return audit.Canonical(s.now()) }

// Principal is an authenticated caller.
type Principal struct {
	User       User
	TokenHash  string
	CSRFToken  string
	Restricted bool
	IP         string
	// Display is set for the session of a wall display: it may read the
	// dashboards of the display's region only (User is its creator, scoped
	// to that region).
	Display *DisplayRef
	// APIClient is set for an API client's key (an Open311 app), which
	// reports without an account.
	APIClient bool
}

// Actor is how the principal appears in the audit log.
func (p Principal) Actor() audit.Actor {
	return audit.Actor{ID: p.User.ID, Name: p.User.Username, IP: p.IP}
}

// Can reports whether the principal may use the permission.
func (p Principal) Can(perm Permission) bool {
	if p.Display != nil {
		return displayCan(perm) && p.User.Role.Can(perm)
	}
	return !p.Restricted && p.User.Role.Can(perm)
}

// System is the principal of the command line: a deployment-wide admin.
func System(name string) Principal {
	return Principal{User: User{Username: name, Role: RoleAdmin}}
}

// LoginInput is a login attempt.
type LoginInput struct {
	Username string
	Password string
	OTP      string
	IP       string
}

// LoginResult is a successful login: the token is shown to the client once.
type LoginResult struct {
	Token     string
	Principal Principal
}

var errBadCredentials = apperr.New(apperr.Unauthorized, "wrong username or password")

// Login checks credentials and opens a session. Failures count against the
// account and the address; after too many, tries are refused with
// RateLimited until the lockout passes.
func (s *Service) Login(ctx context.Context, in LoginInput) (LoginResult, error) {
	username := NormalizeUsername(in.Username)
	var fs apperr.Fields
	if username == "" {
		fs.Add("username", "is required")
	}
	if in.Password == "" {
		fs.Add("password", "is required")
	}
	if len(in.Password) > MaxPasswordBytes || len(username) > 64 {
		return LoginResult{}, errBadCredentials
	}
	if err := fs.Err(); err != nil {
		return LoginResult{}, err
	}
	accountKey, ipKey := "u:"+username, "ip:"+in.IP
	if wait := max(s.accounts.Wait(accountKey), s.ips.Wait(ipKey)); wait > 0 {
		return LoginResult{}, rateLimited(wait)
	}
	actor := audit.Actor{Name: username, IP: in.IP}

	u, err := getUser(ctx, s.db.Read(), `u.username = $1`, username)
	if apperr.Is(err, apperr.NotFound) {
		// Spend the same time as a real check so timing does not tell which
		// usernames exist.
		_, _ = s.check(ctx, in.Password, s.dummyHash)
		return LoginResult{}, s.loginFailed(ctx, actor, accountKey, ipKey, "unknown user", errBadCredentials)
	}
	if err != nil {
		return LoginResult{}, err
	}
	actor.ID = u.ID
	ok, err := s.check(ctx, in.Password, u.passwordHash)
	if err != nil {
		return LoginResult{}, fmt.Errorf("login %s: %w", username, err)
	}
	if !ok {
		return LoginResult{}, s.loginFailed(ctx, actor, accountKey, ipKey, "wrong password", errBadCredentials)
	}
	if u.Disabled {
		return LoginResult{}, s.loginFailed(ctx, actor, accountKey, ipKey, "account disabled", errBadCredentials)
	}
	var totpStep int64
	if u.TOTPEnabled {
		if in.OTP == "" {
			return LoginResult{}, apperr.New(apperr.OTPRequired, "enter the 6-digit code from your authenticator app")
		}
		secretText, err := s.keys.Open(u.totpSecret, totpContext(u.ID))
		if err != nil {
			return LoginResult{}, fmt.Errorf("login %s: totp secret: %w", username, err)
		}
		step, ok := matchTOTP(string(secretText), strings.TrimSpace(in.OTP), s.now(), u.totpLastStep)
		if !ok {
			return LoginResult{}, s.loginFailed(ctx, actor, accountKey, ipKey, "wrong one-time code",
				apperr.New(apperr.OTPRequired, "the one-time code is wrong or was already used"))
		}
		totpStep = step
	}
	restricted := u.Role.Staff() && !u.TOTPEnabled && slices.Contains(s.cfg.TOTPRequired, u.Role)

	now := s.clock()
	token := randomToken()
	sess := Session{
		TokenHash: HashToken(token), UserID: u.ID, CSRFToken: randomToken(), Restricted: restricted,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionMax),
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if totpStep != 0 {
			// Only one login may use a given step: the guard on the old value
			// makes a concurrent replay of the same code update nothing.
			res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, totpStep, u.ID)
			if err != nil {
				return fmt.Errorf("record totp step: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return apperr.New(apperr.OTPRequired, "the one-time code is wrong or was already used")
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, restricted, ip, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
			sess.TokenHash, sess.UserID, sess.CSRFToken, sess.Restricted, in.IP, sess.CreatedAt, sess.ExpiresAt); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		_, err := audit.Append(ctx, tx, now, audit.Record{Actor: actor, Action: "auth.login", TargetType: "user",
			TargetID: strconv.FormatInt(u.ID, 10), Detail: map[string]any{"totp": u.TOTPEnabled}})
		return err
	})
	if err != nil {
		return LoginResult{}, err
	}
	s.accounts.Reset(accountKey)
	return LoginResult{Token: token, Principal: Principal{User: u, TokenHash: sess.TokenHash, CSRFToken: sess.CSRFToken, Restricted: restricted, IP: in.IP}}, nil
}

func rateLimited(wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	return &apperr.Error{Code: apperr.RateLimited, Message: fmt.Sprintf("too many failed logins; try again in %d seconds", secs), RetryAfterSeconds: secs}
}

// loginFailed counts and audits a failed login and returns the error to show.
func (s *Service) loginFailed(ctx context.Context, actor audit.Actor, accountKey, ipKey, reason string, shown error) error {
	lockedAccount := s.accounts.Fail(accountKey)
	lockedIP := s.ips.Fail(ipKey)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, s.clock(), audit.Record{Actor: actor, Action: "auth.login", TargetType: "user",
			TargetID: idOrEmpty(actor.ID), Outcome: audit.Denied,
			Detail: map[string]any{"reason": reason, "locked": lockedAccount || lockedIP}})
		return err
	})
	if err != nil {
		return err
	}
	return shown
}

func idOrEmpty(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func totpContext(userID int64) string { return "user:" + strconv.FormatInt(userID, 10) + ":totp" }

// Authenticate resolves a session token to its principal. Sessions end after
// SessionIdle (ResidentIdle for residents) without use, or SessionMax
// (ResidentMax) after login.
func (s *Service) Authenticate(ctx context.Context, token, ip string) (Principal, error) {
	if token == "" || len(token) > 100 {
		return Principal{}, apperr.New(apperr.Unauthorized, "not logged in")
	}
	h := HashToken(token)
	u, sess, displayID, err := s.session(ctx, h, false)
	if err == nil && !displayID.Valid && s.ended(u, sess, s.clock()) {
		// A cached read may predate the session's last touch (by another
		// request, or another process): it ends only on what is stored.
		u, sess, displayID, err = s.session(ctx, h, true)
	}
	if err != nil {
		return Principal{}, err
	}
	if displayID.Valid {
		return s.authenticateDisplay(ctx, h, sess, displayID.Int64, ip)
	}
	now := s.clock()
	if s.ended(u, sess, now) {
		if _, err := s.exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, h); err != nil {
			return Principal{}, fmt.Errorf("end session: %w", err)
		}
		return Principal{}, apperr.New(apperr.Unauthorized, "session expired")
	}
	if u.Disabled {
		return Principal{}, apperr.New(apperr.Unauthorized, "account disabled")
	}
	// Refresh the idle clock at most once a minute to keep reads from writing.
	// Only this session's cached read is stale after the touch: with
	// thousands of workers signed in, a touch every few milliseconds would
	// otherwise empty the cache for all.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if _, err := s.db.Write().ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now, h); err != nil {
			return Principal{}, fmt.Errorf("touch session: %w", err)
		}
		s.sessions.drop(h)
	}
	return Principal{User: u, TokenHash: h, CSRFToken: sess.CSRFToken, Restricted: sess.Restricted, IP: ip}, nil
}

// ended reports whether a session is past its end or idle for too long.
func (s *Service) ended(u User, sess Session, now time.Time) bool {
	return now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.idleLimit(u.Role)
}

// session reads a session and its user by token hash, from the cache when
// it was read within the last moment, unless fresh. The user comes without
// the password hash and TOTP secret, which no caller of a principal needs.
func (s *Service) session(ctx context.Context, h string, fresh bool) (User, Session, sql.NullInt64, error) {
	if e, ok := s.sessions.get(h); ok && !fresh {
		return e.user, e.sess, e.displayID, nil
	}
	gen := s.sessions.generation()
	var sess Session
	var displayID sql.NullInt64
	// Every request comes here: the session and its user (a session's user
	// always exists: its row goes with the user's) are one read, prepared
	// once.
	lookup, err := s.db.ReadStmt(ctx, `SELECT s.user_id, s.csrf_token, s.restricted, s.created_at, s.last_seen_at, s.expires_at,
		s.display_id, `+userColumns+userFrom+` JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1`)
	if err != nil {
		return User{}, Session{}, displayID, fmt.Errorf("load session: %w", err)
	}
	u, err := scanUser(withLeading{lookup.QueryRowContext(ctx, h), []any{&sess.UserID, &sess.CSRFToken, &sess.Restricted,
		&sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &displayID}})
	if err != nil {
		if err == sql.ErrNoRows {
			return User{}, Session{}, displayID, apperr.New(apperr.Unauthorized, "session expired or logged out")
		}
		return User{}, Session{}, displayID, fmt.Errorf("load session: %w", err)
	}
	sess.TokenHash = h
	u.passwordHash, u.totpSecret, u.totpLastStep = "", nil, 0
	s.sessions.put(h, cachedSession{user: u, sess: sess, displayID: displayID, gen: gen})
	return u, sess, displayID, nil
}

// Logout ends the principal's session. A display that signs out is
// revoked: nothing could use it again.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if p.Display != nil {
		return s.endDisplay(ctx, p, p.Display.ID, 0)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, p.TokenHash); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		_, err := audit.Append(ctx, tx, s.clock(), audit.Record{Actor: p.Actor(), Action: "auth.logout", TargetType: "user", TargetID: idOrEmpty(p.User.ID)})
		return err
	})
}

// idleLimit is how long a session of the role may go unused.
func (s *Service) idleLimit(r Role) time.Duration {
	if r == RoleResident {
		return s.cfg.ResidentIdle
	}
	return s.cfg.SessionIdle
}

// PurgeExpiredSessions deletes sessions past their end and returns how many.
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	now := s.clock()
	res, err := s.exec(ctx, `DELETE FROM sessions WHERE expires_at < $1
		OR (display_id IS NULL AND last_seen_at < $2)
		OR (display_id IS NULL AND last_seen_at < $3 AND user_id IN (SELECT id FROM users WHERE role <> $4))
		OR (display_id IS NOT NULL AND last_seen_at < $5)`,
		now, now.Add(-max(s.cfg.SessionIdle, s.cfg.ResidentIdle)), now.Add(-s.cfg.SessionIdle), string(RoleResident),
		now.Add(-s.cfg.DisplayIdle))
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return res.RowsAffected()
}

// ChangePassword sets a new password after checking the current one, and
// ends the user's other sessions.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	u, err := s.userByID(ctx, p.User.ID)
	if err != nil {
		return err
	}
	ok, err := s.check(ctx, current, u.passwordHash)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if !ok {
		return apperr.Field("current_password", "is wrong")
	}
	if reason := ValidatePassword(next, u.Username); reason != "" {
		return apperr.Field("new_password", reason)
	}
	if next == current {
		return apperr.Field("new_password", "must differ from the current password")
	}
	hash, err := s.hash(ctx, next)
	if err != nil {
		return err
	}
	now := s.clock()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change_password = FALSE, password_changed_at = $2,
			updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4`, hash, now, u.ID, u.Version)
		if err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "the account changed meanwhile; try again")
		}
		// Displays the user set up stay: they are listed and revoked on
		// their own, and can read nothing but the dashboards.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2 AND display_id IS NULL`, u.ID, p.TokenHash); err != nil {
			return fmt.Errorf("end other sessions: %w", err)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "user.password_change", TargetType: "user", TargetID: idOrEmpty(u.ID)})
		return err
	})
}

// TOTPEnrolment is a new secret to put into an authenticator app.
type TOTPEnrolment struct {
	Secret string
	URL    string
}

// EnrollTOTP makes a new TOTP secret for the principal. It takes effect once
// ConfirmTOTP sees a code from it.
func (s *Service) EnrollTOTP(ctx context.Context, p Principal) (TOTPEnrolment, error) {
	if p.User.TOTPEnabled {
		return TOTPEnrolment{}, apperr.New(apperr.Conflict, "two-factor login is already on for this account")
	}
	key, err := newTOTPKey(s.cfg.Issuer, p.User.Username)
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("enrol totp: %w", err)
	}
	sealed := s.keys.Seal([]byte(key.Secret()), totpContext(p.User.ID))
	if _, err := s.exec(ctx, `UPDATE users SET totp_secret = $1 WHERE id = $2 AND NOT totp_enabled`, sealed, p.User.ID); err != nil {
		return TOTPEnrolment{}, fmt.Errorf("enrol totp: %w", err)
	}
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP turns two-factor login on once the user proves they hold the
// secret, and lifts the enrol-only restriction from their sessions.
func (s *Service) ConfirmTOTP(ctx context.Context, p Principal, code string) error {
	u, err := s.userByID(ctx, p.User.ID)
	if err != nil {
		return err
	}
	if u.TOTPEnabled {
		return apperr.New(apperr.Conflict, "two-factor login is already on for this account")
	}
	if len(u.totpSecret) == 0 {
		return apperr.Field("code", "start enrolment first")
	}
	secretText, err := s.keys.Open(u.totpSecret, totpContext(u.ID))
	if err != nil {
		return fmt.Errorf("confirm totp: %w", err)
	}
	step, ok := matchTOTP(string(secretText), strings.TrimSpace(code), s.now(), u.totpLastStep)
	if !ok {
		return apperr.Field("code", "does not match; check the phone's clock and enter the current code")
	}
	now := s.clock()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_enabled = TRUE, totp_last_step = $1, updated_at = $2, version = version + 1
			WHERE id = $3 AND NOT totp_enabled`, step, now, u.ID)
		if err != nil {
			return fmt.Errorf("confirm totp: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "two-factor login is already on for this account")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET restricted = FALSE WHERE user_id = $1`, u.ID); err != nil {
			return fmt.Errorf("confirm totp: %w", err)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "user.totp_enable", TargetType: "user", TargetID: idOrEmpty(u.ID)})
		return err
	})
}

// CreateUser adds an account within the actor's scope.
func (s *Service) CreateUser(ctx context.Context, actor Principal, n NewUser) (User, error) {
	if !actor.Can(PermUsersManage) {
		return User{}, apperr.New(apperr.Forbidden, "you may not manage accounts")
	}
	fs := n.validate()
	if err := fs.Err(); err != nil {
		return User{}, err
	}
	hash, err := s.hash(ctx, n.Password)
	if err != nil {
		return User{}, err
	}
	now := s.clock()
	var id int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		scopeRegion, scopeDept, err := s.resolveScope(ctx, tx, actor, n.Role, n.Scope)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, password_hash, role, scope_region, scope_department,
			must_change_password, password_changed_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING id`,
			n.Username, n.DisplayName, hash, string(n.Role), scopeRegion, scopeDept, n.MustChangePassword, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Message: "username taken",
				Fields: []apperr.FieldError{{Field: "username", Reason: "is already taken"}}}
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: actor.Actor(), Action: "user.create", TargetType: "user",
			TargetID: idOrEmpty(id), Detail: map[string]any{"username": n.Username, "role": string(n.Role), "scope": n.Scope}})
		return err
	})
	if err != nil {
		return User{}, err
	}
	return s.userByID(ctx, id)
}

// resolveScope checks a scope code for a role: a region must exist inside the
// actor's own scope.
func (s *Service) resolveScope(ctx context.Context, q db.Querier, actor Principal, role Role, code string) (regionCode, deptCode any, err error) {
	kind, _ := role.scopeRule()
	if code == "" {
		if !actor.User.Scope().IsAll() {
			return nil, nil, apperr.Field("scope", "you may only create accounts inside your own region")
		}
		return nil, nil, nil
	}
	if kind == ScopeDepartment {
		if !actor.User.Scope().IsAll() {
			return nil, nil, apperr.Field("scope", "only a deployment-wide administrator may create department accounts")
		}
		// The account acts for the department: it must be one the catalog
		// holds, and still active.
		var active bool
		err := q.QueryRowContext(ctx, `SELECT active FROM departments WHERE code = $1`, code).Scan(&active)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil, nil, apperr.Field("scope", fmt.Sprintf("department %s not found", code))
		case err != nil:
			return nil, nil, fmt.Errorf("department of an account: %w", err)
		case !active:
			return nil, nil, apperr.Field("scope", fmt.Sprintf("department %s is inactive", code))
		}
		return nil, code, nil
	}
	r, err := region.Lookup(ctx, q, code)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !actor.User.Scope().Contains(r.Path)) {
		return nil, nil, apperr.Field("scope", fmt.Sprintf("region %s not found", code))
	}
	if err != nil {
		return nil, nil, err
	}
	return r.Code, nil, nil
}

// GetUser returns an account inside the actor's scope.
func (s *Service) GetUser(ctx context.Context, actor Principal, id int64) (User, error) {
	if !actor.Can(PermUsersManage) {
		return User{}, apperr.New(apperr.Forbidden, "you may not manage accounts")
	}
	u, err := s.userByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if !visibleTo(actor, u) {
		return User{}, apperr.New(apperr.NotFound, "user not found")
	}
	return u, nil
}

func visibleTo(actor Principal, u User) bool {
	return actor.SeesAccount(u.ScopeRegion, u.scopePath)
}

// SeesAccount reports whether p may see an account scoped to the region
// with this code and path (both "" for an account scoped to no region: an
// administrator of everything, a department's staff, a resident), by the
// rule of GetUser and ListUsers: every account for a caller scoped to
// everything, else only those scoped inside the caller's region. Any other
// account is to be answered as one that does not exist.
func (p Principal) SeesAccount(scopeRegion, scopePath string) bool {
	scope := p.User.Scope()
	if scope.IsAll() {
		return true
	}
	return scopeRegion != "" && scope.Contains(scopePath)
}

// ListUsers returns accounts inside the actor's scope, ordered by id.
func (s *Service) ListUsers(ctx context.Context, actor Principal, f UserFilter) ([]User, error) {
	if !actor.Can(PermUsersManage) {
		return nil, apperr.New(apperr.Forbidden, "you may not manage accounts")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	query := `SELECT ` + userColumns + userFrom + ` WHERE u.id > $1`
	args := []any{f.AfterID}
	if f.Role != "" {
		args = append(args, string(f.Role))
		query += fmt.Sprintf(" AND u.role = $%d", len(args))
	}
	if scope := actor.User.Scope(); !scope.IsAll() {
		lo, hi := scope.Range()
		args = append(args, lo, hi)
		query += fmt.Sprintf(" AND r.path >= $%d AND r.path < $%d", len(args)-1, len(args))
	}
	args = append(args, f.Limit)
	query += fmt.Sprintf(" ORDER BY u.id LIMIT $%d", len(args))
	rows, err := s.db.Read().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UserUpdate changes an account; nil fields stay as they are. Version must be
// the version the caller read.
type UserUpdate struct {
	Version     int
	DisplayName *string
	Role        *Role
	Scope       *string
	Disabled    *bool
	ResetTOTP   bool
}

// UpdateUser changes role, scope, name or status, records what changed, and
// ends the user's sessions when their rights shrink.
func (s *Service) UpdateUser(ctx context.Context, actor Principal, id int64, up UserUpdate) (User, error) {
	cur, err := s.GetUser(ctx, actor, id)
	if err != nil {
		return User{}, err
	}
	var fs apperr.Fields
	if up.Version == 0 {
		fs.Add("version", "is required")
	}
	next := cur
	changes := map[string]any{}
	if up.DisplayName != nil {
		name := strings.TrimSpace(*up.DisplayName)
		if utf8.RuneCountInString(name) > 50 {
			fs.Add("display_name", "must be at most 50 characters")
		}
		if name != cur.DisplayName {
			next.DisplayName, changes["display_name"] = name, name
		}
	}
	role, scope := cur.Role, cur.ScopeRegion+cur.ScopeDepartment
	if up.Role != nil {
		if _, err := ParseRole(string(*up.Role)); err != nil {
			fs.Add("role", err.Error())
		}
		role = *up.Role
	}
	if up.Scope != nil {
		scope = strings.TrimSpace(*up.Scope)
	}
	if id == actor.User.ID && (role != cur.Role || (up.Disabled != nil && *up.Disabled)) {
		fs.Add("role", "you may not change your own role or disable yourself")
	}
	if err := fs.Err(); err != nil {
		return User{}, err
	}
	roleOrScopeChanged := role != cur.Role || scope != cur.ScopeRegion+cur.ScopeDepartment
	if roleOrScopeChanged {
		probe := NewUser{Username: cur.Username, Role: role, Scope: scope, Password: "Placeholder-123"}
		if errs := probe.validate(); len(errs) > 0 {
			return User{}, errs.Err()
		}
		changes["role"], changes["scope"] = string(role), scope
	}
	if up.Disabled != nil && *up.Disabled != cur.Disabled {
		changes["disabled"] = *up.Disabled
	}
	if up.ResetTOTP && cur.TOTPEnabled {
		changes["totp_reset"] = true
	}
	if len(changes) == 0 {
		return cur, nil
	}
	now := s.clock()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		scopeRegion, scopeDept := any(nilIfEmpty(cur.ScopeRegion)), any(nilIfEmpty(cur.ScopeDepartment))
		if roleOrScopeChanged {
			if scopeRegion, scopeDept, err = s.resolveScope(ctx, tx, actor, role, scope); err != nil {
				return err
			}
		}
		disabled := cur.Disabled
		if up.Disabled != nil {
			disabled = *up.Disabled
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET display_name = $1, role = $2, scope_region = $3, scope_department = $4,
			disabled = $5, totp_enabled = totp_enabled AND NOT $6, updated_at = $7, version = version + 1
			WHERE id = $8 AND version = $9`,
			next.DisplayName, string(role), scopeRegion, scopeDept, disabled, up.ResetTOTP, now, id, up.Version)
		if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &apperr.Error{Code: apperr.Conflict, Message: "the account was changed by someone else; reload and try again",
				Fields: []apperr.FieldError{{Field: "version", Reason: fmt.Sprintf("is %d, the account is at %d", up.Version, cur.Version)}}}
		}
		if roleOrScopeChanged || disabled || up.ResetTOTP {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: actor.Actor(), Action: "user.update", TargetType: "user",
			TargetID: idOrEmpty(id), Detail: changes})
		return err
	})
	if err != nil {
		return User{}, err
	}
	return s.userByID(ctx, id)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// EnsureAdmin creates the first administrator, with a one-time password that
// must be changed at first login, when the database has no administrator: a
// demo city or a bulk load of workers may have added other accounts first.
// It returns the password when it created the account.
func (s *Service) EnsureAdmin(ctx context.Context, username string) (string, bool, error) {
	var n int
	if err := s.db.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = $1`, string(RoleAdmin)).Scan(&n); err != nil {
		return "", false, fmt.Errorf("count administrators: %w", err)
	}
	if n > 0 {
		return "", false, nil
	}
	password := GeneratePassword()
	_, err := s.CreateUser(ctx, System("gridgov"), NewUser{Username: username, DisplayName: "系统管理员", Role: RoleAdmin, Password: password, MustChangePassword: true})
	if apperr.Is(err, apperr.Conflict) {
		return "", false, nil // another server created it first
	}
	if err != nil {
		return "", false, err
	}
	return password, true, nil
}
