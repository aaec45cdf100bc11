package httpapi

import (
	"net/http"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
)

func (s *Server) startSampling(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		Month      string `json:"month"`
		RegionCode string `json:"region_code"`
		PerGrid    int    `json:"per_grid"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	round, err := s.opts.Registry.StartSampling(r.Context(), p, req.Month, req.RegionCode, req.PerGrid)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, round)
}

func (s *Server) pendingSamples(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var fs apperr.Fields
	round := intParam(r.URL.Query().Get("round"), 0, "round", &fs)
	limit := intParam(r.URL.Query().Get("limit"), 100, "limit", &fs)
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	items, err := s.opts.Registry.PendingSamples(r.Context(), p, int64(round), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) checkSample(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		Result string `json:"result"`
		Note   string `json:"note"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.opts.Registry.CheckSample(r.Context(), p, id, req.Result, req.Note); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) samplingAccuracy(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	region := r.URL.Query().Get("region")
	if region == "" {
		s.writeError(w, r, apperr.Field("region", "is required"))
		return
	}
	items, err := s.opts.Registry.SamplingAccuracy(r.Context(), p, id, region)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
