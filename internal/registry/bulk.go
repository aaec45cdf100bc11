package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/tabular"
)

// An import is a pipeline: one goroutine reads the file into chunks of
// consecutive rows, every core validates, encrypts and locates the rows of a
// chunk, and one writer stores the chunks in file order: a chunk's rows are
// inserted skipping those whose natural key is stored, and only the skipped
// ones are looked up and updated where they changed. Chunks commit together
// (CommitRows, CommitAfter), so a crash loses at most the rows in flight and
// a re-run finds the stored rows unchanged.

// chunkInsertParams bounds the placeholders of one statement, under both
// engines' limits (SQLite 32,766; PostgreSQL 65,535): a multi-row INSERT on
// SQLite, a look-up of a chunk's keys on either.
const chunkInsertParams = 30000

// chunk is a run of consecutive rows of the file.
type chunk struct {
	seq  int
	rows []prepared
}

// prepared is one row after the parallel stage: refused, a house, or a
// person with its numbers sealed.
type prepared struct {
	raw     tabular.Row
	refusal *RowError
	house   House
	person  validated
	numbers sealed
	key     naturalKey // of the house code or the ID number's blind index
	// Made beside the preparing once the row is placed: the houses a person
	// is linked to, in the order of the row's links, and the values the row
	// inserts.
	houseIDs []int64
	args     []any
}

// tally counts what one chunk did; it joins the report when the chunk's
// transaction commits.
type tally struct {
	created, updated, unchanged int
	rejected                    []RowError
}

// naturalKey is a 128-bit hash of a house code or an ID number's blind
// index: enough to find duplicates inside a file of millions of rows
// without keeping the keys themselves.
type naturalKey [2]uint64

type importer struct {
	s     *Service
	p     auth.Principal
	kind  Kind
	cols  tabular.Columns
	opts  ImportOptions
	now   time.Time
	scope region.Scope

	binds binds
	stmts stmtCache
	seeds [2]maphash.Seed
	seen  map[naturalKey]int32 // key → first row of the file that used it
	// claims are the keys added to seen since the last commit, forgotten
	// if it rolls back; an all-or-nothing import, rolled back whole, keeps
	// none.
	claims []naturalKey
	gridMu sync.Mutex
	grids  map[string]gridPath // grid code → path or refusal, per import
	// stamp is now as the rows' created_at and updated_at, made once.
	stamp any

	// firstLoad is set while persons are loaded into an empty table
	// without their unique index on ID numbers (see dropDeferredIndexes):
	// rows are inserted without looking for stored ones, and duplicates
	// inside the file are refused by seen.
	firstLoad bool
	// freshHouses is set while houses are loaded into a table that held
	// none when the import began: a chunk's houses are inserted without
	// asking which are stored (no ON CONFLICT, no RETURNING). A house that
	// another writer stores meanwhile fails the chunk's transaction with a
	// unique violation, which clears it, and the chunk is stored again as
	// in any import.
	freshHouses bool

	rep  ImportReport
	done int // rows stored or refused so far
}

type gridPath struct {
	path string
	err  error
}

func (im *importer) key(s string) naturalKey {
	return naturalKey{maphash.String(im.seeds[0], s), maphash.String(im.seeds[1], s)}
}

// run drives the pipeline and returns the report.
func (im *importer) run(ctx context.Context, r tabular.Reader) (ImportReport, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	raw := make(chan *chunk, 2)
	ready := make(chan *chunk, 2*runtime.GOMAXPROCS(0))
	g.Go(func() error {
		defer close(raw)
		return im.read(gctx, r, raw)
	})
	var workers sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		workers.Add(1)
		g.Go(func() error {
			defer workers.Done()
			for c := range raw {
				for i := range c.rows {
					im.prepare(&c.rows[i])
				}
				if err := im.place(gctx, c); err != nil {
					return err
				}
				select {
				case ready <- c:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	}
	go func() {
		workers.Wait()
		close(ready)
	}()

	werr := im.write(gctx, ready)
	if werr != nil {
		cancel()
	}
	gerr := g.Wait()
	switch {
	case werr != nil && !errors.Is(werr, context.Canceled):
		return ImportReport{}, werr
	case gerr != nil:
		return ImportReport{}, gerr
	case werr != nil:
		return ImportReport{}, werr
	}
	return im.rep, nil
}

// read cuts the file into chunks. A malformed row is passed on as a
// refusal; an error that repeats (bad encoding, a damaged workbook) ends
// the file.
func (im *importer) read(ctx context.Context, r tabular.Reader, out chan<- *chunk) error {
	c := &chunk{}
	send := func() error {
		select {
		case out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		c = &chunk{seq: c.seq + 1, rows: make([]prepared, 0, im.opts.BatchRows)}
		return nil
	}
	lastBad := 0
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var ferr *tabular.FileError
		switch {
		case errors.As(err, &ferr) && ferr.Row > 0 && ferr.Row != lastBad:
			lastBad = ferr.Row
			c.rows = append(c.rows, prepared{raw: tabular.Row{Number: ferr.Row}, refusal: &RowError{Row: ferr.Row, Reason: ferr.Reason}})
		case err != nil:
			return apperr.Field("file", err.Error())
		default:
			c.rows = append(c.rows, prepared{raw: row})
		}
		if len(c.rows) >= im.opts.BatchRows {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if len(c.rows) == 0 {
		return nil
	}
	return send()
}

// write stores chunks in file order.
func (im *importer) write(ctx context.Context, ready <-chan *chunk) error {
	var tx *sql.Tx // the one transaction of an all-or-nothing import
	defer func() {
		if tx != nil {
			_ = tx.Rollback()
		}
	}()
	var group []*chunk // chunks to commit together
	groupRows := 0
	// flush commits the group's chunks, a transaction at a time, until no
	// more than keep rows are left waiting.
	flush := func(keep int) error {
		for groupRows > keep {
			n, err := im.storeSome(ctx, group)
			if err != nil {
				return err
			}
			for _, c := range group[:n] {
				groupRows -= len(c.rows)
				im.done += len(c.rows)
			}
			group = slices.Delete(group, 0, n)
			if im.opts.Progress != nil {
				im.opts.Progress(im.done)
			}
		}
		return nil
	}
	waiting := map[int]*chunk{}
	next := 0
	for c := range ready {
		waiting[c.seq] = c
		for {
			c, ok := waiting[next]
			if !ok {
				break
			}
			delete(waiting, next)
			next++
			if !im.opts.AllOrNothing {
				group = append(group, c)
				groupRows += len(c.rows)
				if groupRows >= im.opts.CommitRows {
					if err := flush(im.opts.CommitRows - 1); err != nil {
						return err
					}
				}
				continue
			}
			if tx == nil {
				var err error
				if tx, err = im.s.db.BeginBulk(ctx); err != nil {
					return err
				}
			}
			t, err := im.store(ctx, tx, c)
			if err != nil {
				return err
			}
			im.merge(len(c.rows), t)
			im.done += len(c.rows)
			if im.opts.Progress != nil {
				im.opts.Progress(im.done)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !im.opts.AllOrNothing {
		return flush(0)
	}
	if tx == nil {
		return nil
	}
	if len(im.rep.Rejected) > 0 {
		im.rep.Created, im.rep.Updated, im.rep.Unchanged = 0, 0, 0
		return nil // the deferred rollback drops everything
	}
	err := tx.Commit()
	tx = nil
	if err != nil {
		return fmt.Errorf("import: commit: %w", err)
	}
	return nil
}

// errChanged says a stored row changed under the import between two of its
// statements; the chunk is stored again.
var errChanged = errors.New("import: a stored row changed meanwhile")

// storeSome stores the first of chunks in a transaction of their own, as
// many as it stores within CommitAfter (at least one), and returns how many.
// A unique violation means another writer stored one of the rows meanwhile;
// the chunks are then looked up again and stored anew.
func (im *importer) storeSome(ctx context.Context, chunks []*chunk) (int, error) {
	for attempt := 1; ; attempt++ {
		tx, err := im.s.db.BeginBulk(ctx)
		if err != nil {
			return 0, err
		}
		start := time.Now()
		tallies := make([]tally, 0, len(chunks))
		for _, c := range chunks {
			var t tally
			if t, err = im.store(ctx, tx, c); err != nil {
				break
			}
			tallies = append(tallies, t)
			if time.Since(start) >= im.opts.CommitAfter {
				break // other writers wait for the lock meanwhile
			}
		}
		if err == nil {
			last := chunks[len(tallies)-1]
			if err = tx.Commit(); err != nil {
				return 0, fmt.Errorf("import: commit rows %d-%d: %w", chunks[0].rows[0].raw.Number, last.rows[len(last.rows)-1].raw.Number, err)
			}
			for i, t := range tallies {
				im.merge(len(chunks[i].rows), t)
			}
			im.settle(true)
			return len(tallies), nil
		}
		_ = tx.Rollback()
		im.settle(false)
		if !(db.IsUniqueViolation(err) || errors.Is(err, errChanged)) || attempt == 3 {
			return 0, err
		}
		if db.IsUniqueViolation(err) {
			im.freshHouses = false
		}
	}
}

// merge adds a stored chunk to the report and its keys to those seen.
func (im *importer) merge(rows int, t tally) {
	im.rep.Rows += rows
	im.rep.Created += t.created
	im.rep.Updated += t.updated
	im.rep.Unchanged += t.unchanged
	im.rep.Rejected = append(im.rep.Rejected, t.rejected...)
}

// settle ends the claims of the rows stored since the last commit: kept
// when they committed, forgotten when they were rolled back.
func (im *importer) settle(committed bool) {
	if !committed {
		for _, k := range im.claims {
			delete(im.seen, k)
		}
	}
	im.claims = im.claims[:0]
}

// store writes one chunk inside tx and returns what it did; nothing of it
// counts until tx commits.
func (im *importer) store(ctx context.Context, tx *sql.Tx, c *chunk) (tally, error) {
	var t tally
	live := make([]*prepared, 0, len(c.rows))
	for i := range c.rows {
		r := &c.rows[i]
		if r.refusal != nil {
			t.rejected = append(t.rejected, *r.refusal)
			continue
		}
		live = append(live, r)
	}
	var err error
	if im.kind == Houses {
		err = im.storeHouses(ctx, tx, live, &t)
	} else {
		err = im.storePersons(ctx, tx, live, &t)
	}
	if err != nil {
		return tally{}, err
	}
	slices.SortStableFunc(t.rejected, func(a, b RowError) int { return a.Row - b.Row })
	return t, nil
}

// claim records that row uses a natural key and reports the earlier row of
// the file that used it already, if any.
func (im *importer) claim(k naturalKey, row int) (int, bool) {
	if first, dup := im.seen[k]; dup {
		return int(first), true
	}
	im.seen[k] = int32(row)
	if !im.opts.AllOrNothing {
		im.claims = append(im.claims, k)
	}
	return 0, false
}

// refuse words a refusal for the clerk: the column as the file names it,
// personal numbers masked.
func (im *importer) refuse(row int, field, value, reason string) RowError {
	field = columnOf(field)
	if field == "id_number" {
		value = pii.MaskID(value)
	} else if field == "phone" {
		value = pii.MaskPhone(value)
	}
	return RowError{Row: row, Column: im.cols.Label(field), Value: value, Reason: reason}
}

// refuseErr turns a domain error about a row into its refusal; other
// errors are returned as they are.
func (im *importer) refuseErr(t *tally, r *prepared, err error) error {
	ref, err := im.refusalOf(r, err)
	if ref != nil {
		t.rejected = append(t.rejected, *ref)
	}
	return err
}

// refusalOf is the refusal of row r for a domain error about it, worded
// for its field; other errors, and nil, are returned as they are.
func (im *importer) refusalOf(r *prepared, err error) (*RowError, error) {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return nil, err
	}
	field, reason := "", e.Message
	if len(e.Fields) > 0 {
		field, reason = e.Fields[0].Field, e.Fields[0].Reason
	}
	ref := im.refuse(r.raw.Number, field, cellOf(im.cols, r.raw, field), reason)
	return &ref, nil
}

// prepare validates a row, and for a person seals the numbers; it runs on
// every core, so it touches nothing shared but read-only state.
func (im *importer) prepare(r *prepared) {
	if r.refusal != nil {
		return
	}
	var err error
	if im.kind == Houses {
		r.house, err = im.s.parseHouseRow(im.cols, r.raw)
		r.key = im.key(r.house.Code)
	} else {
		r.person, err = im.s.parsePersonRow(im.cols, r.raw)
		if err == nil {
			r.numbers = im.s.seal(r.person)
			r.key = im.key(r.person.idIndex)
		}
	}
	if r.refusal, err = im.refusalOf(r, err); err != nil {
		ref := im.refuse(r.raw.Number, "", "", err.Error())
		r.refusal = &ref
	}
}

// place puts the prepared rows of c in their grids, and persons in their
// houses, and makes the values each row inserts. It runs on every core,
// beside the writer: it reads only regions and houses, which an import
// never changes and nothing deletes, so a read a moment before the
// chunk's transaction finds what that transaction would. A row that
// cannot be placed is refused; an error of the database ends the import.
func (im *importer) place(ctx context.Context, c *chunk) error {
	var houses map[string]houseRef
	if im.kind == Persons {
		var err error
		if houses, err = im.housesOf(ctx, c); err != nil {
			return err
		}
	}
	q := im.s.db.Read()
	for i := range c.rows {
		r := &c.rows[i]
		if r.refusal != nil {
			continue
		}
		var err error
		if im.kind == Houses {
			if r.house.regionPath, err = im.grid(ctx, q, r.house.GridCode); err == nil {
				r.args = houseArgs(r.house, im.stamp)
			}
		} else if r.houseIDs, err = im.placePerson(ctx, q, &r.person, houses); err == nil {
			r.args = personArgs(r.person, r.numbers, r.person.regionPath, im.stamp)
		}
		if r.refusal, err = im.refusalOf(r, err); err != nil {
			return err
		}
	}
	return nil
}

// grid checks a grid code against the caller's scope, once per import.
func (im *importer) grid(ctx context.Context, q db.Querier, code string) (string, error) {
	im.gridMu.Lock()
	defer im.gridMu.Unlock()
	if g, ok := im.grids[code]; ok {
		return g.path, g.err
	}
	path, err := gridInScope(ctx, q, im.scope, code, "grid_code")
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		return "", err
	}
	im.grids[code] = gridPath{path, err}
	return path, err
}

func (im *importer) storeHouses(ctx context.Context, tx *sql.Tx, rows []*prepared, t *tally) error {
	live := rows[:0:0]
	for _, r := range rows {
		h := &r.house
		if first, dup := im.claim(r.key, r.raw.Number); dup {
			t.rejected = append(t.rejected, im.refuse(r.raw.Number, "house_code", h.Code, fmt.Sprintf("house code repeats row %d", first)))
			continue
		}
		live = append(live, r)
	}
	if im.freshHouses {
		if err := insertRows(ctx, tx, im.binds, &im.stmts, "houses", houseInsert, len(live), func(i int) []any { return live[i].args }); err != nil {
			return err
		}
		t.created += len(live)
		return im.auditCreated(ctx, tx, "house.import", "house", len(live), rows)
	}
	// New houses go in; only the stored ones are looked up, to compare.
	ids, err := insertNew(ctx, tx, im.binds, &im.stmts, newRows{table: "houses", cols: houseInsert, key: "code", n: len(live),
		keyOf: func(i int) string { return live[i].house.Code },
		args:  func(i int) []any { return live[i].args }})
	if err != nil {
		return err
	}
	t.created += len(ids)
	var known []*prepared
	codes := make([]any, 0, len(live)-len(ids))
	for _, r := range live {
		if _, ok := ids[r.house.Code]; !ok {
			known = append(known, r)
			codes = append(codes, r.house.Code)
		}
	}
	stored := make(map[string]House, len(known))
	if len(codes) > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT `+houseColumns+` FROM houses WHERE code IN `+im.binds.list(1, len(codes)), codes...)
		if err != nil {
			return fmt.Errorf("import: look up houses: %w", err)
		}
		for rows.Next() {
			h, err := scanHouse(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("import: look up houses: %w", err)
			}
			stored[h.Code] = h
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("import: look up houses: %w", err)
		}
	}
	for _, r := range known {
		old, ok := stored[r.house.Code]
		if !ok {
			return errChanged // deleted between the insert and the look-up
		}
		_, out, err := im.s.updateHouse(ctx, tx, im.p, old, im.keepStoredHouse(r.raw, r.house, old), im.now)
		if err != nil {
			if err := im.refuseErr(t, r, err); err != nil {
				return err
			}
			continue
		}
		t.count(out)
	}
	return im.auditCreated(ctx, tx, "house.import", "house", len(ids), rows)
}

func (t *tally) count(o outcome) {
	switch o {
	case created:
		t.created++
	case updated:
		t.updated++
	default:
		t.unchanged++
	}
}

// houseRef is what a person row needs of a house it names.
type houseRef struct {
	id         int64
	grid, path string
}

// housesOf looks up the houses that the prepared persons of c name.
func (im *importer) housesOf(ctx context.Context, c *chunk) (map[string]houseRef, error) {
	codes := map[string]bool{}
	for i := range c.rows {
		if r := &c.rows[i]; r.refusal == nil {
			for _, l := range r.person.in.Houses {
				codes[l.HouseCode] = true
			}
		}
	}
	return houseRefs(ctx, im.s.db.Read(), im.binds, codes)
}

func (im *importer) storePersons(ctx context.Context, tx *sql.Tx, rows []*prepared, t *tally) error {
	live := rows[:0:0]
	for _, r := range rows {
		if first, dup := im.claim(r.key, r.raw.Number); dup {
			t.rejected = append(t.rejected, im.refuse(r.raw.Number, "id_number", r.person.in.IDNumber,
				fmt.Sprintf("the same ID number is already in row %d", first)))
			continue
		}
		live = append(live, r)
	}
	if im.firstLoad {
		// Another writer builds the index again before it stores a person
		// (ensureIDNumberIndex); the load then goes on as any import.
		has, err := im.s.db.HasIndex(ctx, tx, idNumberIndex)
		if err != nil {
			return err
		}
		im.firstLoad = !has
	}
	// Most rows of an import are new: all are inserted, those whose ID number
	// is stored skipped, and only the skipped ones looked up to compare. In
	// the order of the unique index on ID numbers, whose keys are random,
	// each statement walks that index once from left to right; a first load
	// has no such index to walk.
	if !im.firstLoad {
		slices.SortFunc(live, func(a, b *prepared) int { return strings.Compare(a.person.idIndex, b.person.idIndex) })
	}
	ids, err := insertNew(ctx, tx, im.binds, &im.stmts, newRows{table: "persons", cols: personInsert,
		key: "id_number_index", scattered: true, fresh: im.firstLoad, n: len(live),
		keyOf: func(i int) string { return live[i].person.idIndex },
		args:  func(i int) []any { return live[i].args }})
	if err != nil {
		return err
	}
	fresh := make([]*prepared, 0, len(ids))
	var known []*prepared
	indexes := make([]any, 0, len(live)-len(ids))
	for _, r := range live {
		if _, ok := ids[r.person.idIndex]; ok {
			fresh = append(fresh, r)
		} else {
			known = append(known, r)
			indexes = append(indexes, r.person.idIndex)
		}
	}
	stored, err := personsByIndex(ctx, tx, im.binds, indexes)
	if err != nil {
		return err
	}
	for _, r := range known {
		old, ok := stored[r.person.idIndex]
		if !ok {
			return errChanged // deleted between the insert and the look-up
		}
		ids, err := im.keepStored(r, old, r.houseIDs)
		if err != nil {
			return err
		}
		out, err := im.s.updateStoredPerson(ctx, tx, im.p, old.person, old.houses, old.tags, r.person, ids, im.now)
		if err != nil {
			if err := im.refuseErr(t, r, err); err != nil {
				return err
			}
			continue
		}
		t.count(out)
	}
	if len(fresh) == 0 {
		return nil
	}
	type link struct {
		person, house int64
		relation      string
	}
	type tag struct {
		person int64
		Tag
	}
	var links []link
	var tags []tag
	for _, r := range fresh {
		id := ids[r.person.idIndex]
		for i, h := range r.houseIDs {
			links = append(links, link{id, h, r.person.in.Houses[i].Relation})
		}
		for _, tg := range r.person.in.Tags {
			tags = append(tags, tag{id, tg})
		}
	}
	slices.SortFunc(links, func(a, b link) int {
		if a.person != b.person {
			return int(a.person - b.person)
		}
		if a.house != b.house {
			return int(a.house - b.house)
		}
		return strings.Compare(a.relation, b.relation)
	})
	links = slices.CompactFunc(links, func(a, b link) bool { return a == b })
	if err := insertRows(ctx, tx, im.binds, &im.stmts, "person_houses", linkInsert, len(links), func(i int) []any {
		return []any{links[i].person, links[i].house, links[i].relation}
	}); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, im.binds, &im.stmts, "person_tags", tagInsert, len(tags), func(i int) []any {
		return []any{tags[i].person, tags[i].Tag.Tag, tags[i].Since, tags[i].Until}
	}); err != nil {
		return err
	}
	t.created += len(fresh)
	return im.auditCreated(ctx, tx, "person.import", "person", len(fresh), rows)
}

// filled reports whether a row gives a value for field: a column the file
// lacks, or a cell left empty, gives none.
func (im *importer) filled(row tabular.Row, field string) bool {
	return strings.TrimSpace(im.cols.Get(row, field)) != ""
}

// keepStored fills in what a row leaves out from the stored person, so that
// an import changes only what it says: a file of names and phones keeps the
// houses, tags and all else the registry holds. A file cannot give a tag's
// dates, so a tag it names keeps the stored ones; a filled tags cell is the
// person's whole set. A house the person lives at replaces the one stored
// (they moved), and the grid follows it; a house owned or rented joins the
// stored links. It returns the house IDs of the links, in their order.
func (im *importer) keepStored(r *prepared, old *storedPerson, houseIDs []int64) ([]int64, error) {
	v := &r.person
	filled := func(field string) bool { return im.filled(r.raw, field) }
	if !filled("phone") && old.person.phoneEnc != nil {
		b, err := im.s.keys.Open(old.person.phoneEnc, personContext("phone", v.idIndex))
		if err != nil {
			return nil, fmt.Errorf("import: person %d: open phone: %w", old.person.ID, err)
		}
		v.phone = string(b)
	}
	if !filled("residence_type") {
		v.in.ResidenceType = old.person.ResidenceType
	}
	if !filled("household_no") {
		v.in.HouseholdNo = old.person.HouseholdNo
	}
	if !filled("relation") {
		v.in.Relation = old.person.Relation
	}
	if !filled("tags") {
		v.in.Tags = old.tags
	} else {
		for i, t := range v.in.Tags {
			if j := slices.IndexFunc(old.tags, func(o Tag) bool { return o.Tag == t.Tag }); j >= 0 {
				v.in.Tags[i] = old.tags[j]
			}
		}
	}
	moved := len(v.in.Houses) == 1 && v.in.Houses[0].Relation == "lives"
	if !filled("grid_code") && !moved {
		v.in.GridCode, v.regionPath = old.person.GridCode, old.person.regionPath
	}
	links, ids := slices.Clone(v.in.Houses), slices.Clone(houseIDs)
	for _, l := range old.houses {
		if moved && l.Relation == "lives" || slices.ContainsFunc(links, l.same) {
			continue
		}
		links = append(links, l)
		ids = append(ids, l.houseID)
	}
	v.in.Houses = links
	return ids, nil
}

// keepStoredHouse fills in what a house row leaves out from the stored
// house, as keepStored does for persons; a house without a new location
// keeps its point, and its grid unless the row names one.
func (im *importer) keepStoredHouse(row tabular.Row, h, old House) House {
	for _, f := range []struct {
		field    string
		v        *string
		previous string
	}{
		{"estate", &h.Estate, old.Estate}, {"building", &h.Building, old.Building}, {"unit", &h.Unit, old.Unit},
		{"room", &h.Room, old.Room}, {"address", &h.Address, old.Address}, {"structure", &h.Structure, old.Structure},
	} {
		if !im.filled(row, f.field) {
			*f.v = f.previous
		}
	}
	if !im.filled(row, "usage") {
		h.Usage = old.Usage
	}
	if !im.filled(row, "floor_area_m2") {
		h.FloorAreaM2 = old.FloorAreaM2
	}
	if !im.filled(row, "lng") && !im.filled(row, "lat") {
		h.Location = old.Location
	}
	return h
}

// placePerson finds the houses a person names, in scope, and the grid the
// person belongs to; it fills the person's grid and region path.
func (im *importer) placePerson(ctx context.Context, q db.Querier, v *validated, houses map[string]houseRef) ([]int64, error) {
	ids := make([]int64, len(v.in.Houses))
	for i, l := range v.in.Houses {
		h, ok := houses[l.HouseCode]
		if !ok || !im.scope.Contains(h.path) {
			return nil, apperr.Field(fmt.Sprintf("houses[%d].house_code", i), fmt.Sprintf("house %s not found", l.HouseCode))
		}
		ids[i] = h.id
		if v.in.GridCode == "" && (l.Relation == "lives" || len(v.in.Houses) == 1) {
			v.in.GridCode = h.grid
		}
	}
	if v.in.GridCode == "" {
		return nil, apperr.Field("grid_code", "give a grid code or a house the person lives at")
	}
	path, err := im.grid(ctx, q, v.in.GridCode)
	if err != nil {
		return nil, err
	}
	v.regionPath = path
	return ids, nil
}

// auditCreated records the rows a chunk created in one entry: who, how
// many, from which file and rows. Changes are audited row by row.
func (im *importer) auditCreated(ctx context.Context, tx *sql.Tx, action, target string, n int, rows []*prepared) error {
	if n == 0 {
		return nil
	}
	_, err := audit.Append(ctx, tx, im.now, audit.Record{Actor: im.p.Actor(), Action: action, TargetType: target,
		Detail: map[string]any{"source": im.opts.Source, "created": n,
			"rows": strconv.Itoa(rows[0].raw.Number) + "-" + strconv.Itoa(rows[len(rows)-1].raw.Number)}})
	return err
}

func houseRefs(ctx context.Context, q db.Querier, b binds, codes map[string]bool) (map[string]houseRef, error) {
	out := make(map[string]houseRef, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(codes))
	for c := range codes {
		args = append(args, c)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, code, grid_code, region_path FROM houses WHERE code IN `+b.list(1, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("import: look up houses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h houseRef
		var code string
		if err := rows.Scan(&h.id, &code, &h.grid, &h.path); err != nil {
			return nil, fmt.Errorf("import: look up houses: %w", err)
		}
		out[code] = h
	}
	return out, rows.Err()
}

// storedPerson is a stored person with the links an update compares.
type storedPerson struct {
	person person
	houses []HouseLink
	tags   []Tag
}

// personsByIndex loads the stored persons with the given blind indexes.
func personsByIndex(ctx context.Context, q db.Querier, b binds, indexes []any) (map[string]*storedPerson, error) {
	out := make(map[string]*storedPerson)
	if len(indexes) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT id_number_index, `+personColumns+` FROM persons WHERE id_number_index IN `+
		b.list(1, len(indexes)), indexes...)
	if err != nil {
		return nil, fmt.Errorf("import: look up persons: %w", err)
	}
	byID := map[int64]*storedPerson{}
	for rows.Next() {
		var idx string
		p, err := scanPerson(leadingColumn{rows, &idx})
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("import: look up persons: %w", err)
		}
		sp := &storedPerson{person: p, houses: []HouseLink{}, tags: []Tag{}}
		out[idx] = sp
		byID[p.ID] = sp
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("import: look up persons: %w", err)
	}
	if len(byID) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	houses, tags, err := linksOf(ctx, q, b, ids)
	if err != nil {
		return nil, err
	}
	for id, sp := range byID {
		if h := houses[id]; h != nil {
			sp.houses = h
		}
		if t := tags[id]; t != nil {
			sp.tags = t
		}
	}
	return out, nil
}

// linksOf loads the house links and tags of many persons in two queries.
func linksOf(ctx context.Context, q db.Querier, b binds, ids []int64) (map[int64][]HouseLink, map[int64][]Tag, error) {
	houses := make(map[int64][]HouseLink, len(ids))
	tags := make(map[int64][]Tag, len(ids))
	if len(ids) == 0 {
		return houses, tags, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT ph.person_id, h.code, ph.relation, h.id FROM person_houses ph JOIN houses h ON h.id = ph.house_id
		WHERE ph.person_id IN `+b.list(1, len(args))+` ORDER BY ph.person_id, h.code, ph.relation`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("person houses: %w", err)
	}
	for rows.Next() {
		var id int64
		var l HouseLink
		if err := rows.Scan(&id, &l.HouseCode, &l.Relation, &l.houseID); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("person houses: %w", err)
		}
		houses[id] = append(houses[id], l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("person houses: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT person_id, tag, since, until FROM person_tags WHERE person_id IN `+b.list(1, len(args))+
		` ORDER BY person_id, tag`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("person tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t Tag
		if err := rows.Scan(&id, &t.Tag, &t.Since, &t.Until); err != nil {
			return nil, nil, fmt.Errorf("person tags: %w", err)
		}
		tags[id] = append(tags[id], t)
	}
	return houses, tags, rows.Err()
}

// leadingColumn scans one extra leading column before the ones a scanner expects.
type leadingColumn struct {
	rows  *sql.Rows
	first any
}

func (p leadingColumn) Scan(dest ...any) error {
	return p.rows.Scan(append([]any{p.first}, dest...)...)
}

// insertColumns names the columns of an INSERT and gives their PostgreSQL types.
type insertColumns struct {
	names string
	types []string
}

var (
	linkInsert = insertColumns{"person_id, house_id, relation", []string{"bigint", "bigint", "text"}}
	tagInsert  = insertColumns{"person_id, tag, since, until", []string{"bigint", "text", "text", "text"}}
)

// source returns what an INSERT of n rows reads: on PostgreSQL one array
// per column, unnested (one parameter per column, however many rows); on
// SQLite VALUES lists, which a statement of at most chunkInsertParams
// parameters holds. It returns the clause, its arguments and the rows taken.
func (c insertColumns) source(b binds, n int, args func(i int) []any) (string, []any, int) {
	k := len(c.types)
	if !b.positional {
		arrays := make([][]any, k)
		for j := range arrays {
			arrays[j] = make([]any, n)
		}
		for i := range n {
			for j, v := range args(i) {
				arrays[j][i] = v
			}
		}
		var sb strings.Builder
		vals := make([]any, k)
		sb.WriteString("SELECT * FROM unnest(")
		for j, t := range c.types {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "$%d::%s[]", j+1, t)
			vals[j] = arrays[j]
		}
		sb.WriteByte(')')
		return sb.String(), vals, n
	}
	n = min(n, chunkInsertParams/k)
	vals := make([]any, 0, n*k)
	for i := range n {
		vals = append(vals, args(i)...)
	}
	return "VALUES " + b.rows(n, k), vals, n
}

// insertRows inserts n rows in as few statements as the engines allow.
func insertRows(ctx context.Context, tx *sql.Tx, b binds, stmts *stmtCache, table string, c insertColumns, n int, args func(i int) []any) error {
	for start := 0; start < n; {
		src, vals, k := c.source(b, n-start, func(i int) []any { return args(start + i) })
		if _, err := stmts.exec(ctx, tx, b, `INSERT INTO `+table+` (`+c.names+`) `+src, vals...); err != nil {
			return fmt.Errorf("import: insert %s: %w", table, err)
		}
		start += k
	}
	return nil
}

// newRows describes rows to insert into a table with a unique key column.
type newRows struct {
	table string
	cols  insertColumns
	key   string // the unique column
	// scattered says the keys fall all over the key's index, as blind
	// indexes do.
	scattered bool
	// fresh says no stored row holds any of the keys, and the key has no
	// index to look them up by: the rows are inserted as they are.
	fresh bool
	n     int
	keyOf func(i int) string
	args  func(i int) []any
}

// insertNew inserts those rows whose key holds no stored value and returns
// the ids of the rows it inserted by key.
//
// Rows go many per statement, except scattered ones on SQLite: a statement
// that writes many rows and may fail halfway first copies every page it
// touches to a statement journal, to undo them, and rows of a random key
// touch a different page each. A prepared single-row INSERT needs no such
// journal, and a call into the embedded engine costs no round trip.
func insertNew(ctx context.Context, tx *sql.Tx, b binds, stmts *stmtCache, r newRows) (map[string]int64, error) {
	ids := make(map[string]int64, r.n)
	if r.n == 0 {
		return ids, nil
	}
	if b.positional && r.scattered {
		st, err := stmts.get(ctx, tx, `INSERT INTO `+r.table+` (`+r.cols.names+`) VALUES `+b.list(1, len(r.cols.types))+r.onConflict())
		if err != nil {
			return nil, fmt.Errorf("import: insert %s: %w", r.table, err)
		}
		// Without a deadline of its own a statement is not watched for
		// cancellation, which the driver does with a goroutine per call;
		// the context is checked between rows instead.
		quiet := context.WithoutCancel(ctx)
		for i := range r.n {
			if i%1000 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			res, err := st.ExecContext(quiet, r.args(i)...)
			if err != nil {
				return nil, fmt.Errorf("import: insert %s: %w", r.table, err)
			}
			if k, _ := res.RowsAffected(); k == 1 {
				id, err := res.LastInsertId()
				if err != nil {
					return nil, fmt.Errorf("import: insert %s: %w", r.table, err)
				}
				ids[r.keyOf(i)] = id
			}
		}
		return ids, nil
	}
	for start := 0; start < r.n; {
		src, vals, k := r.cols.source(b, r.n-start, func(i int) []any { return r.args(start + i) })
		rs, err := stmts.query(ctx, tx, b, `INSERT INTO `+r.table+` (`+r.cols.names+`) `+src+r.onConflict()+` RETURNING id, `+r.key, vals...)
		if err != nil {
			return nil, fmt.Errorf("import: insert %s: %w", r.table, err)
		}
		for rs.Next() {
			var id int64
			var key string
			if err := rs.Scan(&id, &key); err != nil {
				rs.Close()
				return nil, fmt.Errorf("import: insert %s: %w", r.table, err)
			}
			ids[key] = id
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("import: insert %s: %w", r.table, err)
		}
		start += k
	}
	return ids, nil
}

// onConflict is the clause that skips rows whose key is stored.
func (r newRows) onConflict() string {
	if r.fresh {
		return ""
	}
	return ` ON CONFLICT (` + r.key + `) DO NOTHING`
}

// stmtCache keeps the multi-row INSERTs prepared inside one transaction on
// SQLite, where one of thousands of parameters took as long to parse as to
// run, and a transaction runs the same one over and over. The statements
// close with their transaction; a new transaction starts a new cache.
type stmtCache struct {
	tx *sql.Tx
	m  map[string]*sql.Stmt
}

// get returns query prepared in tx.
func (c *stmtCache) get(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if c.tx != tx {
		c.tx, c.m = tx, map[string]*sql.Stmt{}
	}
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.m[query] = st
	return st, nil
}

// exec runs query in tx, prepared once per transaction on SQLite;
// PostgreSQL's driver keeps the statements of a connection prepared itself.
func (c *stmtCache) exec(ctx context.Context, tx *sql.Tx, b binds, query string, args ...any) (sql.Result, error) {
	if !b.positional {
		return tx.ExecContext(ctx, query, args...)
	}
	st, err := c.get(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// query is exec for statements that return rows.
func (c *stmtCache) query(ctx context.Context, tx *sql.Tx, b binds, query string, args ...any) (*sql.Rows, error) {
	if !b.positional {
		return tx.QueryContext(ctx, query, args...)
	}
	st, err := c.get(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// binds writes the bind parameters of generated statements: $n on
// PostgreSQL, and plain ? on SQLite, which looks every $n up among the
// statement's earlier names and so takes quadratic time on the thousands of
// parameters of a multi-row INSERT.
type binds struct{ positional bool }

func bindsFor(d *db.DB) binds { return binds{positional: d.Engine == db.SQLite} }

// list returns "($first,…,$first+n-1)".
func (b binds) list(first, n int) string {
	var sb strings.Builder
	sb.Grow(n * 6)
	sb.WriteByte('(')
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		if b.positional {
			sb.WriteByte('?')
			continue
		}
		sb.WriteByte('$')
		sb.WriteString(strconv.Itoa(first + i))
	}
	sb.WriteByte(')')
	return sb.String()
}

// rows returns the VALUES lists of rows rows of cols columns.
func (b binds) rows(rows, cols int) string {
	var sb strings.Builder
	sb.Grow(rows * cols * 7)
	for r := range rows {
		if r > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(b.list(r*cols+1, cols))
	}
	return sb.String()
}
