// Package resident is the back end of the residents' app (居民): sign-in
// by phone with a one-time code sent through a pluggable SMS sender,
// following events reported by others instead of reporting them again,
// the resident's chosen grid, and the notices a center posts for a region.
package resident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
)

// Locator places a WGS-84 point in its grid (*gridmap.Locator is one).
type Locator interface {
	GridAt(p orb.Point) (code, path string, ok bool)
}

// Events is what the resident app reads of the event loop.
type Events interface {
	PublicViews(ctx context.Context, ids []int64, viewer int64, timeline bool) ([]event.PublicView, error)
	Nearby(ctx context.Context, categoryCode string, at orb.Point, viewer int64, limit int) ([]event.PublicView, error)
}

// Config gathers what the service uses; zero limits take the defaults.
type Config struct {
	DB      *db.DB
	Keys    *secret.Keyring
	Auth    *auth.Service
	Events  Events
	Locator Locator
	// SMS sends the sign-in codes; nil logs them (LogSender), which is
	// only for development.
	SMS SMSSender
	Now func() time.Time
	Log *slog.Logger

	// CodeTTL is how long a code is valid (5 minutes), MaxAttempts how
	// many tries one code allows (5), ResendAfter the wait between two
	// sends to a phone (60 s), DailyCap the sends per phone and day (10)
	// and IPHourlyCap the sends asked from one address per hour (30).
	CodeTTL     time.Duration
	MaxAttempts int
	ResendAfter time.Duration
	DailyCap    int
	IPHourlyCap int
	// Zone is where a day begins for the daily cap (China Standard Time).
	Zone *time.Location
}

func (c *Config) defaults() {
	if c.CodeTTL == 0 {
		c.CodeTTL = 5 * time.Minute
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 5
	}
	if c.ResendAfter == 0 {
		c.ResendAfter = time.Minute
	}
	if c.DailyCap == 0 {
		c.DailyCap = 10
	}
	if c.IPHourlyCap == 0 {
		c.IPHourlyCap = 30
	}
	if c.Zone == nil {
		c.Zone = time.FixedZone("CST", 8*3600)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.SMS == nil {
		c.SMS = LogSender{Log: c.Log}
	}
}

// Service is the residents' side of gridgov.
type Service struct {
	cfg     Config
	db      *db.DB
	keys    *secret.Keyring
	regions *region.Store
	ips     *auth.Throttle
}

// NewService returns the service.
func NewService(c Config) *Service {
	c.defaults()
	return &Service{cfg: c, db: c.DB, keys: c.Keys, regions: region.NewStore(c.DB, c.Now),
		ips: auth.NewThrottle(c.IPHourlyCap, time.Hour, time.Hour, c.Now)}
}

func (s *Service) clock() time.Time { return audit.Canonical(s.cfg.Now()) }

// phonePattern is a mainland China mobile number.
var phonePattern = regexp.MustCompile(`^1[3-9]\d{9}$`)

// NormalizePhone accepts a mainland mobile number, with spaces or dashes
// between the digits and an optional +86 or 86 in front, and returns its
// eleven digits; anything else is refused with the reason.
func NormalizePhone(s string) (string, error) {
	n := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(n, "+86"):
		n = n[3:]
	case len(n) == 13 && strings.HasPrefix(n, "86"):
		n = n[2:]
	}
	switch {
	case n == "":
		return "", errors.New("is required")
	case !phonePattern.MatchString(n):
		return "", errors.New("must be a mainland China mobile number: 11 digits starting with 13-19")
	}
	return n, nil
}

// phoneIndexPurpose keys the blind index of residents' phones.
const phoneIndexPurpose = "resident.phone"

func phoneContext(index string) string { return "resident:" + index[:16] + ":phone" }

func requireResident(p auth.Principal) error {
	if p.User.Role != auth.RoleResident {
		return apperr.New(apperr.Forbidden, "this is for residents; staff work events in the console")
	}
	return nil
}

// Homes gives the grid each resident chose, for placing a report that has
// an address but no point (event.HomeGrids).
type Homes struct{ DB *db.DB }

// HomeGrid returns the resident's grid, "" when none was chosen.
func (h Homes) HomeGrid(ctx context.Context, userID int64) (string, error) {
	var code sql.NullString
	err := h.DB.Read().QueryRowContext(ctx, `SELECT grid_code FROM resident_accounts WHERE user_id = $1`, userID).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("home grid: %w", err)
	}
	return code.String, nil
}
