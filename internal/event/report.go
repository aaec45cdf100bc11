package event

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/plaintext"
	"github.com/gridgov/gridgov/internal/region"
)

// ReportInput is a new event as a reporter gives it.
type ReportInput struct {
	Source       Source           `json:"source"`
	CategoryCode string           `json:"category_code"`
	Title        string           `json:"title"`
	Description  string           `json:"description"`
	Urgency      category.Urgency `json:"urgency"`
	// A location (in CRS, WGS-84 by default) places the event in its grid;
	// without one the grid is given, or is the reporting worker's grid.
	Lng      *float64 `json:"lng"`
	Lat      *float64 `json:"lat"`
	CRS      string   `json:"crs"`
	GridCode string   `json:"grid_code"`
	Address  string   `json:"address"`
	// The reporter's name and phone, for a resident reporting through a
	// hotline or an API client; a signed-in resident is the reporter.
	ReporterName  string `json:"reporter_name"`
	ReporterPhone string `json:"reporter_phone"`
	// OccurredAt is when it happened, for a report drafted earlier; set by
	// callers that checked it (the worker app's device report), never
	// read from a request body here.
	OccurredAt *time.Time `json:"-"`
	// Within is the path of a region the event must lie in (an Open311
	// client's jurisdiction); refusals name the field "within". Set by
	// callers, never read from a request body here.
	Within string `json:"-"`
}

// Filed is what Report answers: the event and open events that look
// like it (same category within 200 m and 72 h), for the center to merge;
// of those, only the ones the reporter may read.
type Filed struct {
	Event   Event     `json:"event"`
	Similar []Similar `json:"similar"`
}

// Similar is an open event that looks like a new report, as suggested for
// merging: what tells a dispatcher whether it is the same matter, and how
// far away it is.
type Similar struct {
	ID           int64     `json:"id"`
	Code         string    `json:"code"`
	CategoryCode string    `json:"category_code"`
	Title        string    `json:"title"`
	Description  string    `json:"description"`
	State        State     `json:"state"`
	GridCode     string    `json:"grid_code"`
	Address      string    `json:"address"`
	Location     orb.Point `json:"location"`
	DistanceM    int       `json:"distance_m"`
	CreatedAt    time.Time `json:"created_at"`
}

// similarRow is a suggestion with what deciding who may read it needs.
type similarRow struct {
	Similar
	level, regionCode, regionPath string
	reporterID                    *int64
}

// event is the suggestion as an Event with only what deciding who may read
// it looks at, into e.
func (o *similarRow) event(e *Event) {
	*e = Event{ID: o.ID, CategoryCode: o.CategoryCode, State: o.State, GridCode: o.GridCode, Level: o.level, RegionCode: o.regionCode,
		regionPath: o.regionPath, reporterID: o.reporterID}
}

// occurredSkew is how far ahead of the server's clock a reported time of
// occurrence may be (a phone's clock runs a little fast).
const occurredSkew = 5 * time.Minute

// Similar events: the same category, open, within this distance and time.
const (
	similarMeters = 200
	similarWithin = 72 * time.Hour
	// similarLimit is how many suggestions a report answers with: the
	// newest few are what a reporter or a dispatcher reads before merging.
	// A burst of reports of one matter (a burst water main, a flood) finds dozens
	// of open duplicates, and sending each reporter twenty of them made
	// encoding and sending the answer a tenth of a report's CPU.
	similarLimit = 5
	// similarCandidates is how many of the newest open ones are looked at
	// for those the reporter may read: a resident reads only their own.
	similarCandidates = 20
)

// Report files a new event. An emergency takes the fast path: it is
// registered and dispatched at once by the routing rules.
func (s *Service) Report(ctx context.Context, p auth.Principal, in ReportInput) (Filed, error) {
	now := audit.Canonical(s.now())
	in.Title, in.Description, in.Address = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), strings.TrimSpace(in.Address)
	var fs apperr.Fields
	allowed, who := sourcesOf(p)
	if len(allowed) == 0 {
		return Filed{}, apperr.New(apperr.Forbidden, "a %s account does not file reports; the center files them", p.User.Role)
	}
	switch {
	case in.Source == "":
		in.Source = allowed[0]
	case !slices.Contains(sources, in.Source):
		fs.Add("source", "must be one of resident, worker, hotline, department, api, sensor")
	case !slices.Contains(allowed, in.Source):
		fs.Add("source", fmt.Sprintf("must be %s for a report from %s; it follows from who reports", joinSources(allowed), who))
	}
	plaintext.Check(&fs, "title", in.Title, 100, true)
	plaintext.Check(&fs, "description", in.Description, 2000, false)
	plaintext.Check(&fs, "address", in.Address, 200, false)
	plaintext.Check(&fs, "reporter_name", in.ReporterName, 50, false)
	if p.User.Role == auth.RoleResident && p.User.ID != 0 {
		// A signed-in resident is the reporter: staff see their account,
		// never a name or phone they typed in. (An API client, also a
		// resident but without an account, passes its caller's on.)
		if in.ReporterName != "" {
			fs.Add("reporter_name", "is taken from your account; leave it out")
		}
		if in.ReporterPhone != "" {
			fs.Add("reporter_phone", "is your verified phone; leave it out")
		}
	}
	cat, err := s.cats.Get(ctx, in.CategoryCode)
	switch {
	case in.CategoryCode == "":
		fs.Add("category_code", "is required")
	case apperr.Is(err, apperr.NotFound) || (err == nil && (!cat.Leaf || !cat.Active)):
		fs.Add("category_code", fmt.Sprintf("unknown category %q; use a leaf of the category tree", in.CategoryCode))
	case err != nil:
		return Filed{}, err
	}
	if in.Urgency == "" {
		in.Urgency = cat.DefaultUrgency
		if in.Urgency == "" {
			in.Urgency = category.Normal
		}
	}
	if !in.Urgency.Valid() {
		fs.Add("urgency", "must be normal, urgent or emergency")
	}
	var phone string
	if strings.TrimSpace(in.ReporterPhone) != "" {
		if phone, err = pii.NormalizePhone(in.ReporterPhone); err != nil {
			fs.Add("reporter_phone", err.Error())
		}
	}
	var point *orb.Point
	if in.Lng != nil || in.Lat != nil {
		switch pt, err := toWGS84(in.Lng, in.Lat, in.CRS); {
		case err != nil:
			fs.Add("lng", err.Error())
		default:
			point = &pt
		}
	}
	var occurred *time.Time
	if in.OccurredAt != nil {
		// Callers bound it by their own clock and skew; this only keeps a
		// time from the future out of the history.
		if t := audit.Canonical(*in.OccurredAt); t.After(now.Add(occurredSkew)) {
			fs.Add("occurred_at", "is in the future; check the device's clock")
		} else {
			occurred = &t
		}
	}
	if err := fs.Err(); err != nil {
		return Filed{}, err
	}
	grid, path, err := s.place(ctx, p, point, in.GridCode)
	if err != nil {
		return Filed{}, err
	}
	if reach, ok := reportReach(p); ok && !reach.Contains(path) {
		// A grid out of reach is not found, as elsewhere, so that its
		// existence is not revealed; a point names no grid.
		if point != nil {
			return Filed{}, apperr.Field("lng", "the location is outside your area")
		}
		return Filed{}, apperr.Field("grid_code", fmt.Sprintf("grid %s not found", in.GridCode))
	}
	if in.Within != "" && !strings.HasPrefix(path, in.Within) {
		return Filed{}, apperr.Field("within", fmt.Sprintf("the place is in grid %s, outside region %s", grid, lastCode(in.Within)))
	}
	e := Event{Source: in.Source, CategoryCode: in.CategoryCode, Title: in.Title, Description: in.Description, Urgency: in.Urgency,
		State: Reported, GridCode: grid, Location: point, Address: in.Address, ReporterName: in.ReporterName,
		OccurredAt: occurred, CreatedAt: now, UpdatedAt: now, Version: 1, regionPath: path, token: newToken(now)}
	if p.User.ID != 0 {
		id := p.User.ID
		e.reporterID = &id
		if e.ReporterName == "" {
			e.ReporterName = p.User.DisplayName
		}
	}
	e.Level, e.RegionCode = holder(path, region.Township)
	// The open events like it are looked up on a read connection while the
	// report waits for its group commit: the single writer only files. The
	// search runs here rather than on a goroutine of its own, which on a
	// busy machine waited for a core before it began.
	var out Filed
	probe := e // a copy: filing fills e in meanwhile
	filed := s.submitReport(ctx, s.serialKey(path, now), func(ctx context.Context, tx *sql.Tx) error {
		return s.file(ctx, tx, p, &e, cat, phone, now)
	})
	similar, similarErr := s.similar(ctx, probe)
	err = filed()
	if err == nil {
		err = similarErr
	}
	if err != nil {
		return Filed{}, err
	}
	// A search that ran after the commit saw the report itself. Only what
	// the reporter may read is suggested: a resident sees their own
	// reports, a worker those of their grid, a department those it handles.
	out.Similar = make([]Similar, 0, min(len(similar), similarLimit))
	var reach Event
	for i := range similar {
		o := &similar[i]
		if len(out.Similar) == similarLimit {
			break
		}
		if o.ID == e.ID {
			continue
		}
		if o.event(&reach); len(s.parties(ctx, p, &reach)) > 0 {
			out.Similar = append(out.Similar, o.Similar)
		}
	}
	s.published(ctx, e.regionPath)
	e.Actions = s.actions(ctx, s.db.Read(), &e, p, s.parties(ctx, p, &e))
	out.Event = e
	return out, nil
}

// file stores a new event and its first history line inside tx; an
// emergency is registered and dispatched at once (急要件).
func (s *Service) file(ctx context.Context, tx *sql.Tx, p auth.Principal, e *Event, cat category.Category, phone string, now time.Time) error {
	s.startStep(e, cat, now)
	var phoneEnc []byte
	if phone != "" {
		phoneEnc = s.keys.Seal([]byte(phone), reporterPhoneContext(e.token))
		e.ReporterPhone = pii.MaskPhone(phone)
	}
	var lng, lat any
	if e.Location != nil {
		lng, lat = e.Location[0], e.Location[1]
	}
	e.measures = derive(fReported)
	row := []any{string(e.Source), e.CategoryCode, e.Title, e.Description, string(e.Urgency), string(e.State), e.Level, e.RegionCode,
		e.GridCode, e.regionPath, lng, lat, e.Address, e.reporterID, e.ReporterName, phoneEnc, e.ReporterPhone, string(e.Step),
		e.StepStartedAt, e.StepDue, e.token, int(e.measures), now, now, e.OccurredAt}
	history, err := historyRow(e, p, partyOf(p, *e), "report", "", Reported, "", nil, "", nil, now)
	if err != nil {
		return err
	}
	key := s.serialKey(e.regionPath, now)
	serial, err := s.serial(ctx, tx, key)
	if err != nil {
		return err
	}
	e.Code = fmt.Sprintf("%s%05d", key, serial)
	if s.db.Engine == db.Postgres {
		// The row and its history in one round trip: the committer's
		// connection waits on each.
		args := append(append([]any{e.Code}, row...), history...)
		if err := s.txQueryRow(ctx, tx, fileQuery, args...).Scan(&e.ID); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
	} else {
		if err := s.txQueryRow(ctx, tx, insertEvent, append([]any{e.Code}, row...)...).Scan(&e.ID); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
		if _, err := s.txExec(ctx, tx, insertHistory, append([]any{e.ID}, history...)...); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}
	if err := s.moveCounters(ctx, tx, e, 0, e.measures); err != nil {
		return err
	}
	if e.Urgency == category.Emergency {
		// 急要件: no waiting in a queue for anyone.
		sys := auth.System("emergency")
		if err := s.apply(ctx, tx, e, sys, []Party{Center}, ActInput{Action: Register, Version: e.Version, Note: "urgent: registered on report"}, cat, now); err != nil {
			return err
		}
		if err := s.apply(ctx, tx, e, sys, []Party{Center}, ActInput{Action: Dispatch, Version: e.Version, Note: "urgent: dispatched by the routing rules"}, cat, now); err != nil && !apperr.Is(err, apperr.Invalid) {
			return err
		}
	}
	return nil
}

// newEventColumns are the columns of a new event's row after its code.
const newEventColumns = `source, category_code, title, description, urgency, state, level, region_code, grid_code, region_path, lng, lat,
	address, reporter_id, reporter_name, reporter_phone_enc, reporter_phone_mask, step, step_started_at, step_due, token, measures,
	created_at, updated_at, occurred_at`

// insertEvent stores a new event's row on SQLite: its code, then
// newEventColumns.
var insertEvent = `INSERT INTO events (code, ` + newEventColumns + `) VALUES (` + params(1, 26) + `) RETURNING id`

// fileQuery is file on PostgreSQL: the event's row ($1 the code, then
// newEventColumns' order) and its first history line (the 12 values after
// the row, in historyColumns' order) in one statement, answering the id.
var fileQuery = `WITH ev AS (INSERT INTO events (code, ` + newEventColumns + `) VALUES (` + params(1, 26) + `) RETURNING id),
	history AS (INSERT INTO event_actions (event_id, ` + historyColumns + `) SELECT ev.id, ` + params(27, 12) + ` FROM ev)
	SELECT id FROM ev`

// params is "$from, …" for n parameters.
func params(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// sourcesOf is the channel a principal's report comes through, the default
// first, and who the principal is, for refusals: a report's source follows
// from who files it, so that figures by source can be trusted. Only the
// center (and administrators) file for others, from the hotline or a sensor
// feed. Leaders file nothing.
func sourcesOf(p auth.Principal) ([]Source, string) {
	switch {
	case p.APIClient:
		return []Source{FromAPI}, "an API client"
	case p.User.Role == auth.RoleResident:
		return []Source{FromResident}, "a resident"
	case p.User.Role == auth.RoleWorker:
		return []Source{FromWorker}, "a grid worker"
	case p.User.Role == auth.RoleDepartment:
		return []Source{FromDepartment}, "a department"
	case p.User.Role == auth.RoleCenter, p.User.Role == auth.RoleAdmin:
		return []Source{FromHotline, FromSensor}, "a center"
	}
	return nil, ""
}

// reportReach is the region a principal may file events in, when it is
// bounded: staff scoped to a region (a center, a grid worker, a scoped
// administrator) file and place events inside their scope only, as they
// keep its registry and grids. Residents and API clients report anywhere
// in the city (an Open311 client's jurisdiction is checked as "within"),
// and a department is scoped to itself, not to a region.
func reportReach(p auth.Principal) (region.Scope, bool) {
	if p.APIClient || p.User.ScopeKind() != auth.ScopeRegion {
		return region.Scope{}, false
	}
	return p.User.Scope(), true
}

func joinSources(list []Source) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return strings.Join(out, " or ")
}

func toWGS84(lng, lat *float64, crsName string) (orb.Point, error) {
	if lng == nil || lat == nil {
		return orb.Point{}, fmt.Errorf("give both lng and lat")
	}
	crs, err := geo.ParseCRS(orDefault(crsName, "wgs84"))
	if err != nil {
		return orb.Point{}, err
	}
	if err := geo.ValidatePoint(*lng, *lat, crs); err != nil {
		return orb.Point{}, err
	}
	g, err := geo.ToWGS84(crs, orb.Point{*lng, *lat})
	if err != nil {
		return orb.Point{}, err
	}
	return g.(orb.Point), nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// place finds the event's grid: the one holding the point, else the grid
// given, else the reporting worker's own grid.
func (s *Service) place(ctx context.Context, p auth.Principal, point *orb.Point, gridCode string) (string, string, error) {
	if point != nil {
		code, path, ok := s.loc.GridAt(*point)
		if !ok {
			return "", "", apperr.Field("lng", "the location is not inside any grid of this city")
		}
		return code, path, nil
	}
	if gridCode == "" && p.User.Role == auth.RoleWorker {
		if sc := p.User.Scope(); !sc.IsAll() && strings.Count(sc.Path(), "/") == 6 {
			gridCode = lastCode(sc.Path())
		}
	}
	if gridCode == "" && p.User.Role == auth.RoleResident && s.homes != nil {
		home, err := s.homes.HomeGrid(ctx, p.User.ID)
		if err != nil {
			return "", "", err
		}
		if home == "" {
			return "", "", apperr.Field("lng", "give the location (lng, lat), or choose your grid first so that an address alone can be placed")
		}
		gridCode = home
	}
	if gridCode == "" {
		return "", "", apperr.Field("lng", "give the location (lng, lat) or the grid (grid_code) of the event")
	}
	r, err := region.Lookup(ctx, s.db.Read(), gridCode)
	if apperr.Is(err, apperr.NotFound) || (err == nil && r.Level != region.Grid) {
		return "", "", apperr.Field("grid_code", fmt.Sprintf("grid %s not found", gridCode))
	}
	if err != nil {
		return "", "", err
	}
	return r.Code, r.Path, nil
}

func lastCode(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	return parts[len(parts)-1]
}

// holder is the region at a level on a grid's path: the center that holds
// an event there.
func holder(path string, level region.Level) (string, string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	i := min(int(level), len(parts)) - 1
	return region.Level(i + 1).String(), parts[i]
}

// pathOf cuts a grid's path at a region code on it.
func pathOf(gridPath, code string) string {
	i := strings.Index(gridPath, "/"+code+"/")
	if i < 0 {
		return gridPath
	}
	return gridPath[:i+len(code)+2]
}

// serialKey names the row of event_serials that numbers an event's code,
// and begins the code: the day and the county.
func (s *Service) serialKey(path string, now time.Time) string {
	_, county := holder(path, region.County)
	return now.In(s.cal().Location()).Format("20060102") + county
}

// serial is the next serial under key: from those the transaction's
// batch took for its reports, or else taken alone.
func (s *Service) serial(ctx context.Context, tx *sql.Tx, key string) (int, error) {
	if v, ok := s.counters.Load(tx); ok {
		if b, ok := v.(*counterBatch); ok {
			if n, ok, err := b.serial(ctx, tx, key); ok {
				return n, err
			}
		}
	}
	return s.reserveSerials(ctx, tx, key, 1)
}

// reserveSerials takes n serials under key and answers the last; the row
// stays locked until the transaction ends.
func (s *Service) reserveSerials(ctx context.Context, tx *sql.Tx, key string, n int) (int, error) {
	var last int
	err := s.txQueryRow(ctx, tx, `INSERT INTO event_serials (day, county, last) VALUES ($1, $2, $3)
		ON CONFLICT (day, county) DO UPDATE SET last = event_serials.last + excluded.last RETURNING last`, key[:8], key[8:], n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("event code: %w", err)
	}
	return last, nil
}

// returnSerials gives back the serials a transaction took and did not
// give out (reports refused, or whose callers left), so that codes leave
// no gaps. Nobody took any since: the rows are the transaction's.
func (s *Service) returnSerials(ctx context.Context, tx *sql.Tx, held map[string]*serialRange) error {
	for k, r := range held {
		if unused := r.last - r.next + 1; unused > 0 {
			if _, err := s.txExec(ctx, tx, `UPDATE event_serials SET last = last - $3 WHERE day = $1 AND county = $2`, k[:8], k[8:], unused); err != nil {
				return fmt.Errorf("event code: %w", err)
			}
		}
	}
	return nil
}

// newToken is an event's public token: the report's time in milliseconds,
// then 96 random bits. Only the random part keeps it unguessable; the time
// in front makes new tokens sort after the old ones, so that each goes to
// the end of the token index instead of to a page of its own among
// millions (a page less to write at every report).
func newToken(at time.Time) string {
	var b [20]byte
	binary.BigEndian.PutUint64(b[:8], uint64(at.UnixMilli()))
	_, _ = rand.Read(b[8:])
	return hex.EncodeToString(b[2:]) // 48 bits of milliseconds, 96 random
}

// similar finds open events of the same category near the new one.
func (s *Service) similar(ctx context.Context, e Event) ([]similarRow, error) {
	if e.Location == nil {
		return nil, nil
	}
	if s.db.Engine == db.SQLite {
		return s.similarNearby(ctx, e)
	}
	q, err := s.similarStmt(ctx)
	if err != nil {
		return nil, err
	}
	// A box of ±similarMeters around the point, then the exact distance;
	// one more than similarCandidates, as the report itself may be among
	// them.
	dLat := similarMeters / 111_320.0
	dLng := dLat / math.Cos(e.Location[1]*math.Pi/180)
	rows, err := q.QueryContext(ctx, e.CategoryCode, e.ID, e.CreatedAt.Add(-similarWithin), e.Location[0]-dLng, e.Location[0]+dLng,
		e.Location[1]-dLat, e.Location[1]+dLat)
	if err != nil {
		return nil, fmt.Errorf("similar events: %w", err)
	}
	defer rows.Close()
	var out []similarRow
	for rows.Next() {
		var o similarRow
		var state string
		var reporter sql.NullInt64
		if err := rows.Scan(&o.ID, &o.Code, &o.CategoryCode, &o.Title, &o.Description, &state, &o.level, &o.regionCode, &o.GridCode,
			&o.regionPath, &o.Location[0], &o.Location[1], &o.Address, &reporter, &o.CreatedAt); err != nil {
			return nil, fmt.Errorf("similar events: %w", err)
		}
		d := geo.DistanceM(o.Location, *e.Location)
		if d > similarMeters {
			continue
		}
		o.State, o.DistanceM, o.CreatedAt = State(state), int(math.Round(d)), o.CreatedAt.UTC()
		if reporter.Valid {
			o.reporterID = &reporter.Int64
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// similarStmt is the search of similar on PostgreSQL, prepared on the
// read pool.
func (s *Service) similarStmt(ctx context.Context) (*sql.Stmt, error) {
	st, err := s.db.ReadStmt(ctx, `SELECT id, code, category_code, title, description, state, level, region_code, grid_code, region_path,
		lng, lat, address, reporter_id, created_at FROM events WHERE category_code = $1
		AND id <> $2 AND created_at >= $3 AND state NOT IN ('closed', 'rejected', 'duplicate', 'voided') AND lng BETWEEN $4 AND $5
		AND lat BETWEEN $6 AND $7 ORDER BY id DESC LIMIT `+strconv.Itoa(similarCandidates+1))
	if err != nil {
		return nil, fmt.Errorf("similar events: %w", err)
	}
	return st, nil
}
