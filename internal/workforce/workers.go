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
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/workcal"
)

// Employment is whether a worker is full-time (专职) or part-time (兼职).
type Employment string

const (
	FullTime Employment = "full_time"
	PartTime Employment = "part_time"
)

// maxGrids bounds the grids of one worker; a village worker covers a few.
const maxGrids = 50

// GridAssignment is one grid of a worker. Exactly one is primary: its
// region path places the worker for scope and roll-ups.
type GridAssignment struct {
	GridCode  string `json:"grid_code"`
	GridName  string `json:"grid_name,omitempty"`
	Primary   bool   `json:"primary"`
	GridChief bool   `json:"grid_chief"`
	path      string
}

// DeviceView is the device bound to a worker.
type DeviceView struct {
	DeviceID string    `json:"device_id"`
	BoundAt  time.Time `json:"bound_at"`
}

// Worker is a grid worker as shown to callers; the phone is masked.
type Worker struct {
	ID          int64            `json:"id"`
	Name        string           `json:"name"`
	Phone       string           `json:"phone"`
	UserID      *int64           `json:"user_id"`
	Employment  Employment       `json:"employment"`
	HireDate    string           `json:"hire_date"`
	Active      bool             `json:"active"`
	PrimaryGrid string           `json:"primary_grid"`
	Grids       []GridAssignment `json:"grids"`
	// Schedule is the worker's own schedule; null means the default.
	Schedule  *Schedule   `json:"schedule"`
	Device    *DeviceView `json:"device"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
	Version   int         `json:"version"`

	regionPath string
}

// WorkerInput is a new worker. Phone is in clear only here, on its way to
// being sealed.
type WorkerInput struct {
	Name       string           `json:"name"`
	Phone      string           `json:"phone"`
	UserID     *int64           `json:"user_id"`
	Employment Employment       `json:"employment"`
	HireDate   string           `json:"hire_date"`
	Grids      []GridAssignment `json:"grids"`
	Schedule   *Schedule        `json:"schedule"`
}

// WorkerPatch changes a worker; absent fields stay as they are. Version is
// the version the caller read. UserID 0 unlinks the account; a Schedule
// without days returns the worker to the default schedule; Grids replaces
// every grid.
type WorkerPatch struct {
	Version    int               `json:"version"`
	Name       *string           `json:"name"`
	Phone      *string           `json:"phone"`
	UserID     *int64            `json:"user_id"`
	Employment *Employment       `json:"employment"`
	HireDate   *string           `json:"hire_date"`
	Active     *bool             `json:"active"`
	Grids      *[]GridAssignment `json:"grids"`
	Schedule   *Schedule         `json:"schedule"`
}

// checkName validates a person's name.
func checkName(fs *apperr.Fields, field, v string) {
	switch {
	case strings.TrimSpace(v) == "":
		fs.Add(field, "is required")
	case utf8.RuneCountInString(v) > 50:
		fs.Add(field, "must be at most 50 characters")
	case strings.ContainsAny(v, "<>\n\r\t"):
		fs.Add(field, "must not contain <, > or line breaks")
	}
}

// normalPhone checks an optional phone and returns it normalised.
func normalPhone(fs *apperr.Fields, field, v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	n, err := pii.NormalizePhone(v)
	if err != nil {
		fs.Add(field, err.Error())
	}
	return n
}

// validate checks a worker's fields that need no database and normalises
// them: trimmed name, normalised phone, one primary grid.
func (s *Service) validate(in *WorkerInput) error {
	var fs apperr.Fields
	in.Name = strings.TrimSpace(in.Name)
	checkName(&fs, "name", in.Name)
	in.Phone = normalPhone(&fs, "phone", in.Phone)
	if in.UserID != nil && *in.UserID <= 0 {
		fs.Add("user_id", "must be the id of a worker account")
	}
	switch in.Employment {
	case FullTime, PartTime:
	case "":
		fs.Add("employment", "is required: full_time or part_time")
	default:
		fs.Add("employment", fmt.Sprintf("must be full_time or part_time, got %q", in.Employment))
	}
	if d, err := parseDate(in.HireDate); err != nil {
		fs.Add("hire_date", err.Error())
	} else if today := s.dayOf(s.now()); d.Compare(today) > 0 {
		fs.Add("hire_date", "must not be in the future")
	} else if d.Year < 1950 {
		fs.Add("hire_date", "must be after 1950")
	}
	switch {
	case len(in.Grids) == 0:
		fs.Add("grids", "give at least one grid")
	case len(in.Grids) > maxGrids:
		fs.Add("grids", fmt.Sprintf("at most %d grids", maxGrids))
	}
	seen := map[string]bool{}
	primaries := 0
	for i := range in.Grids {
		g := &in.Grids[i]
		g.GridCode = strings.TrimSpace(g.GridCode)
		if g.GridCode == "" {
			fs.Add(fmt.Sprintf("grids[%d].grid_code", i), "is required")
		} else if seen[g.GridCode] {
			fs.Add(fmt.Sprintf("grids[%d].grid_code", i), fmt.Sprintf("grid %s is given twice", g.GridCode))
		}
		seen[g.GridCode] = true
		if g.Primary {
			primaries++
			if primaries == 2 {
				fs.Add(fmt.Sprintf("grids[%d].primary", i), "only one grid may be primary")
			}
		}
	}
	if len(in.Grids) == 1 {
		in.Grids[0].Primary = true
	} else if len(in.Grids) > 1 && primaries == 0 {
		fs.Add("grids", "mark one grid as primary")
	}
	if in.Schedule != nil {
		in.Schedule.check("schedule", &fs)
	}
	return fs.Err()
}

func parseDate(s string) (workcal.Date, error) {
	d, err := workcal.ParseDate(s)
	if err != nil {
		return workcal.Date{}, errors.New("must be a date as YYYY-MM-DD")
	}
	return d, nil
}

// CreateWorker adds a worker with their grids.
func (s *Service) CreateWorker(ctx context.Context, p auth.Principal, in WorkerInput) (Worker, error) {
	if err := requireManage(p); err != nil {
		return Worker{}, err
	}
	if err := s.validate(&in); err != nil {
		return Worker{}, err
	}
	now := audit.Canonical(s.now())
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		primary, err := s.placeGrids(ctx, tx, p, in.Grids, 0)
		if err != nil {
			return err
		}
		if err := s.checkAccount(ctx, tx, p, in.UserID, primary, 0); err != nil {
			return err
		}
		schedule := ""
		if in.Schedule != nil {
			schedule = in.Schedule.encode()
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO workers (name, phone_mask, user_id, employment, hire_date, active, primary_grid,
			region_path, schedule, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			in.Name, maskPhone(in.Phone), userArg(in.UserID), string(in.Employment), in.HireDate, true, primary.GridCode,
			primary.path, schedule, now, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.Field("user_id", "this account is already linked to another worker")
		}
		if err != nil {
			return fmt.Errorf("insert worker: %w", err)
		}
		if err := s.storePhone(ctx, tx, "workers", id, in.Phone); err != nil {
			return err
		}
		if err := insertGrids(ctx, tx, id, in.Grids); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "worker.create", TargetType: "worker",
			TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"grids": gridCodes(in.Grids)}})
		return err
	})
	if err != nil {
		return Worker{}, err
	}
	w, err := s.getWorker(ctx, s.db.Write(), id)
	s.published(ctx, err, w.regionPath)
	return w, err
}

// placeGrids checks every grid lies in the caller's scope and that no
// other worker is chief of a grid this worker is to lead, and returns the
// primary grid with its path.
func (s *Service) placeGrids(ctx context.Context, tx *sql.Tx, p auth.Principal, grids []GridAssignment, workerID int64) (GridAssignment, error) {
	var primary GridAssignment
	for i := range grids {
		g := &grids[i]
		r, err := gridInScope(ctx, tx, p.User.Scope(), g.GridCode, fmt.Sprintf("grids[%d].grid_code", i))
		if err != nil {
			return primary, err
		}
		g.path, g.GridName = r.Path, r.Name
		if g.Primary {
			primary = *g
		}
		if !g.GridChief {
			continue
		}
		var other int64
		var name string
		err = tx.QueryRowContext(ctx, `SELECT w.id, w.name FROM worker_grids wg JOIN workers w ON w.id = wg.worker_id
			WHERE wg.grid_code = $1 AND wg.grid_chief AND wg.worker_id <> $2`, g.GridCode, workerID).Scan(&other, &name)
		switch {
		case err == nil:
			return primary, &apperr.Error{Code: apperr.Conflict, Message: "a grid has one chief",
				Fields: []apperr.FieldError{{Field: fmt.Sprintf("grids[%d].grid_chief", i),
					Reason: fmt.Sprintf("grid %s already has a chief: %s (worker %d)", g.GridCode, name, other)}}}
		case !errors.Is(err, sql.ErrNoRows):
			return primary, fmt.Errorf("grid chief of %s: %w", g.GridCode, err)
		}
	}
	return primary, nil
}

// checkAccount checks that a linked account exists in the caller's scope,
// has the worker role, and is scoped to cover the worker's primary grid,
// so that the worker can read the registry of that grid.
func (s *Service) checkAccount(ctx context.Context, q db.Querier, p auth.Principal, userID *int64, primary GridAssignment, workerID int64) error {
	if userID == nil || *userID == 0 {
		return nil
	}
	// An account the caller may not see (outside their region, or scoped
	// to no region: an administrator, a department's staff, a resident)
	// is not found, exactly as one that does not exist.
	var role, scopeRegion, path string
	err := q.QueryRowContext(ctx, `SELECT u.role, COALESCE(u.scope_region, ''), COALESCE(r.path, '') FROM users u
		LEFT JOIN regions r ON r.code = u.scope_region WHERE u.id = $1`, *userID).Scan(&role, &scopeRegion, &path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.SeesAccount(scopeRegion, path)) {
		return apperr.Field("user_id", fmt.Sprintf("account %d not found", *userID))
	}
	if err != nil {
		return fmt.Errorf("worker account: %w", err)
	}
	if auth.Role(role) != auth.RoleWorker {
		return apperr.Field("user_id", fmt.Sprintf("account %d has the role %s; link an account of role worker", *userID, role))
	}
	if path == "" || !strings.HasPrefix(primary.path, path) {
		return apperr.Field("user_id", fmt.Sprintf("account %d is not scoped to cover grid %s", *userID, primary.GridCode))
	}
	var other int64
	err = q.QueryRowContext(ctx, `SELECT id FROM workers WHERE user_id = $1 AND id <> $2`, *userID, workerID).Scan(&other)
	switch {
	case err == nil:
		return &apperr.Error{Code: apperr.Conflict, Message: "an account belongs to one worker",
			Fields: []apperr.FieldError{{Field: "user_id", Reason: fmt.Sprintf("account %d is already linked to worker %d", *userID, other)}}}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("worker account: %w", err)
	}
	return nil
}

func userArg(id *int64) any {
	if id == nil || *id == 0 {
		return nil
	}
	return *id
}

func maskPhone(phone string) string {
	if phone == "" {
		return ""
	}
	return pii.MaskPhone(phone)
}

// phoneContext binds a sealed phone to its table and row.
func phoneContext(table string, id int64) string {
	return table + ":" + strconv.FormatInt(id, 10) + ":phone"
}

// storePhone seals a phone on its row (or clears it); the row id is part of
// the sealing context, so it is written once the row exists.
func (s *Service) storePhone(ctx context.Context, tx *sql.Tx, table string, id int64, phone string) error {
	var sealed []byte
	if phone != "" {
		sealed = s.cfg.Keys.Seal([]byte(phone), phoneContext(table, id))
	}
	// table is one of two constants, never input.
	if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET phone_enc = $1, phone_mask = $2 WHERE id = $3`, sealed, maskPhone(phone), id); err != nil {
		return fmt.Errorf("store phone: %w", err)
	}
	return nil
}

// openPhone returns a sealed phone in clear ("" when none).
func (s *Service) openPhone(table string, id int64, sealed []byte) (string, error) {
	if sealed == nil {
		return "", nil
	}
	b, err := s.cfg.Keys.Open(sealed, phoneContext(table, id))
	if err != nil {
		return "", fmt.Errorf("open phone of %s %d: %w", table, id, err)
	}
	return string(b), nil
}

func insertGrids(ctx context.Context, tx *sql.Tx, workerID int64, grids []GridAssignment) error {
	for _, g := range grids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO worker_grids (worker_id, grid_code, region_path, is_primary, grid_chief)
			VALUES ($1, $2, $3, $4, $5)`, workerID, g.GridCode, g.path, g.Primary, g.GridChief); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "grid %s was given a chief by someone else at the same time; try again", g.GridCode)
			}
			return fmt.Errorf("worker %d grids: %w", workerID, err)
		}
	}
	return nil
}

func gridCodes(gs []GridAssignment) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.GridCode
	}
	return out
}

const workerColumns = `id, name, phone_enc, phone_mask, user_id, employment, hire_date, active, primary_grid, region_path,
	schedule, created_at, updated_at, version`

// workerRow is a stored worker with the sealed phone.
type workerRow struct {
	Worker
	phoneEnc []byte
}

func scanWorker(row interface{ Scan(...any) error }) (workerRow, error) {
	var w workerRow
	var userID sql.NullInt64
	var employment, schedule string
	err := row.Scan(&w.ID, &w.Name, &w.phoneEnc, &w.Phone, &userID, &employment, &w.HireDate, &w.Active, &w.PrimaryGrid,
		&w.regionPath, &schedule, &w.CreatedAt, &w.UpdatedAt, &w.Version)
	if err != nil {
		return w, err
	}
	if userID.Valid {
		id := userID.Int64
		w.UserID = &id
	}
	w.Employment = Employment(employment)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	w.Schedule, err = decodeSchedule(schedule)
	return w, err
}

func loadWorker(ctx context.Context, q db.Querier, id int64) (workerRow, error) {
	w, err := scanWorker(q.QueryRowContext(ctx, `SELECT `+workerColumns+` FROM workers WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return workerRow{}, apperr.New(apperr.NotFound, "worker not found")
	}
	if err != nil {
		return workerRow{}, fmt.Errorf("load worker %d: %w", id, err)
	}
	return w, nil
}

// visible reports whether p may see the worker: within their scope, or
// their own record.
func visible(p auth.Principal, w Worker) bool {
	if w.UserID != nil && p.User.ID != 0 && *w.UserID == p.User.ID {
		return true
	}
	return p.Can(auth.PermWorkforceRead) && p.User.Scope().Contains(w.regionPath)
}

// readRange is the range of region paths a caller reads a worker's
// records in: the caller's own area, as a worker's grids may lie beyond the
// area of their primary grid, where the caller sees the worker; narrowed is
// false for the worker themselves and deployment-wide callers.
func readRange(p auth.Principal, w Worker) (lo, hi string, narrowed bool) {
	sc := p.User.Scope()
	if (w.UserID != nil && p.User.ID != 0 && *w.UserID == p.User.ID) || sc.IsAll() {
		return "", "", false
	}
	lo, hi = sc.Range()
	return lo, hi, true
}

// GetWorker returns a worker in the caller's scope, or the caller's own
// worker record.
func (s *Service) GetWorker(ctx context.Context, p auth.Principal, id int64) (Worker, error) {
	w, err := s.getWorker(ctx, s.db.Read(), id)
	if err == nil && !visible(p, w) {
		err = apperr.New(apperr.NotFound, "worker not found")
	}
	return w, err
}

// Me returns the worker record linked to the caller's account.
func (s *Service) Me(ctx context.Context, p auth.Principal) (Worker, error) {
	var id int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT id FROM workers WHERE user_id = $1`, p.User.ID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || p.User.ID == 0 {
		return Worker{}, apperr.New(apperr.NotFound, "your account is not linked to a worker record; ask your center")
	}
	if err != nil {
		return Worker{}, fmt.Errorf("my worker record: %w", err)
	}
	return s.getWorker(ctx, s.db.Read(), id)
}

func (s *Service) getWorker(ctx context.Context, q db.Querier, id int64) (Worker, error) {
	row, err := loadWorker(ctx, q, id)
	if err != nil {
		return Worker{}, err
	}
	ws := []Worker{row.Worker}
	if err := fillWorkers(ctx, q, ws); err != nil {
		return Worker{}, err
	}
	return ws[0], nil
}

// fillWorkers adds the grids and the bound device of each worker.
func fillWorkers(ctx context.Context, q db.Querier, ws []Worker) error {
	if len(ws) == 0 {
		return nil
	}
	at := map[int64]int{}
	args := make([]any, len(ws))
	marks := make([]string, len(ws))
	for i := range ws {
		at[ws[i].ID] = i
		ws[i].Grids = []GridAssignment{}
		args[i] = ws[i].ID
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	in := strings.Join(marks, ", ")
	rows, err := q.QueryContext(ctx, `SELECT wg.worker_id, wg.grid_code, r.name, wg.is_primary, wg.grid_chief, wg.region_path
		FROM worker_grids wg JOIN regions r ON r.code = wg.grid_code WHERE wg.worker_id IN (`+in+`) ORDER BY wg.worker_id, wg.grid_code`, args...)
	if err != nil {
		return fmt.Errorf("worker grids: %w", err)
	}
	for rows.Next() {
		var id int64
		var g GridAssignment
		if err := rows.Scan(&id, &g.GridCode, &g.GridName, &g.Primary, &g.GridChief, &g.path); err != nil {
			rows.Close()
			return fmt.Errorf("worker grids: %w", err)
		}
		ws[at[id]].Grids = append(ws[at[id]].Grids, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("worker grids: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT worker_id, device_id, bound_at FROM worker_devices
		WHERE status = 'active' AND worker_id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("worker devices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d DeviceView
		if err := rows.Scan(&id, &d.DeviceID, &d.BoundAt); err != nil {
			return fmt.Errorf("worker devices: %w", err)
		}
		d.BoundAt = d.BoundAt.UTC()
		ws[at[id]].Device = &d
	}
	return rows.Err()
}

// WorkerQuery filters ListWorkers.
type WorkerQuery struct {
	Region     string
	Grid       string
	Active     *bool
	Employment Employment
	After      int64
	Limit      int
}

// WorkerPage is a page of workers; NextAfter continues it (0: no more).
type WorkerPage struct {
	Items     []Worker `json:"items"`
	NextAfter int64    `json:"next_after,omitempty"`
}

// ListWorkers lists the workers in the caller's scope (or the region they
// name) by id, or the workers of one grid.
func (s *Service) ListWorkers(ctx context.Context, p auth.Principal, q WorkerQuery) (WorkerPage, error) {
	if err := requireRead(p); err != nil {
		return WorkerPage{}, err
	}
	var fs apperr.Fields
	if q.Employment != "" && q.Employment != FullTime && q.Employment != PartTime {
		fs.Add("employment", "must be full_time or part_time")
	}
	q.Limit = pageLimit(&fs, q.Limit)
	if err := fs.Err(); err != nil {
		return WorkerPage{}, err
	}
	scope := p.User.Scope()
	if q.Region != "" {
		r, err := s.regionFor(ctx, p, q.Region)
		if err != nil {
			return WorkerPage{}, err
		}
		scope = region.Under(r.Path)
	}
	lo, hi := scope.Range()
	if lo == "" {
		return WorkerPage{Items: []Worker{}}, nil
	}
	where := `w.region_path >= $1 AND w.region_path < $2 AND w.id > $3`
	args := []any{lo, hi, q.After}
	if q.Grid != "" {
		g, err := gridInScope(ctx, s.db.Read(), p.User.Scope(), q.Grid, "grid")
		if err != nil {
			return WorkerPage{}, err
		}
		// The workers of a grid may have their primary grid elsewhere.
		where = `w.id IN (SELECT worker_id FROM worker_grids WHERE grid_code = $1) AND w.id > $2`
		args = []any{g.Code, q.After}
	}
	if q.Active != nil {
		args = append(args, *q.Active)
		where += fmt.Sprintf(" AND w.active = $%d", len(args))
	}
	if q.Employment != "" {
		args = append(args, string(q.Employment))
		where += fmt.Sprintf(" AND w.employment = $%d", len(args))
	}
	args = append(args, q.Limit+1)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+prefixed("w.", workerColumns)+` FROM workers w WHERE `+where+
		fmt.Sprintf(" ORDER BY w.id LIMIT $%d", len(args)), args...)
	if err != nil {
		return WorkerPage{}, fmt.Errorf("list workers: %w", err)
	}
	page := WorkerPage{Items: []Worker{}}
	for rows.Next() {
		w, err := scanWorker(rows)
		if err != nil {
			rows.Close()
			return WorkerPage{}, fmt.Errorf("list workers: %w", err)
		}
		page.Items = append(page.Items, w.Worker)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return WorkerPage{}, fmt.Errorf("list workers: %w", err)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		page.NextAfter = page.Items[q.Limit-1].ID
	}
	return page, fillWorkers(ctx, s.db.Read(), page.Items)
}

// prefixed qualifies each column of a column list with a table alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// UpdateWorker applies a patch to a worker in scope. Deactivating a worker
// unbinds their device, withdraws open enrolment codes and gives up their
// grid-chief posts, so a departed worker's phone stops working at once.
func (s *Service) UpdateWorker(ctx context.Context, p auth.Principal, id int64, patch WorkerPatch) (Worker, error) {
	if err := requireManage(p); err != nil {
		return Worker{}, err
	}
	if patch.Version <= 0 {
		return Worker{}, apperr.Field("version", "is required: the version you read")
	}
	row, err := loadWorker(ctx, s.db.Read(), id)
	if err == nil && !p.User.Scope().Contains(row.regionPath) {
		err = apperr.New(apperr.NotFound, "worker not found")
	}
	if err != nil {
		return Worker{}, err
	}
	ws := []Worker{row.Worker}
	if err := fillWorkers(ctx, s.db.Read(), ws); err != nil {
		return Worker{}, err
	}
	old := ws[0]
	phone, err := s.openPhone("workers", id, row.phoneEnc)
	if err != nil {
		return Worker{}, err
	}
	in := WorkerInput{Name: old.Name, Phone: phone, UserID: old.UserID, Employment: old.Employment, HireDate: old.HireDate,
		Grids: old.Grids, Schedule: old.Schedule}
	active := old.Active
	if patch.Name != nil {
		in.Name = *patch.Name
	}
	if patch.Phone != nil {
		in.Phone = *patch.Phone
	}
	if patch.UserID != nil {
		in.UserID = patch.UserID
		if *patch.UserID == 0 {
			in.UserID = nil
		}
	}
	if patch.Employment != nil {
		in.Employment = *patch.Employment
	}
	if patch.HireDate != nil {
		in.HireDate = *patch.HireDate
	}
	if patch.Grids != nil {
		in.Grids = *patch.Grids
	}
	if patch.Schedule != nil {
		in.Schedule = patch.Schedule
		if len(patch.Schedule.Days) == 0 && patch.Schedule.Start == "" && patch.Schedule.End == "" {
			in.Schedule = nil
		}
	}
	if patch.Active != nil {
		active = *patch.Active
	}
	if err := s.validate(&in); err != nil {
		return Worker{}, err
	}
	if !active {
		// A departed worker leads no grid.
		for i := range in.Grids {
			in.Grids[i].GridChief = false
		}
	}
	changed := workerChanges(old, phone, in, active)
	if len(changed) == 0 {
		if old.Version != patch.Version {
			return Worker{}, stale("worker", patch.Version, old.Version)
		}
		return old, nil
	}
	now := audit.Canonical(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		primary, err := s.placeGrids(ctx, tx, p, in.Grids, id)
		if err != nil {
			return err
		}
		if err := s.checkAccount(ctx, tx, p, in.UserID, primary, id); err != nil {
			return err
		}
		schedule := ""
		if in.Schedule != nil {
			schedule = in.Schedule.encode()
		}
		res, err := tx.ExecContext(ctx, `UPDATE workers SET name = $1, user_id = $2, employment = $3, hire_date = $4, active = $5,
			primary_grid = $6, region_path = $7, schedule = $8, updated_at = $9, version = version + 1 WHERE id = $10 AND version = $11`,
			in.Name, userArg(in.UserID), string(in.Employment), in.HireDate, active, primary.GridCode, primary.path, schedule, now, id, patch.Version)
		if db.IsUniqueViolation(err) {
			return apperr.Field("user_id", "this account is already linked to another worker")
		}
		if err != nil {
			return fmt.Errorf("update worker %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var current int
			if err := tx.QueryRowContext(ctx, `SELECT version FROM workers WHERE id = $1`, id).Scan(&current); err != nil {
				return fmt.Errorf("update worker %d: %w", id, err)
			}
			return stale("worker", patch.Version, current)
		}
		if patch.Phone != nil {
			if err := s.storePhone(ctx, tx, "workers", id, in.Phone); err != nil {
				return err
			}
		}
		if patch.Grids != nil || !active {
			if _, err := tx.ExecContext(ctx, `DELETE FROM worker_grids WHERE worker_id = $1`, id); err != nil {
				return fmt.Errorf("update worker %d grids: %w", id, err)
			}
			if err := insertGrids(ctx, tx, id, in.Grids); err != nil {
				return err
			}
		}
		if !active && old.Active {
			if err := s.unbind(ctx, tx, p.Actor(), id, "worker deactivated", now); err != nil {
				return err
			}
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "worker.update", TargetType: "worker",
			TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"changed": changed}})
		return err
	})
	if err != nil {
		return Worker{}, err
	}
	s.devices.forgetWorker(id)
	w, err := s.getWorker(ctx, s.db.Write(), id)
	s.published(ctx, nil, row.regionPath)
	s.published(ctx, err, w.regionPath)
	return w, err
}

// workerChanges names the fields that differ, never their values.
func workerChanges(old Worker, oldPhone string, in WorkerInput, active bool) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("name", old.Name != in.Name)
	add("phone", oldPhone != in.Phone)
	add("user_id", (old.UserID == nil) != (in.UserID == nil) || (old.UserID != nil && *old.UserID != *in.UserID))
	add("employment", old.Employment != in.Employment)
	add("hire_date", old.HireDate != in.HireDate)
	add("active", old.Active != active)
	add("grids", !sameGrids(old.Grids, in.Grids))
	add("schedule", scheduleKey(old.Schedule) != scheduleKey(in.Schedule))
	return out
}

func sameGrids(a, b []GridAssignment) bool {
	key := func(gs []GridAssignment) map[string]string {
		m := map[string]string{}
		for _, g := range gs {
			m[g.GridCode] = fmt.Sprint(g.Primary, g.GridChief)
		}
		return m
	}
	ka, kb := key(a), key(b)
	if len(ka) != len(kb) {
		return false
	}
	for k, v := range ka {
		if kb[k] != v {
			return false
		}
	}
	return true
}

func scheduleKey(sc *Schedule) string {
	if sc == nil {
		return ""
	}
	return sc.encode()
}

// DeleteWorker removes a worker entered by mistake: one who never bound a
// device and has no attendance. Anyone else is deactivated instead, so
// that their records keep their meaning.
func (s *Service) DeleteWorker(ctx context.Context, p auth.Principal, id int64, version int) error {
	if err := requireManage(p); err != nil {
		return err
	}
	if version <= 0 {
		return apperr.Field("version", "is required: the version you read")
	}
	now := audit.Canonical(s.now())
	var path string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := loadWorker(ctx, tx, id)
		if err == nil && !p.User.Scope().Contains(w.regionPath) {
			err = apperr.New(apperr.NotFound, "worker not found")
		}
		if err != nil {
			return err
		}
		path = w.regionPath
		if w.Version != version {
			return stale("worker", version, w.Version)
		}
		var devices, records int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM worker_devices WHERE worker_id = $1),
			(SELECT COUNT(*) FROM attendance WHERE worker_id = $1)`, id).Scan(&devices, &records); err != nil {
			return fmt.Errorf("delete worker %d: %w", id, err)
		}
		if devices+records > 0 {
			return apperr.New(apperr.Conflict, "worker %d has bound a device or has attendance on record; deactivate them instead (active: false)", id)
		}
		for _, q := range []string{`DELETE FROM enrolment_codes WHERE worker_id = $1`, `DELETE FROM rebind_requests WHERE worker_id = $1`,
			`DELETE FROM worker_leave WHERE worker_id = $1`, `DELETE FROM worker_grids WHERE worker_id = $1`, `DELETE FROM workers WHERE id = $1`} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("delete worker %d: %w", id, err)
			}
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "worker.delete", TargetType: "worker",
			TargetID: strconv.FormatInt(id, 10)})
		return err
	})
	s.published(ctx, err, path)
	return err
}
