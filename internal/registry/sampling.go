package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/region"
)

// SamplingRound is one month's sampling check over a region.
type SamplingRound struct {
	ID         int64  `json:"id"`
	Month      string `json:"month"`
	RegionCode string `json:"region_code"`
	PerGrid    int    `json:"per_grid"`
	Items      int    `json:"items"`
}

// SamplingItem is one record a worker must check.
type SamplingItem struct {
	ID         int64  `json:"id"`
	RoundID    int64  `json:"round_id"`
	RecordType string `json:"record_type"`
	RecordID   int64  `json:"record_id"`
	GridCode   string `json:"grid_code"`
	Status     string `json:"status"`
	Note       string `json:"note"`
	Version    int    `json:"version"`
}

// Accuracy is the result of checks under one region.
type Accuracy struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Sampled  int      `json:"sampled"`
	Checked  int      `json:"checked"`
	Correct  int      `json:"correct"`
	Accuracy *float64 `json:"accuracy"` // correct ÷ checked; null before any check
}

var monthPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// StartSampling draws perGrid persons and perGrid houses at random from
// every grid under the region for the month. One round per region and month.
func (s *Service) StartSampling(ctx context.Context, p auth.Principal, month, regionCode string, perGrid int) (SamplingRound, error) {
	if !p.Can(auth.PermPIIReveal) { // center and admin run the checks
		return SamplingRound{}, apperr.New(apperr.Forbidden, "only a governance center may start a sampling check")
	}
	var fs apperr.Fields
	if !monthPattern.MatchString(month) {
		fs.Add("month", "must be YYYY-MM")
	}
	if perGrid < 1 || perGrid > 50 {
		fs.Add("per_grid", "must be between 1 and 50")
	}
	if err := fs.Err(); err != nil {
		return SamplingRound{}, err
	}
	r, err := region.Lookup(ctx, s.db.Read(), regionCode)
	if err != nil || !p.User.Scope().Contains(r.Path) {
		return SamplingRound{}, apperr.Field("region_code", fmt.Sprintf("region %s not found", regionCode))
	}
	lo, hi := region.Under(r.Path).Range()
	round := SamplingRound{Month: month, RegionCode: r.Code, PerGrid: perGrid}
	now := audit.Canonical(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO sampling_rounds (month, region_code, region_path, per_grid, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, month, r.Code, r.Path, perGrid, p.User.ID, now).Scan(&round.ID)
		if isUnique(err) {
			return apperr.Field("month", fmt.Sprintf("%s already has a sampling round for %s", r.Code, month))
		}
		if err != nil {
			return fmt.Errorf("start sampling: %w", err)
		}
		for _, table := range []string{"persons", "houses"} {
			kind := strings.TrimSuffix(table, "s")
			res, err := tx.ExecContext(ctx, `INSERT INTO sampling_items (round_id, record_type, record_id, grid_code, region_path)
				SELECT $1, $2, id, grid_code, region_path FROM (
					SELECT id, grid_code, region_path, ROW_NUMBER() OVER (PARTITION BY grid_code ORDER BY RANDOM()) AS n
					FROM `+table+` WHERE region_path >= $3 AND region_path < $4) drawn
				WHERE n <= $5`, round.ID, kind, lo, hi, perGrid)
			if err != nil {
				return fmt.Errorf("draw %s: %w", table, err)
			}
			n, _ := res.RowsAffected()
			round.Items += int(n)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "sampling.start", TargetType: "region", TargetID: r.Code,
			Detail: map[string]any{"month": month, "per_grid": perGrid, "items": round.Items}})
		return err
	})
	return round, err
}

// PendingSamples lists the unchecked items in the caller's scope.
func (s *Service) PendingSamples(ctx context.Context, p auth.Principal, roundID int64, limit int) ([]SamplingItem, error) {
	if err := s.requireRead(p); err != nil {
		return nil, err
	}
	lo, hi := p.User.Scope().Range()
	if lo == "" {
		return []SamplingItem{}, nil
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, round_id, record_type, record_id, grid_code, status, note, version
		FROM sampling_items WHERE region_path >= $1 AND region_path < $2 AND status = 'pending' AND ($3 = 0 OR round_id = $3)
		ORDER BY id LIMIT $4`, lo, hi, roundID, limit)
	if err != nil {
		return nil, fmt.Errorf("pending samples: %w", err)
	}
	defer rows.Close()
	out := []SamplingItem{}
	for rows.Next() {
		var it SamplingItem
		if err := rows.Scan(&it.ID, &it.RoundID, &it.RecordType, &it.RecordID, &it.GridCode, &it.Status, &it.Note, &it.Version); err != nil {
			return nil, fmt.Errorf("pending samples: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// CheckSample records a worker's finding on one item: correct or incorrect
// (with a note saying what was wrong). An item is checked once.
func (s *Service) CheckSample(ctx context.Context, p auth.Principal, itemID int64, result, note string) error {
	if err := s.requireWrite(p); err != nil {
		return err
	}
	var fs apperr.Fields
	if result != "correct" && result != "incorrect" {
		fs.Add("result", "must be correct or incorrect")
	}
	note = strings.TrimSpace(note)
	if result == "incorrect" && note == "" {
		fs.Add("note", "say what was wrong")
	}
	checkText(&fs, "note", note, 500, false)
	if err := fs.Err(); err != nil {
		return err
	}
	now := audit.Canonical(s.now())
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var path, status string
		err := tx.QueryRowContext(ctx, `SELECT region_path, status FROM sampling_items WHERE id = $1`, itemID).Scan(&path, &status)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.User.Scope().Contains(path)) {
			return apperr.New(apperr.NotFound, "sampling item not found")
		}
		if err != nil {
			return fmt.Errorf("check sample: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE sampling_items SET status = $1, note = $2, checked_by = $3, checked_at = $4, version = version + 1
			WHERE id = $5 AND status = 'pending'`, result, note, p.User.ID, now, itemID)
		if err != nil {
			return fmt.Errorf("check sample: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "this item was already checked (%s)", status)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "sampling.check", TargetType: "sampling_item",
			TargetID: strconv.FormatInt(itemID, 10), Detail: map[string]any{"result": result}})
		return err
	})
}

// SamplingAccuracy reports the accuracy of a round under each child of a
// region (and the region itself first): correct ÷ checked.
func (s *Service) SamplingAccuracy(ctx context.Context, p auth.Principal, roundID int64, regionCode string) ([]Accuracy, error) {
	if err := s.requireRead(p); err != nil {
		return nil, err
	}
	parent, err := region.Lookup(ctx, s.db.Read(), regionCode)
	if err != nil || !p.User.Scope().Contains(parent.Path) {
		return nil, apperr.Field("region", fmt.Sprintf("region %s not found", regionCode))
	}
	targets := []region.Region{parent}
	kids, err := region.NewStore(s.db, s.now).Children(ctx, p.User.Scope(), parent.Code)
	if err != nil {
		return nil, err
	}
	targets = append(targets, kids...)
	out := make([]Accuracy, 0, len(targets))
	for _, t := range targets {
		lo, hi := region.Under(t.Path).Range()
		a := Accuracy{Code: t.Code, Name: t.Name}
		err := s.db.Read().QueryRowContext(ctx, `SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN status <> 'pending' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'correct' THEN 1 ELSE 0 END), 0)
			FROM sampling_items WHERE round_id = $1 AND region_path >= $2 AND region_path < $3`, roundID, lo, hi).Scan(&a.Sampled, &a.Checked, &a.Correct)
		if err != nil {
			return nil, fmt.Errorf("sampling accuracy: %w", err)
		}
		if a.Checked > 0 {
			v := float64(a.Correct) / float64(a.Checked)
			a.Accuracy = &v
		}
		out = append(out, a)
	}
	sort.SliceStable(out[1:], func(i, j int) bool { return out[1+i].Code < out[1+j].Code })
	return out, nil
}
