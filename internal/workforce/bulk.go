package workforce

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/workcal"
)

// Bulk is a whole workforce stored at once — a month of a demo city, or a
// migration from another system — where a request per record would take
// hours. Load checks every record by the rules of the row-by-row path
// (a check-in inside the worker's grid and after the device was bound, one
// of each kind a day, a check-out after its check-in, patrol points in
// order at a possible speed, a visited house and its persons in the
// worker's grids, nothing in the future) and stores the same rows and
// running totals the row-by-row path would, in large transactions of
// multi-row inserts. Records refer to workers by their index in Workers.
type Bulk struct {
	Workers []BulkWorker
	Members []BulkMember
	Leave   []BulkLeave
	Checks  []BulkCheck
	Patrols []BulkPatrol
	Visits  []BulkVisit
}

// BulkWorker is a worker with their login account and bound device.
type BulkWorker struct {
	Input WorkerInput
	// Username, when set, creates the worker's account (role worker,
	// scoped to the primary grid) with PasswordHash, an argon2id PHC string.
	Username     string
	PasswordHash string
	DeviceID     string
	PublicKey    ed25519.PublicKey
	// At is when the worker was entered and the device bound.
	At time.Time
}

// BulkMember is a member of a grid's 1+1+N team.
type BulkMember struct {
	GridCode string
	Input    MemberInput
	At       time.Time
}

// BulkLeave is leave of a worker, entered at At.
type BulkLeave struct {
	Worker int
	Input  LeaveInput
	At     time.Time
}

// BulkCheck is a check-in or check-out as the device sent it at At.
type BulkCheck struct {
	Worker    int
	Kind      Kind
	At        time.Time
	Lng, Lat  float64
	AccuracyM *float64
	Key       string
}

// BulkFix is one GPS fix of a patrol (WGS-84).
type BulkFix struct {
	Lng, Lat  float64
	At        time.Time
	AccuracyM *float64
}

// BulkBatch is a batch of fixes uploaded at At.
type BulkBatch struct {
	Key    string
	At     time.Time
	Points []BulkFix
}

// BulkPatrol is a patrol started at At from (Lng, Lat) and finished at
// Finish (zero: still open).
type BulkPatrol struct {
	Worker   int
	Key      string
	At       time.Time
	Lng, Lat float64
	Batches  []BulkBatch
	Finish   time.Time
}

// BulkVisit is a household visit; it cannot raise an event (use
// RecordVisit for those, which files the event through the event service).
type BulkVisit struct {
	Worker int
	Key    string
	At     time.Time
	Input  VisitInput
}

// BulkResult counts what Load stored; records already stored by an earlier,
// interrupted load are counted as skipped.
type BulkResult struct {
	Workers, Members, Leave int
	Checks, ChecksSkipped   int
	Patrols, PatrolsSkipped int
	Points                  int
	Visits, VisitsSkipped   int
}

// bulkChunk is how many records go into one transaction after the workers.
const bulkChunk = 5000

// bulkWorker is a stored worker as the later records need it.
type bulkWorker struct {
	id, deviceRow int64
	userID        *int64
	boundAt       time.Time
	grids         []GridAssignment
	path          string
	schedule      *Schedule
}

// LoadBulk stores a bulk workforce. It resumes an interrupted load: the
// workers, their accounts, devices, teams and leave go in one transaction
// and are found again by device id; checks, patrols and visits are found
// by their idempotency keys and stored once. progress, when set, is called
// with the records done and the total.
func (s *Service) LoadBulk(ctx context.Context, p auth.Principal, b Bulk, progress func(done, total int)) (res BulkResult, err error) {
	if err := requireManage(p); err != nil {
		return res, err
	}
	bulkDone, err := s.db.BulkWrites(ctx)
	if err != nil {
		return res, fmt.Errorf("bulk load: %w", err)
	}
	defer func() { err = errors.Join(err, bulkDone()) }()
	total := len(b.Workers) + len(b.Members) + len(b.Leave) + len(b.Checks) + len(b.Patrols) + len(b.Visits)
	done := 0
	step := func(n int) {
		done += n
		if progress != nil {
			progress(done, total)
		}
	}
	ws, stored, err := s.bulkWorkers(ctx, p, b, &res)
	if err != nil {
		return res, err
	}
	step(len(b.Workers) + len(b.Members) + len(b.Leave))
	if !stored {
		res.Workers, res.Members, res.Leave = 0, 0, 0
	}
	if err := s.bulkChecks(ctx, b, ws, &res, step); err != nil {
		return res, err
	}
	if err := s.bulkPatrols(ctx, b, ws, &res, step); err != nil {
		return res, err
	}
	if err := s.bulkVisits(ctx, b, ws, &res, step); err != nil {
		return res, err
	}
	now := audit.Canonical(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "workforce.bulk_load", TargetType: "workforce",
			Detail: map[string]any{"workers": res.Workers, "members": res.Members, "leave": res.Leave, "checks": res.Checks,
				"patrols": res.Patrols, "points": res.Points, "visits": res.Visits}})
		return err
	})
	return res, err
}

// insertRows inserts rows of len(cols) values each, many per statement;
// suffix follows the VALUES list (e.g. ON CONFLICT DO NOTHING). It returns
// the rows inserted.
func insertRows(ctx context.Context, tx *sql.Tx, engine db.Engine, table, cols, suffix string, ncols int, vals []any) (int, error) {
	per := max(1, 4000/ncols)
	inserted := 0
	for len(vals) > 0 {
		n := min(per, len(vals)/ncols)
		q := `INSERT INTO ` + table + ` (` + cols + `) VALUES ` + engine.Values(n, ncols) + ` ` + suffix
		r, err := tx.ExecContext(ctx, q, vals[:n*ncols]...)
		if err != nil {
			return inserted, fmt.Errorf("insert into %s: %w", table, err)
		}
		m, _ := r.RowsAffected()
		inserted += int(m)
		vals = vals[n*ncols:]
	}
	return inserted, nil
}

func bulkErr(what string, i int, err error) error {
	if e, ok := apperr.As(err); ok {
		out := &apperr.Error{Code: e.Code, Message: fmt.Sprintf("%s %d: %s", what, i, e.Message)}
		for _, f := range e.Fields {
			out.Fields = append(out.Fields, apperr.FieldError{Field: fmt.Sprintf("%s[%d].%s", what, i, f.Field), Reason: f.Reason})
		}
		return out
	}
	return fmt.Errorf("%s %d: %w", what, i, err)
}

// bulkWorkers stores the workers with their accounts, devices, teams and
// leave in one transaction, or finds them when an earlier load stored them.
func (s *Service) bulkWorkers(ctx context.Context, p auth.Principal, b Bulk, res *BulkResult) ([]bulkWorker, bool, error) {
	ws := make([]bulkWorker, len(b.Workers))
	now := s.now()
	devices := map[string]int{}
	for i := range b.Workers {
		bw := &b.Workers[i]
		if err := s.validate(&bw.Input); err != nil {
			return nil, false, bulkErr("workers", i, err)
		}
		if err := checkToken(bw.DeviceID, 8, 128); err != nil {
			return nil, false, bulkErr("workers", i, apperr.Field("device_id", err.Error()))
		}
		if len(bw.PublicKey) != ed25519.PublicKeySize {
			return nil, false, bulkErr("workers", i, apperr.Field("public_key", "must be an Ed25519 public key (32 bytes)"))
		}
		if _, dup := devices[bw.DeviceID]; dup {
			return nil, false, bulkErr("workers", i, apperr.Field("device_id", "device "+bw.DeviceID+" is given to two workers"))
		}
		if bw.At.After(now) {
			return nil, false, bulkErr("workers", i, apperr.Field("at", "must not be in the future"))
		}
		devices[bw.DeviceID] = i
		ws[i].schedule = bw.Input.Schedule
	}
	// An earlier load stored the workers if their devices are bound.
	found := 0
	ids := make([]string, 0, len(devices))
	for id := range devices {
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		n := min(500, len(ids))
		args := make([]any, n)
		for i := range args {
			args[i] = ids[i]
		}
		rows, err := s.db.Read().QueryContext(ctx, `SELECT d.device_id, d.id, d.worker_id, d.bound_at, w.user_id, w.region_path FROM worker_devices d
			JOIN workers w ON w.id = d.worker_id WHERE d.status = 'active' AND d.device_id IN (`+marks(1, n)+`)`, args...)
		if err != nil {
			return nil, false, fmt.Errorf("bulk workers: %w", err)
		}
		for rows.Next() {
			var dev, path string
			var w bulkWorker
			var user sql.NullInt64
			if err := rows.Scan(&dev, &w.deviceRow, &w.id, &w.boundAt, &user, &path); err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("bulk workers: %w", err)
			}
			if user.Valid {
				w.userID = &user.Int64
			}
			i := devices[dev]
			w.path, w.schedule, w.boundAt = path, ws[i].schedule, w.boundAt.UTC()
			ws[i] = w
			found++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, fmt.Errorf("bulk workers: %w", err)
		}
		ids = ids[n:]
	}
	switch {
	case found == len(ws) && found > 0:
		if err := s.bulkGrids(ctx, ws); err != nil {
			return nil, false, err
		}
		return ws, false, nil
	case found > 0:
		return nil, false, fmt.Errorf("bulk workers: %d of %d devices are bound already; the workers were not stored by one load", found, len(ws))
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		userStmt, err := tx.PrepareContext(ctx, `INSERT INTO users (username, display_name, password_hash, role, scope_region, must_change_password,
			password_changed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) RETURNING id`)
		if err != nil {
			return fmt.Errorf("bulk users: %w", err)
		}
		defer userStmt.Close()
		workerStmt, err := tx.PrepareContext(ctx, `INSERT INTO workers (name, phone_enc, phone_mask, user_id, employment, hire_date, active,
			primary_grid, region_path, schedule, created_at, updated_at) VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`)
		if err != nil {
			return fmt.Errorf("bulk workers: %w", err)
		}
		defer workerStmt.Close()
		deviceStmt, err := tx.PrepareContext(ctx, `INSERT INTO worker_devices (worker_id, device_id, public_key, bound_at) VALUES ($1, $2, $3, $4) RETURNING id`)
		if err != nil {
			return fmt.Errorf("bulk devices: %w", err)
		}
		defer deviceStmt.Close()
		var grids []any
		for i := range b.Workers {
			bw := &b.Workers[i]
			at := audit.Canonical(bw.At)
			primary, err := s.placeGrids(ctx, tx, p, bw.Input.Grids, 0)
			if err != nil {
				return bulkErr("workers", i, err)
			}
			w := &ws[i]
			w.grids, w.path, w.boundAt = bw.Input.Grids, primary.path, at
			if bw.Username != "" {
				var uid int64
				if err := userStmt.QueryRowContext(ctx, auth.NormalizeUsername(bw.Username), bw.Input.Name, bw.PasswordHash, string(auth.RoleWorker),
					primary.GridCode, false, at).Scan(&uid); err != nil {
					if db.IsUniqueViolation(err) {
						return bulkErr("workers", i, apperr.Field("username", "is already taken"))
					}
					return fmt.Errorf("bulk worker %d account: %w", i, err)
				}
				w.userID = &uid
			}
			schedule := ""
			if bw.Input.Schedule != nil {
				schedule = bw.Input.Schedule.encode()
			}
			if err := workerStmt.QueryRowContext(ctx, bw.Input.Name, maskPhone(bw.Input.Phone), userArg(w.userID), string(bw.Input.Employment),
				bw.Input.HireDate, true, primary.GridCode, primary.path, schedule, at).Scan(&w.id); err != nil {
				return fmt.Errorf("bulk worker %d: %w", i, err)
			}
			if err := s.storePhone(ctx, tx, "workers", w.id, bw.Input.Phone); err != nil {
				return err
			}
			for _, g := range bw.Input.Grids {
				grids = append(grids, w.id, g.GridCode, g.path, g.Primary, g.GridChief)
			}
			if err := deviceStmt.QueryRowContext(ctx, w.id, bw.DeviceID, []byte(bw.PublicKey), at).Scan(&w.deviceRow); err != nil {
				if db.IsUniqueViolation(err) {
					return bulkErr("workers", i, apperr.Field("device_id", "device "+bw.DeviceID+" is bound to another worker"))
				}
				return fmt.Errorf("bulk worker %d device: %w", i, err)
			}
		}
		if _, err := insertRows(ctx, tx, s.db.Engine, "worker_grids", "worker_id, grid_code, region_path, is_primary, grid_chief", "", 5, grids); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Field("workers", "a grid is given two grid chiefs")
			}
			return err
		}
		res.Workers = len(ws)
		if err := s.bulkMembers(ctx, tx, p, b.Members, res); err != nil {
			return err
		}
		return s.bulkLeave(ctx, tx, p, b.Leave, ws, res)
	})
	if err != nil {
		return nil, false, err
	}
	return ws, true, nil
}

// bulkGrids reads the grids of workers an earlier load stored.
func (s *Service) bulkGrids(ctx context.Context, ws []bulkWorker) error {
	at := map[int64]int{}
	for i, w := range ws {
		at[w.id] = i
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT wg.worker_id, wg.grid_code, r.name, wg.is_primary, wg.grid_chief, wg.region_path
		FROM worker_grids wg JOIN regions r ON r.code = wg.grid_code ORDER BY wg.worker_id, wg.grid_code`)
	if err != nil {
		return fmt.Errorf("bulk worker grids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var g GridAssignment
		if err := rows.Scan(&id, &g.GridCode, &g.GridName, &g.Primary, &g.GridChief, &g.path); err != nil {
			return fmt.Errorf("bulk worker grids: %w", err)
		}
		if i, ok := at[id]; ok {
			ws[i].grids = append(ws[i].grids, g)
		}
	}
	return rows.Err()
}

func (s *Service) bulkMembers(ctx context.Context, tx *sql.Tx, p auth.Principal, ms []BulkMember, res *BulkResult) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO team_members (grid_code, region_path, role, name, department_code, note, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`)
	if err != nil {
		return fmt.Errorf("bulk team members: %w", err)
	}
	defer stmt.Close()
	paths := map[string]string{}
	per := map[string]int{}
	for i := range ms {
		m := &ms[i]
		if err := m.Input.validate(); err != nil {
			return bulkErr("members", i, err)
		}
		path, ok := paths[m.GridCode]
		if !ok {
			g, err := gridInScope(ctx, tx, p.User.Scope(), m.GridCode, "grid_code")
			if err != nil {
				return bulkErr("members", i, err)
			}
			path = g.Path
			paths[m.GridCode] = path
			var n0 int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM team_members WHERE grid_code = $1`, m.GridCode).Scan(&n0); err != nil {
				return fmt.Errorf("bulk team members: %w", err)
			}
			per[m.GridCode] = n0
		}
		if per[m.GridCode]++; per[m.GridCode] > maxMembers {
			return bulkErr("members", i, apperr.New(apperr.Conflict, "grid %s would have more than %d team members", m.GridCode, maxMembers))
		}
		var id int64
		if err := stmt.QueryRowContext(ctx, m.GridCode, path, string(m.Input.Role), m.Input.Name, m.Input.DepartmentCode, m.Input.Note,
			audit.Canonical(m.At)).Scan(&id); err != nil {
			return fmt.Errorf("bulk team member %d: %w", i, err)
		}
		if err := s.storePhone(ctx, tx, "team_members", id, m.Input.Phone); err != nil {
			return err
		}
	}
	res.Members = len(ms)
	return nil
}

// marks is the bind marks $from … $from+n-1, comma-separated.
func marks(from, n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = "$" + strconv.Itoa(from+i)
	}
	return strings.Join(out, ", ")
}

func (s *Service) bulkLeave(ctx context.Context, tx *sql.Tx, p auth.Principal, ls []BulkLeave, ws []bulkWorker, res *BulkResult) error {
	taken := map[int][]span{}
	var vals []any
	for i := range ls {
		l := &ls[i]
		if l.Worker < 0 || l.Worker >= len(ws) {
			return bulkErr("leave", i, apperr.Field("worker", "is not a worker of the load"))
		}
		var fs apperr.Fields
		if !contains(leaveKinds, l.Input.Kind) {
			fs.Add("kind", "must be one of "+strings.Join(leaveKinds, ", "))
		}
		if l.Input.To == "" {
			l.Input.To = l.Input.From
		}
		from, err1 := parseDate(l.Input.From)
		to, err2 := parseDate(l.Input.To)
		switch {
		case err1 != nil:
			fs.Add("from", err1.Error())
		case err2 != nil:
			fs.Add("to", err2.Error())
		case to.Compare(from) < 0:
			fs.Add("to", "must not be before from")
		case to.Compare(from.AddDays(366)) > 0:
			fs.Add("to", "leave is entered a year at most at a time")
		}
		l.Input.Note = strings.TrimSpace(l.Input.Note)
		if len([]rune(l.Input.Note)) > 200 {
			fs.Add("note", "must be at most 200 characters")
		}
		if err := fs.Err(); err != nil {
			return bulkErr("leave", i, err)
		}
		for _, sp := range taken[l.Worker] {
			if sp.from <= l.Input.To && sp.to >= l.Input.From {
				return bulkErr("leave", i, apperr.Field("from", fmt.Sprintf("overlaps leave %s to %s", sp.from, sp.to)))
			}
		}
		taken[l.Worker] = append(taken[l.Worker], span{l.Input.From, l.Input.To})
		vals = append(vals, ws[l.Worker].id, ws[l.Worker].path, l.Input.Kind, l.Input.From, l.Input.To, l.Input.Note, p.User.ID, audit.Canonical(l.At))
	}
	n, err := insertRows(ctx, tx, s.db.Engine, "worker_leave", "worker_id, region_path, kind, from_date, to_date, note, created_by, created_at", "", 8, vals)
	res.Leave = n
	return err
}

// pipelined prepares chunk i+1 (validation, placement, encoding: CPU) on
// another goroutine while chunk i is stored (the single writer), so a bulk
// load keeps both busy.
func pipelined[T any](n, size int, prep func(lo, hi int) (T, error), store func(lo, hi int, v T) error) error {
	type result struct {
		v   T
		err error
	}
	chunks := (n + size - 1) / size
	ch := make(chan result, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for c := 0; c < chunks; c++ {
			v, err := prep(c*size, min(n, (c+1)*size))
			select {
			case ch <- result{v, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for c := 0; c < chunks; c++ {
		r := <-ch
		if r.err != nil {
			return r.err
		}
		if err := store(c*size, min(n, (c+1)*size), r.v); err != nil {
			return err
		}
	}
	return nil
}

// bulkChecks validates every check against the others (one of each kind a
// day, a check-out after its check-in) and stores them in chunks; a check
// whose idempotency key is stored already is skipped.
func (s *Service) bulkChecks(ctx context.Context, b Bulk, ws []bulkWorker, res *BulkResult, step func(int)) error {
	now := audit.Canonical(s.now())
	type dayKey struct {
		w    int
		day  string
		kind Kind
	}
	days := make([]workcal.Date, len(b.Checks))
	seen := make(map[dayKey]time.Time, len(b.Checks))
	for i, c := range b.Checks {
		if c.Worker < 0 || c.Worker >= len(ws) {
			return bulkErr("checks", i, apperr.Field("worker", "is not a worker of the load"))
		}
		if c.Kind != CheckIn && c.Kind != CheckOut {
			return bulkErr("checks", i, apperr.Field("kind", "must be check_in or check_out"))
		}
		days[i] = s.dayOf(c.At)
		k := dayKey{c.Worker, days[i].String(), c.Kind}
		if _, dup := seen[k]; dup {
			return bulkErr("checks", i, apperr.Field("at", fmt.Sprintf("a second %s on %s; one a day counts", c.Kind, k.day)))
		}
		seen[k] = audit.Canonical(c.At)
	}
	crs := string(geo.WGS84)
	prep := func(lo, hi int) ([]any, error) {
		vals := make([]any, 0, (hi-lo)*17)
		for i := lo; i < hi; i++ {
			c := b.Checks[i]
			w := ws[c.Worker]
			at := audit.Canonical(c.At)
			var fs apperr.Fields
			if err := checkToken(c.Key, 1, 100); err != nil {
				fs.Add("key", err.Error())
			}
			switch {
			case at.After(now):
				fs.Add("at", "is in the future")
			case at.Before(w.boundAt):
				fs.Add("at", "is before the worker's device was bound")
			}
			if c.AccuracyM != nil && (*c.AccuracyM < 0 || *c.AccuracyM > 10000 || math.IsNaN(*c.AccuracyM)) {
				fs.Add("accuracy_m", "must be between 0 and 10000 metres")
			}
			if err := geo.ValidatePoint(c.Lng, c.Lat, geo.WGS84); err != nil {
				fs.Add("lng", err.Error())
			}
			day := days[i].String()
			if c.Kind == CheckOut {
				in, ok := seen[dayKey{c.Worker, day, CheckIn}]
				switch {
				case !ok:
					fs.Add("at", fmt.Sprintf("there is no check-in on %s to check out from", day))
				case at.Before(in):
					fs.Add("at", "is before the check-in")
				}
			}
			if err := fs.Err(); err != nil {
				return nil, bulkErr("checks", i, err)
			}
			pt := orb.Point{c.Lng, c.Lat}
			pl, err := s.place(ctx, w.grids, pt)
			if err != nil {
				return nil, bulkErr("checks", i, err)
			}
			off := false
			if s.scheduled(w.schedule, days[i]) {
				sc := s.scheduleOf(w.schedule)
				startT, _ := workcal.ParseTimeOfDay(sc.Start)
				endT, _ := workcal.ParseTimeOfDay(sc.End)
				clock := s.clockOf(at)
				off = (c.Kind == CheckIn && clock > startT) || (c.Kind == CheckOut && clock < endT)
			}
			vals = append(vals, w.id, w.deviceRow, string(c.Kind), at, day, pt[0], pt[1], crs, c.AccuracyM, pl.located, pl.grid, pl.inside,
				pl.distanceM, off, c.Key, w.path, at)
		}
		return vals, nil
	}
	return pipelined(len(b.Checks), bulkChunk, prep, func(lo, hi int, vals []any) error {
		var n int
		err := s.db.InBulkTx(ctx, func(tx *sql.Tx) error {
			var err error
			n, err = insertRows(ctx, tx, s.db.Engine, "attendance", `worker_id, device_id, kind, at, day, lng, lat, crs, accuracy_m, located_grid,
				grid_code, inside, distance_m, off_schedule, idempotency_key, region_path, created_at`, "ON CONFLICT DO NOTHING", 17, vals)
			return err
		})
		if err != nil {
			return fmt.Errorf("bulk checks: %w", err)
		}
		res.Checks += n
		res.ChecksSkipped += hi - lo - n
		step(hi - lo)
		return nil
	})
}

// preparedBatch is a checked batch of fixes, to be sealed under its
// patrol's id once the patrol is stored.
type preparedBatch struct {
	key, content string
	n            int
	enc          []byte
	at           time.Time
}

// preparedPatrol is a checked patrol: the values of its row (without the
// id) and its batches.
type preparedPatrol struct {
	row     []any
	points  int
	batches []preparedBatch
}

// bulkPatrols stores patrols with their sealed batches and the totals
// AddPoints and FinishPatrol keep, each patrol with its batches in the
// same transaction, so a patrol found stored is whole.
func (s *Service) bulkPatrols(ctx context.Context, b Bulk, ws []bulkWorker, res *BulkResult, step func(int)) error {
	now := audit.Canonical(s.now())
	rasters := map[string]*raster{} // only the preparing goroutine uses it
	prep := func(lo, hi int) ([]preparedPatrol, error) {
		out := make([]preparedPatrol, 0, hi-lo)
		for i := lo; i < hi; i++ {
			pp, err := s.preparePatrol(ctx, &b.Patrols[i], ws, now, rasters)
			if err != nil {
				return nil, bulkErr("patrols", i, err)
			}
			out = append(out, pp)
		}
		return out, nil
	}
	return pipelined(len(b.Patrols), 500, prep, func(lo, hi int, ps []preparedPatrol) error {
		err := s.db.InBulkTx(ctx, func(tx *sql.Tx) error {
			stmt, err := tx.PrepareContext(ctx, `INSERT INTO patrols (worker_id, device_id, grid_code, region_path, start_key, started_at, finished_at,
				batches, points, distance_m, last_lng, last_lat, last_at, coverage, covered_cells, grid_cells, cell_m)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) ON CONFLICT DO NOTHING RETURNING id`)
			if err != nil {
				return fmt.Errorf("bulk patrols: %w", err)
			}
			defer stmt.Close()
			var batches []any
			for k, pp := range ps {
				var id int64
				err := stmt.QueryRowContext(ctx, pp.row...).Scan(&id)
				if errors.Is(err, sql.ErrNoRows) {
					res.PatrolsSkipped++
					continue
				}
				if err != nil {
					return fmt.Errorf("bulk patrol %d: %w", lo+k, err)
				}
				for j, sb := range pp.batches {
					seq := j + 1
					batches = append(batches, id, seq, sb.key, sb.content, sb.n, s.cfg.Keys.Seal(sb.enc, batchContext(id, seq)), sb.at)
				}
				res.Patrols++
				res.Points += pp.points
			}
			_, err = insertRows(ctx, tx, s.db.Engine, "patrol_batches", "patrol_id, seq, idempotency_key, content, n, points, created_at", "", 7, batches)
			return err
		})
		if err != nil {
			return err
		}
		step(hi - lo)
		return nil
	})
}

// preparePatrol checks a patrol as StartPatrol, AddPoints and FinishPatrol
// would, one after the other, and computes what they would store.
func (s *Service) preparePatrol(ctx context.Context, bp *BulkPatrol, ws []bulkWorker, now time.Time, rasters map[string]*raster) (preparedPatrol, error) {
	if bp.Worker < 0 || bp.Worker >= len(ws) {
		return preparedPatrol{}, apperr.Field("worker", "is not a worker of the load")
	}
	w := ws[bp.Worker]
	at := audit.Canonical(bp.At)
	var fs apperr.Fields
	if err := checkToken(bp.Key, 1, 100); err != nil {
		fs.Add("key", err.Error())
	}
	switch {
	case at.After(now):
		fs.Add("at", "is in the future")
	case at.Before(w.boundAt):
		fs.Add("at", "is before the worker's device was bound")
	}
	if err := geo.ValidatePoint(bp.Lng, bp.Lat, geo.WGS84); err != nil {
		fs.Add("lng", err.Error())
	}
	if err := fs.Err(); err != nil {
		return preparedPatrol{}, err
	}
	pl, err := s.place(ctx, w.grids, orb.Point{bp.Lng, bp.Lat})
	if err != nil {
		return preparedPatrol{}, err
	}
	var path string
	for _, g := range w.grids {
		if g.GridCode == pl.grid {
			path = g.path
		}
	}
	p := Patrol{StartedAt: at}
	var out []preparedBatch
	var fixes []fix
	keys := map[string]bool{}
	total := 0.0
	for k, bb := range bp.Batches {
		field := fmt.Sprintf("batches[%d]", k)
		up := audit.Canonical(bb.At)
		switch {
		case checkToken(bb.Key, 1, 100) != nil || keys[bb.Key]:
			return preparedPatrol{}, apperr.Field(field+".key", "must be a fresh idempotency key of 1-100 characters of A-Z a-z 0-9 . _ : -")
		case len(bb.Points) == 0 || len(bb.Points) > MaxBatchPoints:
			return preparedPatrol{}, apperr.Field(field+".points", fmt.Sprintf("a batch holds 1 to %d points", MaxBatchPoints))
		case up.After(now):
			return preparedPatrol{}, apperr.Field(field+".at", "is in the future")
		case p.Points+len(bb.Points) > MaxPatrolPoints:
			return preparedPatrol{}, apperr.Field(field+".points", fmt.Sprintf("a patrol holds at most %d points", MaxPatrolPoints))
		}
		keys[bb.Key] = true
		fs := make([]fix, len(bb.Points))
		for m, pt := range bb.Points {
			if err := geo.ValidatePoint(pt.Lng, pt.Lat, geo.WGS84); err != nil {
				return preparedPatrol{}, apperr.Field(fmt.Sprintf("%s.points[%d]", field, m), err.Error())
			}
			if pt.At.After(up.Add(s.cfg.ClockSkew)) {
				return preparedPatrol{}, apperr.Field(fmt.Sprintf("%s.points[%d].at", field, m), "is after the batch was sent")
			}
			f := fix{pt: orb.Point{pt.Lng, pt.Lat}, at: pt.At.UTC().Truncate(time.Millisecond), acc: math.NaN()}
			if pt.AccuracyM != nil {
				if *pt.AccuracyM < 0 || *pt.AccuracyM > 10000 || math.IsNaN(*pt.AccuracyM) {
					return preparedPatrol{}, apperr.Field(fmt.Sprintf("%s.points[%d].accuracy_m", field, m), "must be between 0 and 10000 metres")
				}
				f.acc = *pt.AccuracyM
			}
			fs[m] = f
		}
		kept, dist, err := checkTrack(p, k, fs)
		if err != nil {
			return preparedPatrol{}, prefixFields(field, err)
		}
		sum := sha256.Sum256(encodeFixes(fs))
		out = append(out, preparedBatch{key: bb.Key, content: hex.EncodeToString(sum[:]), n: len(kept), enc: encodeFixes(kept), at: up})
		p.Batches, p.Points, p.DistanceM = p.Batches+1, p.Points+len(kept), p.DistanceM+dist
		if len(kept) > 0 {
			last := kept[len(kept)-1]
			p.last, p.lastAt = &last.pt, &last.at
		}
		total += dist
		fixes = append(fixes, kept...)
	}
	var finished, coverage, lastLng, lastLat, lastAt any
	var cv Coverage
	if p.last != nil {
		lastLng, lastLat, lastAt = p.last[0], p.last[1], *p.lastAt
	}
	if !bp.Finish.IsZero() {
		fin := audit.Canonical(bp.Finish)
		if fin.After(now) {
			return preparedPatrol{}, apperr.Field("finish", "is in the future")
		}
		if n := len(out); n > 0 && fin.Before(out[n-1].at) {
			return preparedPatrol{}, apperr.Field("finish", "is before the last batch was sent")
		}
		r, ok := rasters[pl.grid]
		if !ok {
			mp, err := s.cfg.Boundaries.Boundary(ctx, pl.grid)
			if err != nil {
				return preparedPatrol{}, fmt.Errorf("boundary of grid %s: %w", pl.grid, err)
			}
			r = newRaster(mp)
			rasters[pl.grid] = r
		}
		cv = r.cover(pointsOf(fixes))
		if cv.GridCells > 0 {
			coverage = cv.Share()
		}
		if p.lastAt != nil && p.lastAt.After(fin) {
			fin = *p.lastAt
		}
		finished = fin
	}
	return preparedPatrol{row: []any{w.id, w.deviceRow, pl.grid, path, bp.Key, at, finished, p.Batches, p.Points, total, lastLng, lastLat,
		lastAt, coverage, cv.Covered, cv.GridCells, cv.CellM}, points: p.Points, batches: out}, nil
}

// prefixFields puts a prefix before the fields an error names.
func prefixFields(prefix string, err error) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	out := &apperr.Error{Code: e.Code, Message: e.Message}
	for _, f := range e.Fields {
		out.Fields = append(out.Fields, apperr.FieldError{Field: prefix + "." + f.Field, Reason: f.Reason})
	}
	return out
}

// preparedVisit is a checked visit with its place.
type preparedVisit struct {
	w      bulkWorker
	v      *BulkVisit
	in     VisitInput
	place  visitPlace
	at     time.Time
	month  string
	lng    *float64
	lat    *float64
	photos string
}

// bulkVisits stores visits in chunks; the houses and persons of a chunk
// are looked up together.
func (s *Service) bulkVisits(ctx context.Context, b Bulk, ws []bulkWorker, res *BulkResult, step func(int)) error {
	now := audit.Canonical(s.now())
	loc := s.location()
	prep := func(lo, hi int) ([]preparedVisit, error) {
		chunk := b.Visits[lo:hi]
		houses, persons, err := s.lookupVisited(ctx, chunk)
		if err != nil {
			return nil, err
		}
		out := make([]preparedVisit, 0, len(chunk))
		for j := range chunk {
			i := lo + j
			v := &chunk[j]
			if v.Worker < 0 || v.Worker >= len(ws) {
				return nil, bulkErr("visits", i, apperr.Field("worker", "is not a worker of the load"))
			}
			w := ws[v.Worker]
			at := audit.Canonical(v.At)
			c := DeviceCaller{IdempotencyKey: v.Key, boundAt: w.boundAt}
			in := v.Input
			in.At = ""
			if _, err := s.checkVisit(c, &in, at); err != nil {
				return nil, bulkErr("visits", i, err)
			}
			var fs apperr.Fields
			switch {
			case in.RaiseEvent != nil:
				fs.Add("raise_event", "a bulk load raises no events; record such a visit with RecordVisit")
			case at.After(now):
				fs.Add("at", "is in the future")
			case at.Before(w.boundAt):
				fs.Add("at", "is before the worker's device was bound")
			}
			if err := fs.Err(); err != nil {
				return nil, bulkErr("visits", i, err)
			}
			pv := preparedVisit{w: w, v: v, in: in, at: at, month: at.In(loc).Format("2006-01"), photos: strings.Join(in.Photos, " ")}
			if in.Lng != nil {
				pt, _, _, err := s.checkInput(c, CheckInput{Lng: in.Lng, Lat: in.Lat, CRS: in.CRS}, at)
				if err != nil {
					return nil, bulkErr("visits", i, err)
				}
				pv.lng, pv.lat = &pt[0], &pt[1]
			}
			if pv.place, err = placeFromLookup(w.grids, in, houses, persons); err != nil {
				return nil, bulkErr("visits", i, err)
			}
			out = append(out, pv)
		}
		return out, nil
	}
	return pipelined(len(b.Visits), 2000, prep, func(lo, hi int, vs []preparedVisit) error {
		err := s.db.InBulkTx(ctx, func(tx *sql.Tx) error {
			stmt, err := tx.PrepareContext(ctx, `INSERT INTO visits (worker_id, device_id, house_id, house_code, grid_code, region_path, purpose,
				notes, photos, lng, lat, at, month, event_id, idempotency_key, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, $14, $12) ON CONFLICT DO NOTHING RETURNING id`)
			if err != nil {
				return fmt.Errorf("bulk visits: %w", err)
			}
			defer stmt.Close()
			var vp, ps []any
			for k, pv := range vs {
				var id int64
				err = stmt.QueryRowContext(ctx, pv.w.id, pv.w.deviceRow, pv.place.houseID, pv.in.HouseCode, pv.place.grid, pv.place.path, pv.in.Purpose,
					pv.in.Notes, pv.photos, pv.lng, pv.lat, pv.at, pv.month, pv.v.Key).Scan(&id)
				if errors.Is(err, sql.ErrNoRows) {
					res.VisitsSkipped++
					continue
				}
				if err != nil {
					return fmt.Errorf("bulk visit %d: %w", lo+k, err)
				}
				res.Visits++
				for _, pid := range pv.in.PersonIDs {
					vp = append(vp, id, pid)
				}
				for _, px := range pv.in.ProxyServices {
					ps = append(ps, id, pv.w.id, pv.place.path, px.Kind, px.ForPersonID, px.ForName, px.Status, pv.month, pv.at)
				}
			}
			if _, err := insertRows(ctx, tx, s.db.Engine, "visit_persons", "visit_id, person_id", "", 2, vp); err != nil {
				return err
			}
			_, err = insertRows(ctx, tx, s.db.Engine, "proxy_services", "visit_id, worker_id, region_path, kind, for_person_id, for_name, status, month, created_at",
				"", 9, ps)
			return err
		})
		if err != nil {
			return err
		}
		step(hi - lo)
		return nil
	})
}

// lookupVisited reads the houses and the persons' grids a chunk of visits
// names, in a few queries.
func (s *Service) lookupVisited(ctx context.Context, vs []BulkVisit) (map[string]visitPlace, map[int64]string, error) {
	houses := map[string]visitPlace{}
	persons := map[int64]string{}
	var codes []any
	var ids []any
	for _, v := range vs {
		if _, ok := houses[v.Input.HouseCode]; !ok {
			houses[v.Input.HouseCode] = visitPlace{}
			codes = append(codes, strings.TrimSpace(v.Input.HouseCode))
		}
		add := func(id int64) {
			if _, ok := persons[id]; !ok {
				persons[id] = ""
				ids = append(ids, id)
			}
		}
		for _, id := range v.Input.PersonIDs {
			add(id)
		}
		for _, px := range v.Input.ProxyServices {
			if px.ForPersonID != nil {
				add(*px.ForPersonID)
			}
		}
	}
	clear(houses)
	clear(persons)
	for len(codes) > 0 {
		n := min(500, len(codes))
		rows, err := s.db.Read().QueryContext(ctx, `SELECT code, id, grid_code, region_path FROM houses WHERE code IN (`+marks(1, n)+`)`, codes[:n]...)
		if err != nil {
			return nil, nil, fmt.Errorf("visited houses: %w", err)
		}
		for rows.Next() {
			var code string
			var vp visitPlace
			if err := rows.Scan(&code, &vp.houseID, &vp.grid, &vp.path); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("visited houses: %w", err)
			}
			houses[code] = vp
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("visited houses: %w", err)
		}
		codes = codes[n:]
	}
	for len(ids) > 0 {
		n := min(500, len(ids))
		rows, err := s.db.Read().QueryContext(ctx, `SELECT id, grid_code FROM persons WHERE id IN (`+marks(1, n)+`)`, ids[:n]...)
		if err != nil {
			return nil, nil, fmt.Errorf("visited persons: %w", err)
		}
		for rows.Next() {
			var id int64
			var grid string
			if err := rows.Scan(&id, &grid); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("visited persons: %w", err)
			}
			persons[id] = grid
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("visited persons: %w", err)
		}
		ids = ids[n:]
	}
	return houses, persons, nil
}

// placeFromLookup is placeVisit over looked-up houses and persons.
func placeFromLookup(grids []GridAssignment, in VisitInput, houses map[string]visitPlace, persons map[int64]string) (visitPlace, error) {
	mine := map[string]bool{}
	for _, g := range grids {
		mine[g.GridCode] = true
	}
	vp, ok := houses[in.HouseCode]
	if !ok || !mine[vp.grid] {
		return vp, apperr.Field("house_code", fmt.Sprintf("house %s not found in your grids", in.HouseCode))
	}
	var fs apperr.Fields
	check := func(field string, id int64) {
		if grid, ok := persons[id]; !ok || !mine[grid] {
			fs.Add(field, fmt.Sprintf("person %d not found in your grids", id))
		}
	}
	for i, id := range in.PersonIDs {
		check(fmt.Sprintf("person_ids[%d]", i), id)
	}
	for i, ps := range in.ProxyServices {
		if ps.ForPersonID != nil {
			check(fmt.Sprintf("proxy_services[%d].for_person_id", i), *ps.ForPersonID)
		}
	}
	return vp, fs.Err()
}
