package registry

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
)

// HousePatch corrects a house found wrong in a sampling check; nil fields
// stay as they are. A new location without a grid places the house anew.
// Version must be the version the caller read.
type HousePatch struct {
	Version     int
	Estate      *string
	Building    *string
	Unit        *string
	Room        *string
	Address     *string
	Location    *orb.Point
	GridCode    *string
	Usage       *Usage
	Structure   *string
	FloorAreaM2 *float64
}

// correctPersonTx applies a correction to a person inside tx through the
// same validation and save as UpdatePerson (and so the same person.update
// audit entry), and names the fields it changed. Field errors are named as
// the request has them, under "person.".
func (s *Service) correctPersonTx(ctx context.Context, tx *sql.Tx, p auth.Principal, id int64, patch PersonPatch, now time.Time) ([]string, error) {
	changed, err := s.patchPersonTx(ctx, tx, p, id, patch, now)
	if err == nil && len(changed) == 0 {
		err = apperr.Field("", "the correction changes nothing; send the fields that were wrong")
	}
	return changed, underField("person", err)
}

func (s *Service) patchPersonTx(ctx context.Context, tx *sql.Tx, p auth.Principal, id int64, patch PersonPatch, now time.Time) ([]string, error) {
	if patch.Version == 0 {
		return nil, apperr.Field("version", "is required")
	}
	row, err := loadPerson(ctx, tx, "id = $1", id)
	if err == nil && !p.User.Scope().Contains(row.regionPath) {
		err = apperr.New(apperr.NotFound, "person not found")
	}
	if err != nil {
		return nil, err
	}
	if row.Version != patch.Version {
		return nil, staleVersion(patch.Version, row.Version)
	}
	var index string
	if err := tx.QueryRowContext(ctx, `SELECT id_number_index FROM persons WHERE id = $1`, id).Scan(&index); err != nil {
		return nil, fmt.Errorf("correct person %d: %w", id, err)
	}
	number, err := s.keys.Open(row.idEnc, personContext("id", index))
	if err != nil {
		return nil, fmt.Errorf("correct person %d: %w", id, err)
	}
	houses, tags, err := links(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	in := PersonInput{Name: row.Name, IDNumber: string(number), ResidenceType: row.ResidenceType, HouseholdNo: row.HouseholdNo,
		Relation: row.Relation, GridCode: row.GridCode, Houses: houses, Tags: tags}
	if row.phoneEnc != nil {
		ph, err := s.keys.Open(row.phoneEnc, personContext("phone", index))
		if err != nil {
			return nil, fmt.Errorf("correct person %d: %w", id, err)
		}
		in.Phone = string(ph)
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Name, patch.Name)
	set(&in.Phone, patch.Phone)
	set(&in.HouseholdNo, patch.HouseholdNo)
	set(&in.Relation, patch.Relation)
	set(&in.GridCode, patch.GridCode)
	if patch.ResidenceType != nil {
		in.ResidenceType = *patch.ResidenceType
	}
	if patch.Houses != nil {
		in.Houses = *patch.Houses
		if patch.GridCode == nil {
			// Follow the house the person now lives at, as UpdatePerson does;
			// resolved here so that the changed fields can be named.
			in.GridCode = ""
			for _, link := range in.Houses {
				h, err := getHouse(ctx, tx, "code = $1", link.HouseCode)
				if err == nil && (link.Relation == "lives" || len(in.Houses) == 1) {
					in.GridCode = h.GridCode
					break
				}
			}
		}
	}
	if patch.Tags != nil {
		in.Tags = *patch.Tags
	}
	// The links to houses outside the caller's scope stay (savePersonTx
	// keeps them), so that they are not named as changed either.
	hidden, err := hiddenLinks(ctx, tx, p.User.Scope(), index)
	if err != nil {
		return nil, err
	}
	for _, l := range hidden.missing(in.Houses) {
		in.Houses = append(slices.Clip(in.Houses), l)
	}
	v, err := s.validate(in)
	if err != nil {
		return nil, err
	}
	changed := s.personChanges(row, houses, tags, v)
	if len(changed) == 0 {
		return nil, nil
	}
	if _, _, err := s.savePersonTx(ctx, tx, p, v, now); err != nil {
		return nil, err
	}
	return changed, nil
}

// correctHouseTx applies a correction to a house inside tx through the same
// checks and save as SaveHouse (audited as house.update), and names the
// fields it changed; field errors under "house.".
func (s *Service) correctHouseTx(ctx context.Context, tx *sql.Tx, p auth.Principal, id int64, patch HousePatch, now time.Time) ([]string, error) {
	changed, err := s.patchHouseTx(ctx, tx, p, id, patch, now)
	if err == nil && len(changed) == 0 {
		err = apperr.Field("", "the correction changes nothing; send the fields that were wrong")
	}
	return changed, underField("house", err)
}

func (s *Service) patchHouseTx(ctx context.Context, tx *sql.Tx, p auth.Principal, id int64, patch HousePatch, now time.Time) ([]string, error) {
	if patch.Version == 0 {
		return nil, apperr.Field("version", "is required")
	}
	old, err := getHouse(ctx, tx, "id = $1", id)
	if err == nil && !p.User.Scope().Contains(old.regionPath) {
		err = apperr.New(apperr.NotFound, "house not found")
	}
	if err != nil {
		return nil, err
	}
	if old.Version != patch.Version {
		return nil, staleVersion(patch.Version, old.Version)
	}
	h := old
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&h.Estate, patch.Estate}, {&h.Building, patch.Building}, {&h.Unit, patch.Unit}, {&h.Room, patch.Room},
		{&h.Address, patch.Address}, {&h.GridCode, patch.GridCode}, {&h.Structure, patch.Structure}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if patch.Usage != nil {
		h.Usage = *patch.Usage
	}
	if patch.FloorAreaM2 != nil {
		h.FloorAreaM2 = patch.FloorAreaM2
	}
	if patch.Location != nil {
		h.Location = patch.Location
		if patch.GridCode == nil {
			h.GridCode = "" // placed anew by the map
		}
	}
	if err := s.checkHouse(&h); err != nil {
		return nil, err
	}
	changed := houseChanges(old, h)
	if len(changed) == 0 {
		return nil, nil
	}
	if _, _, err := s.saveHouseTx(ctx, tx, p, h, now); err != nil {
		return nil, err
	}
	return changed, nil
}

func staleVersion(sent, stored int) error {
	return &apperr.Error{Code: apperr.Conflict, Message: "the record was changed by someone else; reload and try again",
		Fields: []apperr.FieldError{{Field: "version", Reason: fmt.Sprintf("is %d, the record is at %d", sent, stored)}}}
}

// underField names an error's fields as they sit in the request body, under
// the object that carried them ("person.name"); an empty field names the
// object itself.
func underField(object string, err error) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out.Fields[i] = apperr.FieldError{Field: object, Reason: f.Reason}
		if f.Field != "" {
			out.Fields[i].Field = object + "." + f.Field
		}
	}
	return &out
}
