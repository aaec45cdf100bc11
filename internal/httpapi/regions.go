package httpapi

import (
	"net/http"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/region"
)

func (s *Server) listRegions(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.PermRegionsRead) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "you may not read the region tree"))
		return
	}
	items, err := s.opts.Regions.Children(r.Context(), p.User.Scope(), r.URL.Query().Get("parent"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) getRegion(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.PermRegionsRead) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "you may not read the region tree"))
		return
	}
	if p.User.ScopeKind() == auth.ScopeDepartment {
		s.getRegionName(w, r)
		return
	}
	reg, err := s.opts.Regions.Get(r.Context(), p.User.Scope(), r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, reg)
}

func (s *Server) createRegion(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.PermRegionsManage) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "you may not change the region tree"))
		return
	}
	var req struct {
		Code       string     `json:"code"`
		Name       string     `json:"name"`
		Level      string     `json:"level"`
		ParentCode string     `json:"parent_code"`
		ValidFrom  *time.Time `json:"valid_from"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	// The level is parsed here rather than by encoding/json, whose errors
	// from text unmarshalers do not name the field.
	level, err := region.ParseLevel(req.Level)
	if err != nil {
		s.writeError(w, r, apperr.Field("level", err.Error()))
		return
	}
	in := region.Region{Code: req.Code, Name: req.Name, Level: level, ParentCode: req.ParentCode}
	if req.ValidFrom != nil {
		in.ValidFrom = *req.ValidFrom
	}
	reg, err := s.opts.Regions.Create(r.Context(), p.Actor(), p.User.Scope(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, reg)
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	// The log spans every region, so only deployment-wide auditors read it.
	if !p.Can(auth.PermAuditRead) || !p.User.Scope().IsAll() {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "you may not read the audit log"))
		return
	}
	q := r.URL.Query()
	var fs apperr.Fields
	f := audit.Filter{
		Action: q.Get("action"), TargetType: q.Get("target_type"), TargetID: q.Get("target_id"),
		Limit:  intParam(q.Get("limit"), 100, "limit", &fs),
		Before: int64(intParam(q.Get("before"), 0, "before", &fs)),
	}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, err := audit.List(r.Context(), s.opts.DB.Read(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": entries})
}

// regionNames is what a department's staff read of a region: its name and
// place in the tree, as public as the administrative names are. Their
// account has no region scope, and the events they handle lie anywhere, so
// this is all they read of any region: no outline, area, overlays,
// stations or registry counts.
type regionNames struct {
	Code       string        `json:"code"`
	Name       string        `json:"name"`
	Level      region.Level  `json:"level"`
	ParentCode string        `json:"parent_code,omitempty"`
	Path       string        `json:"path"`
	Chain      []region.Link `json:"chain"`
}

func (s *Server) getRegionName(w http.ResponseWriter, r *http.Request) {
	reg, err := s.opts.Regions.Get(r.Context(), region.All(), r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	chain, err := s.opts.Regions.Chain(r.Context(), region.All(), reg.Code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, regionNames{Code: reg.Code, Name: reg.Name, Level: reg.Level, ParentCode: reg.ParentCode, Path: reg.Path, Chain: chain})
}
