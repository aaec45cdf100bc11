// Package notice writes in-app notifications. A notification is written
// inside the transaction of what it tells of (a deadline warning of the
// sweep, an event handed to a new holder), so that the two commit or roll
// back together: none is lost, none tells of what did not happen. Reading
// them is the jobs package's Inbox. The package depends on nothing of the
// event loop, so that both the event service and the background jobs can
// write through it.
package notice

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Recipient kinds of in-app notifications.
const (
	ToRegion     = "region"     // the center of a region (a grid is a region too)
	ToDepartment = "department" // a department, by code
	ToUser       = "user"       // one account, by id
)

// Notice is one notification to write. Kind carries the meaning for
// clients that translate (warn_yellow, escalated, dispatched, ...); title
// and body are in the deployment's language.
type Notice struct {
	RecipientKind string
	Recipient     string
	EventID       int64 // 0: about no event
	Kind          string
	Title         string
	Body          string
	At            time.Time
}

// Insert writes n inside tx.
func Insert(ctx context.Context, tx *sql.Tx, n Notice) error {
	var ev any
	if n.EventID != 0 {
		ev = n.EventID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (recipient_kind, recipient, event_id, kind, title, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, n.RecipientKind, n.Recipient, ev, n.Kind, n.Title, n.Body, n.At); err != nil {
		return fmt.Errorf("notification: %w", err)
	}
	return nil
}
