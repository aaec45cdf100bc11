package registry

import (
	"context"
	"database/sql"

	"github.com/gridgov/gridgov/internal/idcard"
	"github.com/gridgov/gridgov/internal/region"
)

// StoreLegacyPerson stores a person under an old 15-digit ID number as the
// registry kept them before it upgraded such numbers on the way in.
func (s *Service) StoreLegacyPerson(ctx context.Context, name, number, phone, grid string) (int64, error) {
	info, err := idcard.Parse(number, s.now())
	if err != nil {
		return 0, err
	}
	v := validated{in: PersonInput{Name: name, IDNumber: number, GridCode: grid, ResidenceType: "registered"},
		id: info, phone: phone, idIndex: s.keys.Index(indexID, info.Number)}
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		path, err := gridInScope(ctx, tx, region.All(), grid, "grid_code")
		if err != nil {
			return err
		}
		id, err = s.insertPerson(ctx, tx, v, path, s.now())
		return err
	})
	return id, err
}
