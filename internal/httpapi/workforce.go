package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/workforce"
)

// workforceRoutes serves the workforce: workers, teams, device binding and
// attendance for the console (session), and the device endpoints, which
// carry no session and are authenticated by an enrolment code (binding) or
// by the device's signature (workforce.Authenticate).
func (s *Server) workforceRoutes(mux *http.ServeMux) {
	if s.opts.Workforce == nil {
		return
	}
	const p = "/api/v1/workforce"
	mux.Handle("GET "+p+"/me", s.authed(s.myWorker, 0))
	mux.Handle("GET "+p+"/workers", s.authed(s.listWorkers, 0))
	mux.Handle("POST "+p+"/workers", s.authed(s.createWorker, 0))
	mux.Handle("GET "+p+"/workers/{id}", s.authed(s.getWorker, 0))
	mux.Handle("PATCH "+p+"/workers/{id}", s.authed(updateByID(s, func(in *workforce.WorkerPatch) *int { return &in.Version }, s.opts.Workforce.UpdateWorker), 0))
	mux.Handle("DELETE "+p+"/workers/{id}", s.authed(deleteByID(s, s.opts.Workforce.DeleteWorker), 0))
	mux.Handle("POST "+p+"/workers/{id}/enrolments", s.authed(s.issueEnrolment, 0))
	mux.Handle("POST "+p+"/workers/{id}/rebind-requests", s.authed(s.requestRebind, 0))
	mux.Handle("GET "+p+"/workers/{id}/attendance", s.authed(s.workerAttendance, 0))
	mux.Handle("GET "+p+"/workers/{id}/leave", s.authed(s.listLeave, 0))
	mux.Handle("POST "+p+"/workers/{id}/leave", s.authed(s.addLeave, 0))
	mux.Handle("DELETE "+p+"/leave/{id}", s.authed(s.cancelLeave, 0))
	mux.Handle("GET "+p+"/rebind-requests", s.authed(s.listRebinds, 0))
	mux.Handle("POST "+p+"/rebind-requests/{id}/approve", s.authed(s.decideRebind(true), 0))
	mux.Handle("POST "+p+"/rebind-requests/{id}/reject", s.authed(s.decideRebind(false), 0))
	mux.Handle("GET "+p+"/teams/{grid}", s.authed(s.getTeam, 0))
	mux.Handle("POST "+p+"/teams/{grid}/members", s.authed(s.addTeamMember, 0))
	mux.Handle("PATCH "+p+"/team-members/{id}", s.authed(updateByID(s, func(in *workforce.MemberPatch) *int { return &in.Version }, s.opts.Workforce.UpdateMember), 0))
	mux.Handle("DELETE "+p+"/team-members/{id}", s.authed(deleteByID(s, s.opts.Workforce.RemoveMember), 0))
	mux.Handle("GET "+p+"/attendance", s.authed(s.attendanceRates, 0))
	mux.Handle("GET "+p+"/attendance/workers", s.authed(s.attendanceByWorker, 0))
	mux.Handle("GET "+p+"/staffing", s.authed(s.workforceStaffing, 0))
	mux.Handle("GET "+p+"/staffing/unstaffed", s.authed(s.unstaffedGrids, 0))

	mux.HandleFunc("POST "+p+"/devices/bind", s.bindDevice)
	mux.HandleFunc("GET "+p+"/device", s.deviceSigned(s.deviceStatus))
	mux.HandleFunc("POST "+p+"/attendance/check-in", s.deviceSigned(s.attendanceCheck(workforce.CheckIn)))
	mux.HandleFunc("POST "+p+"/attendance/check-out", s.deviceSigned(s.attendanceCheck(workforce.CheckOut)))
}

func (s *Server) myWorker(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wk, err := s.opts.Workforce.Me(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wk)
}

func (s *Server) listWorkers(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	in := workforce.WorkerQuery{Region: q.Get("region"), Grid: q.Get("grid"), Employment: workforce.Employment(q.Get("employment")),
		After: int64(intParam(q.Get("after"), 0, "after", &fs)), Limit: intParam(q.Get("limit"), 100, "limit", &fs)}
	switch q.Get("active") {
	case "":
	case "true", "false":
		active := q.Get("active") == "true"
		in.Active = &active
	default:
		fs.Add("active", "must be true or false")
	}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.opts.Workforce.ListWorkers(r.Context(), p, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) createWorker(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in workforce.WorkerInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	wk, err := s.opts.Workforce.CreateWorker(r.Context(), p, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/workforce/workers/"+strconv.FormatInt(wk.ID, 10))
	writeJSON(w, http.StatusCreated, wk)
}

func (s *Server) getWorker(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	wk, err := s.opts.Workforce.GetWorker(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(wk.Version)))
	writeJSON(w, http.StatusOK, wk)
}

// updateByID handles a PATCH of the resource named by {id}: the body is the
// patch, whose version comes from the body, If-Match or ?version=.
func updateByID[In, Out any](s *Server, version func(*In) *int,
	update func(context.Context, auth.Principal, int64, In) (Out, error)) func(http.ResponseWriter, *http.Request, auth.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		id, err := pathID(r, "id")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var in In
		if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		v := version(&in)
		if *v, err = workforceVersion(r, *v); err != nil {
			s.writeError(w, r, err)
			return
		}
		out, err := update(r.Context(), p, id, in)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// deleteByID handles a DELETE of the resource named by {id}, at the version
// given by If-Match or ?version=.
func deleteByID(s *Server, del func(context.Context, auth.Principal, int64, int) error) func(http.ResponseWriter, *http.Request, auth.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		id, err := pathID(r, "id")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		version, err := workforceVersion(r, 0)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := del(r.Context(), p, id, version); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// workforceVersion takes the version a write is based on from the body, or
// else from If-Match (the ETag of the read) or ?version=.
func workforceVersion(r *http.Request, body int) (int, error) {
	if body != 0 {
		return body, nil
	}
	raw := r.Header.Get("If-Match")
	field := "If-Match"
	if raw == "" {
		raw, field = r.URL.Query().Get("version"), "version"
	}
	if raw == "" {
		return 0, apperr.Field("version", "is required: the version you read (in the body, If-Match or ?version=)")
	}
	if uq, err := strconv.Unquote(raw); err == nil {
		raw = uq
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n <= 0 {
		return 0, apperr.Field(field, "must be the version you read, a positive integer")
	}
	return n, nil
}

func (s *Server) issueEnrolment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := s.opts.Workforce.IssueEnrolment(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, e)
}

func (s *Server) requestRebind(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := s.opts.Workforce.RequestRebind(r.Context(), p, id, in.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, req)
}

func (s *Server) listRebinds(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	in := workforce.RebindQuery{Status: q.Get("status"), Region: q.Get("region"),
		After: int64(intParam(q.Get("after"), 0, "after", &fs)), Limit: intParam(q.Get("limit"), 100, "limit", &fs)}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	items, err := s.opts.Workforce.ListRebinds(r.Context(), p, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) decideRebind(approve bool) func(http.ResponseWriter, *http.Request, auth.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		id, err := pathID(r, "id")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var in struct {
			Note string `json:"note"`
		}
		if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		d, err := s.opts.Workforce.DecideRebind(r.Context(), p, id, approve, in.Note)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, d)
	}
}

func workforcePeriod(r *http.Request) (workforce.Period, error) {
	q := r.URL.Query()
	var fs apperr.Fields
	notARange(q, &fs)
	return workforce.Period{Month: q.Get("month"), Date: q.Get("date")}, fs.Err()
}

// notARange refuses from and to on a list taken by month or date: a range
// left unread would answer for another period than the one asked for.
func notARange(q url.Values, fs *apperr.Fields) {
	for _, name := range []string{"from", "to"} {
		if q.Has(name) {
			fs.Add(name, "is not a filter here; give month (YYYY-MM) or date (YYYY-MM-DD)")
		}
	}
}

func (s *Server) workerAttendance(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	period, err := workforcePeriod(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.opts.Workforce.WorkerAttendanceOf(r.Context(), p, id, period)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) listLeave(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, err := s.opts.Workforce.ListLeave(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) addLeave(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in workforce.LeaveInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.opts.Workforce.AddLeave(r.Context(), p, id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, l)
}

func (s *Server) cancelLeave(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.opts.Workforce.CancelLeave(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	t, err := s.opts.Workforce.TeamOf(r.Context(), p, r.PathValue("grid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) addTeamMember(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in workforce.MemberInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.opts.Workforce.AddMember(r.Context(), p, r.PathValue("grid"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, m)
}

func (s *Server) attendanceRates(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	period, err := workforcePeriod(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.opts.Workforce.AttendanceRates(r.Context(), p, r.URL.Query().Get("region"), period)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) attendanceByWorker(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	after := int64(intParam(q.Get("after"), 0, "after", &fs))
	limit := intParam(q.Get("limit"), 100, "limit", &fs)
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	period, err := workforcePeriod(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.opts.Workforce.WorkerRates(r.Context(), p, q.Get("region"), period, after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) workforceStaffing(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	st, err := s.opts.Workforce.StaffingOf(r.Context(), p, r.URL.Query().Get("region"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) unstaffedGrids(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	limit := intParam(q.Get("limit"), 100, "limit", &fs)
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.opts.Workforce.UnstaffedGrids(r.Context(), p, q.Get("region"), q.Get("after"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// signedRequest reads the body (within the size limit) and the signature
// headers of a device request; the body is put back for decoding.
func (s *Server) signedRequest(w http.ResponseWriter, r *http.Request) (workforce.SignedRequest, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return workforce.SignedRequest{}, jsonError(err, s.opts.MaxBodyBytes)
		}
		return workforce.SignedRequest{}, apperr.Field("body", "cannot be read")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return workforce.SignedRequest{Header: r.Header.Get(workforce.SignatureHeader), Method: r.Method, Target: r.URL.RequestURI(),
		IdempotencyKey: r.Header.Get("Idempotency-Key"), Body: body}, nil
}

// deviceSigned authenticates a request by the signature of a bound device.
func (s *Server) deviceSigned(h func(http.ResponseWriter, *http.Request, workforce.DeviceCaller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, err := s.signedRequest(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		c, err := s.opts.Workforce.Authenticate(r.Context(), req)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, c)
	}
}

func (s *Server) bindDevice(w http.ResponseWriter, r *http.Request) {
	req, err := s.signedRequest(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in workforce.BindInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := s.opts.Workforce.Bind(r.Context(), req, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, b)
}

func (s *Server) deviceStatus(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
	st, err := s.opts.Workforce.Status(r.Context(), c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) attendanceCheck(kind workforce.Kind) func(http.ResponseWriter, *http.Request, workforce.DeviceCaller) {
	return func(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
		var in workforce.CheckInput
		if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		rec, err := s.opts.Workforce.Check(r.Context(), c, kind, in)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, rec)
	}
}
