package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
)

// Residents sign in with a one-time code sent to their phone
// (internal/resident checks the code); these two helpers give them an
// account and a session of the same kind as everyone else's.

// unusablePasswordHash is a well-formed argon2id hash of random bytes: no
// password matches it, so a resident account cannot be entered by username
// and password, and a try costs what any wrong password costs.
func unusablePasswordHash() string {
	b := make([]byte, saltLen+keyLen)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	p, enc := DefaultHashParams, base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(b[:saltLen]), enc.EncodeToString(b[saltLen:]))
}

// CreateResidentAccount inserts a resident account inside the caller's
// transaction and returns its id: a generated username, no usable
// password, no scope. The caller keeps what identifies the person (the
// phone) in its own table, which decides whether the account exists.
func CreateResidentAccount(ctx context.Context, tx *sql.Tx, now time.Time, displayName string) (int64, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return 0, fmt.Errorf("resident username: %w", err)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, password_hash, role, password_changed_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id`,
		"resident-"+hex.EncodeToString(b), displayName, unusablePasswordHash(), string(RoleResident), audit.Canonical(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create resident account: %w", err)
	}
	_, err = audit.Append(ctx, tx, audit.Canonical(now), audit.Record{Actor: audit.System("resident-signin"), Action: "user.create",
		TargetType: "user", TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"role": string(RoleResident)}})
	return id, err
}

// OpenResidentSession starts a session for a resident who proved they hold
// their phone (the one-time code was checked by the caller). Staff accounts
// never sign in this way.
func (s *Service) OpenResidentSession(ctx context.Context, userID int64, ip string) (LoginResult, error) {
	u, err := s.userByID(ctx, userID)
	if err != nil {
		return LoginResult{}, err
	}
	if u.Role != RoleResident {
		return LoginResult{}, apperr.New(apperr.Forbidden, "only residents sign in with a phone code")
	}
	if u.Disabled {
		return LoginResult{}, apperr.New(apperr.Unauthorized, "account disabled")
	}
	now := s.clock()
	token := randomToken()
	sess := Session{TokenHash: HashToken(token), UserID: u.ID, CSRFToken: randomToken(), CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.cfg.ResidentMax)}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, restricted, ip, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, FALSE, $4, $5, $5, $6)`, sess.TokenHash, sess.UserID, sess.CSRFToken, ip, sess.CreatedAt, sess.ExpiresAt); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		_, err := audit.Append(ctx, tx, now, audit.Record{Actor: audit.Actor{ID: u.ID, Name: u.Username, IP: ip}, Action: "auth.login",
			TargetType: "user", TargetID: idOrEmpty(u.ID), Detail: map[string]any{"method": "sms_code"}})
		return err
	})
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: token, Principal: Principal{User: u, TokenHash: sess.TokenHash, CSRFToken: sess.CSRFToken, IP: ip}}, nil
}
