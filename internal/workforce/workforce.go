// Package workforce is the grid workforce (网格员队伍): grid workers and their
// grids, the 1+1+N team of each grid, the device bound to each worker (人机格
// 绑定) with signed device requests, attendance check-ins inside the
// worker's grids, schedules and leave, and the staffing and attendance
// measures rolled up at every region level.
package workforce

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/groupcommit"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workcal"
)

// Locator places a WGS-84 point in its grid (the map's in-memory index).
type Locator interface {
	GridAt(p orb.Point) (code, path string, ok bool)
}

// Boundaries gives a grid's boundary in WGS-84, nil when it has none.
type Boundaries interface {
	Boundary(ctx context.Context, code string) (orb.MultiPolygon, error)
}

// Calendars gives the working calendar in force, whose public holidays and
// make-up working days adjust the default schedule.
type Calendars interface {
	Current() *workcal.Calendar
}

// Config holds the service's dependencies and rules. Zero rule values take
// the defaults noted on each field.
type Config struct {
	DB         *db.DB
	Keys       *secret.Keyring
	Locator    Locator
	Boundaries Boundaries
	// Calendar is optional: without it the schedule's weekdays alone say
	// which days are working days.
	Calendar Calendars
	Now      func() time.Time

	// ToleranceM is how far outside the worker's grids a check-in is still
	// accepted, for GPS error at the edge of a grid (default 100 m).
	ToleranceM float64
	// Schedule is the schedule of workers who have none of their own
	// (default Monday–Friday 08:30–17:30).
	Schedule Schedule
	// Location is the zone in which days begin (default the calendar's, or
	// UTC+8, the zone of all of China).
	Location *time.Location
	// EnrolmentTTL is how long an enrolment code lasts (default 15 minutes).
	EnrolmentTTL time.Duration
	// ClockSkew is how far a device's signature time may be from the
	// server's, and how far in the future a check-in time may lie
	// (default 5 minutes).
	ClockSkew time.Duration
	// MaxDelay is how long after the fact a check-in queued offline on the
	// device is still accepted (default 12 hours).
	MaxDelay time.Duration
	// Changes, when set, hears of committed check-ins, patrols and visits
	// with the region paths they touched (live dashboards).
	Changes Changes
}

// Changes hears of committed changes: topic "operations" and region paths.
type Changes interface {
	Publish(ctx context.Context, topic string, paths ...string)
}

// published tells Changes, if any, that the operations under path changed.
func (s *Service) published(ctx context.Context, err error, path string) {
	if err == nil && s.cfg.Changes != nil {
		s.cfg.Changes.Publish(ctx, "operations", path)
	}
}

// Service keeps the workforce.
type Service struct {
	cfg Config
	db  *db.DB
	now func() time.Time
	// commits groups the phones' writes (commit.go); devices caches the
	// device lookup of signed requests.
	commits *groupcommit.Committer
	devices deviceCache
}

// NewService returns the workforce service.
func NewService(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ToleranceM == 0 {
		cfg.ToleranceM = 100
	}
	if len(cfg.Schedule.Days) == 0 {
		cfg.Schedule = DefaultSchedule()
	}
	if cfg.EnrolmentTTL == 0 {
		cfg.EnrolmentTTL = 15 * time.Minute
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = 5 * time.Minute
	}
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = 12 * time.Hour
	}
	return &Service{cfg: cfg, db: cfg.DB, now: cfg.Now, commits: newCommitter(cfg.DB)}
}

// chinaTime is UTC+8 without summer time, which China has kept since 1991;
// a fixed zone needs no tz database on the host.
var chinaTime = time.FixedZone("Asia/Shanghai", 8*3600)

// location is the zone in which attendance days begin.
func (s *Service) location() *time.Location {
	switch {
	case s.cfg.Location != nil:
		return s.cfg.Location
	case s.cfg.Calendar != nil && s.cfg.Calendar.Current() != nil:
		return s.cfg.Calendar.Current().Location()
	default:
		return chinaTime
	}
}

func (s *Service) calendar() *workcal.Calendar {
	if s.cfg.Calendar == nil {
		return nil
	}
	return s.cfg.Calendar.Current()
}

func requireRead(p auth.Principal) error {
	if !p.Can(auth.PermWorkforceRead) {
		return apperr.New(apperr.Forbidden, "you may not read the workforce")
	}
	return nil
}

func requireManage(p auth.Principal) error {
	if !p.Can(auth.PermWorkforceManage) {
		return apperr.New(apperr.Forbidden, "you may not manage the workforce")
	}
	return nil
}

// gridInScope checks that code is a grid inside scope and returns it.
func gridInScope(ctx context.Context, q db.Querier, scope region.Scope, code, field string) (region.Region, error) {
	r, err := region.Lookup(ctx, q, code)
	if apperr.Is(err, apperr.NotFound) || (err == nil && (!scope.Contains(r.Path) || r.Level != region.Grid)) {
		return region.Region{}, apperr.Field(field, fmt.Sprintf("grid %s not found", code))
	}
	return r, err
}

// regionFor resolves the region a measure is asked for: the one named, if
// the caller may see it, else the root of the caller's scope (the first city
// for deployment-wide callers).
func (s *Service) regionFor(ctx context.Context, p auth.Principal, code string) (region.Region, error) {
	scope := p.User.Scope()
	if code == "" {
		switch {
		case scope.IsAll():
			if err := s.db.Read().QueryRowContext(ctx, `SELECT code FROM regions WHERE level = 1 ORDER BY code LIMIT 1`).Scan(&code); err != nil {
				return region.Region{}, apperr.Field("region", "give a region code")
			}
		case scope.Path() != "":
			code = lastCode(scope.Path())
		default:
			return region.Region{}, apperr.Field("region", "give a region code")
		}
	}
	r, err := region.Lookup(ctx, s.db.Read(), code)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !scope.Contains(r.Path)) {
		return region.Region{}, apperr.Field("region", fmt.Sprintf("region %s not found", code))
	}
	return r, err
}

// scopeOf is the path range of the subtree at path.
func scopeOf(path string) (lo, hi string) { return region.Under(path).Range() }

// pageLimit is a list's page size: 100 when none is given, and at most
// 500 — more is refused under limit, never cut short unsaid.
func pageLimit(fs *apperr.Fields, limit int) int {
	switch {
	case limit <= 0:
		return 100
	case limit > 500:
		fs.Add("limit", "must be at most 500")
	}
	return limit
}

func lastCode(path string) string {
	codes := strings.Split(strings.Trim(path, "/"), "/")
	return codes[len(codes)-1]
}

// childCode is the code of the region directly under the region at parent
// on the way to path ("" when path is not below parent).
func childCode(parent, path string) string {
	if !strings.HasPrefix(path, parent) || len(path) == len(parent) {
		return ""
	}
	rest := path[len(parent):]
	if i := strings.IndexByte(rest, '/'); i > 0 {
		return rest[:i]
	}
	return ""
}

// stale is the conflict of a version the caller read that is no longer
// current.
func stale(what string, sent, current int) error {
	return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("the %s was changed by someone else; reload and try again", what),
		Fields: []apperr.FieldError{{Field: "version", Reason: fmt.Sprintf("is %d, the %s is at %d", sent, what, current)}}}
}

func nullIfZero(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
