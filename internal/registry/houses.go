package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
)

// Locator places a WGS-84 point in its grid.
type Locator interface {
	GridAt(p orb.Point) (code, path string, ok bool)
}

// Service keeps the registry.
type Service struct {
	db   *db.DB
	keys *secret.Keyring
	loc  Locator
	now  func() time.Time
	// RevealFor is how long a reveal of personal numbers lasts.
	RevealFor time.Duration
	// Changes, when set, hears of committed registry changes with the
	// region paths they touched (the dashboards' people figures).
	Changes Changes
}

// Changes hears of committed changes: topic "people" and region paths.
type Changes interface {
	Publish(ctx context.Context, topic string, paths ...string)
}

// published tells Changes, if any, that the registry under paths changed.
func (s *Service) published(ctx context.Context, paths ...string) {
	if s.Changes != nil {
		s.Changes.Publish(ctx, "people", paths...)
	}
}

// publishedRow publishes the path a stored row carries now.
func (s *Service) publishedRow(ctx context.Context, table string, id int64, also ...string) {
	if s.Changes == nil {
		return
	}
	var path string
	if err := s.db.Read().QueryRowContext(ctx, `SELECT region_path FROM `+table+` WHERE id = $1`, id).Scan(&path); err == nil {
		also = append(also, path)
	}
	s.published(ctx, also...)
}

// NewService returns the registry service.
func NewService(d *db.DB, keys *secret.Keyring, loc Locator, now func() time.Time) *Service {
	return &Service{db: d, keys: keys, loc: loc, now: now, RevealFor: 10 * time.Minute}
}

var houseCodePattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]{2,63}$`)

func (s *Service) requireWrite(p auth.Principal) error {
	if !p.Can(auth.PermRegistryWrite) {
		return apperr.New(apperr.Forbidden, "you may not change the registry")
	}
	return nil
}

func (s *Service) requireRead(p auth.Principal) error {
	if !p.Can(auth.PermRegistryRead) {
		return apperr.New(apperr.Forbidden, "you may not read the registry")
	}
	return nil
}

// gridInScope checks that a grid exists inside the scope and returns its path.
func gridInScope(ctx context.Context, q db.Querier, scope region.Scope, code, field string) (string, error) {
	r, err := region.Lookup(ctx, q, code)
	if apperr.Is(err, apperr.NotFound) || (err == nil && (!scope.Contains(r.Path) || r.Level != region.Grid)) {
		return "", apperr.Field(field, fmt.Sprintf("grid %s not found", code))
	}
	return r.Path, err
}

// SaveHouse creates a house or updates the one with the same code; it
// reports whether it created one. A house with a location and no grid is
// placed in the grid that holds the location.
func (s *Service) SaveHouse(ctx context.Context, p auth.Principal, h House) (House, bool, error) {
	if err := s.requireWrite(p); err != nil {
		return House{}, false, err
	}
	if err := s.checkHouse(&h); err != nil {
		return House{}, false, err
	}
	var out outcome
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		h, out, err = s.saveHouseTx(ctx, tx, p, h, audit.Canonical(s.now()))
		return err
	})
	if err == nil && out != unchanged {
		s.publishedRow(ctx, "houses", h.ID)
	}
	return h, out == created, err
}

// checkHouse validates a house and places it in a grid by its location.
func (s *Service) checkHouse(h *House) error {
	h.Code = strings.TrimSpace(h.Code)
	var fs apperr.Fields
	if !houseCodePattern.MatchString(h.Code) {
		fs.Add("house_code", "must be 3-64 letters, digits, '_' or '-'")
	}
	for _, f := range []struct{ name, v string }{{"estate", h.Estate}, {"building", h.Building}, {"unit", h.Unit}, {"room", h.Room}, {"structure", h.Structure}} {
		checkText(&fs, f.name, f.v, 50, false)
	}
	checkText(&fs, "address", h.Address, 200, false)
	if h.Usage == "" {
		h.Usage = "self_occupied"
	}
	if err := oneOf(h.Usage, usages); err != nil {
		fs.Add("usage", err.Error())
	}
	if h.FloorAreaM2 != nil && (*h.FloorAreaM2 <= 0 || *h.FloorAreaM2 > 1e6) {
		fs.Add("floor_area_m2", "must be a positive number of square metres")
	}
	if h.GridCode == "" && h.Location != nil {
		code, _, ok := s.loc.GridAt(*h.Location)
		if !ok {
			fs.Add("lng", "the location is not inside any grid")
		}
		h.GridCode = code
	}
	if h.GridCode == "" && h.Location == nil {
		fs.Add("grid_code", "give a grid code or a location")
	}
	return fs.Err()
}

// saveHouseTx stores one checked house inside tx.
func (s *Service) saveHouseTx(ctx context.Context, tx *sql.Tx, p auth.Principal, h House, now time.Time) (House, outcome, error) {
	result := unchanged
	err := func() error {
		path, err := gridInScope(ctx, tx, p.User.Scope(), h.GridCode, "grid_code")
		if err != nil {
			return err
		}
		h.regionPath = path
		old, err := getHouse(ctx, tx, "code = $1", h.Code)
		switch {
		case apperr.Is(err, apperr.NotFound):
			result = created
			err = tx.QueryRowContext(ctx, `INSERT INTO houses (`+houseInsertColumns+`) VALUES `+bindsFor(s.db).list(1, 15)+` RETURNING id`,
				houseArgs(h, now)...).Scan(&h.ID)
			if db.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "house %s was created by someone else at the same time; try again", h.Code)
			}
			if err != nil {
				return fmt.Errorf("insert house %s: %w", h.Code, err)
			}
			h.Version = 1
			_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "house.create", TargetType: "house", TargetID: h.Code})
			return err
		case err != nil:
			return err
		}
		h, result, err = s.updateHouse(ctx, tx, p, old, h, now)
		return err
	}()
	return h, result, err
}

// houseInsertColumns are the columns of a new house, in the order of houseArgs.
const houseInsertColumns = `code, estate, building, unit, room, address, lng, lat, grid_code, region_path,
	usage, structure, floor_area_m2, created_at, updated_at`

// houseInsert are those columns with their PostgreSQL types.
var houseInsert = insertColumns{houseInsertColumns, []string{"text", "text", "text", "text", "text", "text", "float8", "float8",
	"text", "text", "text", "text", "float8", "timestamptz", "timestamptz"}}

// houseArgs are the values of houseInsert; now is a time or its db.Stamp.
func houseArgs(h House, now any) []any {
	var lng, lat any
	if h.Location != nil {
		lng, lat = h.Location[0], h.Location[1]
	}
	return []any{h.Code, h.Estate, h.Building, h.Unit, h.Room, h.Address, lng, lat, h.GridCode, h.regionPath, string(h.Usage),
		h.Structure, h.FloorAreaM2, now, now}
}

// updateHouse stores h over the stored house old (same code) when anything
// differs, auditing the names of the changed fields.
func (s *Service) updateHouse(ctx context.Context, tx *sql.Tx, p auth.Principal, old, h House, now time.Time) (House, outcome, error) {
	if !p.User.Scope().Contains(old.regionPath) {
		return h, unchanged, apperr.Field("house_code", fmt.Sprintf("house %s exists outside your area", h.Code))
	}
	changed := houseChanges(old, h)
	h.ID, h.Version = old.ID, old.Version
	if len(changed) == 0 {
		return h, unchanged, nil
	}
	var lng, lat any
	if h.Location != nil {
		lng, lat = h.Location[0], h.Location[1]
	}
	if _, err := tx.ExecContext(ctx, `UPDATE houses SET estate=$1, building=$2, unit=$3, room=$4, address=$5, lng=$6, lat=$7, grid_code=$8,
		region_path=$9, usage=$10, structure=$11, floor_area_m2=$12, updated_at=$13, version=version+1 WHERE id=$14`,
		h.Estate, h.Building, h.Unit, h.Room, h.Address, lng, lat, h.GridCode, h.regionPath, string(h.Usage), h.Structure, h.FloorAreaM2, now, h.ID); err != nil {
		return h, unchanged, fmt.Errorf("update house %s: %w", h.Code, err)
	}
	h.Version++
	_, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "house.update", TargetType: "house", TargetID: h.Code,
		Detail: map[string]any{"changed": changed}})
	return h, updated, err
}

func houseChanges(a, b House) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("estate", a.Estate != b.Estate)
	add("building", a.Building != b.Building)
	add("unit", a.Unit != b.Unit)
	add("room", a.Room != b.Room)
	add("address", a.Address != b.Address)
	add("location", (a.Location == nil) != (b.Location == nil) || (a.Location != nil && *a.Location != *b.Location))
	add("grid_code", a.GridCode != b.GridCode)
	add("usage", a.Usage != b.Usage)
	add("structure", a.Structure != b.Structure)
	add("floor_area_m2", (a.FloorAreaM2 == nil) != (b.FloorAreaM2 == nil) || (a.FloorAreaM2 != nil && *a.FloorAreaM2 != *b.FloorAreaM2))
	return out
}

const houseColumns = `id, code, estate, building, unit, room, address, lng, lat, grid_code, region_path, usage, structure, floor_area_m2, version`

func scanHouse(row interface{ Scan(...any) error }) (House, error) {
	var h House
	var lng, lat, area sql.NullFloat64
	var usage string
	err := row.Scan(&h.ID, &h.Code, &h.Estate, &h.Building, &h.Unit, &h.Room, &h.Address, &lng, &lat, &h.GridCode, &h.regionPath,
		&usage, &h.Structure, &area, &h.Version)
	h.Usage = Usage(usage)
	if lng.Valid && lat.Valid {
		h.Location = &orb.Point{lng.Float64, lat.Float64}
	}
	if area.Valid {
		a := area.Float64
		h.FloorAreaM2 = &a
	}
	return h, err
}

func getHouse(ctx context.Context, q db.Querier, where string, arg any) (House, error) {
	h, err := scanHouse(q.QueryRowContext(ctx, `SELECT `+houseColumns+` FROM houses WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return House{}, apperr.New(apperr.NotFound, "house not found")
	}
	if err != nil {
		return House{}, fmt.Errorf("load house: %w", err)
	}
	return h, nil
}

// HouseDetail is a house with the people linked to it.
type HouseDetail struct {
	House
	Occupants []PersonView `json:"occupants"`
}

// GetHouse returns a house in scope with its occupants (masked).
func (s *Service) GetHouse(ctx context.Context, p auth.Principal, code string) (HouseDetail, error) {
	if err := s.requireRead(p); err != nil {
		return HouseDetail{}, err
	}
	h, err := getHouse(ctx, s.db.Read(), "code = $1", code)
	if err == nil && !p.User.Scope().Contains(h.regionPath) {
		err = apperr.New(apperr.NotFound, "house not found")
	}
	if err != nil {
		return HouseDetail{}, err
	}
	res, err := s.Search(ctx, p, SearchQuery{HouseCode: code, Limit: 200})
	if err != nil {
		return HouseDetail{}, err
	}
	return HouseDetail{House: h, Occupants: res.Items}, nil
}

// HouseQuery filters ListHouses.
type HouseQuery struct {
	Region string
	Usage  Usage
	After  int64
	Limit  int
}

// ListHouses lists houses in scope by id.
func (s *Service) ListHouses(ctx context.Context, p auth.Principal, q HouseQuery) ([]House, error) {
	if err := s.requireRead(p); err != nil {
		return nil, err
	}
	scope, err := s.narrow(ctx, p, q.Region)
	if err != nil {
		return nil, err
	}
	lo, hi := scope.Range()
	if lo == "" {
		return []House{}, nil
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 501)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+houseColumns+` FROM houses
		WHERE region_path >= $1 AND region_path < $2 AND id > $3 AND ($4 = '' OR usage = $4) ORDER BY id LIMIT $5`,
		lo, hi, q.After, string(q.Usage), q.Limit)
	if err != nil {
		return nil, fmt.Errorf("list houses: %w", err)
	}
	defer rows.Close()
	out := []House{}
	for rows.Next() {
		h, err := scanHouse(rows)
		if err != nil {
			return nil, fmt.Errorf("list houses: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// narrow limits the caller's scope to a region they name.
func (s *Service) narrow(ctx context.Context, p auth.Principal, code string) (region.Scope, error) {
	scope := p.User.Scope()
	if code == "" {
		return scope, nil
	}
	r, err := region.Lookup(ctx, s.db.Read(), code)
	if err != nil || !scope.Contains(r.Path) {
		return region.None(), apperr.Field("region", fmt.Sprintf("region %s not found", code))
	}
	return region.Under(r.Path), nil
}

// Counts are the registry totals of a region's subtree.
type Counts struct {
	Houses  int `json:"houses"`
	Persons int `json:"persons"`
}

// CountUnder counts houses and persons under a region path, for region
// detail pages.
func (s *Service) CountUnder(ctx context.Context, path string) (Counts, error) {
	lo, hi := region.Under(path).Range()
	var c Counts
	err := s.db.Read().QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM houses WHERE region_path >= $1 AND region_path < $2),
		(SELECT COUNT(*) FROM persons WHERE region_path >= $1 AND region_path < $2)`, lo, hi).Scan(&c.Houses, &c.Persons)
	if err != nil {
		return Counts{}, fmt.Errorf("registry counts: %w", err)
	}
	return c, nil
}
