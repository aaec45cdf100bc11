package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
)

// SamplingItem is one record a worker must check. RecordLabel and
// RecordDetail say which record without opening it: a person's name and
// masked ID number, or a house's code and address.
type SamplingItem struct {
	ID           int64    `json:"id"`
	RoundID      int64    `json:"round_id"`
	Month        string   `json:"month"`
	RecordType   string   `json:"record_type"`
	RecordID     int64    `json:"record_id"`
	RecordLabel  string   `json:"record_label"`
	RecordDetail string   `json:"record_detail"`
	GridCode     string   `json:"grid_code"`
	GridName     string   `json:"grid_name"`
	AssignedTo   *int64   `json:"assigned_to"`
	Status       string   `json:"status"`
	Note         string   `json:"note"`
	Corrected    []string `json:"corrected"`
	Version      int      `json:"version"`
	regionPath   string
}

// SampleDetail is an item with its record as the caller may see it now
// (numbers masked), for the form that confirms or corrects it.
type SampleDetail struct {
	SamplingItem
	Person *PersonView `json:"person,omitempty"`
	House  *House      `json:"house,omitempty"`
}

// SampleQuery filters PendingSamples: one round or all, only the items
// assigned to the caller, and After to continue a list.
type SampleQuery struct {
	Round int64
	Mine  bool
	After int64
	Limit int
}

const itemColumns = `i.id, i.round_id, r.month, i.record_type, i.record_id,
	COALESCE(pe.name, h.code, ''), COALESCE(pe.id_number_mask, h.address, ''),
	i.grid_code, COALESCE(g.name, ''), i.assigned_to, i.status, i.note, i.corrected, i.version, i.region_path
	FROM sampling_items i
	JOIN sampling_rounds r ON r.id = i.round_id
	LEFT JOIN persons pe ON i.record_type = 'person' AND pe.id = i.record_id
	LEFT JOIN houses h ON i.record_type = 'house' AND h.id = i.record_id
	LEFT JOIN regions g ON g.code = i.grid_code`

func scanItem(row interface{ Scan(...any) error }) (SamplingItem, error) {
	var it SamplingItem
	var assignee sql.NullInt64
	var corrected string
	err := row.Scan(&it.ID, &it.RoundID, &it.Month, &it.RecordType, &it.RecordID, &it.RecordLabel, &it.RecordDetail,
		&it.GridCode, &it.GridName, &assignee, &it.Status, &it.Note, &corrected, &it.Version, &it.regionPath)
	if assignee.Valid {
		it.AssignedTo = &assignee.Int64
	}
	it.Corrected = []string{}
	if corrected != "" {
		it.Corrected = strings.Split(corrected, ",")
	}
	return it, err
}

// PendingSamples lists the unchecked items in the caller's scope by id, and
// returns the id to continue after when more follow.
func (s *Service) PendingSamples(ctx context.Context, p auth.Principal, q SampleQuery) ([]SamplingItem, int64, error) {
	if err := s.requireRead(p); err != nil {
		return nil, 0, err
	}
	lo, hi := p.User.Scope().Range()
	if lo == "" {
		return []SamplingItem{}, 0, nil
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 500)
	var mine int64
	if q.Mine {
		mine = p.User.ID
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+itemColumns+`
		WHERE i.region_path >= $1 AND i.region_path < $2 AND i.status = 'pending' AND (i.round_id = $3 OR $3 = 0)
		AND (i.assigned_to = $4 OR $4 = 0) AND i.id > $5
		ORDER BY i.id LIMIT $6`, lo, hi, q.Round, mine, q.After, q.Limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("pending samples: %w", err)
	}
	defer rows.Close()
	out := []SamplingItem{}
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("pending samples: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("pending samples: %w", err)
	}
	var next int64
	if len(out) > q.Limit {
		out = out[:q.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// GetSample returns an item in scope with its record as it stands.
func (s *Service) GetSample(ctx context.Context, p auth.Principal, id int64) (SampleDetail, error) {
	if err := s.requireRead(p); err != nil {
		return SampleDetail{}, err
	}
	it, err := scanItem(s.db.Read().QueryRowContext(ctx, `SELECT `+itemColumns+` WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.User.Scope().Contains(it.regionPath)) {
		return SampleDetail{}, apperr.New(apperr.NotFound, "sampling item not found")
	}
	if err != nil {
		return SampleDetail{}, fmt.Errorf("sampling item %d: %w", id, err)
	}
	out := SampleDetail{SamplingItem: it}
	switch it.RecordType {
	case "person":
		v, err := s.GetPerson(ctx, p, it.RecordID)
		if err != nil {
			return SampleDetail{}, err
		}
		out.Person = &v
	case "house":
		h, err := getHouse(ctx, s.db.Read(), "id = $1", it.RecordID)
		if err == nil && !p.User.Scope().Contains(h.regionPath) {
			err = apperr.New(apperr.NotFound, "house not found")
		}
		if err != nil {
			return SampleDetail{}, err
		}
		out.House = &h
	}
	return out, nil
}

// SampleCheck is a worker's finding on one item. An incorrect record may be
// corrected on the spot: Person or House (matching the item) carries the
// changed fields and the version they were read at.
type SampleCheck struct {
	Result string
	Note   string
	Person *PersonPatch
	House  *HousePatch
}

// CheckSample records a finding: correct, or incorrect with a note saying
// what was wrong or a correction. A correction goes through the registry's
// own update code in the same transaction as the finding, so it is checked,
// versioned and audited like any other update (the audit log is the
// record's history) and the item names the fields it changed. An item is
// checked once.
func (s *Service) CheckSample(ctx context.Context, p auth.Principal, itemID int64, c SampleCheck) (SamplingItem, error) {
	if err := s.requireWrite(p); err != nil {
		return SamplingItem{}, err
	}
	var fs apperr.Fields
	if c.Result != sampleCorrect && c.Result != sampleIncorrect {
		fs.Add("result", "must be correct or incorrect")
	}
	c.Note = strings.TrimSpace(c.Note)
	corrects := c.Person != nil || c.House != nil
	switch {
	case c.Result == sampleIncorrect && c.Note == "" && !corrects:
		fs.Add("note", "say what was wrong, or correct the record")
	case c.Result == sampleCorrect && c.Person != nil:
		fs.Add("person", "only an incorrect record is corrected")
	case c.Result == sampleCorrect && c.House != nil:
		fs.Add("house", "only an incorrect record is corrected")
	case c.Person != nil && c.House != nil:
		fs.Add("house", "correct the person or the house the item is about, not both")
	}
	checkText(&fs, "note", c.Note, 500, false)
	if err := fs.Err(); err != nil {
		return SamplingItem{}, err
	}
	now := audit.Canonical(s.now())
	var path string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var status, kind string
		var recordID int64
		err := tx.QueryRowContext(ctx, `SELECT region_path, status, record_type, record_id FROM sampling_items WHERE id = $1`, itemID).
			Scan(&path, &status, &kind, &recordID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.User.Scope().Contains(path)) {
			return apperr.New(apperr.NotFound, "sampling item not found")
		}
		if err != nil {
			return fmt.Errorf("check sample %d: %w", itemID, err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE sampling_items SET status = $1, note = $2, checked_by = $3, checked_at = $4, version = version + 1
			WHERE id = $5 AND status = 'pending'`, c.Result, c.Note, p.User.ID, now, itemID)
		if err != nil {
			return fmt.Errorf("check sample %d: %w", itemID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "this item was already checked (%s)", status)
		}
		var corrected []string
		switch {
		case c.Person != nil && kind != "person":
			return apperr.Field("person", "this item is a house; correct it with house")
		case c.House != nil && kind != "house":
			return apperr.Field("house", "this item is a person; correct it with person")
		case c.Person != nil:
			corrected, err = s.correctPersonTx(ctx, tx, p, recordID, *c.Person, now)
		case c.House != nil:
			corrected, err = s.correctHouseTx(ctx, tx, p, recordID, *c.House, now)
		}
		if err != nil {
			return err
		}
		if len(corrected) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE sampling_items SET corrected = $1 WHERE id = $2`, strings.Join(corrected, ","), itemID); err != nil {
				return fmt.Errorf("check sample %d: %w", itemID, err)
			}
		}
		detail := map[string]any{"result": c.Result, "record_type": kind, "record_id": recordID}
		if len(corrected) > 0 {
			detail["corrected"] = corrected
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "sampling.check", TargetType: "sampling_item",
			TargetID: strconv.FormatInt(itemID, 10), Detail: detail})
		return err
	})
	if err != nil {
		return SamplingItem{}, err
	}
	// The item's grid: its accuracy, and the record if it was corrected.
	s.published(ctx, path)
	it, err := scanItem(s.db.Read().QueryRowContext(ctx, `SELECT `+itemColumns+` WHERE i.id = $1`, itemID))
	if err != nil {
		return SamplingItem{}, fmt.Errorf("sampling item %d: %w", itemID, err)
	}
	return it, nil
}
