package resident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/plaintext"
	"github.com/gridgov/gridgov/internal/region"
)

// Notices (通知公告): a center posts a notice for a region in its scope;
// residents read the notices of every region on the path of their grid
// (their grid, community, township, county and city) while published.

// Notice is a notice as the API shows it.
type Notice struct {
	ID            int64      `json:"id"`
	Title         string     `json:"title"`
	Body          string     `json:"body"`
	RegionCode    string     `json:"region_code"`
	RegionName    string     `json:"region_name"`
	PublishAt     time.Time  `json:"publish_at"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	CreatedByName string     `json:"created_by_name,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	WithdrawnAt   *time.Time `json:"withdrawn_at,omitempty"`
	// Status is scheduled, published, expired or withdrawn as of the answer.
	Status  string `json:"status"`
	Version int    `json:"version"`
}

// NoticeInput is a new notice. PublishAt defaults to now; without
// ExpiresAt the notice stays until withdrawn.
type NoticeInput struct {
	Title      string     `json:"title"`
	Body       string     `json:"body"`
	RegionCode string     `json:"region_code"`
	PublishAt  *time.Time `json:"publish_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

func mayManageNotices(p auth.Principal) error {
	if p.Restricted || (p.User.Role != auth.RoleAdmin && p.User.Role != auth.RoleCenter) {
		return apperr.New(apperr.Forbidden, "only administrators and centers post notices")
	}
	return nil
}

const noticeColumns = `n.id, n.title, n.body, n.region_code, r.name, n.publish_at, n.expires_at, n.created_by_name, n.created_at,
	n.withdrawn_at, n.version`

const noticeFrom = ` FROM notices n JOIN regions r ON r.code = n.region_code`

func scanNotice(row interface{ Scan(...any) error }, now time.Time) (Notice, error) {
	var n Notice
	var expires, withdrawn sql.NullTime
	if err := row.Scan(&n.ID, &n.Title, &n.Body, &n.RegionCode, &n.RegionName, &n.PublishAt, &expires, &n.CreatedByName, &n.CreatedAt,
		&withdrawn, &n.Version); err != nil {
		return Notice{}, err
	}
	n.PublishAt, n.CreatedAt = n.PublishAt.UTC(), n.CreatedAt.UTC()
	if expires.Valid {
		t := expires.Time.UTC()
		n.ExpiresAt = &t
	}
	if withdrawn.Valid {
		t := withdrawn.Time.UTC()
		n.WithdrawnAt = &t
	}
	switch {
	case n.WithdrawnAt != nil:
		n.Status = "withdrawn"
	case now.Before(n.PublishAt):
		n.Status = "scheduled"
	case n.ExpiresAt != nil && !now.Before(*n.ExpiresAt):
		n.Status = "expired"
	default:
		n.Status = "published"
	}
	return n, nil
}

// PostNotice stores a notice for a region in the caller's scope.
func (s *Service) PostNotice(ctx context.Context, p auth.Principal, in NoticeInput) (Notice, error) {
	if err := mayManageNotices(p); err != nil {
		return Notice{}, err
	}
	now := s.clock()
	in.Title, in.Body, in.RegionCode = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body), strings.TrimSpace(in.RegionCode)
	var fs apperr.Fields
	plaintext.Check(&fs, "title", in.Title, 100, true)
	plaintext.Check(&fs, "body", in.Body, 5000, true)
	publish := now
	if in.PublishAt != nil {
		publish = audit.Canonical(*in.PublishAt)
	}
	var expires *time.Time
	if in.ExpiresAt != nil {
		t := audit.Canonical(*in.ExpiresAt)
		switch {
		case !t.After(publish):
			fs.Add("expires_at", "must be after publish_at")
		case !t.After(now):
			fs.Add("expires_at", "must be in the future")
		}
		expires = &t
	}
	var r region.Region
	if in.RegionCode == "" {
		fs.Add("region_code", "is required")
	} else {
		var err error
		r, err = region.Lookup(ctx, s.db.Read(), in.RegionCode)
		if apperr.Is(err, apperr.NotFound) || (err == nil && !p.User.Scope().Contains(r.Path)) {
			fs.Add("region_code", fmt.Sprintf("region %s not found", in.RegionCode))
		} else if err != nil {
			return Notice{}, err
		}
	}
	if err := fs.Err(); err != nil {
		return Notice{}, err
	}
	name := p.User.DisplayName
	if name == "" {
		name = p.User.Username
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var by any
		if p.User.ID != 0 {
			by = p.User.ID
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO notices (title, body, region_code, region_path, publish_at, expires_at, created_by,
			created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			in.Title, in.Body, r.Code, r.Path, publish, expires, by, name, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("post notice: %w", err)
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "notice.create", TargetType: "notice",
			TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"region": r.Code, "title": in.Title}})
		return err
	})
	if err != nil {
		return Notice{}, err
	}
	return s.notice(ctx, p, id)
}

func (s *Service) notice(ctx context.Context, p auth.Principal, id int64) (Notice, error) {
	var path string
	n, err := scanNotice(extra{s.db.Read().QueryRowContext(ctx, `SELECT `+noticeColumns+`, n.region_path`+noticeFrom+` WHERE n.id = $1`, id), &path}, s.clock())
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.User.Scope().Contains(path)) {
		return Notice{}, apperr.New(apperr.NotFound, "notice not found")
	}
	if err != nil {
		return Notice{}, fmt.Errorf("load notice: %w", err)
	}
	return n, nil
}

type extra struct {
	row  interface{ Scan(...any) error }
	more any
}

func (x extra) Scan(dest ...any) error { return x.row.Scan(append(dest, x.more)...) }

// NoticeQuery narrows the staff list of notices.
type NoticeQuery struct {
	Region string
	Before int64
	Limit  int
}

// NoticePage is a page of notices, newest first.
type NoticePage struct {
	Items      []Notice `json:"items"`
	NextBefore int64    `json:"next_before,omitempty"`
}

// ListNotices lists the notices for regions in the caller's scope (or
// under Region), newest first, withdrawn ones too.
func (s *Service) ListNotices(ctx context.Context, p auth.Principal, q NoticeQuery) (NoticePage, error) {
	if err := mayManageNotices(p); err != nil {
		return NoticePage{}, err
	}
	scope := p.User.Scope()
	if q.Region != "" {
		r, err := region.Lookup(ctx, s.db.Read(), q.Region)
		if apperr.Is(err, apperr.NotFound) || (err == nil && !scope.Contains(r.Path)) {
			return NoticePage{}, apperr.Field("region", fmt.Sprintf("region %s not found", q.Region))
		}
		if err != nil {
			return NoticePage{}, err
		}
		scope = region.Under(r.Path)
	}
	q.Limit = min(max(q.Limit, 1), 200)
	if q.Before <= 0 {
		q.Before = 1<<63 - 1
	}
	query := `SELECT ` + noticeColumns + noticeFrom + ` WHERE n.id < $1`
	args := []any{q.Before}
	if !scope.IsAll() {
		lo, hi := scope.Range()
		args = append(args, lo, hi)
		query += ` AND n.region_path >= $2 AND n.region_path < $3`
	}
	args = append(args, q.Limit+1)
	query += fmt.Sprintf(` ORDER BY n.id DESC LIMIT $%d`, len(args))
	list, err := s.queryNotices(ctx, query, args...)
	if err != nil {
		return NoticePage{}, err
	}
	page := NoticePage{Items: list}
	if len(list) > q.Limit {
		page.Items = list[:q.Limit]
		page.NextBefore = page.Items[q.Limit-1].ID
	}
	return page, nil
}

func (s *Service) queryNotices(ctx context.Context, query string, args ...any) ([]Notice, error) {
	rows, err := s.db.Read().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	defer rows.Close()
	now := s.clock()
	out := []Notice{}
	for rows.Next() {
		n, err := scanNotice(rows, now)
		if err != nil {
			return nil, fmt.Errorf("list notices: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// WithdrawNotice takes a notice down; withdrawing it again changes nothing.
func (s *Service) WithdrawNotice(ctx context.Context, p auth.Principal, id int64) (Notice, error) {
	if err := mayManageNotices(p); err != nil {
		return Notice{}, err
	}
	n, err := s.notice(ctx, p, id)
	if err != nil || n.WithdrawnAt != nil {
		return n, err
	}
	now := s.clock()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var by any
		if p.User.ID != 0 {
			by = p.User.ID
		}
		res, err := tx.ExecContext(ctx, `UPDATE notices SET withdrawn_at = $1, withdrawn_by = $2, version = version + 1
			WHERE id = $3 AND withdrawn_at IS NULL`, now, by, id)
		if err != nil {
			return fmt.Errorf("withdraw notice: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return nil // withdrawn meanwhile by someone else
		}
		_, err = audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "notice.withdraw", TargetType: "notice",
			TargetID: strconv.FormatInt(id, 10)})
		return err
	})
	if err != nil {
		return Notice{}, err
	}
	return s.notice(ctx, p, id)
}

// ResidentNotices are the notices for a resident's grid.
type ResidentNotices struct {
	// GridChosen is false until the resident chooses a grid; there are
	// no notices for them until then.
	GridChosen bool     `json:"grid_chosen"`
	Items      []Notice `json:"items"`
}

// MyNotices returns the published notices of every region on the path of
// the resident's grid, newest first.
func (s *Service) MyNotices(ctx context.Context, p auth.Principal) (ResidentNotices, error) {
	if err := requireResident(p); err != nil {
		return ResidentNotices{}, err
	}
	path, err := s.gridPath(ctx, p.User.ID)
	if err != nil || path == "" {
		return ResidentNotices{Items: []Notice{}}, err
	}
	codes := strings.Split(strings.Trim(path, "/"), "/")
	now := s.clock()
	args := []any{now}
	marks := make([]string, len(codes))
	for i, c := range codes {
		args = append(args, c)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	list, err := s.queryNotices(ctx, `SELECT `+noticeColumns+noticeFrom+` WHERE n.region_code IN (`+strings.Join(marks, ", ")+`)
		AND n.withdrawn_at IS NULL AND n.publish_at <= $1 AND (n.expires_at IS NULL OR n.expires_at > $1)
		ORDER BY n.publish_at DESC, n.id DESC LIMIT 100`, args...)
	if err != nil {
		return ResidentNotices{}, err
	}
	for i := range list {
		list[i].CreatedByName = "" // staff names stay inside
	}
	return ResidentNotices{GridChosen: true, Items: list}, nil
}
