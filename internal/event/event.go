// Package event is the closed loop of events (事件): residents, grid
// workers, hotlines and other systems report; a governance center
// registers, dispatches, self-handles or escalates (吹哨); departments sign
// for, handle and feed back; the center verifies and closes; the reporter
// rates. The loop is a table (machine.go) checked on every action; the
// current state is a projection of the append-only history, and a version
// guards every transition, so that of two concurrent actions one wins and
// the other gets a conflict. Each step runs against a time limit of the
// event's category counted in working time (internal/workcal); leaving a
// step freezes whether it was on time, and the measures of DESIGN.md are
// counters updated in the same transaction (measures.go).
package event

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/groupcommit"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workcal"
)

// Source says through which channel an event came in.
type Source string

const (
	FromResident   Source = "resident"
	FromWorker     Source = "worker"
	FromHotline    Source = "hotline"
	FromDepartment Source = "department"
	FromAPI        Source = "api"
	FromSensor     Source = "sensor"
)

var sources = []Source{FromResident, FromWorker, FromHotline, FromDepartment, FromAPI, FromSensor}

// Event is an event as the API shows it. The reporter's phone is masked.
type Event struct {
	ID             int64            `json:"id"`
	Code           string           `json:"code"`
	Source         Source           `json:"source"`
	CategoryCode   string           `json:"category_code"`
	Title          string           `json:"title"`
	Description    string           `json:"description"`
	Urgency        category.Urgency `json:"urgency"`
	State          State            `json:"state"`
	Level          string           `json:"level"`
	RegionCode     string           `json:"region_code"`
	GridCode       string           `json:"grid_code"`
	Location       *orb.Point       `json:"location,omitempty"`
	Address        string           `json:"address"`
	ReporterName   string           `json:"reporter_name,omitempty"`
	ReporterPhone  string           `json:"reporter_phone,omitempty"`
	LeadDepartment string           `json:"lead_department,omitempty"`
	Assisting      []string         `json:"assisting,omitempty"`
	DuplicateOf    *int64           `json:"duplicate_of,omitempty"`
	SelfHandled    bool             `json:"self_handled"`
	Supervised     bool             `json:"supervised"`
	SuperviseDue   *time.Time       `json:"supervise_due,omitempty"`
	// Step is the timed step under way, StepDue its deadline and Warning
	// "", "yellow" or "red" as of the answer.
	Step          category.Step `json:"step,omitempty"`
	StepStartedAt *time.Time    `json:"step_started_at,omitempty"`
	StepDue       *time.Time    `json:"step_due,omitempty"`
	Warning       string        `json:"warning"`
	ReworkCount   int           `json:"rework_count"`
	Extended      bool          `json:"extended"`
	Rating        string        `json:"rating,omitempty"`
	// OccurredAt is when the reporter says it happened (a report drafted
	// offline); CreatedAt, when the center received it, starts the clock.
	OccurredAt *time.Time `json:"occurred_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	Version    int        `json:"version"`
	// Actions are what the caller may do now.
	Actions []Action `json:"actions"`

	regionPath string
	reporterID *int64
	measures   flags
	token      string
}

// Entry is one line of an event's history.
type Entry struct {
	ID         int64          `json:"id"`
	Action     string         `json:"action"`
	ActorName  string         `json:"actor_name"`
	Role       string         `json:"role"`
	Department string         `json:"department,omitempty"`
	From       State          `json:"from"`
	To         State          `json:"to"`
	Note       string         `json:"note,omitempty"`
	Detail     map[string]any `json:"detail,omitempty"`
	Step       category.Step  `json:"step,omitempty"`
	StepOnTime *bool          `json:"step_on_time,omitempty"`
	At         time.Time      `json:"at"`
}

// Locator places a WGS-84 point in its grid.
type Locator interface {
	GridAt(p orb.Point) (code, path string, ok bool)
}

// Catalog gives the category an event is filed under, and whether the
// public may see its events' text and place (*category.Service is one).
type Catalog interface {
	Get(ctx context.Context, code string) (category.Category, error)
	Withheld(ctx context.Context, code string) (bool, error)
	WithheldCodes(ctx context.Context) ([]string, error)
}

// Router chooses the lead department for a category at a region path.
type Router interface {
	Route(ctx context.Context, categoryCode, regionPath string) (department.Route, bool, error)
}

// HomeGrids gives the grid a resident chose as theirs (internal/resident),
// where their report is placed when it has an address but no point.
type HomeGrids interface {
	HomeGrid(ctx context.Context, userID int64) (string, error)
}

// Service runs the closed loop.
type Service struct {
	db     *db.DB
	keys   *secret.Keyring
	loc    Locator
	cats   Catalog
	router Router
	cals   Calendars
	homes  HomeGrids
	// zone keys the counters by month: fixed at start, so that a later
	// change of the calendar's zone cannot move an event's month.
	zone *time.Location
	now  func() time.Time
	log  *slog.Logger

	commits  []*groupcommit.Committer // one on SQLite; on PostgreSQL reports are shared out by county
	shards   shards
	batches  sync.Pool // of *counterBatch
	prepared stmts
	near     nearby // the duplicate search on SQLite
	// counters holds the counter moves of each open write, by transaction.
	counters sync.Map
	changes  Changes
	fast     atomic.Pointer[FastCounts]
	// fullCounters is upsertCounters of a full chunk, built once.
	fullCounters string
}

// Config gathers what the service uses.
type Config struct {
	DB       *db.DB
	Keys     *secret.Keyring
	Locator  Locator
	Catalog  Catalog
	Router   Router
	Calendar *workcal.Calendar // a fixed calendar; nil: workcal.Default()
	// Calendars, when set, gives the calendar as edited at each moment.
	Calendars Calendars
	Now       func() time.Time // nil: time.Now
	Log       *slog.Logger     // nil: slog.Default()
	// HomeGrids, when set, places a resident's report without a point or
	// a grid in the resident's chosen grid.
	HomeGrids HomeGrids
	// Changes, when set, hears of every committed change with the region
	// paths it touched (live dashboards); nil: nobody.
	Changes Changes
}

// Changes hears of committed changes: topic "events" and region paths.
type Changes interface {
	Publish(ctx context.Context, topic string, paths ...string)
}

// ChangesTopic is the topic the event service publishes under.
const ChangesTopic = "events"

// published tells Changes, if any, that events under paths changed.
func (s *Service) published(ctx context.Context, paths ...string) {
	if s.changes != nil {
		s.changes.Publish(ctx, ChangesTopic, paths...)
	}
}

// NewService returns the event service.
func NewService(c Config) *Service {
	s := &Service{db: c.DB, keys: c.Keys, loc: c.Locator, cats: c.Catalog, router: c.Router, cals: c.Calendars, now: c.Now, log: c.Log, homes: c.HomeGrids}
	s.changes = c.Changes
	s.commits = s.newCommitters()
	s.fullCounters = upsertCounters(c.DB.Engine, counterChunk)
	s.near.turns.gap = catchUpGap
	if s.cals == nil {
		cal := c.Calendar
		if cal == nil {
			cal = workcal.Default()
		}
		s.cals = fixedCalendar{cal}
	}
	s.zone = s.cals.Current().Location()
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

var errNotYours = errors.New("not yours")

// Calendars gives the working calendar in force.
type Calendars interface {
	Current() *workcal.Calendar
}

type fixedCalendar struct{ c *workcal.Calendar }

func (f fixedCalendar) Current() *workcal.Calendar { return f.c }

func (s *Service) cal() *workcal.Calendar { return s.cals.Current() }
