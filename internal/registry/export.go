package registry

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/tabular"
)

// ExportPersons writes the persons in scope (optionally under a region) as a
// spreadsheet. Numbers are always masked in exports: a reveal is for one
// person at a time. Every export is audited.
func (s *Service) ExportPersons(ctx context.Context, p auth.Principal, regionCode string, w tabular.Writer) (int, error) {
	if err := s.requireRead(p); err != nil {
		return 0, err
	}
	scope, err := s.narrow(ctx, p, regionCode)
	if err != nil {
		return 0, err
	}
	lo, hi := scope.Range()
	header := []string{"姓名", "身份证号", "性别", "出生日期", "联系电话", "人口类型", "网格编码", "户号", "与户主关系"}
	tags := p.Can(auth.PermTagsRead)
	if tags {
		header = append(header, "标签")
	}
	if err := w.Write(header); err != nil {
		return 0, err
	}
	n := 0
	if lo != "" {
		rows, err := s.db.Read().QueryContext(ctx, `SELECT p.name, p.id_number_mask, p.sex, p.birth_date, p.phone_mask, p.residence_type,
			p.grid_code, p.household_no, p.relation, COALESCE((SELECT `+groupConcat(s.db.Engine)+` FROM person_tags t WHERE t.person_id = p.id), '')
			FROM persons p WHERE p.region_path >= $1 AND p.region_path < $2 ORDER BY p.id`, lo, hi)
		if err != nil {
			return 0, fmt.Errorf("export persons: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			cells := make([]string, 10)
			if err := rows.Scan(&cells[0], &cells[1], &cells[2], &cells[3], &cells[4], &cells[5], &cells[6], &cells[7], &cells[8], &cells[9]); err != nil {
				return n, fmt.Errorf("export persons: %w", err)
			}
			if !tags {
				cells = cells[:9]
			}
			if err := w.Write(cells); err != nil {
				return n, err
			}
			n++
		}
		if err := rows.Err(); err != nil {
			return n, fmt.Errorf("export persons: %w", err)
		}
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, s.now(), audit.Record{Actor: p.Actor(), Action: "registry.export", TargetType: "persons",
			TargetID: regionCode, Detail: map[string]any{"rows": n, "scope": scope.Path()}})
		return err
	})
	return n, err
}

// groupConcat is the one aggregate that differs between the engines.
func groupConcat(engine db.Engine) string {
	if engine == db.Postgres {
		return "string_agg(t.tag, ',' ORDER BY t.tag)"
	}
	return "group_concat(t.tag, ',')"
}
