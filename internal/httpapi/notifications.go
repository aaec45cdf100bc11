package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/jobs"
)

// notificationRoutes serves the caller's in-app notifications: the
// deadline sweep's warnings, and an event escalated, dispatched, returned
// or sent back for rework to the caller's center or department.
func (s *Server) notificationRoutes(mux *http.ServeMux) {
	inbox := jobs.NewInbox(s.opts.DB, time.Now)
	mux.Handle("GET /api/v1/notifications", s.authed(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		q := r.URL.Query()
		var fs apperr.Fields
		after := intParam(q.Get("after"), 0, "after", &fs)
		limit := intParam(q.Get("limit"), 50, "limit", &fs)
		unread := q.Get("unread")
		if unread != "" && unread != "true" && unread != "false" {
			fs.Add("unread", "must be true or false")
		}
		if err := fs.Err(); err != nil {
			s.writeError(w, r, err)
			return
		}
		list, err := inbox.List(r.Context(), recipientsOf(p), unread == "true", int64(after), min(max(limit, 1), 200))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}, 0))
	mux.Handle("POST /api/v1/notifications/{id}/read", s.authed(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		id, err := pathID(r, "id")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := inbox.MarkRead(r.Context(), recipientsOf(p), id); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}, 0))
}

// recipientsOf is whom a user reads notifications for: the region they are
// scoped to (a center's region, a worker's grid), their department, and
// themselves. Notifications go to the center holding an event, so a county
// center does not read its townships'.
func recipientsOf(p auth.Principal) []jobs.Recipient {
	var out []jobs.Recipient
	if p.User.ScopeRegion != "" {
		out = append(out, jobs.Recipient{Kind: jobs.ToRegion, Who: p.User.ScopeRegion})
	}
	if p.User.ScopeDepartment != "" {
		out = append(out, jobs.Recipient{Kind: jobs.ToDepartment, Who: p.User.ScopeDepartment})
	}
	if p.User.ID != 0 {
		out = append(out, jobs.Recipient{Kind: jobs.ToUser, Who: strconv.FormatInt(p.User.ID, 10)})
	}
	return out
}
