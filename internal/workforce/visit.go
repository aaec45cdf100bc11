package workforce

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
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/event"
)

// EventReporter files an event; *event.Service is one.
type EventReporter interface {
	Report(ctx context.Context, p auth.Principal, in event.ReportInput) (event.Filed, error)
}

// UserLoader loads an account; *auth.Service is one. A visit's event is
// reported under the worker's own account, as if from the worker app.
type UserLoader interface {
	GetUser(ctx context.Context, actor auth.Principal, id int64) (auth.User, error)
}

// EventSink is how a visit raises an event in the same request: the event
// service and the accounts to report under. It is passed per call rather
// than held by the Service, so the workforce needs no wiring to the events;
// the zero value refuses a visit asking to raise one.
type EventSink struct {
	Reporter EventReporter
	Users    UserLoader
}

// Purposes of a visit (走访).
var visitPurposes = []string{"elderly_care", "rental_check", "dispute", "campaign_task", "other"}

// Kinds and states of a proxy service (代办).
var (
	proxyKinds    = []string{"social_security", "medical_insurance", "pension", "subsidy", "certificate", "household_registration", "other"}
	proxyStatuses = []string{"accepted", "in_progress", "done"}
)

// Limits of one visit.
const (
	maxVisitPersons = 50
	maxVisitPhotos  = 9
	maxVisitProxies = 20
)

// RaiseEvent is an event reported together with a visit.
type RaiseEvent struct {
	CategoryCode string `json:"category_code"`
	Title        string `json:"title"`
	Description  string `json:"description"`
}

// ProxyInput is an errand taken on for a resident: for a person of the
// registry or, when they are not in it, for a name.
type ProxyInput struct {
	Kind        string `json:"kind"`
	ForPersonID *int64 `json:"for_person_id"`
	ForName     string `json:"for_name"`
	Status      string `json:"status"`
}

// VisitInput is a visit to a household as the device sends it. At is when
// it took place (RFC 3339), for visits queued offline; empty means now.
type VisitInput struct {
	HouseCode     string       `json:"house_code"`
	PersonIDs     []int64      `json:"person_ids"`
	Purpose       string       `json:"purpose"`
	Notes         string       `json:"notes"`
	Photos        []string     `json:"photos"`
	Lng           *float64     `json:"lng"`
	Lat           *float64     `json:"lat"`
	CRS           string       `json:"crs"`
	At            string       `json:"at"`
	RaiseEvent    *RaiseEvent  `json:"raise_event"`
	ProxyServices []ProxyInput `json:"proxy_services"`
}

// ProxyService is a stored proxy service.
type ProxyService struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	ForPersonID *int64 `json:"for_person_id"`
	ForName     string `json:"for_name"`
	Status      string `json:"status"`
}

// Visit is a stored visit.
type Visit struct {
	ID            int64          `json:"id"`
	WorkerID      int64          `json:"worker_id"`
	HouseCode     string         `json:"house_code"`
	GridCode      string         `json:"grid_code"`
	Purpose       string         `json:"purpose"`
	Notes         string         `json:"notes"`
	Photos        []string       `json:"photos"`
	PersonIDs     []int64        `json:"person_ids"`
	Lng           *float64       `json:"lng"`
	Lat           *float64       `json:"lat"`
	At            time.Time      `json:"at"`
	EventID       *int64         `json:"event_id"`
	EventCode     string         `json:"event_code,omitempty"`
	ProxyServices []ProxyService `json:"proxy_services"`
	CreatedAt     time.Time      `json:"created_at"`
}

// visitPlace is a validated visit's house and its worker.
type visitPlace struct {
	houseID int64
	grid    string
	path    string
}

// checkVisit validates the form of a visit.
func (s *Service) checkVisit(c DeviceCaller, in *VisitInput, now time.Time) (time.Time, error) {
	var fs apperr.Fields
	if c.IdempotencyKey == "" {
		fs.Add("Idempotency-Key", "is required: a fresh key for each visit, the same one when retrying it")
	}
	in.HouseCode, in.Notes = strings.TrimSpace(in.HouseCode), strings.TrimSpace(in.Notes)
	if in.HouseCode == "" {
		fs.Add("house_code", "is required")
	}
	if !contains(visitPurposes, in.Purpose) {
		fs.Add("purpose", "must be one of "+strings.Join(visitPurposes, ", "))
	}
	if utf8.RuneCountInString(in.Notes) > 2000 {
		fs.Add("notes", "must be at most 2000 characters")
	}
	if len(in.Photos) > maxVisitPhotos {
		fs.Add("photos", fmt.Sprintf("at most %d photos", maxVisitPhotos))
	}
	for i, ph := range in.Photos {
		if err := checkToken(ph, 1, 128); err != nil {
			fs.Add(fmt.Sprintf("photos[%d]", i), "must be the id of an uploaded attachment: "+err.Error())
		}
	}
	if len(in.PersonIDs) > maxVisitPersons {
		fs.Add("person_ids", fmt.Sprintf("at most %d persons", maxVisitPersons))
	}
	seen := map[int64]bool{}
	for i, id := range in.PersonIDs {
		if seen[id] {
			fs.Add(fmt.Sprintf("person_ids[%d]", i), fmt.Sprintf("person %d is named twice", id))
		}
		seen[id] = true
	}
	if (in.Lng == nil) != (in.Lat == nil) {
		fs.Add("lng", "give both lng and lat, or neither")
	}
	at := now
	if in.At != "" {
		t, err := time.Parse(time.RFC3339, in.At)
		switch {
		case err != nil:
			fs.Add("at", "must be an RFC 3339 time such as 2026-06-01T08:30:00+08:00")
		case t.After(now.Add(s.cfg.ClockSkew)):
			fs.Add("at", fmt.Sprintf("is in the future (%s ahead of the server clock); set the phone's clock", t.Sub(now).Round(time.Second)))
		case t.Before(now.Add(-s.cfg.MaxDelay)):
			fs.Add("at", "is too long ago; visits queued offline must be sent within "+s.cfg.MaxDelay.String())
		case t.Before(c.boundAt):
			fs.Add("at", "is before this device was bound")
		default:
			at = audit.Canonical(t)
		}
	}
	if ev := in.RaiseEvent; ev != nil {
		if strings.TrimSpace(ev.CategoryCode) == "" {
			fs.Add("raise_event.category_code", "is required")
		}
		if strings.TrimSpace(ev.Title) == "" {
			fs.Add("raise_event.title", "is required")
		}
	}
	if len(in.ProxyServices) > maxVisitProxies {
		fs.Add("proxy_services", fmt.Sprintf("at most %d per visit", maxVisitProxies))
	}
	for i, ps := range in.ProxyServices {
		f := fmt.Sprintf("proxy_services[%d]", i)
		if !contains(proxyKinds, ps.Kind) {
			fs.Add(f+".kind", "must be one of "+strings.Join(proxyKinds, ", "))
		}
		if ps.Status == "" {
			in.ProxyServices[i].Status = "accepted"
		} else if !contains(proxyStatuses, ps.Status) {
			fs.Add(f+".status", "must be one of "+strings.Join(proxyStatuses, ", "))
		}
		in.ProxyServices[i].ForName = strings.TrimSpace(ps.ForName)
		if ps.ForPersonID == nil && in.ProxyServices[i].ForName == "" {
			fs.Add(f+".for_person_id", "say for whom: a person of the registry, or for_name")
		}
		if utf8.RuneCountInString(ps.ForName) > 50 {
			fs.Add(f+".for_name", "must be at most 50 characters")
		}
	}
	return at, fs.Err()
}

// placeVisit checks that the house and every person named lie in one of
// the worker's grids; anything else is not found, as it would be to the
// worker in the registry.
func placeVisit(ctx context.Context, q db.Querier, w Worker, in VisitInput) (visitPlace, error) {
	mine := map[string]bool{}
	for _, g := range w.Grids {
		mine[g.GridCode] = true
	}
	var vp visitPlace
	err := q.QueryRowContext(ctx, `SELECT id, grid_code, region_path FROM houses WHERE code = $1`, in.HouseCode).Scan(&vp.houseID, &vp.grid, &vp.path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !mine[vp.grid]) {
		return vp, apperr.Field("house_code", fmt.Sprintf("house %s not found in your grids", in.HouseCode))
	}
	if err != nil {
		return vp, fmt.Errorf("visit house %s: %w", in.HouseCode, err)
	}
	var fs apperr.Fields
	check := func(field string, id int64) error {
		var grid string
		err := q.QueryRowContext(ctx, `SELECT grid_code FROM persons WHERE id = $1`, id).Scan(&grid)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && !mine[grid]):
			fs.Add(field, fmt.Sprintf("person %d not found in your grids", id))
		case err != nil:
			return fmt.Errorf("visit person %d: %w", id, err)
		}
		return nil
	}
	for i, id := range in.PersonIDs {
		if err := check(fmt.Sprintf("person_ids[%d]", i), id); err != nil {
			return vp, err
		}
	}
	for i, ps := range in.ProxyServices {
		if ps.ForPersonID != nil {
			if err := check(fmt.Sprintf("proxy_services[%d].for_person_id", i), *ps.ForPersonID); err != nil {
				return vp, err
			}
		}
	}
	return vp, fs.Err()
}

// visitReplayed refuses a visit whose idempotency key the device used.
func visitReplayed(ctx context.Context, q db.Querier, c DeviceCaller) error {
	var id int64
	var at time.Time
	err := q.QueryRowContext(ctx, `SELECT id, at FROM visits WHERE device_id = $1 AND idempotency_key = $2`, c.deviceRow, c.IdempotencyKey).Scan(&id, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("visit: %w", err)
	}
	return &apperr.Error{Code: apperr.Conflict, Message: "a replayed request was refused",
		Fields: []apperr.FieldError{{Field: "Idempotency-Key", Reason: fmt.Sprintf("was already used for visit %d at %s; this request was not counted again",
			id, at.UTC().Format(time.RFC3339))}}}
}

// raise reports the visit's event under the worker's account. Its
// refusals name the field inside raise_event.
func (s *Service) raise(ctx context.Context, sink EventSink, w Worker, in VisitInput, vp visitPlace) (event.Filed, error) {
	if sink.Reporter == nil || sink.Users == nil {
		return event.Filed{}, apperr.Field("raise_event", "events cannot be raised with a visit on this server; report the event separately")
	}
	if w.UserID == nil {
		return event.Filed{}, apperr.Field("raise_event", "your worker record has no account to report the event under; ask your center")
	}
	u, err := sink.Users.GetUser(ctx, auth.System("workforce"), *w.UserID)
	if err != nil {
		return event.Filed{}, fmt.Errorf("account of worker %d: %w", w.ID, err)
	}
	ev := in.RaiseEvent
	f, err := sink.Reporter.Report(ctx, auth.Principal{User: u}, event.ReportInput{Source: event.FromWorker, CategoryCode: ev.CategoryCode,
		Title: ev.Title, Description: ev.Description, Lng: in.Lng, Lat: in.Lat, CRS: in.CRS, GridCode: vp.grid, Address: "house " + in.HouseCode})
	if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
		out := &apperr.Error{Code: e.Code, Message: e.Message}
		for _, fe := range e.Fields {
			out.Fields = append(out.Fields, apperr.FieldError{Field: "raise_event." + fe.Field, Reason: fe.Reason})
		}
		return event.Filed{}, out
	}
	return f, err
}

// RecordVisit stores a visit from the worker's device, with its proxy
// services and, when asked, the event it raises. The event is filed first,
// so that an event the event service refuses refuses the whole visit and
// nothing is half-written.
func (s *Service) RecordVisit(ctx context.Context, c DeviceCaller, in VisitInput, sink EventSink) (Visit, error) {
	now := audit.Canonical(s.now())
	at, err := s.checkVisit(c, &in, now)
	if err != nil {
		return Visit{}, err
	}
	var lng, lat *float64
	if in.Lng != nil {
		ci := CheckInput{Lng: in.Lng, Lat: in.Lat, CRS: in.CRS}
		pt, _, _, err := s.checkInput(c, ci, now)
		if err != nil {
			return Visit{}, err
		}
		lng, lat = &pt[0], &pt[1]
	}
	w, err := s.getWorker(ctx, s.db.Read(), c.WorkerID)
	if err != nil {
		return Visit{}, err
	}
	vp, err := placeVisit(ctx, s.db.Read(), w, in)
	if err != nil {
		return Visit{}, err
	}
	if err := visitReplayed(ctx, s.db.Read(), c); err != nil {
		return Visit{}, err
	}
	// After the replay check: a replayed visit's photos are its own already.
	if err := checkVisitPhotos(ctx, s.db.Read(), w.ID, in.Photos); err != nil {
		return Visit{}, err
	}
	v := Visit{WorkerID: w.ID, HouseCode: in.HouseCode, GridCode: vp.grid, Purpose: in.Purpose, Notes: in.Notes,
		Photos: append([]string{}, in.Photos...), PersonIDs: append([]int64{}, in.PersonIDs...), Lng: lng, Lat: lat, At: at, CreatedAt: now,
		ProxyServices: []ProxyService{}}
	if in.RaiseEvent != nil {
		f, err := s.raise(ctx, sink, w, in, vp)
		if err != nil {
			return Visit{}, err
		}
		v.EventID, v.EventCode = &f.Event.ID, f.Event.Code
	}
	month := at.In(s.location()).Format("2006-01")
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := stillBound(ctx, tx, c); err != nil {
			return err
		}
		if err := visitReplayed(ctx, tx, c); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO visits (worker_id, device_id, house_id, house_code, grid_code, region_path, purpose, notes, photos,
			lng, lat, at, month, event_id, idempotency_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			RETURNING id`, w.ID, c.deviceRow, vp.houseID, in.HouseCode, vp.grid, vp.path, in.Purpose, in.Notes, strings.Join(in.Photos, " "),
			lng, lat, at, month, v.EventID, c.IdempotencyKey, now).Scan(&v.ID)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "the same visit was stored by a concurrent request; this one was not counted")
		}
		if err != nil {
			return fmt.Errorf("store visit: %w", err)
		}
		if err := linkVisitPhotos(ctx, tx, w.ID, v.ID, in.Photos); err != nil {
			return err
		}
		for _, id := range in.PersonIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO visit_persons (visit_id, person_id) VALUES ($1, $2)`, v.ID, id); err != nil {
				return fmt.Errorf("store visit %d person %d: %w", v.ID, id, err)
			}
		}
		for _, ps := range in.ProxyServices {
			out := ProxyService{Kind: ps.Kind, ForPersonID: ps.ForPersonID, ForName: ps.ForName, Status: ps.Status}
			if err := tx.QueryRowContext(ctx, `INSERT INTO proxy_services (visit_id, worker_id, region_path, kind, for_person_id, for_name, status, month, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, v.ID, w.ID, vp.path, ps.Kind, ps.ForPersonID, ps.ForName, ps.Status, month, now).Scan(&out.ID); err != nil {
				return fmt.Errorf("store visit %d proxy service: %w", v.ID, err)
			}
			v.ProxyServices = append(v.ProxyServices, out)
		}
		return nil
	})
	s.published(ctx, err, vp.path)
	return v, err
}

// VisitQuery narrows ListVisits: one worker, one grid or one region (the
// caller's scope by default), a month (YYYY-MM) and a purpose.
type VisitQuery struct {
	WorkerID int64
	Grid     string
	Region   string
	Month    string // YYYY-MM, or
	Date     string // YYYY-MM-DD, the day of the visit
	Purpose  string
	After    int64
	Limit    int
}

// VisitCounts count the visits and proxy services a query selects.
type VisitCounts struct {
	Visits        int                       `json:"visits"`
	ByPurpose     map[string]int            `json:"by_purpose"`
	ByMonth       map[string]map[string]int `json:"by_month"`
	ProxyServices int                       `json:"proxy_services"`
	ProxyByStatus map[string]int            `json:"proxy_by_status"`
	ProxyByKind   map[string]int            `json:"proxy_by_kind"`
	EventsRaised  int                       `json:"events_raised"`
}

// VisitPage is a page of visits, newest id first, with the counts of all
// visits the query selects (not only the page).
type VisitPage struct {
	Items     []Visit     `json:"items"`
	NextAfter *int64      `json:"next_after"`
	Counts    VisitCounts `json:"counts"`
}

// ListVisits lists visits with counts per purpose and month.
func (s *Service) ListVisits(ctx context.Context, p auth.Principal, q VisitQuery) (VisitPage, error) {
	var fs apperr.Fields
	if q.Limit = pageLimit(&fs, q.Limit); fs.Err() != nil {
		return VisitPage{}, fs.Err()
	}
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	switch {
	case q.WorkerID != 0:
		w, err := s.GetWorker(ctx, p, q.WorkerID)
		if err != nil {
			return VisitPage{}, err
		}
		conds = append(conds, "v.worker_id = "+arg(q.WorkerID))
		if lo, hi, narrowed := readRange(p, w); narrowed {
			conds = append(conds, "v.region_path >= "+arg(lo), "v.region_path < "+arg(hi))
		}
	case q.Grid != "":
		if err := requireRead(p); err != nil {
			return VisitPage{}, err
		}
		if _, err := gridInScope(ctx, s.db.Read(), p.User.Scope(), q.Grid, "grid"); err != nil {
			return VisitPage{}, err
		}
		conds = append(conds, "v.grid_code = "+arg(q.Grid))
	default:
		if err := requireRead(p); err != nil {
			return VisitPage{}, err
		}
		r, err := s.regionFor(ctx, p, q.Region)
		if err != nil {
			return VisitPage{}, err
		}
		lo, hi := scopeOf(r.Path)
		conds = append(conds, "v.region_path >= "+arg(lo), "v.region_path < "+arg(hi))
	}
	if from, to, ok, err := s.periodRange(q.Month, q.Date); err != nil {
		return VisitPage{}, err
	} else if ok && q.Date != "" {
		conds = append(conds, "v.at >= "+arg(from), "v.at < "+arg(to))
	} else if ok {
		conds = append(conds, "v.month = "+arg(q.Month))
	}
	if q.Purpose != "" {
		if !contains(visitPurposes, q.Purpose) {
			return VisitPage{}, apperr.Field("purpose", "must be one of "+strings.Join(visitPurposes, ", "))
		}
		conds = append(conds, "v.purpose = "+arg(q.Purpose))
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	page := VisitPage{Items: []Visit{}, Counts: VisitCounts{ByPurpose: map[string]int{}, ByMonth: map[string]map[string]int{},
		ProxyByStatus: map[string]int{}, ProxyByKind: map[string]int{}}}
	rd := s.db.Read()
	rows, err := rd.QueryContext(ctx, `SELECT v.month, v.purpose, COUNT(*), COUNT(v.event_id) FROM visits v`+where+` GROUP BY v.month, v.purpose`, args...)
	if err != nil {
		return VisitPage{}, fmt.Errorf("count visits: %w", err)
	}
	for rows.Next() {
		var month, purpose string
		var n, events int
		if err := rows.Scan(&month, &purpose, &n, &events); err != nil {
			rows.Close()
			return VisitPage{}, fmt.Errorf("count visits: %w", err)
		}
		c := &page.Counts
		c.Visits += n
		c.EventsRaised += events
		c.ByPurpose[purpose] += n
		if c.ByMonth[month] == nil {
			c.ByMonth[month] = map[string]int{}
		}
		c.ByMonth[month][purpose] += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return VisitPage{}, fmt.Errorf("count visits: %w", err)
	}
	rows, err = rd.QueryContext(ctx, `SELECT ps.kind, ps.status, COUNT(*) FROM proxy_services ps JOIN visits v ON v.id = ps.visit_id`+where+
		` GROUP BY ps.kind, ps.status`, args...)
	if err != nil {
		return VisitPage{}, fmt.Errorf("count proxy services: %w", err)
	}
	for rows.Next() {
		var kind, status string
		var n int
		if err := rows.Scan(&kind, &status, &n); err != nil {
			rows.Close()
			return VisitPage{}, fmt.Errorf("count proxy services: %w", err)
		}
		page.Counts.ProxyServices += n
		page.Counts.ProxyByKind[kind] += n
		page.Counts.ProxyByStatus[status] += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return VisitPage{}, fmt.Errorf("count proxy services: %w", err)
	}
	if q.After > 0 {
		where += " AND v.id < " + arg(q.After)
	}
	rows, err = rd.QueryContext(ctx, `SELECT v.id, v.worker_id, v.house_code, v.grid_code, v.purpose, v.notes, v.photos, v.lng, v.lat, v.at,
		v.event_id, v.created_at FROM visits v`+where+` ORDER BY v.id DESC LIMIT `+strconv.Itoa(q.Limit+1), args...)
	if err != nil {
		return VisitPage{}, fmt.Errorf("list visits: %w", err)
	}
	at := map[int64]int{}
	for rows.Next() {
		var v Visit
		var photos string
		var lng, lat sql.NullFloat64
		var ev sql.NullInt64
		if err := rows.Scan(&v.ID, &v.WorkerID, &v.HouseCode, &v.GridCode, &v.Purpose, &v.Notes, &photos, &lng, &lat, &v.At, &ev, &v.CreatedAt); err != nil {
			rows.Close()
			return VisitPage{}, fmt.Errorf("list visits: %w", err)
		}
		v.At, v.CreatedAt = v.At.UTC(), v.CreatedAt.UTC()
		v.Photos, v.PersonIDs, v.ProxyServices = strings.Fields(photos), []int64{}, []ProxyService{}
		if v.Photos == nil {
			v.Photos = []string{}
		}
		if lng.Valid && lat.Valid {
			v.Lng, v.Lat = &lng.Float64, &lat.Float64
		}
		if ev.Valid {
			v.EventID = &ev.Int64
		}
		at[v.ID] = len(page.Items)
		page.Items = append(page.Items, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return VisitPage{}, fmt.Errorf("list visits: %w", err)
	}
	if len(page.Items) > q.Limit {
		delete(at, page.Items[q.Limit].ID)
		page.Items = page.Items[:q.Limit]
		last := page.Items[q.Limit-1].ID
		page.NextAfter = &last
	}
	return page, s.fillVisits(ctx, rd, page.Items, at)
}

// fillVisits adds the persons met and the proxy services of listed visits.
func (s *Service) fillVisits(ctx context.Context, q db.Querier, vs []Visit, at map[int64]int) error {
	if len(vs) == 0 {
		return nil
	}
	marks := make([]string, 0, len(vs))
	args := make([]any, 0, len(vs))
	for _, v := range vs {
		args = append(args, v.ID)
		marks = append(marks, "$"+strconv.Itoa(len(args)))
	}
	in := "(" + strings.Join(marks, ", ") + ")"
	rows, err := q.QueryContext(ctx, `SELECT visit_id, person_id FROM visit_persons WHERE visit_id IN `+in+` ORDER BY visit_id, person_id`, args...)
	if err != nil {
		return fmt.Errorf("visit persons: %w", err)
	}
	for rows.Next() {
		var vid, pid int64
		if err := rows.Scan(&vid, &pid); err != nil {
			rows.Close()
			return fmt.Errorf("visit persons: %w", err)
		}
		vs[at[vid]].PersonIDs = append(vs[at[vid]].PersonIDs, pid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("visit persons: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT visit_id, id, kind, for_person_id, for_name, status FROM proxy_services WHERE visit_id IN `+in+` ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("visit proxy services: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var vid int64
		var ps ProxyService
		var who sql.NullInt64
		if err := rows.Scan(&vid, &ps.ID, &ps.Kind, &who, &ps.ForName, &ps.Status); err != nil {
			return fmt.Errorf("visit proxy services: %w", err)
		}
		if who.Valid {
			ps.ForPersonID = &who.Int64
		}
		vs[at[vid]].ProxyServices = append(vs[at[vid]].ProxyServices, ps)
	}
	return rows.Err()
}
