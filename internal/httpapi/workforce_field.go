package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/workforce"
)

// workforceFieldRoutes serves the field work of grid workers: patrols with
// their GPS tracks and household visits. Writes come from the bound device,
// signed like check-ins; reads are for the console and the worker's own
// account.
func (s *Server) workforceFieldRoutes(mux *http.ServeMux) {
	if s.opts.Workforce == nil {
		return
	}
	const p = "/api/v1/workforce"
	mux.HandleFunc("POST "+p+"/device/patrols", s.deviceSigned(s.startPatrol))
	mux.HandleFunc("POST "+p+"/device/patrols/{id}/points", s.deviceSigned(s.addPatrolPoints))
	mux.HandleFunc("POST "+p+"/device/patrols/{id}/finish", s.deviceSigned(s.finishPatrol))
	mux.HandleFunc("POST "+p+"/device/visits", s.deviceSigned(s.recordVisit))

	mux.Handle("GET "+p+"/patrols", s.authed(s.listPatrols, 0))
	mux.Handle("GET "+p+"/patrols/{id}", s.authed(s.getPatrol, 0))
	mux.Handle("GET "+p+"/patrols/{id}/track", s.authed(s.patrolTrack, 0))
	mux.Handle("GET "+p+"/visits", s.authed(s.listVisits, 0))
}

func (s *Server) startPatrol(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
	var in workforce.CheckInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	pt, err := s.opts.Workforce.StartPatrol(r.Context(), c, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/workforce/patrols/"+strconv.FormatInt(pt.ID, 10))
	writeJSON(w, http.StatusCreated, pt)
}

func (s *Server) addPatrolPoints(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in workforce.PointBatch
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ack, err := s.opts.Workforce.AddPoints(r.Context(), c, id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if ack.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, ack)
}

func (s *Server) finishPatrol(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pt, err := s.opts.Workforce.FinishPatrol(r.Context(), c, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pt)
}

func (s *Server) recordVisit(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
	var in workforce.VisitInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	var sink workforce.EventSink
	// Typed nils must not reach the interfaces.
	if s.opts.Events != nil && s.opts.Auth != nil {
		sink = workforce.EventSink{Reporter: s.opts.Events, Users: s.opts.Auth}
	}
	v, err := s.opts.Workforce.RecordVisit(r.Context(), c, in, sink)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) listPatrols(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	in := workforce.PatrolQuery{WorkerID: int64(intParam(q.Get("worker"), 0, "worker", &fs)), Region: q.Get("region"), Month: q.Get("month"),
		Date: q.Get("date"), After: int64(intParam(q.Get("after"), 0, "after", &fs)), Limit: intParam(q.Get("limit"), 100, "limit", &fs)}
	notARange(q, &fs)
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.opts.Workforce.ListPatrols(r.Context(), p, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) getPatrol(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pt, err := s.opts.Workforce.GetPatrol(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pt)
}

func (s *Server) patrolTrack(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tr, err := s.opts.Workforce.TrackOf(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Personal tracks must not linger in shared caches.
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tr)
}

func (s *Server) listVisits(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	in := workforce.VisitQuery{WorkerID: int64(intParam(q.Get("worker"), 0, "worker", &fs)), Grid: q.Get("grid"), Region: q.Get("region"),
		Month: q.Get("month"), Date: q.Get("date"), Purpose: q.Get("purpose"), After: int64(intParam(q.Get("after"), 0, "after", &fs)),
		Limit: intParam(q.Get("limit"), 100, "limit", &fs)}
	notARange(q, &fs)
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.opts.Workforce.ListVisits(r.Context(), p, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}
