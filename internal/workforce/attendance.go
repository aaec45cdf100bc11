package workforce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/workcal"
)

// Kind is what an attendance record marks.
type Kind string

const (
	CheckIn  Kind = "check_in"
	CheckOut Kind = "check_out"
)

// CheckInput is a check-in or check-out as the device sends it. At is when
// the worker was there (RFC 3339), for records queued offline; empty means
// now. Coordinates are WGS-84 unless crs is gcj02 (Amap, WeChat).
type CheckInput struct {
	Lng       *float64 `json:"lng"`
	Lat       *float64 `json:"lat"`
	CRS       string   `json:"crs"`
	At        string   `json:"at"`
	AccuracyM *float64 `json:"accuracy_m"`
}

// Record is a stored check-in or check-out. Lng/Lat are WGS-84. GridCode is
// the worker's grid it counted for; LocatedGrid is the grid holding the
// point ("" outside every grid), which differs when the worker stood within
// the tolerance outside their grid, as DistanceM then says.
type Record struct {
	ID          int64     `json:"id"`
	WorkerID    int64     `json:"worker_id"`
	DeviceID    string    `json:"device_id"`
	Kind        Kind      `json:"kind"`
	At          time.Time `json:"at"`
	Day         string    `json:"day"`
	Lng         float64   `json:"lng"`
	Lat         float64   `json:"lat"`
	AccuracyM   *float64  `json:"accuracy_m,omitempty"`
	GridCode    string    `json:"grid_code"`
	LocatedGrid string    `json:"located_grid"`
	Inside      bool      `json:"inside"`
	DistanceM   float64   `json:"distance_m"`
	// Late marks a check-in after the start of a scheduled day, Early a
	// check-out before its end.
	Late  bool `json:"late"`
	Early bool `json:"early"`
}

// checkInput validates a check input and returns the WGS-84 point and time.
func (s *Service) checkInput(c DeviceCaller, in CheckInput, now time.Time) (orb.Point, time.Time, geo.CRS, error) {
	var fs apperr.Fields
	if c.IdempotencyKey == "" {
		fs.Add("Idempotency-Key", "is required: a fresh key for each check-in, the same one when retrying it")
	}
	if in.Lng == nil {
		fs.Add("lng", "is required")
	}
	if in.Lat == nil {
		fs.Add("lat", "is required")
	}
	crs := geo.WGS84
	if in.CRS != "" {
		var err error
		if crs, err = geo.ParseCRS(in.CRS); err != nil {
			fs.Add("crs", err.Error())
		}
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
			fs.Add("at", fmt.Sprintf("is more than %s ago; records queued offline must be sent within that time",
				strings.TrimSuffix(s.cfg.MaxDelay.String(), "0m0s")))
		case t.Before(c.boundAt):
			// A new phone must not vouch for the time before it was bound.
			fs.Add("at", "is before this device was bound")
		default:
			at = audit.Canonical(t)
		}
	}
	if in.AccuracyM != nil && (*in.AccuracyM < 0 || *in.AccuracyM > 10000 || math.IsNaN(*in.AccuracyM)) {
		fs.Add("accuracy_m", "must be between 0 and 10000 metres")
	}
	if err := fs.Err(); err != nil {
		return orb.Point{}, at, crs, err
	}
	lng, lat := *in.Lng, *in.Lat
	if err := geo.ValidatePoint(lng, lat, crs); err != nil {
		field := "lng"
		if !math.IsNaN(lng) && !math.IsInf(lng, 0) && lng >= -180 && lng <= 180 {
			field = "lat"
		}
		return orb.Point{}, at, crs, apperr.Field(field, err.Error())
	}
	g, err := geo.ToWGS84(crs, orb.Point{lng, lat})
	if err != nil {
		return orb.Point{}, at, crs, apperr.Field("lng", err.Error())
	}
	return g.(orb.Point), at, crs, nil
}

// placement is where a check-in stood relative to the worker's grids.
type placement struct {
	grid, located string
	inside        bool
	distanceM     float64
}

// place finds the worker's grid a point counts for: the grid holding it,
// or the nearest within the tolerance. Boundaries are read only when the
// point is not plainly inside one of the worker's grids.
func (s *Service) place(ctx context.Context, grids []GridAssignment, pt orb.Point) (placement, error) {
	var pl placement
	if s.cfg.Locator != nil {
		pl.located, _, _ = s.cfg.Locator.GridAt(pt)
	}
	for _, g := range grids {
		if g.GridCode == pl.located && pl.located != "" {
			pl.grid, pl.inside = g.GridCode, true
			return pl, nil
		}
	}
	best, nearest, drawn := math.Inf(1), GridAssignment{}, false
	for _, g := range grids {
		mp, err := s.cfg.Boundaries.Boundary(ctx, g.GridCode)
		if err != nil {
			return pl, fmt.Errorf("boundary of grid %s: %w", g.GridCode, err)
		}
		if len(mp) == 0 {
			continue
		}
		drawn = true
		if d := distanceToArea(mp, pt); d < best {
			best, nearest = d, g
		}
	}
	if !drawn {
		return pl, apperr.Field("lng", "the boundaries of your grids are not drawn yet, so a check-in cannot be placed; ask your center")
	}
	pl.grid, pl.inside, pl.distanceM = nearest.GridCode, best == 0, math.Round(best*10)/10
	if best > s.cfg.ToleranceM {
		return pl, apperr.Field("lng", fmt.Sprintf("the location is %.0f m outside your grids (nearest: %s %s); at most %.0f m is allowed",
			best, nearest.GridName, nearest.GridCode, s.cfg.ToleranceM))
	}
	return pl, nil
}

// Check records a check-in or check-out from a verified device. It is
// accepted only inside one of the worker's grids (or within the tolerance
// of one), at a time not in the future, once per kind and day, and once
// per idempotency key; a refused location is written to the audit log so
// that supervisors see attempts from elsewhere.
func (s *Service) Check(ctx context.Context, c DeviceCaller, kind Kind, in CheckInput) (Record, error) {
	if kind != CheckIn && kind != CheckOut {
		return Record{}, fmt.Errorf("attendance: unknown kind %q", kind)
	}
	now := audit.Canonical(s.now())
	pt, at, crs, err := s.checkInput(c, in, now)
	if err != nil {
		return Record{}, err
	}
	if err := replayed(ctx, s.db.Read(), c); err != nil {
		return Record{}, err
	}
	w, err := s.getWorker(ctx, s.db.Read(), c.WorkerID)
	if err != nil {
		return Record{}, err
	}
	pl, err := s.place(ctx, w.Grids, pt)
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
			s.auditRefusal(ctx, c, w, kind, pt, pl, e)
		}
		return Record{}, err
	}
	day := s.dayOf(at)
	rec := Record{WorkerID: w.ID, DeviceID: c.DeviceID, Kind: kind, At: at, Day: day.String(), Lng: pt[0], Lat: pt[1],
		AccuracyM: in.AccuracyM, GridCode: pl.grid, LocatedGrid: pl.located, Inside: pl.inside, DistanceM: pl.distanceM}
	if s.scheduled(w.Schedule, day) {
		sc := s.scheduleOf(w.Schedule)
		start, _ := workcal.ParseTimeOfDay(sc.Start)
		end, _ := workcal.ParseTimeOfDay(sc.End)
		clock := s.clockOf(at)
		rec.Late = kind == CheckIn && clock > start
		rec.Early = kind == CheckOut && clock < end
	}
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := stillBound(ctx, tx, c); err != nil {
			return err
		}
		if err := replayed(ctx, tx, c); err != nil {
			return err
		}
		var id int64
		var prev time.Time
		err := tx.QueryRowContext(ctx, `SELECT id, at FROM attendance WHERE worker_id = $1 AND day = $2 AND kind = $3`,
			w.ID, rec.Day, string(kind)).Scan(&id, &prev)
		switch {
		case err == nil:
			return &apperr.Error{Code: apperr.Conflict, Message: "one " + strings.ReplaceAll(string(kind), "_", "-") + " a day counts",
				Fields: []apperr.FieldError{{Field: "at", Reason: fmt.Sprintf("a %s on %s was already recorded at %s (record %d); this one was not counted",
					strings.ReplaceAll(string(kind), "_", "-"), rec.Day, prev.In(s.location()).Format("15:04"), id)}}}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("attendance: %w", err)
		}
		if kind == CheckOut {
			err := tx.QueryRowContext(ctx, `SELECT at FROM attendance WHERE worker_id = $1 AND day = $2 AND kind = $3`,
				w.ID, rec.Day, string(CheckIn)).Scan(&prev)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return apperr.Field("at", fmt.Sprintf("there is no check-in on %s to check out from", rec.Day))
			case err != nil:
				return fmt.Errorf("attendance: %w", err)
			case at.Before(prev):
				return apperr.Field("at", fmt.Sprintf("is before the check-in at %s", prev.In(s.location()).Format("15:04")))
			}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO attendance (worker_id, device_id, kind, at, day, lng, lat, crs, accuracy_m, located_grid,
			grid_code, inside, distance_m, off_schedule, idempotency_key, region_path, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
			w.ID, c.deviceRow, string(kind), at, rec.Day, pt[0], pt[1], string(crs), in.AccuracyM, pl.located, pl.grid, pl.inside,
			pl.distanceM, rec.Late || rec.Early, c.IdempotencyKey, w.regionPath, now).Scan(&rec.ID)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "the same check was stored by a concurrent request; this one was not counted")
		}
		if err != nil {
			return fmt.Errorf("store attendance: %w", err)
		}
		return nil
	})
	s.published(ctx, err, w.regionPath)
	return rec, err
}

// replayed refuses a request whose idempotency key the device already used.
func replayed(ctx context.Context, q db.Querier, c DeviceCaller) error {
	var id int64
	var kind string
	var at time.Time
	err := q.QueryRowContext(ctx, `SELECT id, kind, at FROM attendance WHERE device_id = $1 AND idempotency_key = $2`,
		c.deviceRow, c.IdempotencyKey).Scan(&id, &kind, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("attendance: %w", err)
	}
	return &apperr.Error{Code: apperr.Conflict, Message: "a replayed request was refused",
		Fields: []apperr.FieldError{{Field: "Idempotency-Key", Reason: fmt.Sprintf("was already used for record %d (%s at %s); this request was not counted again",
			id, kind, at.UTC().Format(time.RFC3339))}}}
}

// auditRefusal writes a refused check-in to the audit log in a
// transaction of its own: the refusal stores nothing else.
func (s *Service) auditRefusal(ctx context.Context, c DeviceCaller, w Worker, kind Kind, pt orb.Point, pl placement, e *apperr.Error) {
	detail := map[string]any{"kind": string(kind), "device_id": c.DeviceID, "located_grid": pl.located}
	if len(e.Fields) > 0 {
		detail["reason"] = e.Fields[0].Reason
	}
	if !math.IsInf(pl.distanceM, 0) {
		detail["distance_m"] = pl.distanceM
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, s.now(), audit.Record{Actor: deviceActor(w.UserID, c.DeviceID), Action: "attendance.refused",
			TargetType: "worker", TargetID: strconv.FormatInt(w.ID, 10), Outcome: audit.Denied, Detail: detail})
		return err
	})
	_ = err // the refusal stands whether or not it could be logged
}

const recordColumns = `a.id, a.worker_id, d.device_id, a.kind, a.at, a.day, a.lng, a.lat, a.accuracy_m, a.grid_code, a.located_grid,
	a.inside, a.distance_m, a.off_schedule`

func scanRecord(row interface{ Scan(...any) error }) (Record, error) {
	var r Record
	var kind string
	var acc sql.NullFloat64
	var off bool
	err := row.Scan(&r.ID, &r.WorkerID, &r.DeviceID, &kind, &r.At, &r.Day, &r.Lng, &r.Lat, &acc, &r.GridCode, &r.LocatedGrid,
		&r.Inside, &r.DistanceM, &off)
	r.Kind, r.At = Kind(kind), r.At.UTC()
	if acc.Valid {
		r.AccuracyM = &acc.Float64
	}
	r.Late, r.Early = off && r.Kind == CheckIn, off && r.Kind == CheckOut
	return r, err
}

// records loads a worker's records of the days from..to (inclusive).
func records(ctx context.Context, q db.Querier, workerID int64, from, to string) ([]Record, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+recordColumns+` FROM attendance a JOIN worker_devices d ON d.id = a.device_id
		WHERE a.worker_id = $1 AND a.day >= $2 AND a.day <= $3 ORDER BY a.at`, workerID, from, to)
	if err != nil {
		return nil, fmt.Errorf("attendance of worker %d: %w", workerID, err)
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("attendance of worker %d: %w", workerID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeviceStatus is what the worker app shows on opening: who the device
// belongs to and today's attendance.
type DeviceStatus struct {
	Worker    Worker  `json:"worker"`
	Day       string  `json:"day"`
	Scheduled bool    `json:"scheduled"`
	OnLeave   bool    `json:"on_leave"`
	CheckIn   *Record `json:"check_in"`
	CheckOut  *Record `json:"check_out"`
}

// Status returns the device's worker and today's attendance.
func (s *Service) Status(ctx context.Context, c DeviceCaller) (DeviceStatus, error) {
	w, err := s.getWorker(ctx, s.db.Read(), c.WorkerID)
	if err != nil {
		return DeviceStatus{}, err
	}
	day := s.dayOf(s.now())
	st := DeviceStatus{Worker: w, Day: day.String(), Scheduled: s.scheduled(w.Schedule, day)}
	recs, err := records(ctx, s.db.Read(), w.ID, st.Day, st.Day)
	if err != nil {
		return DeviceStatus{}, err
	}
	for i := range recs {
		if recs[i].Kind == CheckIn {
			st.CheckIn = &recs[i]
		} else {
			st.CheckOut = &recs[i]
		}
	}
	leaves, err := leavesOf(ctx, s.db.Read(), []int64{w.ID}, st.Day, st.Day)
	st.OnLeave = len(leaves[w.ID]) > 0
	return st, err
}

// Leave is a stretch of days a worker is excused (from..to inclusive).
type Leave struct {
	ID        int64     `json:"id"`
	WorkerID  int64     `json:"worker_id"`
	Kind      string    `json:"kind"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Note      string    `json:"note"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	Cancelled bool      `json:"cancelled"`
}

// LeaveInput is a new leave.
type LeaveInput struct {
	Kind string `json:"kind"`
	From string `json:"from"`
	To   string `json:"to"`
	Note string `json:"note"`
}

var leaveKinds = []string{"annual", "sick", "personal", "marriage", "maternity", "bereavement", "training", "other"}

// AddLeave records leave for a worker in scope. Leave may be entered after
// the fact (sick leave usually is); overlapping leave is refused.
func (s *Service) AddLeave(ctx context.Context, p auth.Principal, workerID int64, in LeaveInput) (Leave, error) {
	if err := requireManage(p); err != nil {
		return Leave{}, err
	}
	var fs apperr.Fields
	if !contains(leaveKinds, in.Kind) {
		fs.Add("kind", "must be one of "+strings.Join(leaveKinds, ", "))
	}
	from, err1 := parseDate(in.From)
	if err1 != nil {
		fs.Add("from", err1.Error())
	}
	if in.To == "" {
		in.To = in.From
	}
	to, err2 := parseDate(in.To)
	if err2 != nil {
		fs.Add("to", err2.Error())
	}
	if err1 == nil && err2 == nil {
		switch {
		case to.Compare(from) < 0:
			fs.Add("to", "must not be before from")
		case to.Compare(from.AddDays(366)) > 0:
			fs.Add("to", "leave is entered a year at most at a time")
		}
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > 200 {
		fs.Add("note", "must be at most 200 characters")
	}
	if err := fs.Err(); err != nil {
		return Leave{}, err
	}
	now := audit.Canonical(s.now())
	var l Leave
	var path string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := loadWorker(ctx, tx, workerID)
		if err == nil && !p.User.Scope().Contains(w.regionPath) {
			err = apperr.New(apperr.NotFound, "worker not found")
		}
		if err != nil {
			return err
		}
		path = w.regionPath
		var other int64
		var oFrom, oTo string
		err = tx.QueryRowContext(ctx, `SELECT id, from_date, to_date FROM worker_leave WHERE worker_id = $1 AND cancelled_at IS NULL
			AND from_date <= $2 AND to_date >= $3`, workerID, in.To, in.From).Scan(&other, &oFrom, &oTo)
		switch {
		case err == nil:
			return &apperr.Error{Code: apperr.Conflict, Message: "leave overlaps",
				Fields: []apperr.FieldError{{Field: "from", Reason: fmt.Sprintf("overlaps leave %d (%s to %s)", other, oFrom, oTo)}}}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("add leave: %w", err)
		}
		l = Leave{WorkerID: workerID, Kind: in.Kind, From: in.From, To: in.To, Note: in.Note, CreatedBy: p.User.ID, CreatedAt: now}
		if err := tx.QueryRowContext(ctx, `INSERT INTO worker_leave (worker_id, region_path, kind, from_date, to_date, note, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, workerID, w.regionPath, in.Kind, in.From, in.To, in.Note, p.User.ID, now).Scan(&l.ID); err != nil {
			return fmt.Errorf("add leave: %w", err)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "leave.create", TargetType: "worker",
			TargetID: strconv.FormatInt(workerID, 10), Detail: map[string]any{"leave": l.ID, "from": in.From, "to": in.To, "kind": in.Kind}})
		return err
	})
	// Leave takes the worker out of the day's scheduled count: the
	// operations figures of the area are read again.
	s.published(ctx, err, path)
	return l, err
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

const leaveColumns = `id, worker_id, kind, from_date, to_date, note, created_by, created_at, cancelled_at`

func scanLeave(row interface{ Scan(...any) error }) (Leave, error) {
	var l Leave
	var cancelled sql.NullTime
	err := row.Scan(&l.ID, &l.WorkerID, &l.Kind, &l.From, &l.To, &l.Note, &l.CreatedBy, &l.CreatedAt, &cancelled)
	l.CreatedAt, l.Cancelled = l.CreatedAt.UTC(), cancelled.Valid
	return l, err
}

// CancelLeave cancels a leave of a worker in scope.
func (s *Service) CancelLeave(ctx context.Context, p auth.Principal, id int64) (Leave, error) {
	if err := requireManage(p); err != nil {
		return Leave{}, err
	}
	now := audit.Canonical(s.now())
	var l Leave
	var changed string // the region path, once the leave is cancelled here
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var path string
		var cancelled sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT id, worker_id, kind, from_date, to_date, note, created_by, created_at, cancelled_at, region_path
			FROM worker_leave WHERE id = $1`, id).Scan(&l.ID, &l.WorkerID, &l.Kind, &l.From, &l.To, &l.Note, &l.CreatedBy, &l.CreatedAt, &cancelled, &path)
		l.CreatedAt, l.Cancelled = l.CreatedAt.UTC(), cancelled.Valid
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.User.Scope().Contains(path)) {
			return apperr.New(apperr.NotFound, "leave not found")
		}
		if err != nil {
			return fmt.Errorf("cancel leave %d: %w", id, err)
		}
		if l.Cancelled {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE worker_leave SET cancelled_at = $1 WHERE id = $2`, now, id); err != nil {
			return fmt.Errorf("cancel leave %d: %w", id, err)
		}
		l.Cancelled = true
		changed = path
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "leave.cancel", TargetType: "worker",
			TargetID: strconv.FormatInt(l.WorkerID, 10), Detail: map[string]any{"leave": id}})
		return err
	})
	if changed != "" {
		s.published(ctx, err, changed)
	}
	return l, err
}

// ListLeave lists a worker's leave, newest first (the worker sees their own).
func (s *Service) ListLeave(ctx context.Context, p auth.Principal, workerID int64) ([]Leave, error) {
	if _, err := s.GetWorker(ctx, p, workerID); err != nil {
		return nil, err
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+leaveColumns+` FROM worker_leave WHERE worker_id = $1 ORDER BY from_date DESC LIMIT 500`, workerID)
	if err != nil {
		return nil, fmt.Errorf("list leave: %w", err)
	}
	defer rows.Close()
	out := []Leave{}
	for rows.Next() {
		l, err := scanLeave(rows)
		if err != nil {
			return nil, fmt.Errorf("list leave: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// span is a leave's days.
type span struct{ from, to string }

func (sp span) holds(day string) bool { return sp.from <= day && day <= sp.to }

// leavesOf loads the uncancelled leave of the given workers overlapping
// the days from..to.
func leavesOf(ctx context.Context, q db.Querier, ids []int64, from, to string) (map[int64][]span, error) {
	if len(ids) == 0 {
		return map[int64][]span{}, nil
	}
	args := []any{from, to}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = "$" + strconv.Itoa(i+3)
	}
	return scanSpans(q.QueryContext(ctx, `SELECT worker_id, from_date, to_date FROM worker_leave WHERE cancelled_at IS NULL
		AND to_date >= $1 AND from_date <= $2 AND worker_id IN (`+strings.Join(marks, ", ")+`)`, args...))
}

// leavesUnder loads the uncancelled leave overlapping from..to of the
// active workers placed in the path range [lo, hi).
func leavesUnder(ctx context.Context, q db.Querier, lo, hi, from, to string) (map[int64][]span, error) {
	return scanSpans(q.QueryContext(ctx, `SELECT l.worker_id, l.from_date, l.to_date FROM worker_leave l JOIN workers w ON w.id = l.worker_id
		WHERE w.active AND w.region_path >= $1 AND w.region_path < $2 AND l.cancelled_at IS NULL AND l.to_date >= $3 AND l.from_date <= $4`,
		lo, hi, from, to))
}

func scanSpans(rows *sql.Rows, err error) (map[int64][]span, error) {
	if err != nil {
		return nil, fmt.Errorf("leave: %w", err)
	}
	defer rows.Close()
	out := map[int64][]span{}
	for rows.Next() {
		var id int64
		var sp span
		if err := rows.Scan(&id, &sp.from, &sp.to); err != nil {
			return nil, fmt.Errorf("leave: %w", err)
		}
		out[id] = append(out[id], sp)
	}
	return out, rows.Err()
}
