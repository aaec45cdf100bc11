package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/resident"
)

// residentRoutes serves the residents' app (sign-in by phone code, nearby
// events and following, the chosen grid, notices) and the centers' notice
// desk, when the resident service is set.
func (s *Server) residentRoutes(mux *http.ServeMux) {
	if s.opts.Residents == nil {
		return
	}
	mux.HandleFunc("POST /api/v1/resident/codes", s.sendResidentCode)
	mux.HandleFunc("POST /api/v1/resident/sessions", s.residentSignIn)
	mux.Handle("GET /api/v1/resident/profile", s.authed(s.residentProfile, 0))
	mux.Handle("PUT /api/v1/resident/profile", s.authed(s.setResidentProfile, 0))
	mux.Handle("GET /api/v1/resident/regions", s.authed(s.residentRegions, 0))
	mux.Handle("GET /api/v1/resident/nearby", s.authed(s.residentNearby, 0))
	mux.Handle("GET /api/v1/resident/events", s.authed(s.residentEvents, 0))
	mux.Handle("POST /api/v1/resident/follows/{event_id}", s.authed(s.followEvent, 0))
	mux.Handle("DELETE /api/v1/resident/follows/{event_id}", s.authed(s.unfollowEvent, 0))
	mux.Handle("GET /api/v1/resident/notices", s.authed(s.residentNotices, 0))
	mux.Handle("POST /api/v1/notices", s.authed(s.postNotice, 0))
	mux.Handle("GET /api/v1/notices", s.authed(s.listNotices, 0))
	mux.Handle("POST /api/v1/notices/{id}/withdraw", s.authed(s.withdrawNotice, 0))
}

func (s *Server) sendResidentCode(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Phone string `json:"phone"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	sent, err := s.opts.Residents.SendCode(r.Context(), req.Phone, s.clientIP(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sent)
}

func (s *Server) residentSignIn(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Phone string `json:"phone"`
		Code  string `json:"code"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.opts.Residents.SignIn(r.Context(), req.Phone, req.Code, s.clientIP(r))
	if err != nil {
		s.metrics.logins.WithLabelValues(string(apperr.CodeOf(err))).Inc()
		s.writeError(w, r, err)
		return
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	s.setCookie(w, r, res.Token)
	writeJSON(w, http.StatusOK, loginResponse{Token: res.Token, CSRFToken: res.Principal.CSRFToken, User: meOf(res.Principal)})
}

func (s *Server) residentProfile(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	prof, err := s.opts.Residents.GetProfile(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, prof)
}

func (s *Server) setResidentProfile(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in resident.ProfileInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	prof, err := s.opts.Residents.SetProfile(r.Context(), p, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, prof)
}

func (s *Server) residentRegions(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	list, err := s.opts.Residents.Regions(r.Context(), p, r.URL.Query().Get("parent"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) residentNearby(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	in := resident.NearbyQuery{Category: q.Get("category"), CRS: q.Get("crs")}
	for _, f := range []struct {
		name string
		dst  **float64
	}{{"lng", &in.Lng}, {"lat", &in.Lat}} {
		raw := q.Get(f.name)
		if raw == "" {
			continue
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			fs.Add(f.name, "must be a number")
			continue
		}
		*f.dst = &v
	}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	items, err := s.opts.Residents.Nearby(r.Context(), p, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) residentEvents(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	after := intParam(q.Get("after"), 0, "after", &fs)
	limit := intParam(q.Get("limit"), 20, "limit", &fs)
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.opts.Residents.MyEvents(r.Context(), p, int64(after), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) followEvent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "event_id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.opts.Residents.FollowEvent(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (s *Server) unfollowEvent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "event_id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.opts.Residents.UnfollowEvent(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (s *Server) residentNotices(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	out, err := s.opts.Residents.MyNotices(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) postNotice(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in resident.NoticeInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.opts.Residents.PostNotice(r.Context(), p, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/notices/"+strconv.FormatInt(n.ID, 10))
	writeJSON(w, http.StatusCreated, n)
}

func (s *Server) listNotices(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	in := resident.NoticeQuery{Region: q.Get("region"), Before: int64(intParam(q.Get("before"), 0, "before", &fs)),
		Limit: intParam(q.Get("limit"), 50, "limit", &fs)}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.opts.Residents.ListNotices(r.Context(), p, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) withdrawNotice(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.opts.Residents.WithdrawNotice(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}
