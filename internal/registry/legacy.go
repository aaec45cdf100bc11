package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idcard"
	"github.com/gridgov/gridgov/internal/pii"
)

// LegacyUpgrade says what UpgradeLegacyIDs did.
type LegacyUpgrade struct {
	Upgraded int
	// Twins are persons stored under an old 15-digit number whose upgraded
	// form another person holds: one person registered twice, which a clerk
	// must merge. Each pair is (the old number's person, the other).
	Twins [][2]int64
}

// UpgradeLegacyIDs re-keys the persons stored under an old 15-digit ID
// number, as the registry kept them before it upgraded such numbers on the
// way in: the number becomes its 18-character form, with the blind index,
// mask and the encryption bound to the index. serve runs it at start; it
// reads nothing when no such person is stored.
func (s *Service) UpgradeLegacyIDs(ctx context.Context) (LegacyUpgrade, error) {
	var out LegacyUpgrade
	var after int64
	for {
		var id int64
		var enc, phoneEnc []byte
		var index string
		err := s.db.Read().QueryRowContext(ctx, `SELECT id, id_number_enc, id_number_index, phone_enc FROM persons
			WHERE id_kind = $1 AND id > $2 ORDER BY id LIMIT 1`, string(idcard.Legacy15), after).Scan(&id, &enc, &index, &phoneEnc)
		if errors.Is(err, sql.ErrNoRows) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("upgrade old ID numbers: %w", err)
		}
		after = id
		twin, done, err := s.upgradeLegacyID(ctx, id, index, enc, phoneEnc)
		switch {
		case err != nil:
			return out, fmt.Errorf("upgrade the old ID number of person %d: %w", id, err)
		case twin != 0:
			out.Twins = append(out.Twins, [2]int64{id, twin})
		case done:
			out.Upgraded++
		}
	}
}

// upgradeLegacyID re-keys one person and reports whether it did, unless
// another person holds the upgraded number (returned). The update names the
// old index, so a person changed meanwhile is left for the next start.
func (s *Service) upgradeLegacyID(ctx context.Context, id int64, index string, enc, phoneEnc []byte) (twin int64, done bool, err error) {
	plain, err := s.keys.Open(enc, personContext("id", index))
	if err != nil {
		return 0, false, fmt.Errorf("open: %w", err)
	}
	info, err := s.parseID(string(plain))
	if err != nil {
		return 0, false, fmt.Errorf("the stored number no longer parses: %w", err)
	}
	newIndex := s.keys.Index(indexID, info.Number)
	var phone []byte
	if phoneEnc != nil {
		if phone, err = s.keys.Open(phoneEnc, personContext("phone", index)); err != nil {
			return 0, false, fmt.Errorf("open phone: %w", err)
		}
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM persons WHERE id_number_index = $1`, newIndex).Scan(&twin)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var newPhone []byte
		if phone != nil {
			newPhone = s.keys.Seal(phone, personContext("phone", newIndex))
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE persons SET id_kind = $1, id_number_enc = $2, id_number_index = $3, id_number_mask = $4,
			birth_date = $5, phone_enc = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND id_number_index = $9`,
			string(info.Kind), s.keys.Seal([]byte(info.Number), personContext("id", newIndex)), newIndex, pii.MaskID(info.Number),
			info.BirthDate.Format(time.DateOnly), newPhone, now, id, index)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		done = true
		_, err = audit.Append(ctx, tx, audit.Canonical(now), audit.Record{Actor: audit.System("registry"), Action: "person.upgrade_id",
			TargetType: "person", TargetID: strconv.FormatInt(id, 10)})
		return err
	})
	if db.IsUniqueViolation(err) {
		// Stored meanwhile under the upgraded number: the next start names it.
		return 0, false, nil
	}
	return twin, done && err == nil, err
}
