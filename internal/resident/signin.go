package resident

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/pii"
)

// CodeSent says when the code just sent stops working and when another
// may be asked for.
type CodeSent struct {
	ExpiresAt time.Time `json:"expires_at"`
	ResendAt  time.Time `json:"resend_at"`
}

func rateLimited(field string, wait time.Duration, why string) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	return &apperr.Error{Code: apperr.RateLimited, Message: fmt.Sprintf("%s; try again in %d seconds", why, secs),
		RetryAfterSeconds: secs, Fields: []apperr.FieldError{{Field: field, Reason: why}}}
}

// codeHash is the stored form of a code: keyed by the index key and bound
// to the phone, so the table alone does not give codes back even though
// there are only a million of them.
func (s *Service) codeHash(phoneIndex, code string) string {
	return s.keys.Index("resident.code", phoneIndex+":"+code)
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("sign-in code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// SendCode sends a new 6-digit sign-in code to a phone. A phone gets one
// code a minute and DailyCap a day, an address IPHourlyCap an hour; more
// is refused with RateLimited and the wait. A new code replaces the last.
func (s *Service) SendCode(ctx context.Context, phone, ip string) (CodeSent, error) {
	n, err := NormalizePhone(phone)
	if err != nil {
		return CodeSent{}, apperr.Field("phone", err.Error())
	}
	ipKey := "ip:" + ip
	if wait := s.ips.Wait(ipKey); wait > 0 {
		return CodeSent{}, rateLimited("phone", wait, "too many codes were asked for from this address")
	}
	code, err := newCode()
	if err != nil {
		return CodeSent{}, err
	}
	idx := s.keys.Index(phoneIndexPurpose, n)
	now := s.clock()
	day := now.In(s.cfg.Zone).Format(time.DateOnly)
	out := CodeSent{ExpiresAt: now.Add(s.cfg.CodeTTL), ResendAt: now.Add(s.cfg.ResendAfter)}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		// One statement decides and writes, so two sends at once cannot
		// both pass the minute's wait or the daily cap.
		var sends int
		err := tx.QueryRowContext(ctx, `INSERT INTO resident_codes (phone_index, code_hash, expires_at, attempts, used, sent_at, day, day_sends)
			VALUES ($1, $2, $3, 0, FALSE, $4, $5, 1)
			ON CONFLICT (phone_index) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0,
				used = FALSE, sent_at = excluded.sent_at, day = excluded.day,
				day_sends = CASE WHEN resident_codes.day = excluded.day THEN resident_codes.day_sends + 1 ELSE 1 END
			WHERE resident_codes.sent_at <= $6 AND (resident_codes.day <> excluded.day OR resident_codes.day_sends < $7)
			RETURNING day_sends`,
			idx, s.codeHash(idx, code), out.ExpiresAt, now, day, now.Add(-s.cfg.ResendAfter), s.cfg.DailyCap).Scan(&sends)
		if errors.Is(err, sql.ErrNoRows) {
			return s.whyNotSend(ctx, tx, idx, now)
		}
		if err != nil {
			return fmt.Errorf("store sign-in code: %w", err)
		}
		return nil
	})
	if err != nil {
		return CodeSent{}, err
	}
	s.ips.Fail(ipKey)
	if err := s.cfg.SMS.SendCode(ctx, n, code, s.cfg.CodeTTL); err != nil {
		return CodeSent{}, fmt.Errorf("send sign-in code to %s: %w", pii.MaskPhone(n), err)
	}
	return out, nil
}

// whyNotSend explains a refused send: the minute's wait or the daily cap.
func (s *Service) whyNotSend(ctx context.Context, tx *sql.Tx, idx string, now time.Time) error {
	var sentAt time.Time
	if err := tx.QueryRowContext(ctx, `SELECT sent_at FROM resident_codes WHERE phone_index = $1`, idx).Scan(&sentAt); err != nil {
		return fmt.Errorf("sign-in code: %w", err)
	}
	if wait := sentAt.Add(s.cfg.ResendAfter).Sub(now); wait > 0 {
		return rateLimited("phone", wait, "a code was sent to this phone moments ago")
	}
	local := now.In(s.cfg.Zone)
	midnight := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, s.cfg.Zone)
	return rateLimited("phone", midnight.Sub(now), fmt.Sprintf("this phone was sent %d codes today, the most it may", s.cfg.DailyCap))
}

var codePattern = regexp.MustCompile(`^\d{6}$`)

// SignIn checks a phone's code and opens a session, creating the
// resident's account at the first sign-in. A code works once, for
// CodeTTL, and allows MaxAttempts tries.
func (s *Service) SignIn(ctx context.Context, phone, code, ip string) (auth.LoginResult, error) {
	var fs apperr.Fields
	n, err := NormalizePhone(phone)
	if err != nil {
		fs.Add("phone", err.Error())
	}
	code = strings.TrimSpace(code)
	if !codePattern.MatchString(code) {
		fs.Add("code", "must be the 6 digits sent to your phone")
	}
	if err := fs.Err(); err != nil {
		return auth.LoginResult{}, err
	}
	idx := s.keys.Index(phoneIndexPurpose, n)
	if err := s.useCode(ctx, idx, code); err != nil {
		return auth.LoginResult{}, err
	}
	id, err := s.ensureAccount(ctx, n, idx)
	if err != nil {
		return auth.LoginResult{}, err
	}
	return s.cfg.Auth.OpenResidentSession(ctx, id, ip)
}

// useCode spends one try of the phone's code and, when it matches, uses it
// up. The try is counted before the comparison, in one statement, so
// concurrent guesses cannot exceed MaxAttempts; a wrong try is committed
// even though the caller gets an error.
func (s *Service) useCode(ctx context.Context, idx, code string) error {
	now := s.clock()
	var outcome error
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var hash string
		var attempts int
		err := tx.QueryRowContext(ctx, `UPDATE resident_codes SET attempts = attempts + 1
			WHERE phone_index = $1 AND NOT used AND expires_at > $2 AND attempts < $3 RETURNING code_hash, attempts`,
			idx, now, s.cfg.MaxAttempts).Scan(&hash, &attempts)
		if errors.Is(err, sql.ErrNoRows) {
			outcome = s.whyNotUse(ctx, tx, idx, now)
			return nil
		}
		if err != nil {
			return fmt.Errorf("check sign-in code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(hash), []byte(s.codeHash(idx, code))) != 1 {
			left := s.cfg.MaxAttempts - attempts
			if left <= 0 {
				outcome = apperr.Field("code", "is wrong, and that was the last try; ask for a new code")
			} else {
				outcome = apperr.Field("code", fmt.Sprintf("is wrong; %d tries left", left))
			}
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE resident_codes SET used = TRUE WHERE phone_index = $1 AND code_hash = $2 AND NOT used`, idx, hash)
		if err != nil {
			return fmt.Errorf("use sign-in code: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			outcome = apperr.Field("code", "was used already; ask for a new code")
		}
		return nil
	})
	if err != nil {
		return err
	}
	return outcome
}

// whyNotUse explains a code that can no longer be tried.
func (s *Service) whyNotUse(ctx context.Context, tx *sql.Tx, idx string, now time.Time) error {
	var used bool
	var attempts int
	var expires time.Time
	err := tx.QueryRowContext(ctx, `SELECT used, attempts, expires_at FROM resident_codes WHERE phone_index = $1`, idx).Scan(&used, &attempts, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return apperr.Field("code", "no code was sent to this phone; ask for one")
	case err != nil:
		return fmt.Errorf("check sign-in code: %w", err)
	case used:
		return apperr.Field("code", "was used already; ask for a new code")
	case !now.Before(expires):
		return apperr.Field("code", "has expired; ask for a new code")
	default:
		return apperr.Field("code", "was tried too many times; ask for a new code")
	}
}

var errRaced = errors.New("resident account created meanwhile")

// ensureAccount returns the account of the phone, creating it at the
// first sign-in. The unique phone index decides between concurrent first
// sign-ins: the one that loses rolls its new account back and finds the
// winner's.
func (s *Service) ensureAccount(ctx context.Context, phone, idx string) (int64, error) {
	for try := 0; ; try++ {
		var id int64
		err := s.db.InTx(ctx, func(tx *sql.Tx) error {
			err := tx.QueryRowContext(ctx, `SELECT user_id FROM resident_accounts WHERE phone_index = $1`, idx).Scan(&id)
			if err == nil || !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			now := s.clock()
			uid, err := auth.CreateResidentAccount(ctx, tx, now, "居民"+phone[7:])
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO resident_accounts (user_id, phone_index, phone_enc, phone_mask, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (phone_index) DO NOTHING`,
				uid, idx, s.keys.Seal([]byte(phone), phoneContext(idx)), pii.MaskPhone(phone), now)
			if err != nil {
				return fmt.Errorf("create resident account: %w", err)
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return errRaced
			}
			id = uid
			return nil
		})
		if errors.Is(err, errRaced) && try < 3 {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("resident account: %w", err)
		}
		return id, nil
	}
}
