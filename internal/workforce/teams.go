package workforce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/region"
)

// TeamRole is a member's place in a grid's 1+1+N team. The grid's workers
// ("1") are not members: they are the workers assigned to the grid.
type TeamRole string

const (
	RolePolice          TeamRole = "police"
	RoleDepartmentStaff TeamRole = "department_staff"
	RoleMediator        TeamRole = "mediator"
	RoleVolunteer       TeamRole = "volunteer"
)

var teamRoles = []TeamRole{RolePolice, RoleDepartmentStaff, RoleMediator, RoleVolunteer}

var departmentCodePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// maxMembers bounds a team; N is a handful to a few dozen volunteers.
const maxMembers = 200

// TeamMember is a member of a grid's team other than its workers; the
// phone is masked.
type TeamMember struct {
	ID             int64    `json:"id"`
	GridCode       string   `json:"grid_code"`
	Role           TeamRole `json:"role"`
	Name           string   `json:"name"`
	Phone          string   `json:"phone"`
	DepartmentCode string   `json:"department_code,omitempty"`
	Note           string   `json:"note,omitempty"`
	Version        int      `json:"version"`
	regionPath     string
}

// MemberInput is a new member, or a member's new state in an update (with
// the version read).
type MemberInput struct {
	Version        int      `json:"version"`
	Role           TeamRole `json:"role"`
	Name           string   `json:"name"`
	Phone          string   `json:"phone"`
	DepartmentCode string   `json:"department_code"`
	Note           string   `json:"note"`
}

func (in *MemberInput) validate() error {
	var fs apperr.Fields
	switch {
	case in.Role == "worker":
		fs.Add("role", "grid workers join a team by being assigned the grid (workers' grids), not as members")
	case !containsRole(in.Role):
		fs.Add("role", "must be one of police, department_staff, mediator, volunteer")
	}
	in.Name = strings.TrimSpace(in.Name)
	checkName(&fs, "name", in.Name)
	in.Phone = normalPhone(&fs, "phone", in.Phone)
	in.DepartmentCode = strings.TrimSpace(in.DepartmentCode)
	if in.DepartmentCode != "" && !departmentCodePattern.MatchString(in.DepartmentCode) {
		fs.Add("department_code", "a department code is 1-32 letters, digits, '_' or '-'")
	}
	if in.Role == RoleDepartmentStaff && in.DepartmentCode == "" {
		fs.Add("department_code", "is required for department staff")
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > 200 {
		fs.Add("note", "must be at most 200 characters")
	}
	return fs.Err()
}

func containsRole(r TeamRole) bool {
	for _, x := range teamRoles {
		if x == r {
			return true
		}
	}
	return false
}

// TeamWorker is a worker of a grid as the team shows them.
type TeamWorker struct {
	WorkerID   int64      `json:"worker_id"`
	Name       string     `json:"name"`
	Phone      string     `json:"phone"`
	Employment Employment `json:"employment"`
	GridChief  bool       `json:"grid_chief"`
	Primary    bool       `json:"primary"`
}

// Team is a grid's 1+1+N team. Complete means it has at least one active
// worker and one police officer; Missing names what it lacks.
type Team struct {
	GridCode string       `json:"grid_code"`
	GridName string       `json:"grid_name"`
	Workers  []TeamWorker `json:"workers"`
	Members  []TeamMember `json:"members"`
	Complete bool         `json:"complete"`
	Missing  []string     `json:"missing"`
}

// TeamOf returns a grid's team: its active workers and its other members.
// Readers of the workforce see the teams in their scope, a worker the teams
// of their own grids.
func (s *Service) TeamOf(ctx context.Context, p auth.Principal, gridCode string) (Team, error) {
	scope := p.User.Scope()
	if !p.Can(auth.PermWorkforceRead) {
		var n int
		if err := s.db.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM worker_grids wg JOIN workers w ON w.id = wg.worker_id
			WHERE w.user_id = $1 AND w.active AND wg.grid_code = $2`, p.User.ID, gridCode).Scan(&n); err != nil {
			return Team{}, fmt.Errorf("team of %s: %w", gridCode, err)
		}
		if n == 0 || p.User.ID == 0 || p.Restricted {
			return Team{}, requireRead(p)
		}
		scope = region.All()
	}
	g, err := gridInScope(ctx, s.db.Read(), scope, gridCode, "grid")
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return Team{}, apperr.New(apperr.NotFound, "grid %s not found", gridCode)
		}
		return Team{}, err
	}
	t := Team{GridCode: g.Code, GridName: g.Name, Workers: []TeamWorker{}, Members: []TeamMember{}, Missing: []string{}}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT w.id, w.name, w.phone_mask, w.employment, wg.grid_chief, wg.is_primary
		FROM worker_grids wg JOIN workers w ON w.id = wg.worker_id WHERE wg.grid_code = $1 AND w.active ORDER BY wg.grid_chief DESC, w.id`, g.Code)
	if err != nil {
		return Team{}, fmt.Errorf("team of %s: %w", g.Code, err)
	}
	for rows.Next() {
		var tw TeamWorker
		var employment string
		if err := rows.Scan(&tw.WorkerID, &tw.Name, &tw.Phone, &employment, &tw.GridChief, &tw.Primary); err != nil {
			rows.Close()
			return Team{}, fmt.Errorf("team of %s: %w", g.Code, err)
		}
		tw.Employment = Employment(employment)
		t.Workers = append(t.Workers, tw)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Team{}, fmt.Errorf("team of %s: %w", g.Code, err)
	}
	rows, err = s.db.Read().QueryContext(ctx, `SELECT `+memberColumnsSQL+` FROM team_members WHERE grid_code = $1 ORDER BY id`, g.Code)
	if err != nil {
		return Team{}, fmt.Errorf("team of %s: %w", g.Code, err)
	}
	defer rows.Close()
	police := false
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return Team{}, fmt.Errorf("team of %s: %w", g.Code, err)
		}
		police = police || m.Role == RolePolice
		t.Members = append(t.Members, m)
	}
	if len(t.Workers) == 0 {
		t.Missing = append(t.Missing, "worker")
	}
	if !police {
		t.Missing = append(t.Missing, string(RolePolice))
	}
	t.Complete = len(t.Missing) == 0
	return t, rows.Err()
}

const memberColumnsSQL = `id, grid_code, role, name, phone_mask, department_code, note, version, region_path`

func scanMember(row interface{ Scan(...any) error }) (TeamMember, error) {
	var m TeamMember
	var role string
	err := row.Scan(&m.ID, &m.GridCode, &role, &m.Name, &m.Phone, &m.DepartmentCode, &m.Note, &m.Version, &m.regionPath)
	m.Role = TeamRole(role)
	return m, err
}

func loadMember(ctx context.Context, q db.Querier, p auth.Principal, id int64) (TeamMember, error) {
	m, err := scanMember(q.QueryRowContext(ctx, `SELECT `+memberColumnsSQL+` FROM team_members WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.User.Scope().Contains(m.regionPath)) {
		return TeamMember{}, apperr.New(apperr.NotFound, "team member not found")
	}
	if err != nil {
		return TeamMember{}, fmt.Errorf("load team member %d: %w", id, err)
	}
	return m, nil
}

// checkDepartment refuses a member's department that does not exist, is no
// longer active, or does not serve the grid. A department serves the region
// it belongs to and everything under it (the county's police bureau serves
// every grid of the county), so the staff of a city's or county's
// department may join a team even when the department's region is above
// the caller's own area; a department of another county or township may
// not.
func checkDepartment(ctx context.Context, q db.Querier, code, gridCode, gridPath string) error {
	var path string
	var active bool
	err := q.QueryRowContext(ctx, `SELECT region_path, active FROM departments WHERE code = $1`, code).Scan(&path, &active)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return apperr.Field("department_code", fmt.Sprintf("no department has code %s", code))
	case err != nil:
		return fmt.Errorf("look up department %s: %w", code, err)
	case !active:
		return apperr.Field("department_code", fmt.Sprintf("department %s is no longer active", code))
	case !strings.HasPrefix(gridPath, path):
		return apperr.Field("department_code", fmt.Sprintf("department %s does not serve grid %s; choose a department of the grid's township, county or city", code, gridCode))
	}
	return nil
}

// AddMember adds a member to a grid's team.
func (s *Service) AddMember(ctx context.Context, p auth.Principal, gridCode string, in MemberInput) (TeamMember, error) {
	if err := requireManage(p); err != nil {
		return TeamMember{}, err
	}
	if err := in.validate(); err != nil {
		return TeamMember{}, err
	}
	now := audit.Canonical(s.now())
	var id int64
	var path string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		g, err := gridInScope(ctx, tx, p.User.Scope(), gridCode, "grid")
		if err != nil {
			if apperr.Is(err, apperr.Invalid) {
				return apperr.New(apperr.NotFound, "grid %s not found", gridCode)
			}
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM team_members WHERE grid_code = $1`, g.Code).Scan(&n); err != nil {
			return fmt.Errorf("add team member: %w", err)
		}
		if n >= maxMembers {
			return apperr.New(apperr.Conflict, "grid %s already has %d team members, the most a team may have", g.Code, maxMembers)
		}
		if in.DepartmentCode != "" {
			if err := checkDepartment(ctx, tx, in.DepartmentCode, g.Code, g.Path); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO team_members (grid_code, region_path, role, name, department_code, note, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, g.Code, g.Path, string(in.Role), in.Name, in.DepartmentCode, in.Note, now, now).Scan(&id); err != nil {
			return fmt.Errorf("add team member: %w", err)
		}
		if err := s.storePhone(ctx, tx, "team_members", id, in.Phone); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "team_member.create", TargetType: "team_member",
			TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"grid": g.Code, "role": string(in.Role)}})
		path = g.Path
		return err
	})
	// The team and police counts of the area are read again.
	s.published(ctx, err, path)
	if err != nil {
		return TeamMember{}, err
	}
	return loadMember(ctx, s.db.Write(), p, id)
}

// MemberPatch is a change to a member, with the version read: a field given
// replaces the member's, a field left out keeps it, and an empty phone,
// department_code or note removes it. Clients see the phone only masked, so
// they leave it out to keep it.
type MemberPatch struct {
	Version        int       `json:"version"`
	Role           *TeamRole `json:"role"`
	Name           *string   `json:"name"`
	Phone          *string   `json:"phone"`
	DepartmentCode *string   `json:"department_code"`
	Note           *string   `json:"note"`
}

// apply is the member's new state: old with the patch's fields.
func (patch MemberPatch) apply(old TeamMember) MemberInput {
	in := MemberInput{Version: patch.Version, Role: old.Role, Name: old.Name, DepartmentCode: old.DepartmentCode, Note: old.Note}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if patch.Role != nil {
		in.Role = *patch.Role
	}
	set(&in.Name, patch.Name)
	set(&in.Phone, patch.Phone)
	set(&in.DepartmentCode, patch.DepartmentCode)
	set(&in.Note, patch.Note)
	return in
}

// UpdateMember changes a member's details as MemberPatch says.
func (s *Service) UpdateMember(ctx context.Context, p auth.Principal, id int64, patch MemberPatch) (TeamMember, error) {
	if err := requireManage(p); err != nil {
		return TeamMember{}, err
	}
	if patch.Version <= 0 {
		return TeamMember{}, apperr.Field("version", "is required: the version you read")
	}
	now := audit.Canonical(s.now())
	var path string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := loadMember(ctx, tx, p, id)
		if err != nil {
			return err
		}
		in := patch.apply(old)
		if err := in.validate(); err != nil {
			return err
		}
		if old.Version != patch.Version {
			return stale("team member", patch.Version, old.Version)
		}
		// A department is checked when it is named anew: a member whose
		// department was since deactivated can still have their note changed.
		if in.DepartmentCode != "" && in.DepartmentCode != old.DepartmentCode {
			if err := checkDepartment(ctx, tx, in.DepartmentCode, old.GridCode, old.regionPath); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE team_members SET role = $1, name = $2, department_code = $3, note = $4, updated_at = $5,
			version = version + 1 WHERE id = $6`, string(in.Role), in.Name, in.DepartmentCode, in.Note, now, id); err != nil {
			return fmt.Errorf("update team member %d: %w", id, err)
		}
		if patch.Phone != nil {
			if err := s.storePhone(ctx, tx, "team_members", id, in.Phone); err != nil {
				return err
			}
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "team_member.update", TargetType: "team_member",
			TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"grid": old.GridCode, "role": string(in.Role),
				"changed": memberChanges(old, in, patch.Phone != nil)}})
		path = old.regionPath
		return err
	})
	s.published(ctx, err, path) // a new role moves the member between the counts
	if err != nil {
		return TeamMember{}, err
	}
	return loadMember(ctx, s.db.Write(), p, id)
}

// memberChanges names the fields an update changed, never their values; a
// phone given counts as changed (only its mask is at hand to compare).
func memberChanges(old TeamMember, in MemberInput, phone bool) []string {
	var out []string
	for _, c := range []struct {
		name   string
		differ bool
	}{{"role", old.Role != in.Role}, {"name", old.Name != in.Name}, {"phone", phone},
		{"department_code", old.DepartmentCode != in.DepartmentCode}, {"note", old.Note != in.Note}} {
		if c.differ {
			out = append(out, c.name)
		}
	}
	return out
}

// RemoveMember takes a member off a team.
func (s *Service) RemoveMember(ctx context.Context, p auth.Principal, id int64, version int) error {
	if err := requireManage(p); err != nil {
		return err
	}
	if version <= 0 {
		return apperr.Field("version", "is required: the version you read")
	}
	now := audit.Canonical(s.now())
	var path string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := loadMember(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if old.Version != version {
			return stale("team member", version, old.Version)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE id = $1`, id); err != nil {
			return fmt.Errorf("remove team member %d: %w", id, err)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "team_member.delete", TargetType: "team_member",
			TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"grid": old.GridCode, "role": string(old.Role)}})
		path = old.regionPath
		return err
	})
	s.published(ctx, err, path)
	return err
}
