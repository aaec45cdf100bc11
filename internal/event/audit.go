package event

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
)

// auditAction appends the audit entry of an action applied to an event,
// inside the transaction that applied it: under the group commit that is
// the write's savepoint, so a write refused or rolled back takes its entry
// with it. before is the event as it was loaded, after as the action left
// it. The entry names the event by its id (as the API does) and holds the
// event's code, the states, the region holding it and the departments; no
// note, which is free text and may name people, and nothing of the
// reporter.
//
// A report is not audited (it creates the event; the event row and its
// history say who filed it), nor are the deadline sweep's cards, which
// change no state, nor the replayed history of the demo generator.
func auditAction(ctx context.Context, tx *sql.Tx, p auth.Principal, before, after *Event, a Action, now time.Time) error {
	detail := map[string]any{"code": after.Code, "from": string(before.State), "to": string(after.State), "region": after.RegionCode}
	if before.RegionCode != after.RegionCode {
		detail["from_region"] = before.RegionCode
	}
	if after.LeadDepartment != "" {
		detail["lead_department"] = after.LeadDepartment
	}
	if len(after.Assisting) > 0 {
		detail["assisting"] = after.Assisting
	}
	if before.LeadDepartment != "" && before.LeadDepartment != after.LeadDepartment {
		detail["from_lead_department"] = before.LeadDepartment
	}
	if p.User.ScopeDepartment != "" {
		detail["department"] = p.User.ScopeDepartment
	}
	_, err := audit.Append(ctx, tx, now, audit.Record{Actor: p.Actor(), Action: "event." + string(a), TargetType: "event",
		TargetID: strconv.FormatInt(after.ID, 10), Detail: detail})
	return err
}

// AuditStatsExport records an export of the event measures as
// stats.export: who, the region, the months (or days) and category the
// export covers, its format and how many rows it wrote; failed when the
// writing stopped short. It runs after the export was written, whether or
// not its reader stayed.
func (s *Service) AuditStatsExport(ctx context.Context, p auth.Principal, st Stats, format string, rows int, failed bool) error {
	ctx = context.WithoutCancel(ctx)
	outcome := audit.OK
	if failed {
		outcome = audit.Failed
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Canonical(s.now()), audit.Record{Actor: p.Actor(), Action: "stats.export", TargetType: "event_stats",
			TargetID: st.Region, Outcome: outcome, Detail: map[string]any{"from": st.From, "to": st.To, "category": st.Category,
				"format": format, "rows": rows, "scope": p.User.Scope().Path()}})
		return err
	})
}
