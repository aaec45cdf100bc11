package registry

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idcard"
	"github.com/gridgov/gridgov/internal/pii"
)

// SearchQuery finds persons. Personal numbers travel only in this body,
// never in URLs.
type SearchQuery struct {
	IDNumber      string        `json:"id_number"`
	Phone         string        `json:"phone"`
	Name          string        `json:"name"` // prefix
	HouseCode     string        `json:"house_code"`
	Tag           string        `json:"tag"`
	AgeMin        *int          `json:"age_min"`
	AgeMax        *int          `json:"age_max"`
	ResidenceType ResidenceType `json:"residence_type"`
	Region        string        `json:"region"`
	After         int64         `json:"after"`
	Limit         int           `json:"limit"`
}

// SearchResult is one page of persons.
type SearchResult struct {
	Items []PersonView `json:"items"`
	// NextAfter continues the search when there may be more.
	NextAfter int64 `json:"next_after,omitempty"`
}

// Search finds persons in the caller's scope, ordered by id.
func (s *Service) Search(ctx context.Context, p auth.Principal, q SearchQuery) (SearchResult, error) {
	if err := s.requireRead(p); err != nil {
		return SearchResult{}, err
	}
	var fs apperr.Fields
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	scope, err := s.narrow(ctx, p, q.Region)
	if err != nil {
		return SearchResult{}, err
	}
	lo, hi := scope.Range()
	if lo == "" {
		return SearchResult{Items: []PersonView{}}, nil
	}
	// With a name, the name index is the selective one; the unary + keeps
	// SQLite's planner, which cannot see how wide the bound scope range is,
	// from walking the region index instead.
	regionCol := "p.region_path"
	if strings.TrimSpace(q.Name) != "" && s.db.Engine == db.SQLite {
		regionCol = "+p.region_path"
	}
	where = append(where, regionCol+" >= "+arg(lo), regionCol+" < "+arg(hi), "p.id > "+arg(q.After))
	if q.IDNumber != "" {
		info, err := s.parseID(q.IDNumber)
		if err != nil {
			fs.Add("id_number", err.Error())
		}
		where = append(where, "p.id_number_index = "+arg(s.keys.Index(indexID, info.Number)))
	}
	if q.Phone != "" {
		phone, err := pii.NormalizePhone(q.Phone)
		if err != nil {
			fs.Add("phone", err.Error())
		}
		where = append(where, "p.phone_index = "+arg(s.keys.Index(indexPhone, phone)))
	}
	if name := strings.TrimSpace(q.Name); name != "" {
		where = append(where, "p.name LIKE "+arg(db.Like(name)+"%")+` ESCAPE '\'`)
		if s.db.Engine == db.SQLite {
			// SQLite's LIKE ignores case and so never uses an index; a
			// range of the same prefix does (byte order is UTF-8 order).
			where = append(where, "p.name >= "+arg(name), "p.name < "+arg(name+"\U0010FFFF"))
		}
	}
	if q.HouseCode != "" {
		where = append(where, "EXISTS (SELECT 1 FROM person_houses ph JOIN houses h ON h.id = ph.house_id WHERE ph.person_id = p.id AND h.code = "+arg(q.HouseCode)+")")
	}
	today := s.now()
	if q.Tag != "" {
		if !p.Can(auth.PermTagsRead) {
			return SearchResult{}, apperr.New(apperr.Forbidden, "you may not search by special-group tags")
		}
		if err := oneOf(q.Tag, knownTags); err != nil {
			fs.Add("tag", err.Error())
		}
		// Only tags in force today: a person whose tag has ended (or not yet
		// begun) is not in the group, as the dashboards count it.
		day := arg(today.Format(time.DateOnly))
		where = append(where, "EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = p.id AND t.tag = "+arg(q.Tag)+
			" AND (t.since = '' OR t.since <= "+day+") AND (t.until = '' OR t.until >= "+day+"))")
	}
	if q.ResidenceType != "" {
		if err := oneOf(q.ResidenceType, residenceTypes); err != nil {
			fs.Add("residence_type", err.Error())
		}
		where = append(where, "p.residence_type = "+arg(string(q.ResidenceType)))
	}
	if q.AgeMin != nil {
		if *q.AgeMin < 0 || *q.AgeMin > 150 {
			fs.Add("age_min", "must be between 0 and 150")
		}
		// Counted as the person's shown age is (idcard.AgeOn): not with
		// AddDate, which rolls 29 February into March.
		where = append(where, "p.birth_date <= "+arg(idcard.LatestBirth(*q.AgeMin, today).Format(time.DateOnly)))
	}
	if q.AgeMax != nil {
		if *q.AgeMax < 0 || *q.AgeMax > 150 {
			fs.Add("age_max", "must be between 0 and 150")
		}
		// At most AgeMax is not yet AgeMax+1.
		where = append(where, "p.birth_date > "+arg(idcard.LatestBirth(*q.AgeMax+1, today).Format(time.DateOnly)))
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 200)
	if err := fs.Err(); err != nil {
		return SearchResult{}, err
	}
	query := `SELECT ` + prefixed(personColumns, "p.") + ` FROM persons p WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY p.id LIMIT ` + arg(q.Limit+1)
	rows, err := s.db.Read().QueryContext(ctx, query, args...)
	if err != nil {
		return SearchResult{}, fmt.Errorf("search persons: %w", err)
	}
	var found []person
	for rows.Next() {
		row, err := scanPerson(rows)
		if err != nil {
			rows.Close()
			return SearchResult{}, fmt.Errorf("search persons: %w", err)
		}
		found = append(found, row)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return SearchResult{}, fmt.Errorf("search persons: %w", err)
	}
	res := SearchResult{Items: []PersonView{}}
	if len(found) > q.Limit {
		found = found[:q.Limit]
		res.NextAfter = found[len(found)-1].ID
	}
	ids := make([]int64, len(found))
	for i, row := range found {
		ids[i] = row.ID
	}
	houses, tags, err := linksOf(ctx, s.db.Read(), bindsFor(s.db), ids)
	if err != nil {
		return SearchResult{}, err
	}
	for _, row := range found {
		h, t := houses[row.ID], tags[row.ID]
		if h == nil {
			h = []HouseLink{}
		}
		if t == nil {
			t = []Tag{}
		}
		res.Items = append(res.Items, s.view(p, row, h, t))
	}
	return res, nil
}

func prefixed(cols, prefix string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
