package registry

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
)

// PersonPatch changes a known person; nil fields stay as they are. The ID
// number never changes: a different number is a different person. Version
// must be the version the caller read.
type PersonPatch struct {
	Version       int
	Name          *string
	Phone         *string
	ResidenceType *ResidenceType
	HouseholdNo   *string
	Relation      *string
	GridCode      *string
	Houses        *[]HouseLink
	Tags          *[]Tag
}

// UpdatePerson applies a patch to a person in scope. It lets a worker edit a
// record whose numbers they only see masked: the sealed numbers are kept
// unless a new phone is given.
func (s *Service) UpdatePerson(ctx context.Context, p auth.Principal, id int64, patch PersonPatch) (PersonView, error) {
	if err := s.requireWrite(p); err != nil {
		return PersonView{}, err
	}
	if patch.Version == 0 {
		return PersonView{}, apperr.Field("version", "is required")
	}
	row, err := loadPerson(ctx, s.db.Read(), "id = $1", id)
	if err == nil && !p.User.Scope().Contains(row.regionPath) {
		err = apperr.New(apperr.NotFound, "person not found")
	}
	if err != nil {
		return PersonView{}, err
	}
	var index string
	if err := s.db.Read().QueryRowContext(ctx, `SELECT id_number_index FROM persons WHERE id = $1`, id).Scan(&index); err != nil {
		return PersonView{}, fmt.Errorf("update person %d: %w", id, err)
	}
	number, err := s.keys.Open(row.idEnc, personContext("id", index))
	if err != nil {
		return PersonView{}, fmt.Errorf("update person %d: %w", id, err)
	}
	houses, tags, err := links(ctx, s.db.Read(), id)
	if err != nil {
		return PersonView{}, err
	}
	in := PersonInput{Name: row.Name, IDNumber: string(number), ResidenceType: row.ResidenceType, HouseholdNo: row.HouseholdNo,
		Relation: row.Relation, GridCode: row.GridCode, Houses: houses, Tags: tags}
	if row.phoneEnc != nil {
		ph, err := s.keys.Open(row.phoneEnc, personContext("phone", index))
		if err != nil {
			return PersonView{}, fmt.Errorf("update person %d: %w", id, err)
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
			in.GridCode = "" // follow the house the person now lives at
		}
	}
	if patch.Tags != nil {
		in.Tags = *patch.Tags
	}
	v, err := s.validate(in)
	if err != nil {
		return PersonView{}, err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var version int
		if err := tx.QueryRowContext(ctx, `SELECT version FROM persons WHERE id = $1`, id).Scan(&version); err != nil {
			return fmt.Errorf("update person %d: %w", id, err)
		}
		if version != patch.Version {
			return &apperr.Error{Code: apperr.Conflict, Message: "the record was changed by someone else; reload and try again",
				Fields: []apperr.FieldError{{Field: "version", Reason: fmt.Sprintf("is %d, the record is at %d", patch.Version, version)}}}
		}
		_, _, err := s.savePersonTx(ctx, tx, p, v, audit.Canonical(s.now()))
		return err
	})
	if err != nil {
		return PersonView{}, err
	}
	s.publishedRow(ctx, "persons", id, row.regionPath)
	return s.GetPerson(ctx, p, id)
}
