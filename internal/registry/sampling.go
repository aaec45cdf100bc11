package registry

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/region"
)

// Progress counts the sampled records of a round under one region. Accuracy
// is correct ÷ sampled (DESIGN.md: records confirmed correct ÷ records
// sampled), so an unchecked record counts against it until a worker confirms
// it; Checked shows how far the checks have come. Accuracy is null when
// nothing was sampled.
type Progress struct {
	Sampled  int      `json:"sampled"`
	Checked  int      `json:"checked"`
	Correct  int      `json:"correct"`
	Accuracy *float64 `json:"accuracy"`
}

func (p *Progress) rate() {
	p.Accuracy = nil
	if p.Sampled > 0 {
		v := float64(p.Correct) / float64(p.Sampled)
		p.Accuracy = &v
	}
}

func (p *Progress) add(q Progress) {
	p.Sampled += q.Sampled
	p.Checked += q.Checked
	p.Correct += q.Correct
}

// SamplingRound is one month's sampling check over a region. Its progress
// counts the items in the caller's scope (a worker sees their grids').
type SamplingRound struct {
	ID         int64     `json:"id"`
	Month      string    `json:"month"`
	RegionCode string    `json:"region_code"`
	RegionName string    `json:"region_name"`
	PerGrid    int       `json:"per_grid"`
	Seed       int64     `json:"seed"`
	CreatedAt  time.Time `json:"created_at"`
	Progress
}

// SamplingStart asks for a round: Seed 0 draws a fresh random seed, which the
// round keeps so that the draw can be repeated.
type SamplingStart struct {
	Month      string
	RegionCode string
	PerGrid    int
	Seed       int64
}

// Accuracy is the progress of a round under one region.
type Accuracy struct {
	Code  string       `json:"code"`
	Name  string       `json:"name"`
	Level region.Level `json:"level"`
	Progress
}

// Sample outcomes.
const (
	samplePending   = "pending"
	sampleCorrect   = "correct"
	sampleIncorrect = "incorrect"
)

var monthPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// MaxSeed keeps seeds exact in JSON numbers (JavaScript's safe integers).
const MaxSeed = 1<<53 - 1

// MaxPerGrid bounds the records drawn per grid and record type.
const MaxPerGrid = 50

// ErrRoundExists is in the refusal of a second round for the same region and
// month (errors.Is), so that the monthly job can take it as done.
var ErrRoundExists = errors.New("sampling round exists")

// ErrRoundOverlaps is in the refusal of a round whose region contains, or
// lies inside, the region of another round of the month: a grid is checked
// by one round a month, else its worker gets a record twice and its
// figures count twice.
var ErrRoundOverlaps = errors.New("sampling round overlaps another")

// roundConflict is the API refusal (conflict, naming region_code) that also
// matches ErrRoundExists or ErrRoundOverlaps.
type roundConflict struct {
	err  *apperr.Error
	kind error
}

func (e roundConflict) Error() string   { return e.err.Error() }
func (e roundConflict) Unwrap() []error { return []error{e.err, e.kind} }

// errRoundConflict refuses a round over code for month because of the
// round other (0 when unknown) over otherCode.
func errRoundConflict(code, month string, other int64, otherCode string) error {
	reason := fmt.Sprintf("%s already has a sampling round for %s", code, month)
	if other > 0 {
		reason += fmt.Sprintf(" (round %d)", other)
	}
	kind := ErrRoundExists
	if otherCode != code {
		reason = fmt.Sprintf("%s overlaps sampling round %d over %s for %s; a grid is checked by one round a month", code, other, otherCode, month)
		kind = ErrRoundOverlaps
	}
	return roundConflict{&apperr.Error{Code: apperr.Conflict, Message: "a sampling round of the month already covers this region",
		Fields: []apperr.FieldError{{Field: "region_code", Reason: reason}}}, kind}
}

// sampleZone is where the months of sampling begin: China Standard Time,
// as the monthly job's default.
var sampleZone = time.FixedZone("CST", 8*60*60)

// noOverlap refuses a round of the month over r when a round of the month
// is over r, over a region above it or over one below it.
func noOverlap(ctx context.Context, q db.Querier, month string, r region.Region) error {
	var id int64
	var code string
	err := q.QueryRowContext(ctx, `SELECT id, region_code FROM sampling_rounds WHERE month = $1
		AND (substr($2, 1, length(region_path)) = region_path OR substr(region_path, 1, length($2)) = $2)
		ORDER BY id LIMIT 1`, month, r.Path).Scan(&id, &code)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("sampling rounds of %s over %s: %w", month, r.Code, err)
	}
	return errRoundConflict(r.Code, month, id, code)
}

// lockMonth makes the transactions that start rounds of one month take
// turns, so that the overlap check and the insert after it are one step.
// SQLite has one writer at a time; PostgreSQL takes a lock until commit.
func (s *Service) lockMonth(ctx context.Context, tx *sql.Tx, month string) error {
	if s.db.Engine != db.Postgres {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte("sampling_rounds:" + month))
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64())); err != nil {
		return fmt.Errorf("lock sampling month %s: %w", month, err)
	}
	return nil
}

// StartSampling draws in.PerGrid persons and in.PerGrid houses from every
// grid under the region for the month, and assigns each to its grid's
// worker. A grid is checked by one round a month: a round over the region,
// over a region above it or over one below it refuses another, checked
// again under a lock of the month when the round is stored, so that several
// servers running the monthly job make one round. A month after this one is
// refused: its figures would hide this month's.
func (s *Service) StartSampling(ctx context.Context, p auth.Principal, in SamplingStart) (SamplingRound, error) {
	if !p.Can(auth.PermPIIReveal) { // center and admin run the checks
		return SamplingRound{}, apperr.New(apperr.Forbidden, "only a governance center may start a sampling check")
	}
	var fs apperr.Fields
	thisMonth := s.now().In(sampleZone).Format("2006-01")
	switch {
	case !monthPattern.MatchString(in.Month):
		fs.Add("month", "must be YYYY-MM")
	case in.Month > thisMonth:
		fs.Add("month", fmt.Sprintf("is after this month, %s", thisMonth))
	}
	if in.PerGrid < 1 || in.PerGrid > MaxPerGrid {
		fs.Add("per_grid", fmt.Sprintf("must be between 1 and %d", MaxPerGrid))
	}
	if in.Seed < 0 || in.Seed > MaxSeed {
		fs.Add("seed", fmt.Sprintf("must be between 1 and %d, or absent for a random one", int64(MaxSeed)))
	}
	if err := fs.Err(); err != nil {
		return SamplingRound{}, err
	}
	r, err := region.Lookup(ctx, s.db.Read(), in.RegionCode)
	if err != nil || !p.User.Scope().Contains(r.Path) {
		return SamplingRound{}, apperr.Field("region_code", fmt.Sprintf("region %s not found", in.RegionCode))
	}
	// Refuse early what the transaction would refuse after the whole draw.
	if err := noOverlap(ctx, s.db.Read(), in.Month, r); err != nil {
		return SamplingRound{}, err
	}
	if in.Seed == 0 {
		if in.Seed, err = randomSeed(); err != nil {
			return SamplingRound{}, err
		}
	}
	// The draw reads outside the write transaction, so that a city-wide scan
	// does not hold SQLite's writer lock.
	picks, err := s.draw(ctx, r.Path, in.Month, in.Seed, in.PerGrid)
	if err != nil {
		return SamplingRound{}, err
	}
	workers, err := s.gridWorkers(ctx)
	if err != nil {
		return SamplingRound{}, err
	}
	now := audit.Canonical(s.now())
	round := SamplingRound{Month: in.Month, RegionCode: r.Code, RegionName: r.Name, PerGrid: in.PerGrid, Seed: in.Seed, CreatedAt: now}
	round.Sampled = len(picks)
	round.rate()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockMonth(ctx, tx, in.Month); err != nil {
			return err
		}
		if err := noOverlap(ctx, tx, in.Month, r); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO sampling_rounds (month, region_code, region_path, per_grid, seed, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, in.Month, r.Code, r.Path, in.PerGrid, in.Seed, p.User.ID, now).Scan(&round.ID)
		if isUnique(err) { // a server not taking the lock yet
			return errRoundConflict(r.Code, in.Month, 0, r.Code)
		}
		if err != nil {
			return fmt.Errorf("start sampling %s %s: %w", r.Code, in.Month, err)
		}
		if err := insertItems(ctx, tx, round.ID, picks, workers); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "sampling.start", TargetType: "region", TargetID: r.Code,
			Detail: map[string]any{"round": round.ID, "month": in.Month, "per_grid": in.PerGrid, "seed": in.Seed, "items": len(picks)}})
		return err
	})
	if err != nil {
		return SamplingRound{}, err
	}
	s.published(ctx, r.Path)
	return round, nil
}

func randomSeed() (int64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("sampling seed: %w", err)
	}
	return int64(binary.BigEndian.Uint64(b[:])%MaxSeed) + 1, nil
}

// insertItems stores the drawn records in batches of multi-row inserts.
func insertItems(ctx context.Context, tx *sql.Tx, roundID int64, picks []drawn, workers map[string]int64) error {
	const batch = 400
	for start := 0; start < len(picks); start += batch {
		part := picks[start:min(start+batch, len(picks))]
		var b strings.Builder
		b.WriteString(`INSERT INTO sampling_items (round_id, record_type, record_id, grid_code, region_path, assigned_to) VALUES `)
		args := make([]any, 0, 6*len(part))
		for i, d := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6)
			var assignee any
			if id, ok := assigneeOf(d.path, workers); ok {
				assignee = id
			}
			args = append(args, roundID, d.kind, d.id, d.grid, d.path, assignee)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("store sampling items of round %d: %w", roundID, err)
		}
	}
	return nil
}

// gridWorkers maps each region code to the first active worker scoped to it.
func (s *Service) gridWorkers(ctx context.Context) (map[string]int64, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT scope_region, MIN(id) FROM users
		WHERE role = $1 AND disabled = FALSE AND scope_region IS NOT NULL GROUP BY scope_region`, string(auth.RoleWorker))
	if err != nil {
		return nil, fmt.Errorf("grid workers: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var code string
		var id int64
		if err := rows.Scan(&code, &id); err != nil {
			return nil, fmt.Errorf("grid workers: %w", err)
		}
		out[code] = id
	}
	return out, rows.Err()
}

// assigneeOf is the grid's worker, or else the worker of the nearest region
// above the grid (a village worker covering several grids).
func assigneeOf(path string, workers map[string]int64) (int64, bool) {
	codes := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(codes) - 1; i >= 0; i-- {
		if id, ok := workers[codes[i]]; ok {
			return id, true
		}
	}
	return 0, false
}

// SamplingRoundQuery filters ListSamplingRounds. Before continues a list
// after its last round (rounds come newest first).
type SamplingRoundQuery struct {
	Month  string
	Region string
	Before int64
	Limit  int
}

// ListSamplingRounds lists the rounds that reach into the caller's scope (or
// the region they name), newest first, with the progress of the items inside
// it; it returns the id to continue from when more follow.
func (s *Service) ListSamplingRounds(ctx context.Context, p auth.Principal, q SamplingRoundQuery) ([]SamplingRound, int64, error) {
	if err := s.requireRead(p); err != nil {
		return nil, 0, err
	}
	if q.Month != "" && !monthPattern.MatchString(q.Month) {
		return nil, 0, apperr.Field("month", "must be YYYY-MM")
	}
	scope, err := s.narrow(ctx, p, q.Region)
	if err != nil {
		return nil, 0, err
	}
	lo, hi := scope.Range()
	if lo == "" {
		return []SamplingRound{}, 0, nil
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 200)
	args := []any{lo, hi, q.Month, q.Before, q.Limit + 1}
	// A round over a region above the scope (the city's round, seen by a
	// township) reaches into it too.
	var above string
	if path := scope.Path(); path != "" {
		parts := strings.Split(strings.Trim(path, "/"), "/")
		var marks []string
		for i := 1; i < len(parts); i++ {
			args = append(args, "/"+strings.Join(parts[:i], "/")+"/")
			marks = append(marks, "$"+strconv.Itoa(len(args)))
		}
		if len(marks) > 0 {
			above = " OR r.region_path IN (" + strings.Join(marks, ", ") + ")"
		}
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT r.id, r.month, r.region_code, g.name, r.per_grid, r.seed, r.created_at,
		COUNT(i.id),
		COALESCE(SUM(CASE WHEN i.status <> 'pending' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN i.status = 'correct' THEN 1 ELSE 0 END), 0)
		FROM sampling_rounds r
		JOIN regions g ON g.code = r.region_code
		LEFT JOIN sampling_items i ON i.round_id = r.id AND i.region_path >= $1 AND i.region_path < $2
		WHERE ((r.region_path >= $1 AND r.region_path < $2)`+above+`) AND (r.month = $3 OR $3 = '') AND (r.id < $4 OR $4 = 0)
		GROUP BY r.id, r.month, r.region_code, g.name, r.per_grid, r.seed, r.created_at
		ORDER BY r.id DESC LIMIT $5`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list sampling rounds: %w", err)
	}
	defer rows.Close()
	out := []SamplingRound{}
	for rows.Next() {
		var r SamplingRound
		if err := rows.Scan(&r.ID, &r.Month, &r.RegionCode, &r.RegionName, &r.PerGrid, &r.Seed, &r.CreatedAt,
			&r.Sampled, &r.Checked, &r.Correct); err != nil {
			return nil, 0, fmt.Errorf("list sampling rounds: %w", err)
		}
		r.CreatedAt = r.CreatedAt.UTC()
		r.rate()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list sampling rounds: %w", err)
	}
	var next int64
	if len(out) > q.Limit {
		out = out[:q.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// loadRound returns a round that reaches into the scope; any other is not found.
func loadRound(ctx context.Context, q db.Querier, scope region.Scope, id int64) (SamplingRound, string, error) {
	var r SamplingRound
	var path string
	err := q.QueryRowContext(ctx, `SELECT r.id, r.month, r.region_code, g.name, r.per_grid, r.seed, r.created_at, r.region_path
		FROM sampling_rounds r JOIN regions g ON g.code = r.region_code WHERE r.id = $1`, id).
		Scan(&r.ID, &r.Month, &r.RegionCode, &r.RegionName, &r.PerGrid, &r.Seed, &r.CreatedAt, &path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && scope.Narrow(path) == region.None()) {
		return SamplingRound{}, "", apperr.New(apperr.NotFound, "sampling round not found")
	}
	if err != nil {
		return SamplingRound{}, "", fmt.Errorf("load sampling round %d: %w", id, err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, path, nil
}

// SamplingAccuracy reports a round's progress under a region (first) and
// under each of its children in the caller's scope, so that the accuracy can
// be followed from the city down to every grid. An empty regionCode means
// the round's region, or the caller's own area when that lies inside it.
func (s *Service) SamplingAccuracy(ctx context.Context, p auth.Principal, roundID int64, regionCode string) ([]Accuracy, error) {
	if err := s.requireRead(p); err != nil {
		return nil, err
	}
	scope := p.User.Scope()
	round, roundPath, err := loadRound(ctx, s.db.Read(), scope, roundID)
	if err != nil {
		return nil, err
	}
	if regionCode == "" {
		regionCode = round.RegionCode
		if !scope.Contains(roundPath) {
			regionCode = lastCode(scope.Path())
		}
	}
	parent, err := region.Lookup(ctx, s.db.Read(), regionCode)
	if err != nil || !scope.Contains(parent.Path) {
		return nil, apperr.Field("region", fmt.Sprintf("region %s not found", regionCode))
	}
	kids, err := region.NewStore(s.db, s.now).Children(ctx, scope, parent.Code)
	if err != nil {
		return nil, err
	}
	// One grouped scan of the parent's items, summed into each child by path.
	lo, hi := region.Under(parent.Path).Range()
	rows, err := s.db.Read().QueryContext(ctx, `SELECT region_path, COUNT(*),
		COALESCE(SUM(CASE WHEN status <> 'pending' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'correct' THEN 1 ELSE 0 END), 0)
		FROM sampling_items WHERE round_id = $1 AND region_path >= $2 AND region_path < $3
		GROUP BY region_path`, roundID, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("sampling accuracy of round %d: %w", roundID, err)
	}
	defer rows.Close()
	out := make([]Accuracy, 1+len(kids))
	out[0] = Accuracy{Code: parent.Code, Name: parent.Name, Level: parent.Level}
	for i, k := range kids {
		out[1+i] = Accuracy{Code: k.Code, Name: k.Name, Level: k.Level}
	}
	for rows.Next() {
		var path string
		var g Progress
		if err := rows.Scan(&path, &g.Sampled, &g.Checked, &g.Correct); err != nil {
			return nil, fmt.Errorf("sampling accuracy of round %d: %w", roundID, err)
		}
		out[0].add(g)
		for i, k := range kids {
			if strings.HasPrefix(path, k.Path) {
				out[1+i].add(g)
				break
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sampling accuracy of round %d: %w", roundID, err)
	}
	for i := range out {
		out[i].rate()
	}
	return out, nil
}

// lastCode is the code of the region a path ends at.
func lastCode(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	return parts[len(parts)-1]
}
