package workforce

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
)

// Limits of a patrol track. A phone sampling every 5 seconds fills 1,000
// points in 80 minutes and 20,000 in a long working day; beyond that a
// client is broken or hostile, and the track is refused rather than stored.
const (
	MaxBatchPoints  = 1000
	MaxPatrolPoints = 20000
	// MaxSpeedKmh is the fastest a worker can move between two points: a
	// car on an urban expressway, not a GPS jump across the city.
	MaxSpeedKmh = 200
	// coverCellM is the side of a coverage cell and coverReachM how near
	// the track a cell's centre must lie to count as visited.
	coverCellM  = 50
	coverReachM = 30
	// maxCoverCells bounds the raster of a very large (rural) grid: the
	// cells grow instead.
	maxCoverCells = 400000
	// EarlyFixLimit is how long before a patrol's start the first points of
	// its track may be and be dropped rather than refused: a phone hands
	// back the last fix it had, taken a few seconds before the worker
	// tapped start, and its clock and the GPS's may differ by as much.
	// Points earlier than that are not from this patrol.
	EarlyFixLimit = time.Minute
)

// Patrol is a worker's tracked walk of a grid (巡查), as a summary; the
// track itself is read separately and only by the worker and supervisors.
type Patrol struct {
	ID         int64      `json:"id"`
	WorkerID   int64      `json:"worker_id"`
	DeviceID   string     `json:"device_id"`
	GridCode   string     `json:"grid_code"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Batches    int        `json:"batches"`
	Points     int        `json:"points"`
	DistanceM  float64    `json:"distance_m"`
	DurationS  int64      `json:"duration_s"`
	// Coverage is the share of the grid's ~50 m cells passed within 30 m,
	// set when the patrol is finished (null without a grid boundary).
	Coverage      *float64   `json:"coverage"`
	CoveredCells  int        `json:"covered_cells"`
	GridCells     int        `json:"grid_cells"`
	CellM         float64    `json:"cell_m"`
	TrackPurgedAt *time.Time `json:"track_purged_at,omitempty"`

	regionPath string
	userID     *int64
	lastAt     *time.Time
	last       *orb.Point
}

// TrackPoint is one GPS fix as the device sends it.
type TrackPoint struct {
	Lng       *float64 `json:"lng"`
	Lat       *float64 `json:"lat"`
	At        string   `json:"at"`
	AccuracyM *float64 `json:"accuracy_m"`
}

// PointBatch is a batch of fixes. Seq counts batches of a patrol from 1;
// a phone resending a batch it is unsure about sends the same seq.
type PointBatch struct {
	Seq    int          `json:"seq"`
	CRS    string       `json:"crs"`
	Points []TrackPoint `json:"points"`
}

// BatchAck is the answer to a batch: Duplicate when the batch had already
// been stored, in which case nothing was added. Dropped counts the leading
// points taken before the patrol started (within EarlyFixLimit), which are
// not part of its track.
type BatchAck struct {
	PatrolID  int64   `json:"patrol_id"`
	Seq       int     `json:"seq"`
	Accepted  int     `json:"accepted"`
	Dropped   int     `json:"dropped"`
	Duplicate bool    `json:"duplicate"`
	Points    int     `json:"points"`
	DistanceM float64 `json:"distance_m"`
}

// Fix is a stored point of a track (WGS-84).
type Fix struct {
	Lng       float64   `json:"lng"`
	Lat       float64   `json:"lat"`
	At        time.Time `json:"at"`
	AccuracyM *float64  `json:"accuracy_m,omitempty"`
}

// Track is a patrol with its points.
type Track struct {
	Patrol Patrol `json:"patrol"`
	Points []Fix  `json:"points"`
}

// StartPatrol opens a patrol from a verified device at the worker's
// location, which must be in (or within the tolerance of) one of their
// grids; the patrol counts for that grid. One patrol is open at a time.
func (s *Service) StartPatrol(ctx context.Context, c DeviceCaller, in CheckInput) (Patrol, error) {
	now := audit.Canonical(s.now())
	pt, at, _, err := s.checkInput(c, in, now)
	if err != nil {
		return Patrol{}, err
	}
	w, err := s.getWorker(ctx, s.db.Read(), c.WorkerID)
	if err != nil {
		return Patrol{}, err
	}
	pl, err := s.place(ctx, w.Grids, pt)
	if err != nil {
		return Patrol{}, err
	}
	var path string
	for _, g := range w.Grids {
		if g.GridCode == pl.grid {
			path = g.path
		}
	}
	if path == "" {
		if err := s.db.Read().QueryRowContext(ctx, `SELECT path FROM regions WHERE code = $1`, pl.grid).Scan(&path); err != nil {
			return Patrol{}, fmt.Errorf("start patrol: grid %s: %w", pl.grid, err)
		}
	}
	p := Patrol{WorkerID: w.ID, DeviceID: c.DeviceID, GridCode: pl.grid, StartedAt: at, regionPath: path}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var started time.Time
		err := tx.QueryRowContext(ctx, `SELECT id, started_at FROM patrols WHERE device_id = $1 AND start_key = $2`, c.deviceRow, c.IdempotencyKey).Scan(&id, &started)
		switch {
		case err == nil:
			return &apperr.Error{Code: apperr.Conflict, Message: "a replayed request was refused",
				Fields: []apperr.FieldError{{Field: "Idempotency-Key", Reason: fmt.Sprintf("was already used to start patrol %d at %s; no new patrol was started",
					id, started.UTC().Format(time.RFC3339))}}}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("start patrol: %w", err)
		}
		err = tx.QueryRowContext(ctx, `SELECT id, started_at FROM patrols WHERE worker_id = $1 AND finished_at IS NULL`, w.ID).Scan(&id, &started)
		switch {
		case err == nil:
			return &apperr.Error{Code: apperr.Conflict, Message: "a patrol is already open",
				Fields: []apperr.FieldError{{Field: "patrol", Reason: fmt.Sprintf("patrol %d, started at %s, is still open; finish it first",
					id, started.UTC().Format(time.RFC3339))}}}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("start patrol: %w", err)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO patrols (worker_id, device_id, grid_code, region_path, start_key, started_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, w.ID, c.deviceRow, pl.grid, path, c.IdempotencyKey, at).Scan(&p.ID)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "a patrol was started by a concurrent request; this one was not")
		}
		if err != nil {
			return fmt.Errorf("start patrol: %w", err)
		}
		return nil
	})
	s.published(ctx, err, p.regionPath)
	return p, err
}

const patrolColumns = `p.id, p.worker_id, d.device_id, p.grid_code, p.region_path, p.started_at, p.finished_at, p.batches, p.points,
	p.distance_m, p.last_lng, p.last_lat, p.last_at, p.coverage, p.covered_cells, p.grid_cells, p.cell_m, p.track_purged_at, w.user_id`

const patrolFrom = ` FROM patrols p JOIN worker_devices d ON d.id = p.device_id JOIN workers w ON w.id = p.worker_id`

func scanPatrol(row interface{ Scan(...any) error }) (Patrol, error) {
	var p Patrol
	var finished, lastAt, purged sql.NullTime
	var lng, lat, coverage sql.NullFloat64
	var user sql.NullInt64
	err := row.Scan(&p.ID, &p.WorkerID, &p.DeviceID, &p.GridCode, &p.regionPath, &p.StartedAt, &finished, &p.Batches, &p.Points,
		&p.DistanceM, &lng, &lat, &lastAt, &coverage, &p.CoveredCells, &p.GridCells, &p.CellM, &purged, &user)
	if err != nil {
		return p, err
	}
	p.StartedAt = p.StartedAt.UTC()
	if finished.Valid {
		t := finished.Time.UTC()
		p.FinishedAt = &t
		p.DurationS = int64(t.Sub(p.StartedAt) / time.Second)
	}
	if lastAt.Valid {
		t := lastAt.Time.UTC()
		p.lastAt = &t
	}
	if lng.Valid && lat.Valid {
		p.last = &orb.Point{lng.Float64, lat.Float64}
	}
	if coverage.Valid {
		p.Coverage = &coverage.Float64
	}
	if purged.Valid {
		t := purged.Time.UTC()
		p.TrackPurgedAt = &t
	}
	if user.Valid {
		p.userID = &user.Int64
	}
	p.DistanceM = math.Round(p.DistanceM*10) / 10
	return p, nil
}

func loadPatrol(ctx context.Context, q db.Querier, id int64) (Patrol, error) {
	p, err := scanPatrol(q.QueryRowContext(ctx, `SELECT `+patrolColumns+patrolFrom+` WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Patrol{}, apperr.New(apperr.NotFound, "patrol not found")
	}
	if err != nil {
		return Patrol{}, fmt.Errorf("load patrol %d: %w", id, err)
	}
	return p, nil
}

// devicePatrol loads a patrol of the device's worker; another worker's
// patrol is not found.
func devicePatrol(ctx context.Context, q db.Querier, c DeviceCaller, id int64) (Patrol, error) {
	p, err := loadPatrol(ctx, q, id)
	if err == nil && p.WorkerID != c.WorkerID {
		err = apperr.New(apperr.NotFound, "patrol not found")
	}
	return p, err
}

// fix is a validated point.
type fix struct {
	pt  orb.Point
	at  time.Time
	acc float64 // NaN when not given
}

const fixSize = 8 + 8 + 8 + 4

// encodeFixes packs points compactly: lng, lat, Unix milliseconds, accuracy.
func encodeFixes(fs []fix) []byte {
	b := make([]byte, 0, len(fs)*fixSize)
	for _, f := range fs {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(f.pt[0]))
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(f.pt[1]))
		b = binary.BigEndian.AppendUint64(b, uint64(f.at.UnixMilli()))
		b = binary.BigEndian.AppendUint32(b, math.Float32bits(float32(f.acc)))
	}
	return b
}

func decodeFixes(b []byte) ([]fix, error) {
	if len(b)%fixSize != 0 {
		return nil, fmt.Errorf("track batch of %d bytes is not whole points", len(b))
	}
	out := make([]fix, 0, len(b)/fixSize)
	for len(b) > 0 {
		f := fix{pt: orb.Point{math.Float64frombits(binary.BigEndian.Uint64(b)), math.Float64frombits(binary.BigEndian.Uint64(b[8:]))},
			at:  time.UnixMilli(int64(binary.BigEndian.Uint64(b[16:]))).UTC(),
			acc: float64(math.Float32frombits(binary.BigEndian.Uint32(b[24:])))}
		out = append(out, f)
		b = b[fixSize:]
	}
	return out, nil
}

func batchContext(patrolID int64, seq int) string {
	return "patrol:" + strconv.FormatInt(patrolID, 10) + ":batch:" + strconv.Itoa(seq)
}

// parseBatch checks the form of every point of a batch: coordinates,
// times, accuracy and nothing in the future. Order and speed are checked
// against the stored track later.
func (s *Service) parseBatch(in PointBatch, now time.Time) ([]fix, error) {
	var fs apperr.Fields
	if in.Seq < 1 {
		fs.Add("seq", "must be the batch's number, counting from 1")
	}
	crs := geo.WGS84
	if in.CRS != "" {
		var err error
		if crs, err = geo.ParseCRS(in.CRS); err != nil {
			fs.Add("crs", err.Error())
		}
	}
	switch n := len(in.Points); {
	case n == 0:
		fs.Add("points", "must hold at least one point")
	case n > MaxBatchPoints:
		fs.Add("points", fmt.Sprintf("holds %d points; a batch holds at most %d, so send the track in several batches", n, MaxBatchPoints))
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	out := make([]fix, 0, len(in.Points))
	for i, p := range in.Points {
		field := fmt.Sprintf("points[%d]", i)
		if p.Lng == nil || p.Lat == nil {
			fs.Add(field, "needs lng and lat")
			continue
		}
		if err := geo.ValidatePoint(*p.Lng, *p.Lat, crs); err != nil {
			fs.Add(field, err.Error())
			continue
		}
		g, err := geo.ToWGS84(crs, orb.Point{*p.Lng, *p.Lat})
		if err != nil {
			fs.Add(field, err.Error())
			continue
		}
		at, err := time.Parse(time.RFC3339, p.At)
		switch {
		case err != nil:
			fs.Add(field+".at", "must be an RFC 3339 time such as 2026-06-01T08:30:00.5+08:00")
			continue
		case at.After(now.Add(s.cfg.ClockSkew)):
			fs.Add(field+".at", fmt.Sprintf("is in the future (%s ahead of the server clock); set the phone's clock", at.Sub(now).Round(time.Second)))
			continue
		}
		f := fix{pt: g.(orb.Point), at: at.UTC().Truncate(time.Millisecond), acc: math.NaN()}
		if p.AccuracyM != nil {
			if *p.AccuracyM < 0 || *p.AccuracyM > 10000 || math.IsNaN(*p.AccuracyM) {
				fs.Add(field+".accuracy_m", "must be between 0 and 10000 metres")
				continue
			}
			f.acc = *p.AccuracyM
		}
		out = append(out, f)
		if len(fs) >= 20 {
			break // enough to show what is wrong
		}
	}
	return out, fs.Err()
}

// checkTrack checks that the points follow on from the stored track (prev,
// nil for the first batch) in time and at a possible speed, and returns
// the points kept and the distance they add. Points before the start are
// dropped while no point of the track is kept yet and they are at most
// EarlyFixLimit early; any other point before the start refuses the batch.
func checkTrack(p Patrol, prevBatch int, fixes []fix) ([]fix, float64, error) {
	var fs apperr.Fields
	var prev *fix
	if p.last != nil && p.lastAt != nil {
		prev = &fix{pt: *p.last, at: *p.lastAt}
	}
	kept := fixes[:0:0]
	dist := 0.0
	for i := range fixes {
		f := &fixes[i]
		field := fmt.Sprintf("points[%d]", i)
		if f.at.Before(p.StartedAt) {
			if prev == nil && p.StartedAt.Sub(f.at) <= EarlyFixLimit {
				continue
			}
			fs.Add(field+".at", fmt.Sprintf("is before the patrol started at %s", p.StartedAt.Format(time.RFC3339)))
			break
		}
		if prev != nil {
			if !f.at.After(prev.at) {
				what := fmt.Sprintf("the previous point (points[%d], %s)", i-1, prev.at.Format(time.RFC3339Nano))
				if len(kept) == 0 {
					what = fmt.Sprintf("the last point of batch %d (%s)", prevBatch, prev.at.Format(time.RFC3339Nano))
				}
				fs.Add(field+".at", "is not after "+what+"; points go in time order")
				break
			}
			d := geo.DistanceM(prev.pt, f.pt)
			secs := f.at.Sub(prev.at).Seconds()
			if kmh := d / secs * 3.6; kmh > MaxSpeedKmh {
				fs.Add(field, fmt.Sprintf("is %.0f m from the previous point in %.1f s, %.0f km/h; over %d km/h is a GPS jump, not a patrol",
					d, secs, kmh, MaxSpeedKmh))
				break
			}
			dist += d
		}
		kept = append(kept, *f)
		prev = f
	}
	return kept, dist, fs.Err()
}

// AddPoints stores a batch of a patrol's track from the worker's device.
// Batches come in order (seq = stored batches + 1). A batch already stored
// (the same seq and points, as a phone resends when unsure) is
// acknowledged as a duplicate and adds nothing; a refused batch stores
// nothing.
func (s *Service) AddPoints(ctx context.Context, c DeviceCaller, patrolID int64, in PointBatch) (BatchAck, error) {
	if c.IdempotencyKey == "" {
		return BatchAck{}, apperr.Field("Idempotency-Key", "is required: a fresh key for each batch, the same one when retrying it")
	}
	now := audit.Canonical(s.now())
	fixes, err := s.parseBatch(in, now)
	if err != nil {
		return BatchAck{}, err
	}
	enc := encodeFixes(fixes)
	sum := sha256.Sum256(enc)
	content := hex.EncodeToString(sum[:])
	ack := BatchAck{PatrolID: patrolID, Seq: in.Seq}
	var path string
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := stillBound(ctx, tx, c); err != nil {
			return err
		}
		p, err := devicePatrol(ctx, tx, c, patrolID)
		if err != nil {
			return err
		}
		path = p.regionPath
		ack.Points, ack.DistanceM = p.Points, p.DistanceM
		rows, err := tx.QueryContext(ctx, `SELECT seq, idempotency_key, content FROM patrol_batches WHERE patrol_id = $1 AND (seq = $2 OR idempotency_key = $3)`,
			p.ID, in.Seq, c.IdempotencyKey)
		if err != nil {
			return fmt.Errorf("patrol %d batches: %w", p.ID, err)
		}
		type stored struct {
			seq          int
			key, content string
		}
		var got []stored
		for rows.Next() {
			var b stored
			if err := rows.Scan(&b.seq, &b.key, &b.content); err != nil {
				rows.Close()
				return fmt.Errorf("patrol %d batches: %w", p.ID, err)
			}
			got = append(got, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("patrol %d batches: %w", p.ID, err)
		}
		for _, b := range got {
			switch {
			case b.seq == in.Seq && b.content == content:
				ack.Duplicate = true
				return nil
			case b.seq == in.Seq:
				return &apperr.Error{Code: apperr.Conflict, Message: "the batch was already stored with other points",
					Fields: []apperr.FieldError{{Field: "seq", Reason: fmt.Sprintf("batch %d of patrol %d was already stored with different points; send the next batch as %d",
						in.Seq, p.ID, p.Batches+1)}}}
			default:
				return &apperr.Error{Code: apperr.Conflict, Message: "a replayed request was refused",
					Fields: []apperr.FieldError{{Field: "Idempotency-Key", Reason: fmt.Sprintf("was already used for batch %d of patrol %d; nothing was stored", b.seq, p.ID)}}}
			}
		}
		if p.FinishedAt != nil {
			return &apperr.Error{Code: apperr.Conflict, Message: "the patrol is finished",
				Fields: []apperr.FieldError{{Field: "patrol", Reason: fmt.Sprintf("patrol %d was finished at %s; start a new one", p.ID, p.FinishedAt.Format(time.RFC3339))}}}
		}
		if in.Seq != p.Batches+1 {
			return apperr.Field("seq", fmt.Sprintf("is %d but %d batches are stored; send batch %d next", in.Seq, p.Batches, p.Batches+1))
		}
		if total := p.Points + len(fixes); total > MaxPatrolPoints {
			return apperr.Field("points", fmt.Sprintf("would bring the patrol to %d points; a patrol holds at most %d, so finish it and start another", total, MaxPatrolPoints))
		}
		kept, dist, err := checkTrack(p, p.Batches, fixes)
		if err != nil {
			return err
		}
		// The batch is stored even when all its points were dropped, so
		// that its seq is taken and a resend is known as one.
		_, err = tx.ExecContext(ctx, `INSERT INTO patrol_batches (patrol_id, seq, idempotency_key, content, n, points, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, in.Seq, c.IdempotencyKey, content, len(kept), s.cfg.Keys.Seal(encodeFixes(kept), batchContext(p.ID, in.Seq)), now)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "batch %d was stored by a concurrent request; this one was not counted", in.Seq)
		}
		if err != nil {
			return fmt.Errorf("store batch %d of patrol %d: %w", in.Seq, p.ID, err)
		}
		var res sql.Result
		if len(kept) == 0 {
			res, err = tx.ExecContext(ctx, `UPDATE patrols SET batches = batches + 1 WHERE id = $1 AND batches = $2 AND finished_at IS NULL`, p.ID, p.Batches)
		} else {
			last := kept[len(kept)-1]
			res, err = tx.ExecContext(ctx, `UPDATE patrols SET batches = batches + 1, points = points + $1, distance_m = distance_m + $2,
			last_lng = $3, last_lat = $4, last_at = $5 WHERE id = $6 AND batches = $7 AND finished_at IS NULL`,
				len(kept), dist, last.pt[0], last.pt[1], last.at, p.ID, p.Batches)
		}
		if err != nil {
			return fmt.Errorf("patrol %d totals: %w", p.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "patrol %d changed during the upload; send the batch again", p.ID)
		}
		ack.Accepted, ack.Dropped = len(kept), len(fixes)-len(kept)
		ack.Points, ack.DistanceM = p.Points+len(kept), math.Round((p.DistanceM+dist)*10)/10
		return nil
	})
	s.published(ctx, err, path)
	return ack, err
}

// FinishPatrol closes a patrol of the device's worker and computes its
// grid coverage from the whole track.
func (s *Service) FinishPatrol(ctx context.Context, c DeviceCaller, patrolID int64) (Patrol, error) {
	if c.IdempotencyKey == "" {
		return Patrol{}, apperr.Field("Idempotency-Key", "is required")
	}
	now := audit.Canonical(s.now())
	p, err := devicePatrol(ctx, s.db.Read(), c, patrolID)
	if err != nil {
		return Patrol{}, err
	}
	if p.FinishedAt != nil {
		return Patrol{}, &apperr.Error{Code: apperr.Conflict, Message: "the patrol is already finished",
			Fields: []apperr.FieldError{{Field: "patrol", Reason: fmt.Sprintf("patrol %d was finished at %s", p.ID, p.FinishedAt.Format(time.RFC3339))}}}
	}
	fixes, err := s.trackOf(ctx, s.db.Read(), p.ID)
	if err != nil {
		return Patrol{}, err
	}
	mp, err := s.cfg.Boundaries.Boundary(ctx, p.GridCode)
	if err != nil {
		return Patrol{}, fmt.Errorf("boundary of grid %s: %w", p.GridCode, err)
	}
	var coverage any
	cv := Cover(mp, pointsOf(fixes))
	if cv.GridCells > 0 {
		coverage = cv.Share()
	}
	finished := now
	if p.lastAt != nil && p.lastAt.After(finished) {
		finished = *p.lastAt // a point within the clock skew ahead
	}
	res, err := s.db.Write().ExecContext(ctx, `UPDATE patrols SET finished_at = $1, coverage = $2, covered_cells = $3, grid_cells = $4, cell_m = $5
		WHERE id = $6 AND finished_at IS NULL AND batches = $7`, finished, coverage, cv.Covered, cv.GridCells, cv.CellM, p.ID, p.Batches)
	if err != nil {
		return Patrol{}, fmt.Errorf("finish patrol %d: %w", p.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Patrol{}, apperr.New(apperr.Conflict, "patrol %d changed while it was being finished; try again", p.ID)
	}
	s.published(ctx, nil, p.regionPath)
	return loadPatrol(ctx, s.db.Read(), p.ID)
}

func pointsOf(fs []fix) []orb.Point {
	out := make([]orb.Point, len(fs))
	for i, f := range fs {
		out[i] = f.pt
	}
	return out
}

// trackOf decodes the stored points of a patrol in order.
func (s *Service) trackOf(ctx context.Context, q db.Querier, patrolID int64) ([]fix, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, points FROM patrol_batches WHERE patrol_id = $1 ORDER BY seq`, patrolID)
	if err != nil {
		return nil, fmt.Errorf("track of patrol %d: %w", patrolID, err)
	}
	defer rows.Close()
	var out []fix
	for rows.Next() {
		var seq int
		var sealed []byte
		if err := rows.Scan(&seq, &sealed); err != nil {
			return nil, fmt.Errorf("track of patrol %d: %w", patrolID, err)
		}
		plain, err := s.cfg.Keys.Open(sealed, batchContext(patrolID, seq))
		if err != nil {
			return nil, fmt.Errorf("track of patrol %d batch %d: %w", patrolID, seq, err)
		}
		fs, err := decodeFixes(plain)
		if err != nil {
			return nil, fmt.Errorf("track of patrol %d batch %d: %w", patrolID, seq, err)
		}
		out = append(out, fs...)
	}
	return out, rows.Err()
}

// Coverage is how much of a grid a track passed.
type Coverage struct {
	Covered   int     `json:"covered_cells"`
	GridCells int     `json:"grid_cells"`
	CellM     float64 `json:"cell_m"`
}

// Share is the covered share of the grid's cells (0 for no cells).
func (c Coverage) Share() float64 {
	if c.GridCells == 0 {
		return 0
	}
	return math.Round(float64(c.Covered)/float64(c.GridCells)*10000) / 10000
}

// Cover rasterises the grid's bounding box into cells of about 50 m (larger
// for a very large grid), keeps those whose centre lies inside the grid,
// and counts the ones whose centre is within 30 m of the track. Distances
// are taken in a plane tangent at the grid's centre, which over a grid's
// few kilometres is within a fraction of a percent.
func Cover(mp orb.MultiPolygon, track []orb.Point) Coverage {
	return newRaster(mp).cover(track)
}

// raster is a grid's cells with the ones inside it marked. It depends on the
// grid alone, so a bulk load reuses it for every patrol of the grid.
type raster struct {
	b          orb.Bound
	kx, ky     float64
	cell       float64
	nx, ny     int
	inside     []bool
	gridCells  int
	hasOutline bool
}

func newRaster(mp orb.MultiPolygon) *raster {
	if len(mp) == 0 {
		return &raster{}
	}
	b := mp.Bound()
	const mPerDeg = 111320.0
	ky := mPerDeg
	kx := mPerDeg * math.Cos(b.Center()[1]*math.Pi/180)
	w, h := (b.Max[0]-b.Min[0])*kx, (b.Max[1]-b.Min[1])*ky
	cell := float64(coverCellM)
	for math.Ceil(w/cell)*math.Ceil(h/cell) > maxCoverCells {
		cell *= 1.5
	}
	nx, ny := max(1, int(math.Ceil(w/cell))), max(1, int(math.Ceil(h/cell)))
	r := &raster{b: b, kx: kx, ky: ky, cell: cell, nx: nx, ny: ny, inside: make([]bool, nx*ny), hasOutline: true}
	// A scanline per row of cell centres: the crossings of the row with
	// every ring, in order, bound the runs of centres inside (even-odd, so
	// holes fall out), which costs rows × edges instead of cells × edges.
	var xs []float64
	for j := 0; j < ny; j++ {
		y := b.Min[1] + (float64(j)+0.5)*cell/ky
		xs = xs[:0]
		for _, poly := range mp {
			for _, ring := range poly {
				for k := 0; k+1 < len(ring); k++ {
					a, c := ring[k], ring[k+1]
					if (a[1] > y) != (c[1] > y) {
						xs = append(xs, a[0]+(y-a[1])*(c[0]-a[0])/(c[1]-a[1]))
					}
				}
			}
		}
		slices.Sort(xs)
		right := 0 // crossings at or left of the centre
		for i := 0; i < nx; i++ {
			x := b.Min[0] + (float64(i)+0.5)*cell/kx
			for right < len(xs) && xs[right] <= x {
				right++
			}
			if (len(xs)-right)%2 == 1 {
				r.inside[j*nx+i] = true
				r.gridCells++
			}
		}
	}
	return r
}

// cover counts the cells of the raster the track passed.
func (r *raster) cover(track []orb.Point) Coverage {
	if !r.hasOutline {
		return Coverage{}
	}
	b, kx, ky, cell, nx, ny, inside := r.b, r.kx, r.ky, r.cell, r.nx, r.ny, r.inside
	out := Coverage{CellM: math.Round(cell*10) / 10, GridCells: r.gridCells}
	local := func(p orb.Point) (float64, float64) { return (p[0] - b.Min[0]) * kx, (p[1] - b.Min[1]) * ky }
	seen := make([]bool, nx*ny)
	mark := func(ax, ay, bx, by float64) {
		i0 := max(0, int(math.Floor((math.Min(ax, bx)-coverReachM)/cell)))
		i1 := min(nx-1, int(math.Floor((math.Max(ax, bx)+coverReachM)/cell)))
		j0 := max(0, int(math.Floor((math.Min(ay, by)-coverReachM)/cell)))
		j1 := min(ny-1, int(math.Floor((math.Max(ay, by)+coverReachM)/cell)))
		dx, dy := bx-ax, by-ay
		l2 := dx*dx + dy*dy
		for j := j0; j <= j1; j++ {
			for i := i0; i <= i1; i++ {
				k := j*nx + i
				if seen[k] || !inside[k] {
					continue
				}
				cx, cy := (float64(i)+0.5)*cell, (float64(j)+0.5)*cell
				t := 0.0
				if l2 > 0 {
					t = math.Max(0, math.Min(1, ((cx-ax)*dx+(cy-ay)*dy)/l2))
				}
				ex, ey := ax+t*dx-cx, ay+t*dy-cy
				if ex*ex+ey*ey <= coverReachM*coverReachM {
					seen[k] = true
					out.Covered++
				}
			}
		}
	}
	for i := range track {
		ax, ay := local(track[i])
		bx, by := ax, ay
		if i+1 < len(track) {
			bx, by = local(track[i+1])
		}
		mark(ax, ay, bx, by)
	}
	return out
}

// mayReadPatrols reports whether p may see summaries of patrols at path
// of the worker with account userID: a workforce reader in scope, or the
// worker.
func mayReadPatrols(p auth.Principal, path string, userID *int64) bool {
	if userID != nil && p.User.ID != 0 && *userID == p.User.ID {
		return true
	}
	return p.Can(auth.PermWorkforceRead) && p.User.Scope().Contains(path)
}

// mayReadTrack is narrower: a track is sensitive personal information, so
// only the worker and the supervising centers (and admins) in scope read it.
func mayReadTrack(p auth.Principal, path string, userID *int64) bool {
	if userID != nil && p.User.ID != 0 && *userID == p.User.ID {
		return true
	}
	return !p.Restricted && (p.User.Role == auth.RoleCenter || p.User.Role == auth.RoleAdmin) && p.User.Scope().Contains(path)
}

// GetPatrol returns a patrol's summary.
func (s *Service) GetPatrol(ctx context.Context, p auth.Principal, id int64) (Patrol, error) {
	pt, err := loadPatrol(ctx, s.db.Read(), id)
	if err == nil && !mayReadPatrols(p, pt.regionPath, pt.userID) {
		err = apperr.New(apperr.NotFound, "patrol not found")
	}
	return pt, err
}

// TrackOf returns a patrol with its points. A supervisor's read is written
// to the audit log, as every access to sensitive personal data is.
func (s *Service) TrackOf(ctx context.Context, p auth.Principal, id int64) (Track, error) {
	pt, err := loadPatrol(ctx, s.db.Read(), id)
	if err == nil && !mayReadTrack(p, pt.regionPath, pt.userID) {
		err = apperr.New(apperr.NotFound, "patrol not found")
	}
	if err != nil {
		return Track{}, err
	}
	fixes, err := s.trackOf(ctx, s.db.Read(), id)
	if err != nil {
		return Track{}, err
	}
	tr := Track{Patrol: pt, Points: make([]Fix, len(fixes))}
	for i, f := range fixes {
		tr.Points[i] = Fix{Lng: f.pt[0], Lat: f.pt[1], At: f.at}
		if !math.IsNaN(f.acc) {
			acc := f.acc
			tr.Points[i].AccuracyM = &acc
		}
	}
	if pt.userID == nil || *pt.userID != p.User.ID {
		now := audit.Canonical(s.now())
		err = s.db.InTx(ctx, func(tx *sql.Tx) error {
			_, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "patrol.track_read", TargetType: "worker",
				TargetID: strconv.FormatInt(pt.WorkerID, 10), Detail: map[string]any{"patrol": pt.ID, "points": len(fixes)}})
			return err
		})
		if err != nil {
			return Track{}, fmt.Errorf("audit track read: %w", err)
		}
	}
	return tr, nil
}

// PatrolQuery narrows ListPatrols. Month is YYYY-MM in the deployment's
// zone; After is the last id of the previous page.
type PatrolQuery struct {
	WorkerID int64
	Region   string
	Month    string // YYYY-MM, or
	Date     string // YYYY-MM-DD, the day patrols started
	After    int64
	Limit    int
}

// PatrolPage is a page of patrols, newest id first.
type PatrolPage struct {
	Items     []Patrol `json:"items"`
	NextAfter *int64   `json:"next_after"`
}

// ListPatrols lists patrol summaries: of one worker (a worker lists their
// own), or of the workers in a region.
func (s *Service) ListPatrols(ctx context.Context, p auth.Principal, q PatrolQuery) (PatrolPage, error) {
	var fs apperr.Fields
	if q.Limit = pageLimit(&fs, q.Limit); fs.Err() != nil {
		return PatrolPage{}, fs.Err()
	}
	where, args := []byte(" WHERE 1 = 1"), []any{}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if q.WorkerID != 0 {
		w, err := s.GetWorker(ctx, p, q.WorkerID)
		if err != nil {
			return PatrolPage{}, err
		}
		where = append(where, " AND p.worker_id = "+arg(q.WorkerID)...)
		if lo, hi, narrowed := readRange(p, w); narrowed {
			where = append(where, " AND p.region_path >= "+arg(lo)+" AND p.region_path < "+arg(hi)...)
		}
	} else {
		if err := requireRead(p); err != nil {
			return PatrolPage{}, err
		}
		r, err := s.regionFor(ctx, p, q.Region)
		if err != nil {
			return PatrolPage{}, err
		}
		lo, hi := scopeOf(r.Path)
		where = append(where, " AND p.region_path >= "+arg(lo)+" AND p.region_path < "+arg(hi)...)
	}
	if from, to, ok, err := s.periodRange(q.Month, q.Date); err != nil {
		return PatrolPage{}, err
	} else if ok {
		where = append(where, " AND p.started_at >= "+arg(from)+" AND p.started_at < "+arg(to)...)
	}
	if q.After > 0 {
		where = append(where, " AND p.id < "+arg(q.After)...)
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+patrolColumns+patrolFrom+string(where)+` ORDER BY p.id DESC LIMIT `+strconv.Itoa(q.Limit+1), args...)
	if err != nil {
		return PatrolPage{}, fmt.Errorf("list patrols: %w", err)
	}
	defer rows.Close()
	page := PatrolPage{Items: []Patrol{}}
	for rows.Next() {
		pt, err := scanPatrol(rows)
		if err != nil {
			return PatrolPage{}, fmt.Errorf("list patrols: %w", err)
		}
		page.Items = append(page.Items, pt)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		last := page.Items[q.Limit-1].ID
		page.NextAfter = &last
	}
	return page, rows.Err()
}

// periodRange is the UTC range of a month (YYYY-MM) or a day (YYYY-MM-DD)
// in the deployment's zone; ok is false when neither is given. A refusal
// names the parameter.
func (s *Service) periodRange(month, date string) (from, to time.Time, ok bool, err error) {
	switch {
	case month != "" && date != "":
		return from, to, false, apperr.Field("date", "give a month or a date, not both")
	case date != "":
		d, err := parseDate(date)
		if err != nil {
			return from, to, false, apperr.Field("date", err.Error())
		}
		t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, s.location())
		return t.UTC(), t.AddDate(0, 0, 1).UTC(), true, nil
	case month != "":
		from, to, err := s.monthRange(month)
		return from, to, err == nil, err
	}
	return from, to, false, nil
}

// monthRange is the UTC range of a YYYY-MM month in the deployment's zone.
func (s *Service) monthRange(month string) (time.Time, time.Time, error) {
	t, err := time.ParseInLocation("2006-01", month, s.location())
	if err != nil || t.Format("2006-01") != month {
		return time.Time{}, time.Time{}, apperr.Field("month", "must be a month such as 2026-06")
	}
	return t.UTC(), t.AddDate(0, 1, 0).UTC(), nil
}

// PurgeTracks deletes the points of patrols started more than olderThan
// ago, keeping their summaries (distance, duration, coverage) for the
// measures. It answers how many patrols lost their track.
func (s *Service) PurgeTracks(ctx context.Context, olderThan time.Duration) (int, error) {
	if olderThan <= 0 {
		return 0, fmt.Errorf("purge tracks: retention %s must be positive", olderThan)
	}
	now := audit.Canonical(s.now())
	cutoff := now.Add(-olderThan)
	var n int
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM patrol_batches WHERE patrol_id IN
			(SELECT id FROM patrols WHERE started_at < $1 AND track_purged_at IS NULL)`, cutoff); err != nil {
			return fmt.Errorf("purge tracks: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE patrols SET track_purged_at = $1, last_lng = NULL, last_lat = NULL
			WHERE started_at < $2 AND track_purged_at IS NULL`, now, cutoff)
		if err != nil {
			return fmt.Errorf("purge tracks: %w", err)
		}
		m, err := res.RowsAffected()
		n = int(m)
		if err != nil || n == 0 {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: audit.Actor{Name: "system:retention"}, Action: "patrol.tracks_purged",
			TargetType: "patrol", Detail: map[string]any{"patrols": n, "before": cutoff.Format(time.RFC3339)}})
		return err
	})
	return n, err
}
