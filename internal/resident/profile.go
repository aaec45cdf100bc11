package resident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/region"
)

// Profile is the resident's own account: the phone (masked) and the grid
// they chose as theirs, with the regions above it.
type Profile struct {
	Phone string `json:"phone"`
	// Grid is nil until the resident chooses one.
	Grid *GridChoice `json:"grid"`
}

// GridChoice is the resident's grid and its chain of regions, city first.
type GridChoice struct {
	Code  string        `json:"code"`
	Name  string        `json:"name"`
	Chain []region.Link `json:"chain"`
}

// GetProfile returns the resident's profile.
func (s *Service) GetProfile(ctx context.Context, p auth.Principal) (Profile, error) {
	if err := requireResident(p); err != nil {
		return Profile{}, err
	}
	var out Profile
	var grid sql.NullString
	err := s.db.Read().QueryRowContext(ctx, `SELECT phone_mask, grid_code FROM resident_accounts WHERE user_id = $1`, p.User.ID).Scan(&out.Phone, &grid)
	if errors.Is(err, sql.ErrNoRows) {
		return Profile{}, apperr.New(apperr.NotFound, "no resident profile for this account")
	}
	if err != nil {
		return Profile{}, fmt.Errorf("resident profile: %w", err)
	}
	if grid.Valid {
		chain, err := s.regions.Chain(ctx, region.All(), grid.String)
		if err != nil {
			return Profile{}, err
		}
		out.Grid = &GridChoice{Code: grid.String, Chain: chain}
		if len(chain) > 0 {
			out.Grid.Name = chain[len(chain)-1].Name
		}
	}
	return out, nil
}

// ProfileInput chooses the resident's grid: by code (from the region
// tree), or by a point (the current position) that the grid map places.
type ProfileInput struct {
	GridCode string   `json:"grid_code"`
	Lng      *float64 `json:"lng"`
	Lat      *float64 `json:"lat"`
	CRS      string   `json:"crs"`
}

// SetProfile stores the resident's grid.
func (s *Service) SetProfile(ctx context.Context, p auth.Principal, in ProfileInput) (Profile, error) {
	if err := requireResident(p); err != nil {
		return Profile{}, err
	}
	in.GridCode = strings.TrimSpace(in.GridCode)
	var code string
	switch {
	case in.GridCode != "" && (in.Lng != nil || in.Lat != nil):
		return Profile{}, apperr.Field("grid_code", "give the grid or a position, not both")
	case in.GridCode != "":
		r, err := region.Lookup(ctx, s.db.Read(), in.GridCode)
		if apperr.Is(err, apperr.NotFound) || (err == nil && r.Level != region.Grid) {
			return Profile{}, apperr.Field("grid_code", fmt.Sprintf("grid %s not found", in.GridCode))
		}
		if err != nil {
			return Profile{}, err
		}
		code = r.Code
	case in.Lng != nil || in.Lat != nil:
		pt, err := toWGS84(in.Lng, in.Lat, in.CRS)
		if err != nil {
			return Profile{}, apperr.Field("lng", err.Error())
		}
		if s.cfg.Locator == nil {
			return Profile{}, apperr.Field("lng", "the grid map is not available; choose the grid from the list")
		}
		c, _, ok := s.cfg.Locator.GridAt(pt)
		if !ok {
			return Profile{}, apperr.Field("lng", "the position is not inside any grid of this city; choose the grid from the list")
		}
		code = c
	default:
		return Profile{}, apperr.Field("grid_code", "is required (or give lng and lat)")
	}
	res, err := s.db.Write().ExecContext(ctx, `UPDATE resident_accounts SET grid_code = $1, updated_at = $2 WHERE user_id = $3`, code, s.clock(), p.User.ID)
	if err != nil {
		return Profile{}, fmt.Errorf("set resident grid: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Profile{}, apperr.New(apperr.NotFound, "no resident profile for this account")
	}
	return s.GetProfile(ctx, p)
}

// RegionRef is a region as the resident app lists it for choosing a grid.
type RegionRef struct {
	Code  string       `json:"code"`
	Name  string       `json:"name"`
	Level region.Level `json:"level"`
}

// Regions lists the children of a region (the cities without a parent),
// by code: administrative names are public.
func (s *Service) Regions(ctx context.Context, p auth.Principal, parent string) ([]RegionRef, error) {
	if err := requireResident(p); err != nil {
		return nil, err
	}
	list, err := s.regions.Children(ctx, region.All(), strings.TrimSpace(parent))
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.Field("parent", fmt.Sprintf("region %s not found", parent))
	}
	if err != nil {
		return nil, err
	}
	out := make([]RegionRef, 0, len(list))
	for _, r := range list {
		out = append(out, RegionRef{Code: r.Code, Name: r.Name, Level: r.Level})
	}
	return out, nil
}

// gridPath is the region path of the resident's grid, "" without one.
func (s *Service) gridPath(ctx context.Context, userID int64) (string, error) {
	var path sql.NullString
	err := s.db.Read().QueryRowContext(ctx, `SELECT r.path FROM resident_accounts a JOIN regions r ON r.code = a.grid_code
		WHERE a.user_id = $1`, userID).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("resident grid: %w", err)
	}
	return path.String, nil
}
