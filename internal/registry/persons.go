package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idcard"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/region"
)

// Blind-index purposes, so an ID number and a phone never index alike.
const (
	indexID    = "person.id_number"
	indexPhone = "person.phone"
)

// PersonView is a person as shown to a caller: numbers masked unless the
// caller revealed them, tags only for roles that may see them.
type PersonView struct {
	ID            int64         `json:"id"`
	Name          string        `json:"name"`
	IDNumber      string        `json:"id_number"`
	IDKind        idcard.Kind   `json:"id_kind"`
	BirthDate     string        `json:"birth_date"`
	Age           int           `json:"age"`
	Sex           idcard.Sex    `json:"sex"`
	Phone         string        `json:"phone"`
	ResidenceType ResidenceType `json:"residence_type"`
	HouseholdNo   string        `json:"household_no"`
	Relation      string        `json:"relation"`
	GridCode      string        `json:"grid_code"`
	Houses        []HouseLink   `json:"houses"`
	Tags          []Tag         `json:"tags,omitempty"`
	// Groups are derived from data rather than typed in, e.g. "aged_60_plus".
	Groups          []string   `json:"groups"`
	Revealed        bool       `json:"revealed"`
	RevealExpiresAt *time.Time `json:"reveal_expires_at,omitempty"`
	Version         int        `json:"version"`
}

// person is a stored row.
type person struct {
	PersonView
	idEnc, phoneEnc   []byte
	idMask, phoneMask string
	regionPath        string
}

// validated is a PersonInput checked and ready to store.
type validated struct {
	in      PersonInput
	id      idcard.Info
	phone   string
	idIndex string
	// regionPath is the path of the person's grid, once placed.
	regionPath string
}

func (s *Service) validate(in PersonInput) (validated, error) {
	var fs apperr.Fields
	v := validated{in: in}
	v.in.Name = strings.TrimSpace(in.Name)
	checkText(&fs, "name", v.in.Name, 50, true)
	info, err := s.parseID(in.IDNumber)
	if err != nil {
		fs.Add("id_number", err.Error())
	}
	v.id = info
	if strings.TrimSpace(in.Phone) != "" {
		phone, err := pii.NormalizePhone(in.Phone)
		if err != nil {
			fs.Add("phone", err.Error())
		}
		v.phone = phone
	}
	if v.in.ResidenceType == "" {
		v.in.ResidenceType = "registered"
	}
	if err := oneOf(v.in.ResidenceType, residenceTypes); err != nil {
		fs.Add("residence_type", err.Error())
	}
	if v.in.Relation != "" {
		if err := oneOf(v.in.Relation, relations); err != nil {
			fs.Add("relation", err.Error())
		}
	}
	checkText(&fs, "household_no", v.in.HouseholdNo, 40, false)
	for i, h := range v.in.Houses {
		if err := oneOf(h.Relation, houseLinks); err != nil {
			fs.Add(fmt.Sprintf("houses[%d].relation", i), err.Error())
		}
	}
	seen := map[string]bool{}
	for i, t := range v.in.Tags {
		switch {
		case !slices.Contains(knownTags, t.Tag):
			fs.Add(fmt.Sprintf("tags[%d]", i), fmt.Sprintf("unknown tag %q", t.Tag))
		case seen[t.Tag]:
			fs.Add(fmt.Sprintf("tags[%d]", i), fmt.Sprintf("tag %q given twice", t.Tag))
		}
		seen[t.Tag] = true
		checkTag(&fs, fmt.Sprintf("tags[%d]", i), t)
	}
	if err := fs.Err(); err != nil {
		return validated{}, err
	}
	v.idIndex = s.keys.Index(indexID, info.Number)
	return v, nil
}

// parseID checks an ID number and gives the form the registry keeps: an old
// 15-digit number names the same person as its 18-character form (GB
// 11643-1999), so it is upgraded before it is indexed, stored or looked up,
// and either form finds the one person.
func (s *Service) parseID(number string) (idcard.Info, error) {
	info, err := idcard.Parse(number, s.now())
	if err != nil || info.Kind != idcard.Legacy15 {
		return info, err
	}
	upgraded, err := idcard.Upgrade(info.Number)
	if err != nil {
		return idcard.Info{}, err
	}
	return idcard.Parse(upgraded, s.now())
}

func personContext(field, idIndex string) string { return "person:" + idIndex[:16] + ":" + field }

// SavePerson creates a person or updates the one with the same ID number
// (found through the blind index). Re-saving the same facts changes nothing;
// a change is audited with the names of the changed fields, never the values.
func (s *Service) SavePerson(ctx context.Context, p auth.Principal, in PersonInput) (PersonView, bool, error) {
	if err := s.requireWrite(p); err != nil {
		return PersonView{}, false, err
	}
	v, err := s.validate(in)
	if err != nil {
		return PersonView{}, false, err
	}
	var id int64
	var out outcome
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, out, err = s.savePersonTx(ctx, tx, p, v, audit.Canonical(s.now()))
		return err
	})
	if err != nil {
		return PersonView{}, false, err
	}
	if out != unchanged {
		s.publishedRow(ctx, "persons", id)
	}
	created := out == created
	view, err := s.GetPerson(ctx, p, id)
	return view, created, err
}

// savePersonTx stores one validated person inside tx.
func (s *Service) savePersonTx(ctx context.Context, tx *sql.Tx, p auth.Principal, v validated, now time.Time) (int64, outcome, error) {
	var id int64
	result := unchanged
	err := func() error {
		if err := s.ensureIDNumberIndex(ctx, tx); err != nil {
			return err
		}
		scope := p.User.Scope()
		hidden, err := hiddenLinks(ctx, tx, scope, v.idIndex)
		if err != nil {
			return err
		}
		// Houses first: they must exist in scope, or be a link the person
		// already has to a house outside it, and may give the grid.
		houseIDs := make([]int64, len(v.in.Houses))
		for i, link := range v.in.Houses {
			h, err := getHouse(ctx, tx, "code = $1", link.HouseCode)
			if err != nil || (!scope.Contains(h.regionPath) && !hidden.has(h.ID, link.Relation)) {
				return apperr.Field(fmt.Sprintf("houses[%d].house_code", i), fmt.Sprintf("house %s not found", link.HouseCode))
			}
			houseIDs[i] = h.ID
			if v.in.GridCode == "" && (link.Relation == "lives" || len(v.in.Houses) == 1) {
				v.in.GridCode = h.GridCode
			}
		}
		for _, l := range hidden.missing(v.in.Houses) {
			v.in.Houses = append(slices.Clip(v.in.Houses), l)
			houseIDs = append(houseIDs, l.houseID)
		}
		if v.in.GridCode == "" {
			return apperr.Field("grid_code", "give a grid code or a house the person lives at")
		}
		path, err := gridInScope(ctx, tx, scope, v.in.GridCode, "grid_code")
		if err != nil {
			return err
		}
		old, err := loadPerson(ctx, tx, "id_number_index = $1", v.idIndex)
		switch {
		case apperr.Is(err, apperr.NotFound):
			result = created
			id, err = s.insertPerson(ctx, tx, v, path, now)
			if err != nil {
				return err
			}
			if err := s.replaceLinks(ctx, tx, id, houseIDs, v.in); err != nil {
				return err
			}
			_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "person.create", TargetType: "person", TargetID: strconv.FormatInt(id, 10)})
			return err
		case err != nil:
			return err
		}
		id = old.ID
		oldLinks, oldTags, err := links(ctx, tx, id)
		if err != nil {
			return err
		}
		v.regionPath = path
		result, err = s.updateStoredPerson(ctx, tx, p, old, oldLinks, oldTags, v, houseIDs, now)
		return err
	}()
	return id, result, err
}

// hidden are a person's links to houses outside the caller's scope. The
// caller cannot see those houses, so they can neither add such a link nor
// change or drop one: a save keeps them as stored, unchecked.
type hidden []HouseLink

// hiddenLinks loads the links of the person with the ID number index to
// houses outside scope; none when the person is new or itself outside it
// (the save refuses that person anyway).
func hiddenLinks(ctx context.Context, q db.Querier, scope region.Scope, idIndex string) (hidden, error) {
	rows, err := q.QueryContext(ctx, `SELECT ph.house_id, h.code, ph.relation, h.region_path, p.region_path
		FROM persons p JOIN person_houses ph ON ph.person_id = p.id JOIN houses h ON h.id = ph.house_id
		WHERE p.id_number_index = $1 ORDER BY h.code, ph.relation`, idIndex)
	if err != nil {
		return nil, fmt.Errorf("person's houses: %w", err)
	}
	defer rows.Close()
	var out hidden
	for rows.Next() {
		var l HouseLink
		var housePath, personPath string
		if err := rows.Scan(&l.houseID, &l.HouseCode, &l.Relation, &housePath, &personPath); err != nil {
			return nil, fmt.Errorf("person's houses: %w", err)
		}
		if scope.Contains(personPath) && !scope.Contains(housePath) {
			out = append(out, l)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("person's houses: %w", err)
	}
	return out, nil
}

func (hs hidden) has(houseID int64, relation string) bool {
	return slices.ContainsFunc(hs, func(l HouseLink) bool { return l.houseID == houseID && l.Relation == relation })
}

// missing is the hidden links that links lack.
func (hs hidden) missing(links []HouseLink) []HouseLink {
	var out []HouseLink
	for _, l := range hs {
		if !slices.ContainsFunc(links, l.same) {
			out = append(out, l)
		}
	}
	return out
}

// sealed is a person's numbers as stored: encrypted, blind-indexed, masked.
type sealed struct {
	idEnc, phoneEnc   []byte
	phoneIndex        any // nil without a phone
	idMask, phoneMask string
}

func (s *Service) seal(v validated) sealed {
	out := sealed{
		idEnc:     s.keys.Seal([]byte(v.id.Number), personContext("id", v.idIndex)),
		idMask:    pii.MaskID(v.id.Number),
		phoneMask: maskPhone(v.phone),
	}
	if v.phone != "" {
		out.phoneEnc = s.keys.Seal([]byte(v.phone), personContext("phone", v.idIndex))
		out.phoneIndex = s.keys.Index(indexPhone, v.phone)
	}
	return out
}

// personInsertColumns are the columns insertPerson and the bulk import fill,
// in the order of personArgs.
const personInsertColumns = `name, id_kind, id_number_enc, id_number_index, id_number_mask, birth_date, sex,
	phone_enc, phone_index, phone_mask, residence_type, household_no, relation, grid_code, region_path, created_at, updated_at`

// personInsert are those columns with their PostgreSQL types.
var personInsert = insertColumns{personInsertColumns, []string{"text", "text", "bytea", "text", "text", "text", "text",
	"bytea", "text", "text", "text", "text", "text", "text", "text", "timestamptz", "timestamptz"}}

// personArgs are the values of personInsert; now is a time or its db.Stamp.
func personArgs(v validated, n sealed, path string, now any) []any {
	return []any{v.in.Name, string(v.id.Kind), n.idEnc, v.idIndex, n.idMask, v.id.BirthDate.Format(time.DateOnly), string(v.id.Sex),
		n.phoneEnc, n.phoneIndex, n.phoneMask, string(v.in.ResidenceType), v.in.HouseholdNo, v.in.Relation, v.in.GridCode, path, now, now}
}

// updateStoredPerson stores v over the stored person old when anything
// differs, auditing the names of the changed fields, never the values.
func (s *Service) updateStoredPerson(ctx context.Context, tx *sql.Tx, p auth.Principal, old person, oldLinks []HouseLink, oldTags []Tag,
	v validated, houseIDs []int64, now time.Time) (outcome, error) {
	if !p.User.Scope().Contains(old.regionPath) {
		// Say nothing about where the person is registered.
		return unchanged, apperr.Field("id_number", "this person is registered outside your area; ask the center to transfer them")
	}
	changed := s.personChanges(old, oldLinks, oldTags, v)
	if len(changed) == 0 {
		return unchanged, nil
	}
	if err := s.updatePerson(ctx, tx, old.ID, v, v.regionPath, now); err != nil {
		return unchanged, err
	}
	if err := s.replaceLinks(ctx, tx, old.ID, houseIDs, v.in); err != nil {
		return unchanged, err
	}
	_, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "person.update", TargetType: "person",
		TargetID: strconv.FormatInt(old.ID, 10), Detail: map[string]any{"changed": changed}})
	return updated, err
}

func (s *Service) insertPerson(ctx context.Context, tx *sql.Tx, v validated, path string, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO persons (`+personInsertColumns+`) VALUES `+bindsFor(s.db).list(1, 17)+` RETURNING id`,
		personArgs(v, s.seal(v), path, now)...).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, apperr.New(apperr.Conflict, "this person was registered by someone else at the same time; try again")
	}
	if err != nil {
		return 0, fmt.Errorf("insert person: %w", err)
	}
	return id, nil
}

func maskPhone(phone string) string {
	if phone == "" {
		return ""
	}
	return pii.MaskPhone(phone)
}

func (s *Service) updatePerson(ctx context.Context, tx *sql.Tx, id int64, v validated, path string, now time.Time) error {
	var phoneEnc []byte
	var phoneIndex any
	if v.phone != "" {
		phoneEnc = s.keys.Seal([]byte(v.phone), personContext("phone", v.idIndex))
		phoneIndex = s.keys.Index(indexPhone, v.phone)
	}
	_, err := tx.ExecContext(ctx, `UPDATE persons SET name=$1, phone_enc=$2, phone_index=$3, phone_mask=$4, residence_type=$5,
		household_no=$6, relation=$7, grid_code=$8, region_path=$9, updated_at=$10, version=version+1 WHERE id=$11`,
		v.in.Name, phoneEnc, phoneIndex, maskPhone(v.phone), string(v.in.ResidenceType), v.in.HouseholdNo, v.in.Relation,
		v.in.GridCode, path, now, id)
	if err != nil {
		return fmt.Errorf("update person %d: %w", id, err)
	}
	return nil
}

func (s *Service) replaceLinks(ctx context.Context, tx *sql.Tx, id int64, houseIDs []int64, in PersonInput) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM person_houses WHERE person_id = $1`, id); err != nil {
		return fmt.Errorf("person %d houses: %w", id, err)
	}
	for i, hid := range houseIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO person_houses (person_id, house_id, relation) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			id, hid, in.Houses[i].Relation); err != nil {
			return fmt.Errorf("person %d houses: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM person_tags WHERE person_id = $1`, id); err != nil {
		return fmt.Errorf("person %d tags: %w", id, err)
	}
	for _, t := range in.Tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO person_tags (person_id, tag, since, until) VALUES ($1, $2, $3, $4)`, id, t.Tag, t.Since, t.Until); err != nil {
			return fmt.Errorf("person %d tags: %w", id, err)
		}
	}
	return nil
}

// personChanges names the fields that differ between the stored person and
// the new input.
func (s *Service) personChanges(old person, oldLinks []HouseLink, oldTags []Tag, v validated) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	oldPhone := ""
	if old.phoneEnc != nil {
		if b, err := s.keys.Open(old.phoneEnc, personContext("phone", v.idIndex)); err == nil {
			oldPhone = string(b)
		}
	}
	add("name", old.Name != v.in.Name)
	add("phone", oldPhone != v.phone)
	add("residence_type", old.ResidenceType != v.in.ResidenceType)
	add("household_no", old.HouseholdNo != v.in.HouseholdNo)
	add("relation", old.Relation != v.in.Relation)
	add("grid_code", old.GridCode != v.in.GridCode)
	add("houses", !sameSet(oldLinks, v.in.Houses, func(l HouseLink) string { return l.HouseCode + "/" + l.Relation }))
	add("tags", !sameSet(oldTags, v.in.Tags, func(t Tag) string { return t.Tag + "/" + t.Since + "/" + t.Until }))
	return out
}

func sameSet[T any](a, b []T, key func(T) string) bool {
	ka := make([]string, len(a))
	for i, x := range a {
		ka[i] = key(x)
	}
	kb := make([]string, len(b))
	for i, x := range b {
		kb[i] = key(x)
	}
	sort.Strings(ka)
	sort.Strings(kb)
	return slices.Equal(slices.Compact(ka), slices.Compact(kb))
}

const personColumns = `id, name, id_kind, id_number_enc, id_number_mask, birth_date, sex, phone_enc, phone_mask,
	residence_type, household_no, relation, grid_code, region_path, version`

func scanPerson(row interface{ Scan(...any) error }) (person, error) {
	var p person
	var kind, sex, rt string
	err := row.Scan(&p.ID, &p.Name, &kind, &p.idEnc, &p.idMask, &p.BirthDate, &sex, &p.phoneEnc, &p.phoneMask,
		&rt, &p.HouseholdNo, &p.Relation, &p.GridCode, &p.regionPath, &p.Version)
	p.IDKind, p.Sex, p.ResidenceType = idcard.Kind(kind), idcard.Sex(sex), ResidenceType(rt)
	return p, err
}

func loadPerson(ctx context.Context, q db.Querier, where string, args ...any) (person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personColumns+` FROM persons WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return person{}, apperr.New(apperr.NotFound, "person not found")
	}
	if err != nil {
		return person{}, fmt.Errorf("load person: %w", err)
	}
	return p, nil
}

func links(ctx context.Context, q db.Querier, id int64) ([]HouseLink, []Tag, error) {
	rows, err := q.QueryContext(ctx, `SELECT h.code, ph.relation FROM person_houses ph JOIN houses h ON h.id = ph.house_id
		WHERE ph.person_id = $1 ORDER BY h.code, ph.relation`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("person %d houses: %w", id, err)
	}
	houses := []HouseLink{}
	for rows.Next() {
		var l HouseLink
		if err := rows.Scan(&l.HouseCode, &l.Relation); err != nil {
			rows.Close()
			return nil, nil, err
		}
		houses = append(houses, l)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT tag, since, until FROM person_tags WHERE person_id = $1 ORDER BY tag`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("person %d tags: %w", id, err)
	}
	defer rows.Close()
	tags := []Tag{}
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.Tag, &t.Since, &t.Until); err != nil {
			return nil, nil, err
		}
		tags = append(tags, t)
	}
	return houses, tags, rows.Err()
}

// view turns a stored person into what the caller may see.
func (s *Service) view(p auth.Principal, row person, houses []HouseLink, tags []Tag) PersonView {
	v := row.PersonView
	v.IDNumber, v.Phone, v.Houses = row.idMask, row.phoneMask, houses
	if birth, err := time.Parse(time.DateOnly, row.BirthDate); err == nil {
		v.Age = idcard.AgeOn(birth, s.now())
	}
	// The groups follow from the age alone, so they agree with a search by
	// age range, which bounds birth dates with idcard.LatestBirth.
	v.Groups = []string{}
	if v.Age >= 60 {
		v.Groups = append(v.Groups, "aged_60_plus")
	}
	if v.Age >= 80 {
		v.Groups = append(v.Groups, "aged_80_plus")
	}
	if v.Age < 18 {
		v.Groups = append(v.Groups, "minor")
	}
	if p.Can(auth.PermTagsRead) {
		v.Tags = tags
	}
	return v
}

// GetPerson returns a person in scope. Numbers are masked unless the caller
// has a live reveal of this person; a view under a reveal is audited.
func (s *Service) GetPerson(ctx context.Context, p auth.Principal, id int64) (PersonView, error) {
	if err := s.requireRead(p); err != nil {
		return PersonView{}, err
	}
	row, err := loadPerson(ctx, s.db.Read(), "id = $1", id)
	if err == nil && !p.User.Scope().Contains(row.regionPath) {
		err = apperr.New(apperr.NotFound, "person not found")
	}
	if err != nil {
		return PersonView{}, err
	}
	houses, tags, err := links(ctx, s.db.Read(), id)
	if err != nil {
		return PersonView{}, err
	}
	v := s.view(p, row, houses, tags)
	if !p.Can(auth.PermPIIReveal) {
		return v, nil
	}
	var expires time.Time
	err = s.db.Read().QueryRowContext(ctx, `SELECT expires_at FROM pii_reveals WHERE user_id = $1 AND person_id = $2 AND expires_at > $3
		ORDER BY expires_at DESC LIMIT 1`, p.User.ID, id, audit.Canonical(s.now())).Scan(&expires)
	if errors.Is(err, sql.ErrNoRows) {
		return v, nil
	}
	if err != nil {
		return PersonView{}, fmt.Errorf("reveal grant: %w", err)
	}
	if err := s.decrypt(ctx, row, &v, expires); err != nil {
		return PersonView{}, err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, s.now(), audit.Record{Actor: p.Actor(), Action: "pii.view", TargetType: "person", TargetID: strconv.FormatInt(id, 10)})
		return err
	})
	return v, err
}

// decrypt opens the sealed numbers into v.
func (s *Service) decrypt(ctx context.Context, row person, v *PersonView, expires time.Time) error {
	var index string
	if err := s.db.Read().QueryRowContext(ctx, `SELECT id_number_index FROM persons WHERE id = $1`, row.ID).Scan(&index); err != nil {
		return fmt.Errorf("reveal: %w", err)
	}
	num, err := s.keys.Open(row.idEnc, personContext("id", index))
	if err != nil {
		return fmt.Errorf("reveal person %d: %w", row.ID, err)
	}
	v.IDNumber = string(num)
	if row.phoneEnc != nil {
		ph, err := s.keys.Open(row.phoneEnc, personContext("phone", index))
		if err != nil {
			return fmt.Errorf("reveal person %d: %w", row.ID, err)
		}
		v.Phone = string(ph)
	}
	v.Revealed = true
	e := expires.UTC()
	v.RevealExpiresAt = &e
	return nil
}

// Reveal shows a person's ID number and phone to a caller who holds
// pii:reveal and states a purpose. The reveal lasts RevealFor and is audited
// (who, whom, why, when); views during it are audited too. A reveal refused
// for want of the permission or of the person in scope is audited as
// denied.
func (s *Service) Reveal(ctx context.Context, p auth.Principal, id int64, purpose string) (PersonView, error) {
	if !p.Can(auth.PermPIIReveal) {
		return PersonView{}, s.revealDenied(ctx, p, id, "forbidden", apperr.New(apperr.Forbidden, "you may not reveal personal numbers"))
	}
	purpose = strings.TrimSpace(purpose)
	if n := len([]rune(purpose)); n < 4 || n > 200 {
		return PersonView{}, apperr.Field("purpose", "state why you need the numbers (4-200 characters)")
	}
	row, err := loadPerson(ctx, s.db.Read(), "id = $1", id)
	if (err == nil && !p.User.Scope().Contains(row.regionPath)) || apperr.Is(err, apperr.NotFound) {
		return PersonView{}, s.revealDenied(ctx, p, id, "not_found", apperr.New(apperr.NotFound, "person not found"))
	}
	if err != nil {
		return PersonView{}, err
	}
	houses, tags, err := links(ctx, s.db.Read(), id)
	if err != nil {
		return PersonView{}, err
	}
	v := s.view(p, row, houses, tags)
	now := audit.Canonical(s.now())
	expires := now.Add(s.RevealFor)
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pii_reveals (user_id, person_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			p.User.ID, id, purpose, now, expires); err != nil {
			return fmt.Errorf("reveal: %w", err)
		}
		_, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "pii.reveal", TargetType: "person",
			TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"purpose": purpose, "expires_at": expires}})
		return err
	})
	if err != nil {
		return PersonView{}, err
	}
	if err := s.decrypt(ctx, row, &v, expires); err != nil {
		return PersonView{}, err
	}
	return v, nil
}

// revealDenied audits a refused reveal and returns the refusal. The entry
// names the person as its target only when the caller may see them (in
// their scope), so that it never says more than the caller was told: a
// person not found, or out of the caller's scope, is kept as the id asked
// for. No purpose is kept: it was never checked.
func (s *Service) revealDenied(ctx context.Context, p auth.Principal, id int64, reason string, refusal error) error {
	rec := audit.Record{Actor: p.Actor(), Action: "pii.reveal", TargetType: "person", Outcome: audit.Denied,
		Detail: map[string]any{"reason": reason}}
	inScope := false
	if reason != "not_found" {
		row, err := loadPerson(ctx, s.db.Read(), "id = $1", id)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		inScope = err == nil && p.User.Scope().Contains(row.regionPath)
	}
	if inScope {
		rec.TargetID = strconv.FormatInt(id, 10)
	} else {
		rec.Detail["requested_id"] = id
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Canonical(s.now()), rec)
		return err
	})
	if err != nil {
		return err
	}
	return refusal
}
