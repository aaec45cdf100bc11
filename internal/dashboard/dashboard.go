// Package dashboard assembles the big-screen panels (人房管理, 事件统计,
// 运行管理) for a region and keeps them fast: people figures are counted
// per grid ahead of time and rolled up the region tree in memory, event
// figures are sums of the event counters, and whole panels are cached per
// (panel, region, range) until a change under or above the region arrives
// on the live bus.
package dashboard

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/live"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/workforce"
)

// Catalog names event categories, in Chinese and in English.
type Catalog interface {
	Names(ctx context.Context, code string) (name, nameEn string, err error)
}

// Workforce gives the attendance and staffing measures.
type Workforce interface {
	AttendanceRates(ctx context.Context, p auth.Principal, regionCode string, period workforce.Period) (workforce.AttendanceSummary, error)
	StaffingOf(ctx context.Context, p auth.Principal, regionCode string) (workforce.Staffing, error)
}

// Config holds the service's dependencies.
type Config struct {
	DB *db.DB
	// Bus carries changes: the service listens to invalidate its cache and
	// publishes "people" once the people figures of a change are counted.
	Bus        *live.Bus
	Categories Catalog        // optional: category codes stand for names
	Workforce  Workforce      // optional: no attendance or staffing figures
	Zone       *time.Location // days and months begin here (default UTC+8)
	Now        func() time.Time
	Log        *slog.Logger
	// CacheTTL bounds how long a panel is served from the cache even
	// without changes, for figures that move with the clock (default 30s).
	CacheTTL time.Duration
	// StartWait is how long a request made before Start has finished
	// waits for it before it is answered "unavailable" (default 5s).
	StartWait time.Duration
}

// Service builds the panels.
type Service struct {
	cfg  Config
	tree atomic.Pointer[tree]

	peopleMu sync.RWMutex
	people   map[string][]int64 // grid path → figures in peopleMeasures order
	months   map[string]map[string][2]int64
	peopleAt time.Time

	activityMu sync.RWMutex
	activity   map[string]time.Time // grid path → last check-in, patrol, visit or worker report

	// events and ops hold the event and operations figures; the paths
	// changed since they were read wait in evDirty and opDirty, and one
	// reload runs at a time.
	events   *eventStore
	ops      *opStore
	evDirty  dirtySet
	opDirty  dirtySet
	reloadMu sync.Mutex
	dayNames sync.Map  // day number → YYYY-MM-DD
	idBufs   sync.Pool // *[2][]int64: scratch for counting workers
	jsonBufs sync.Pool // *[]byte: scratch for writing panels
	scratch  sync.Pool // *eventsScratch: where events panels are computed

	started   chan struct{} // closed when Start has loaded everything
	startOnce sync.Once

	dirtyMu sync.Mutex
	dirty   []string
	kick    chan struct{}

	cache cache
}

// New returns the service; Start loads what it holds in memory.
func New(cfg Config) *Service {
	if cfg.Zone == nil {
		cfg.Zone = time.FixedZone("Asia/Shanghai", 8*3600)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 30 * time.Second
	}
	if cfg.StartWait <= 0 {
		cfg.StartWait = 5 * time.Second
	}
	s := &Service{cfg: cfg, people: map[string][]int64{}, months: map[string]map[string][2]int64{}, activity: map[string]time.Time{},
		kick: make(chan struct{}, 1), events: newEventStore(), ops: newOpStore(), started: make(chan struct{})}
	s.cache.entries = map[string]*entry{}
	s.idBufs.New = func() any { return new([2][]int64) }
	if cfg.Bus != nil {
		cfg.Bus.Listen(s.changed)
	}
	return s
}

// Start loads the region tree, the stored people figures, each grid's
// last activity, every event's facts and the operations figures. Stale
// people figures (another day, or never counted) are recounted by Run in
// the background.
func (s *Service) Start(ctx context.Context) error {
	var attrs []slog.Attr
	for _, step := range []struct {
		name string
		load func(ctx context.Context) error
	}{
		{"tree", s.loadTree},
		{"people", func(ctx context.Context) error { return s.loadPeople(ctx, live.Root) }},
		{"activity", func(ctx context.Context) error { return s.loadActivity(ctx, live.Root) }},
		{"events", func(ctx context.Context) error { return s.loadEvents(ctx, live.Root) }},
		{"operations", func(ctx context.Context) error { return s.loadOperations(ctx, live.Root, true) }},
		{"month_attendance", s.loadMonthAttendance},
	} {
		t0 := time.Now()
		if err := step.load(ctx); err != nil {
			return err
		}
		attrs = append(attrs, slog.Duration(step.name, time.Since(t0).Round(time.Millisecond)))
	}
	s.events.mu.RLock()
	attrs = append(attrs, slog.Int("events", len(s.events.byID)))
	s.events.mu.RUnlock()
	s.cfg.Log.LogAttrs(ctx, slog.LevelInfo, "dashboard: figures loaded", attrs...)
	s.startOnce.Do(func() { close(s.started) })
	return nil
}

// Sizes are what the service holds, for watching a long-running server:
// Events grows with the events table; the others stay bounded.
type Sizes struct {
	Ready        bool // Start has finished
	Events       int  // event facts held
	OpenEvents   int
	DayFigures   int // a region's or department's sums of one day
	CachedPanels int
	DirtyPaths   int // changes heard and not yet read
}

// Sizes counts what the service holds.
func (s *Service) Sizes() Sizes {
	var z Sizes
	select {
	case <-s.started:
		z.Ready = true
	default:
	}
	st := s.events
	st.mu.RLock()
	z.Events = len(st.byID)
	for _, o := range st.open {
		z.OpenEvents += len(o)
	}
	for _, group := range []map[string]*regionEvents{st.regions, st.depts} {
		for _, r := range group {
			z.DayFigures += r.held()
		}
	}
	st.mu.RUnlock()
	s.cache.mu.Lock()
	z.CachedPanels = len(s.cache.entries)
	s.cache.mu.Unlock()
	for _, d := range []*dirtySet{&s.evDirty, &s.opDirty} {
		d.mu.Lock()
		z.DirtyPaths += len(d.paths)
		d.mu.Unlock()
	}
	s.dirtyMu.Lock()
	z.DirtyPaths += len(s.dirty)
	s.dirtyMu.Unlock()
	return z
}

// StartAndRun starts the service, trying again while the database fails
// (a server listens meanwhile: panels asked for before are answered
// "unavailable, try again"), then runs it until ctx ends.
func (s *Service) StartAndRun(ctx context.Context) {
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		err := s.Start(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		s.cfg.Log.LogAttrs(ctx, slog.LevelError, "dashboard: start failed; trying again", slog.Duration("in", wait), slog.Any("err", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
	s.Run(ctx)
}

// awaitStart waits for Start to finish, for at most StartWait.
func (s *Service) awaitStart(ctx context.Context) error {
	select {
	case <-s.started:
		return nil
	default:
	}
	t := time.NewTimer(s.cfg.StartWait)
	defer t.Stop()
	select {
	case <-s.started:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return &apperr.Error{Code: apperr.Unavailable, RetryAfterSeconds: 3,
			Message: "the dashboards are still loading their figures after the server started; try again in a few seconds"}
	}
}

// Sync brings the in-memory event and operations figures up to date with
// every change heard so far (Run does so every second; a panel does so for
// changes since, before it is computed).
func (s *Service) Sync(ctx context.Context) error {
	if err := s.syncEvents(ctx, ""); err != nil {
		return err
	}
	return s.syncOperations(ctx, "")
}

// Run refreshes the people figures of changed grids (at most once a
// second), recounts everything when the date changes, and reloads the
// region tree every minute, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-tick.C:
		}
		if stale, err := s.peopleStale(ctx); err == nil && stale {
			s.markDirty(live.Root)
		}
		s.dirtyMu.Lock()
		paths := s.dirty
		s.dirty = nil
		s.dirtyMu.Unlock()
		if len(paths) > 0 {
			if err := s.RefreshPeople(ctx, paths...); err != nil && ctx.Err() == nil {
				s.cfg.Log.LogAttrs(ctx, slog.LevelError, "dashboard: people figures", slog.Any("err", err))
				s.markDirty(paths...)
			}
		}
		if s.ops.dayOf() != s.today().Format(time.DateOnly) {
			// Today's figures begin afresh.
			s.markOperations(live.Root)
		}
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Log.LogAttrs(ctx, slog.LevelError, "dashboard: event and operations figures", slog.Any("err", err))
		}
		if time.Since(last) > time.Minute {
			last = time.Now()
			if err := s.loadTree(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "dashboard: region tree", slog.Any("err", err))
			}
			// What no change names (team members, a worker's other grids)
			// is read again every minute, with the month's attendance.
			s.reloadMu.Lock()
			err := s.loadOperations(ctx, live.Root, false)
			s.reloadMu.Unlock()
			if err != nil && ctx.Err() == nil {
				s.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "dashboard: operations figures", slog.Any("err", err))
			}
			if err := s.loadMonthAttendance(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "dashboard: month attendance", slog.Any("err", err))
			}
		}
		// Wait out the second so that a burst of changes is one refresh.
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (s *Service) markDirty(paths ...string) {
	s.dirtyMu.Lock()
	s.dirty = append(s.dirty, paths...)
	s.dirtyMu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Registry is what the registry publishes its changes to: the grids are
// recounted first, then "people" goes out on the bus.
func (s *Service) Registry() RegistryChanges { return RegistryChanges{s} }

// RegistryChanges takes the registry's changes.
type RegistryChanges struct{ s *Service }

// Publish marks the paths for a recount.
func (r RegistryChanges) Publish(_ context.Context, _ string, paths ...string) {
	r.s.markDirty(paths...)
}

// changed is the bus listener: it drops cached panels the change concerns
// and brings the in-memory figures of other processes' changes up to date.
func (s *Service) changed(c live.Change) {
	if c.Topic == live.Registry {
		// Another process changed the registry: count again here; the
		// screens hear "people" once that is done.
		s.markDirty(c.Path)
		return
	}
	topics := []string{c.Topic}
	if c.Topic == live.Events {
		// Worker reports and grid activity are on the operations panel.
		topics = append(topics, live.Operations)
	}
	// Marked before the cache is dropped, so that a panel computed after
	// the drop reloads what changed first.
	switch c.Topic {
	case live.Events:
		s.markEvents(c.Path)
	case live.Operations:
		s.markOperations(c.Path)
	}
	s.cache.drop(topics, c.Path)
	ctx := context.Background()
	switch {
	case c.Topic == live.People && c.Origin != s.cfg.Bus.Origin():
		if err := s.loadPeople(ctx, c.Path); err != nil {
			s.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "dashboard: reload people figures", slog.Any("err", err))
		}
	case (c.Topic == live.Operations || c.Topic == live.Events) && depth(c.Path) == int(region.Grid):
		if err := s.loadActivity(ctx, c.Path); err != nil {
			s.cfg.Log.LogAttrs(ctx, slog.LevelWarn, "dashboard: grid activity", slog.Any("err", err))
		}
	}
}

func depth(path string) int { return strings.Count(path, "/") - 1 }

// node is a region of the tree.
type node struct {
	Code       string
	Name       string
	Level      region.Level
	ParentCode string
	Path       string
	Lng, Lat   *float64 // the centre of the bounding box
	children   []*node
}

// tree is the region tree in force, with the grids sorted by path so
// that a subtree's grids are one slice.
type tree struct {
	byCode      map[string]*node
	grids       []*node
	nodes       []*node // every region, by path
	city        *node
	departments []department // active departments, by path
	hasDept     map[string]bool
}

// department is a department and the region it serves.
type department struct{ code, name, path string }

func (s *Service) loadTree(ctx context.Context) error {
	rows, err := s.cfg.DB.Read().QueryContext(ctx, `SELECT code, name, level, COALESCE(parent_code, ''), path, min_lng, min_lat, max_lng, max_lat
		FROM regions WHERE valid_to IS NULL OR valid_to > $1 ORDER BY path`, s.cfg.Now().UTC())
	if err != nil {
		return fmt.Errorf("dashboard: region tree: %w", err)
	}
	defer rows.Close()
	t := &tree{byCode: map[string]*node{}, hasDept: map[string]bool{}}
	for rows.Next() {
		n := &node{}
		var x0, y0, x1, y1 *float64
		if err := rows.Scan(&n.Code, &n.Name, &n.Level, &n.ParentCode, &n.Path, &x0, &y0, &x1, &y1); err != nil {
			return fmt.Errorf("dashboard: region tree: %w", err)
		}
		if x0 != nil && y0 != nil && x1 != nil && y1 != nil {
			lng, lat := (*x0+*x1)/2, (*y0+*y1)/2
			n.Lng, n.Lat = &lng, &lat
		}
		t.byCode[n.Code] = n
		t.nodes = append(t.nodes, n)
		if n.Level == region.Grid {
			t.grids = append(t.grids, n)
		}
		if n.Level == region.City && t.city == nil {
			t.city = n
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dashboard: region tree: %w", err)
	}
	for _, n := range t.byCode {
		if p := t.byCode[n.ParentCode]; p != nil {
			p.children = append(p.children, n)
		}
	}
	for _, n := range t.byCode {
		sort.Slice(n.children, func(i, j int) bool { return n.children[i].Code < n.children[j].Code })
	}
	drows, err := s.cfg.DB.Read().QueryContext(ctx, `SELECT code, name, region_path FROM departments WHERE active ORDER BY region_path, code`)
	if err != nil {
		return fmt.Errorf("dashboard: departments: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var d department
		if err := drows.Scan(&d.code, &d.name, &d.path); err != nil {
			return fmt.Errorf("dashboard: departments: %w", err)
		}
		t.departments = append(t.departments, d)
		t.hasDept[d.code] = true
	}
	if err := drows.Err(); err != nil {
		return fmt.Errorf("dashboard: departments: %w", err)
	}
	s.tree.Store(t)
	return nil
}

// nodesUnder is the regions of a subtree, itself included.
func (t *tree) nodesUnder(path string) []*node {
	lo, hi := pathRange(path)
	i := sort.Search(len(t.nodes), func(i int) bool { return t.nodes[i].Path >= lo })
	j := sort.Search(len(t.nodes), func(i int) bool { return t.nodes[i].Path >= hi })
	return t.nodes[i:j]
}

// gridsUnder is the grids of a subtree.
func (t *tree) gridsUnder(path string) []*node {
	lo, hi := region.Under(path).Range()
	if path == live.Root {
		lo, hi = region.All().Range()
	}
	i := sort.Search(len(t.grids), func(i int) bool { return t.grids[i].Path >= lo })
	j := sort.Search(len(t.grids), func(i int) bool { return t.grids[i].Path >= hi })
	return t.grids[i:j]
}

// childOf is the code of the child of the region at parent that holds path.
func childOf(parent, path string) string {
	if !strings.HasPrefix(path, parent) || len(path) <= len(parent) {
		return ""
	}
	rest := path[len(parent):]
	if i := strings.IndexByte(rest, '/'); i > 0 {
		return rest[:i]
	}
	return ""
}

// RegionRef names a region.
type RegionRef struct {
	Code       string       `json:"code"`
	Name       string       `json:"name"`
	Level      region.Level `json:"level"`
	ParentCode string       `json:"parent_code,omitempty"`
}

// PathItem is one region on the way from the root to the region asked about.
type PathItem struct {
	Code  string       `json:"code"`
	Name  string       `json:"name"`
	Level region.Level `json:"level"`
}

var codePattern = regexp.MustCompile(`^\d{6}(\d{3}){0,3}$`)

// resolve checks the caller and picks the region: the one named, else the
// caller's own, else the city.
func (s *Service) resolve(ctx context.Context, p auth.Principal, code string) (*node, []PathItem, error) {
	if !p.Can(auth.PermDashboardRead) {
		return nil, nil, apperr.New(apperr.Forbidden, "you may not read the dashboards")
	}
	if err := s.awaitStart(ctx); err != nil {
		return nil, nil, err
	}
	t := s.tree.Load()
	scope := p.User.Scope()
	if code == "" {
		switch {
		case !scope.IsAll():
			code = lastCode(scope.Path())
		case t.city != nil:
			code = t.city.Code
		default:
			return nil, nil, apperr.Field("region", "there is no city yet; import the regions first")
		}
	} else if !codePattern.MatchString(code) {
		return nil, nil, apperr.Field("region", "must be a region code of 6, 9, 12 or 15 digits")
	}
	n := t.byCode[code]
	if n == nil {
		// A region created a moment ago.
		if err := s.loadTree(ctx); err != nil {
			return nil, nil, err
		}
		t = s.tree.Load()
		if n = t.byCode[code]; n == nil {
			return nil, nil, apperr.New(apperr.NotFound, "region %s not found", code)
		}
	}
	if !scope.Contains(n.Path) {
		return nil, nil, apperr.New(apperr.Forbidden, "region %s is outside your area", code)
	}
	var path []PathItem
	for _, c := range strings.Split(strings.Trim(n.Path, "/"), "/") {
		if a := t.byCode[c]; a != nil {
			path = append(path, PathItem{Code: a.Code, Name: a.Name, Level: a.Level})
		}
	}
	return n, path, nil
}

func ref(n *node) RegionRef {
	return RegionRef{Code: n.Code, Name: n.Name, Level: n.Level, ParentCode: n.ParentCode}
}

func lastCode(path string) string {
	path = strings.Trim(path, "/")
	return path[strings.LastIndexByte(path, '/')+1:]
}

func (s *Service) now() time.Time { return s.cfg.Now().In(s.cfg.Zone) }

func (s *Service) today() time.Time {
	n := s.now()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, s.cfg.Zone)
}

func ratio(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	v := float64(a) / float64(b)
	return &v
}

// entry is a cached panel.
type entry struct {
	topics []string
	path   string
	at     time.Time
	body   []byte
}

// cache holds encoded panels by key. gen counts the changes heard, so
// that a panel computed while a change arrived is not kept.
type cache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]*entry
}

func (c *cache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

const maxEntries = 4096

func (c *cache) get(key string, ttl time.Duration) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e == nil || time.Since(e.at) > ttl {
		return nil
	}
	return e.body
}

func (c *cache) put(key string, e *entry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= maxEntries {
		clear(c.entries)
	}
	c.entries[key] = e
}

func (c *cache) drop(topics []string, path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if !live.Related(e.path, path) {
			continue
		}
		for _, t := range e.topics {
			if contains(topics, t) {
				delete(c.entries, k)
				break
			}
		}
	}
}

// panel serves a panel from the cache or computes and keeps it.
func (s *Service) panel(key string, topics []string, path string, compute func() (any, error)) ([]byte, error) {
	if b := s.cache.get(key, s.cfg.CacheTTL); b != nil {
		return b, nil
	}
	gen := s.cache.generation()
	v, err := compute()
	if err != nil {
		return nil, err
	}
	b, err := s.encode(v)
	if r, ok := v.(interface{ release() }); ok {
		r.release() // its JSON is written
	}
	if err != nil {
		return nil, fmt.Errorf("dashboard: encode: %w", err)
	}
	s.cache.put(key, &entry{topics: topics, path: path, at: time.Now(), body: b}, gen)
	return b, nil
}

// appender is a panel that writes its own JSON (eventsjson.go).
type appender interface {
	appendJSON(b []byte) ([]byte, error)
}

// encode writes a panel's JSON: by its own appendJSON into a reused buffer
// (then copied to its exact size, as the cache keeps it), else by goccy.
func (s *Service) encode(v any) ([]byte, error) {
	a, ok := v.(appender)
	if !ok {
		return json.Marshal(v)
	}
	buf, _ := s.jsonBufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	out, err := a.appendJSON((*buf)[:0])
	if err != nil {
		return nil, err
	}
	b := slices.Clone(out)
	if cap(out) <= 1<<20 { // a city's panel is tens of KiB; keep no giant
		*buf = out
		s.jsonBufs.Put(buf)
	}
	return b, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// RegionPath checks the caller as the panels do and returns the path of
// the region a stream watches.
func (s *Service) RegionPath(ctx context.Context, p auth.Principal, code string) (string, error) {
	n, _, err := s.resolve(ctx, p, code)
	if err != nil {
		return "", err
	}
	return n.Path, nil
}
