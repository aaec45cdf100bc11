package httpapi

import (
	"net/http"

	"github.com/gridgov/gridgov/internal/auth"
)

// apiKeyRoutes serves the management of API clients' keys to administrators.
func (s *Server) apiKeyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/api-keys", s.authed(s.listAPIKeys, 0))
	mux.Handle("POST /api/v1/api-keys", s.authed(s.createAPIKey, 0))
	mux.Handle("POST /api/v1/api-keys/{id}/revoke", s.authed(s.revokeAPIKey, 0))
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	keys, err := s.opts.APIKeys.List(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": keys})
}

// createAPIKey answers the key itself, once; it is never shown again.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	k, err := s.opts.APIKeys.Create(r.Context(), p, in.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, k)
}

// revokeAPIKey is idempotent: revoking a revoked key answers it unchanged.
func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	k, err := s.opts.APIKeys.Revoke(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}
