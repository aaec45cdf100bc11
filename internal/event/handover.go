package event

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/notice"
)

// notifyHandover tells the party an action handed e to, by an in-app
// notification written inside the action's transaction (under the group
// commit, its savepoint), so that it commits or rolls back with the
// action: escalated (吹哨), the center of the level it went up to;
// dispatched, the lead department and each assisting one; returned by
// its lead department, the center holding it; sent back for rework, the
// lead department and each assisting one. before is the event as it was loaded, after as the
// action left it. The text names the event's code and title and who
// handed it over (a center by its region, a department by its name),
// nothing of the reporter and not the note, which is free text.
//
// The demo generator's replayed history tells nobody: it applies its
// steps without passing here.
func (s *Service) notifyHandover(ctx context.Context, tx *sql.Tx, p auth.Principal, before, after *Event, a Action, now time.Time) error {
	type to struct{ kind, who, what, title string }
	var list []to
	switch a {
	case Escalate:
		from, err := s.handerName(ctx, tx, p, before)
		if err != nil {
			return err
		}
		list = append(list, to{notice.ToRegion, after.RegionCode, "escalated",
			fmt.Sprintf("吹哨上报：事件 %s 由%s上报至本级", after.Code, from)})
	case Dispatch:
		from, err := s.handerName(ctx, tx, p, before)
		if err != nil {
			return err
		}
		list = append(list, to{notice.ToDepartment, after.LeadDepartment, "dispatched",
			fmt.Sprintf("派遣：事件 %s 由%s派遣至本部门主办", after.Code, from)})
		for _, d := range after.Assisting {
			list = append(list, to{notice.ToDepartment, d, "assisting",
				fmt.Sprintf("派遣：事件 %s 由%s派遣至本部门协办", after.Code, from)})
		}
	case Return:
		from, err := s.handerName(ctx, tx, p, before)
		if err != nil {
			return err
		}
		list = append(list, to{notice.ToRegion, after.RegionCode, "returned",
			fmt.Sprintf("退回：事件 %s 被%s退回", after.Code, from)})
	case Rework:
		from, err := s.handerName(ctx, tx, p, before)
		if err != nil {
			return err
		}
		list = append(list, to{notice.ToDepartment, after.LeadDepartment, "rework",
			fmt.Sprintf("返工：事件 %s 被%s要求返工", after.Code, from)})
		// Joint handling is redone jointly: the assisting departments too,
		// read here, as an event is loaded for an action without them.
		assisting, err := assistingOf(ctx, tx, after.ID)
		if err != nil {
			return err
		}
		for _, d := range assisting {
			list = append(list, to{notice.ToDepartment, d, "rework",
				fmt.Sprintf("返工：事件 %s 被%s要求返工（本部门协办）", after.Code, from)})
		}
	default:
		return nil
	}
	body := "事件：" + after.Title
	if after.StepDue != nil {
		body += "；时限：" + after.StepDue.In(s.zone).Format("2006-01-02 15:04")
	}
	for _, r := range list {
		if r.who == "" {
			continue
		}
		if err := notice.Insert(ctx, tx, notice.Notice{RecipientKind: r.kind, Recipient: r.who, EventID: after.ID, Kind: r.what,
			Title: r.title, Body: body, At: now}); err != nil {
			return err
		}
	}
	return nil
}

// handerName names who handed e over in the notification: the department
// the actor acts for (the lead, returning it), else the center of the
// actor's region or, for an actor of no region (an administrator), of
// the region that held the event. Never a person.
func (s *Service) handerName(ctx context.Context, tx *sql.Tx, p auth.Principal, e *Event) (string, error) {
	if p.User.Role == auth.RoleDepartment && p.User.ScopeDepartment != "" {
		return nameOf(ctx, tx, `SELECT name FROM departments WHERE code = $1`, p.User.ScopeDepartment)
	}
	code := p.User.ScopeRegion
	if code == "" || p.User.Role != auth.RoleCenter {
		code = e.RegionCode
	}
	return nameOf(ctx, tx, `SELECT name FROM regions WHERE code = $1`, code)
}

// nameOf reads a name by its code; one not found is named by its code.
func nameOf(ctx context.Context, tx *sql.Tx, query, code string) (string, error) {
	var name string
	err := tx.QueryRowContext(ctx, query, code).Scan(&name)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && name == ""):
		return code, nil
	case err != nil:
		return "", fmt.Errorf("notification: %w", err)
	}
	return name, nil
}

// assistingOf reads the assisting departments of an event, by code.
func assistingOf(ctx context.Context, q db.Querier, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT department FROM event_departments WHERE event_id = $1 AND role = 'assist' ORDER BY department`, id)
	if err != nil {
		return nil, fmt.Errorf("assisting departments: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, fmt.Errorf("assisting departments: %w", err)
		}
		out = append(out, code)
	}
	return out, rows.Err()
}
