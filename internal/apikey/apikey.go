// Package apikey issues and checks the keys of API clients (Open311 apps and
// other systems that report events): a key is shown once when it is created,
// stored only as its SHA-256, listed by a short prefix, and can be revoked.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
)

// Prefix starts every key, so that a key pasted somewhere it should not be
// (a log, a repository) is recognisable and can be searched for.
const Prefix = "gg_"

// The key is Prefix and 32 random bytes in unpadded base64url: 256 bits, so a
// plain SHA-256 is enough to store it (no guessing to slow down) and a lookup
// by hash is one index probe.
const (
	secretBytes = 32
	keyLen      = len(Prefix) + 43
	// shownLen is how much of a key lists show: the prefix and 8 characters.
	shownLen = len(Prefix) + 8
)

// touchEvery bounds how often a key's last use is written, so that a busy
// client does not turn every request into a write.
const touchEvery = time.Minute

// Key is a client's key as lists show it; the key itself is never kept.
type Key struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	RevokedBy  string     `json:"revoked_by,omitempty"`
}

// Active reports whether the key is still accepted.
func (k Key) Active() bool { return k.RevokedAt == nil }

// Created is a new key with the one copy of its secret the caller will see.
type Created struct {
	Key
	Secret string `json:"key"`
}

// Client is the API client a key belongs to.
type Client struct {
	ID   int64
	Name string
}

// Principal is how an API client acts on events: a reporter without an
// account (no user id, the resident role, no scope), so it can file reports
// but take no action on any event. Its name marks its lines in histories.
func (c Client) Principal(ip string) auth.Principal {
	return auth.Principal{User: auth.User{Username: "apikey:" + c.Name, Role: auth.RoleResident}, IP: ip, APIClient: true}
}

// Service keeps the keys.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns the key service; now is the clock.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: now}
}

var namePattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,49}$`)

// requireManage lets only deployment-wide administrators hold keys: a key
// reports into every grid of the deployment.
func requireManage(p auth.Principal) error {
	if !p.Can(auth.PermAPIKeysManage) || !p.User.Scope().IsAll() {
		return apperr.New(apperr.Forbidden, "only a deployment-wide administrator may manage API keys")
	}
	return nil
}

// Create issues a key for a named client. The returned Secret is the only
// copy: it is not stored and cannot be shown again.
func (s *Service) Create(ctx context.Context, p auth.Principal, name string) (Created, error) {
	if err := requireManage(p); err != nil {
		return Created{}, err
	}
	name = strings.TrimSpace(name)
	if !namePattern.MatchString(name) {
		return Created{}, apperr.Field("name", "must be 1-50 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit")
	}
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return Created{}, fmt.Errorf("api key: no randomness: %w", err)
	}
	secret := Prefix + base64.RawURLEncoding.EncodeToString(b)
	now := audit.Canonical(s.now())
	k := Key{Name: name, Prefix: secret[:shownLen], CreatedBy: p.User.Username, CreatedAt: now}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_keys (name, prefix, key_hash, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, k.Name, k.Prefix, hash(secret), k.CreatedBy, now).Scan(&k.ID)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Message: "a live key with this name exists",
				Fields: []apperr.FieldError{{Field: "name", Reason: fmt.Sprintf("%q already has a key; revoke it first or choose another name", name)}}}
		}
		if err != nil {
			return fmt.Errorf("create api key: %w", err)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "apikey.create", TargetType: "api_key",
			TargetID: strconv.FormatInt(k.ID, 10), Detail: map[string]any{"name": k.Name, "prefix": k.Prefix}})
		return err
	})
	if err != nil {
		return Created{}, err
	}
	return Created{Key: k, Secret: secret}, nil
}

const columns = `id, name, prefix, created_by, created_at, last_used_at, revoked_at, revoked_by`

func scan(row interface{ Scan(...any) error }) (Key, error) {
	var k Key
	var used, revoked sql.NullTime
	if err := row.Scan(&k.ID, &k.Name, &k.Prefix, &k.CreatedBy, &k.CreatedAt, &used, &revoked, &k.RevokedBy); err != nil {
		return Key{}, err
	}
	k.CreatedAt = k.CreatedAt.UTC()
	if used.Valid {
		t := used.Time.UTC()
		k.LastUsedAt = &t
	}
	if revoked.Valid {
		t := revoked.Time.UTC()
		k.RevokedAt = &t
	}
	return k, nil
}

// List returns every key, live ones first, newest first; revoked keys stay
// listed for the record.
func (s *Service) List(ctx context.Context, p auth.Principal) ([]Key, error) {
	if err := requireManage(p); err != nil {
		return nil, err
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+columns+` FROM api_keys
		ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, id DESC LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	out := []Key{}
	for rows.Next() {
		k, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list api keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Revoke stops a key from being accepted. Revoking a revoked key changes
// nothing and answers the key as it is, so a retried request is harmless.
func (s *Service) Revoke(ctx context.Context, p auth.Principal, id int64) (Key, error) {
	if err := requireManage(p); err != nil {
		return Key{}, err
	}
	now := audit.Canonical(s.now())
	var k Key
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		k, err = scan(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM api_keys WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "API key %d not found", id)
		}
		if err != nil {
			return fmt.Errorf("revoke api key: %w", err)
		}
		if !k.Active() {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL`,
			now, p.User.Username, id)
		if err != nil {
			return fmt.Errorf("revoke api key: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			// Revoked meanwhile by someone else: the outcome is the same.
			k, err = scan(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM api_keys WHERE id = $1`, id))
			return err
		}
		k.RevokedAt, k.RevokedBy = &now, p.User.Username
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "apikey.revoke", TargetType: "api_key",
			TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"name": k.Name, "prefix": k.Prefix}})
		return err
	})
	if err != nil {
		return Key{}, err
	}
	return k, nil
}

// Authenticate resolves a key to its client. Unknown, malformed and revoked
// keys are refused with Unauthorized and a message that says which.
func (s *Service) Authenticate(ctx context.Context, key string) (Client, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return Client{}, apperr.New(apperr.Unauthorized, "api_key is required")
	}
	if len(key) != keyLen || !strings.HasPrefix(key, Prefix) {
		return Client{}, apperr.New(apperr.Unauthorized, "api_key is not a valid key (keys look like %s followed by 43 characters)", Prefix)
	}
	var c Client
	var used, revoked sql.NullTime
	err := s.db.Read().QueryRowContext(ctx, `SELECT id, name, last_used_at, revoked_at FROM api_keys WHERE key_hash = $1`, hash(key)).
		Scan(&c.ID, &c.Name, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return Client{}, apperr.New(apperr.Unauthorized, "api_key is not a known key")
	}
	if err != nil {
		return Client{}, fmt.Errorf("check api key: %w", err)
	}
	if revoked.Valid {
		return Client{}, apperr.New(apperr.Unauthorized, "api_key was revoked; ask the administrator for a new key")
	}
	now := audit.Canonical(s.now())
	if !used.Valid || now.Sub(used.Time) >= touchEvery {
		if _, err := s.db.Write().ExecContext(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, now, c.ID); err != nil {
			return Client{}, fmt.Errorf("touch api key: %w", err)
		}
	}
	return c, nil
}

func hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
