package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/notice"
)

// Recipient kinds of in-app notifications (internal/notice writes them).
const (
	ToRegion     = notice.ToRegion
	ToDepartment = notice.ToDepartment
	ToUser       = notice.ToUser
)

// Notifier stores what the deadline sweep raised: in-app notifications
// for the center holding the event, the lead department and the grid, and
// a webhook delivery per configured endpoint. Store runs inside the sweep's
// transaction (event.SweepOptions.Deliver), so a warning and its
// notifications commit together: none is lost or sent twice.
type Notifier struct {
	endpoints []string
	loc       *time.Location
}

// NewNotifier returns a notifier that also queues webhook deliveries to the
// endpoints (none: in-app only); loc is the zone in which deadlines are
// written in the text (nil: China Standard Time).
func NewNotifier(endpoints []string, loc *time.Location) *Notifier {
	if loc == nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	return &Notifier{endpoints: endpoints, loc: loc}
}

// WebhookWarning is the type of the webhook payload of a deadline warning.
const WebhookWarning = "event.warning"

// Payload is the body of a webhook delivery.
type Payload struct {
	Type    string        `json:"type"`
	At      time.Time     `json:"at"`
	Warning event.Warning `json:"warning"`
}

// Store writes the notifications of the warnings inside tx.
func (n *Notifier) Store(ctx context.Context, tx *sql.Tx, ws []event.Warning) error {
	for _, w := range ws {
		title, body := n.text(w)
		type to struct{ kind, who, what string }
		recipients := []to{{ToRegion, w.Region, w.Kind}}
		if w.Department != "" {
			recipients = append(recipients, to{ToDepartment, w.Department, w.Kind})
		}
		if w.Grid != "" && w.Grid != w.Region {
			recipients = append(recipients, to{ToRegion, w.Grid, w.Kind})
		}
		if w.EscalatedTo != "" {
			recipients = append(recipients, to{ToRegion, w.EscalatedTo, "escalated"})
		}
		for _, r := range recipients {
			t := title
			if r.what == "escalated" {
				t = fmt.Sprintf("自动上报：事件 %s 在%s超时，已上报本级", w.Code, stepName(w.Step))
			}
			if err := notice.Insert(ctx, tx, notice.Notice{RecipientKind: r.kind, Recipient: r.who, EventID: w.EventID, Kind: r.what,
				Title: t, Body: body, At: w.At}); err != nil {
				return err
			}
		}
		if len(n.endpoints) == 0 {
			continue
		}
		payload, err := json.Marshal(Payload{Type: WebhookWarning, At: w.At, Warning: w})
		if err != nil {
			return fmt.Errorf("webhook payload: %w", err)
		}
		for _, url := range n.endpoints {
			if err := EnqueueWebhook(ctx, tx, url, WebhookWarning, payload, w.At); err != nil {
				return err
			}
		}
	}
	return nil
}

func stepName(s category.Step) string {
	switch s {
	case category.Receive:
		return "签收环节"
	case category.Register:
		return "立案环节"
	case category.Dispatch:
		return "派遣环节"
	case category.Handle:
		return "处置环节"
	case category.Verify:
		return "核查环节"
	}
	return string(s)
}

// text is the notification in the deployment's language; kind carries the
// meaning for clients that translate.
func (n *Notifier) text(w event.Warning) (title, body string) {
	step := stepName(w.Step)
	switch {
	case w.Kind == "warn_yellow":
		title = fmt.Sprintf("黄牌预警：事件 %s %s即将超时", w.Code, step)
	case w.Reason == "supervise_due":
		title = fmt.Sprintf("红牌预警：事件 %s 督办期限已过", w.Code)
	case w.Kind == "warn_red" && !w.Overdue:
		title = fmt.Sprintf("红牌预警：事件 %s %s严重滞后", w.Code, step)
	case w.Kind == "warn_red":
		title = fmt.Sprintf("红牌预警：事件 %s %s已超时", w.Code, step)
	default:
		title = fmt.Sprintf("超期：事件 %s %s已超时", w.Code, step)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "事件：%s", w.Title)
	if w.StepDue != nil {
		fmt.Fprintf(&b, "；时限：%s", w.StepDue.In(n.loc).Format("2006-01-02 15:04"))
	}
	if w.SuperviseDue != nil && w.Reason == "supervise_due" {
		fmt.Fprintf(&b, "；督办期限：%s", w.SuperviseDue.In(n.loc).Format("2006-01-02 15:04"))
	}
	return title, b.String()
}

// Notification is one in-app notification.
type Notification struct {
	ID            int64      `json:"id"`
	RecipientKind string     `json:"recipient_kind"`
	Recipient     string     `json:"recipient"`
	EventID       *int64     `json:"event_id,omitempty"`
	Kind          string     `json:"kind"`
	Title         string     `json:"title"`
	Body          string     `json:"body"`
	CreatedAt     time.Time  `json:"created_at"`
	ReadAt        *time.Time `json:"read_at,omitempty"`
}

// Recipient names who reads notifications: a kind and a code or id.
type Recipient struct {
	Kind string `json:"kind"`
	Who  string `json:"who"`
}

// Inbox reads and marks in-app notifications. Which recipients a user
// reads for (their region, their department, themselves) is the caller's
// decision from the user's scope.
type Inbox struct {
	db  *db.DB
	now func() time.Time
}

// NewInbox returns the inbox store.
func NewInbox(d *db.DB, now func() time.Time) *Inbox {
	if now == nil {
		now = time.Now
	}
	return &Inbox{db: d, now: now}
}

// List returns notifications for the recipients, newest first, before the
// id after (0: from the newest).
func (in *Inbox) List(ctx context.Context, to []Recipient, unreadOnly bool, after int64, limit int) ([]Notification, error) {
	out := []Notification{}
	if len(to) == 0 {
		return out, nil
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var where []string
	var args []any
	for _, r := range to {
		if r.Kind != ToRegion && r.Kind != ToDepartment && r.Kind != ToUser {
			return nil, apperr.Field("recipient_kind", "must be region, department or user")
		}
		args = append(args, r.Kind, r.Who)
		where = append(where, fmt.Sprintf("(recipient_kind = $%d AND recipient = $%d)", len(args)-1, len(args)))
	}
	q := `SELECT id, recipient_kind, recipient, event_id, kind, title, body, created_at, read_at FROM notifications WHERE (` +
		strings.Join(where, " OR ") + `)`
	if unreadOnly {
		q += ` AND read_at IS NULL`
	}
	if after > 0 {
		args = append(args, after)
		q += fmt.Sprintf(` AND id < $%d`, len(args))
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))
	rows, err := in.db.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n Notification
		var ev sql.NullInt64
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.RecipientKind, &n.Recipient, &ev, &n.Kind, &n.Title, &n.Body, &n.CreatedAt, &read); err != nil {
			return nil, fmt.Errorf("notifications: %w", err)
		}
		n.CreatedAt = n.CreatedAt.UTC()
		if ev.Valid {
			n.EventID = &ev.Int64
		}
		if read.Valid {
			t := read.Time.UTC()
			n.ReadAt = &t
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// MarkRead marks a notification read for one of the recipients; another
// recipient's notification is not found.
func (in *Inbox) MarkRead(ctx context.Context, to []Recipient, id int64) error {
	now := in.now().UTC().Truncate(time.Microsecond)
	for _, r := range to {
		res, err := in.db.Write().ExecContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, $1)
			WHERE id = $2 AND recipient_kind = $3 AND recipient = $4`, now, id, r.Kind, r.Who)
		if err != nil {
			return fmt.Errorf("mark notification read: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
	}
	return apperr.New(apperr.NotFound, "notification not found")
}
