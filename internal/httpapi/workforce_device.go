package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/workforce"
)

// workforceDeviceRoutes serves the rest of the worker app: reports and
// their photos from the bound device, today's tasks, the houses and
// people of the worker's grids, and the category tree to report under. Like check-ins they are signed by the
// device; what they read and write is read and written under the worker's
// own account, so its role and scope apply.
func (s *Server) workforceDeviceRoutes(mux *http.ServeMux) {
	if s.opts.Workforce == nil {
		return
	}
	const p = "/api/v1/workforce/device"
	mux.HandleFunc("POST "+p+"/events", s.deviceSigned(s.deviceReport))
	mux.HandleFunc("POST "+p+"/events/{id}/photos", s.devicePhoto)
	mux.HandleFunc("POST "+p+"/events/{id}/actions", s.deviceSigned(s.deviceAct))
	mux.HandleFunc("POST "+p+"/photos", s.deviceVisitPhoto)
	mux.HandleFunc("GET "+p+"/tasks", s.deviceSigned(s.deviceTasks))
	mux.HandleFunc("GET "+p+"/grid/houses", s.deviceSigned(s.deviceHouses))
	mux.HandleFunc("GET "+p+"/grid/persons", s.deviceSigned(s.devicePersons))
	if s.opts.Categories != nil {
		mux.HandleFunc("GET "+p+"/categories", s.deviceSigned(s.deviceCategories))
	}
}

// reportSink hands the device endpoints the services they reach, leaving
// out (as nil interfaces, never typed nils) those not served.
func (s *Server) reportSink() workforce.ReportSink {
	var sink workforce.ReportSink
	if s.opts.Auth != nil {
		sink.Users = s.opts.Auth
	}
	if s.opts.Events != nil {
		sink.Events, sink.Actions = s.opts.Events, s.opts.Events
		if s.opts.Attachments != nil {
			sink.Files, sink.Photos = s.opts.Events, s.opts.Attachments
		}
	}
	return sink
}

func (s *Server) taskSources() workforce.TaskSources {
	var src workforce.TaskSources
	if s.opts.Auth != nil {
		src.Users = s.opts.Auth
	}
	if s.opts.Events != nil {
		src.Events = s.opts.Events
	}
	if s.opts.Registry != nil {
		src.Registry = s.opts.Registry
	}
	return src
}

// deviceReport files an event: 201 the first time, 200 with the same
// event when the request is retried with the same Idempotency-Key.
func (s *Server) deviceReport(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
	body, err := io.ReadAll(r.Body) // read and bounded by deviceSigned already
	if err != nil {
		s.writeError(w, r, apperr.Field("body", "cannot be read"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var in workforce.DeviceReportInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := s.opts.Workforce.ReportEvent(r.Context(), c, body, in, s.reportSink())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/events/"+strconv.FormatInt(rep.Event.ID, 10))
	status := http.StatusCreated
	if rep.Replayed {
		status = http.StatusOK
	}
	writeJSON(w, status, rep)
}

// deviceUpload reads one image sent as the raw body of a signed request,
// and its name and place from the query. It is read within the upload
// limit rather than the JSON one, since the signature covers the bytes and
// so needs all of them. ok is false when the answer was written.
func (s *Server) deviceUpload(w http.ResponseWriter, r *http.Request) (workforce.DeviceCaller, workforce.PhotoInput, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxUploadBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.writeError(w, r, apperr.Field("body", "is larger than the limit of "+sizeText(s.opts.MaxUploadBytes)))
			return workforce.DeviceCaller{}, workforce.PhotoInput{}, false
		}
		s.writeError(w, r, apperr.Field("body", "cannot be read"))
		return workforce.DeviceCaller{}, workforce.PhotoInput{}, false
	}
	c, err := s.opts.Workforce.Authenticate(r.Context(), workforce.SignedRequest{Header: r.Header.Get(workforce.SignatureHeader),
		Method: r.Method, Target: r.URL.RequestURI(), IdempotencyKey: r.Header.Get("Idempotency-Key"), Body: body})
	if err != nil {
		s.writeError(w, r, err)
		return workforce.DeviceCaller{}, workforce.PhotoInput{}, false
	}
	q := r.URL.Query()
	in := workforce.PhotoInput{ContentType: r.Header.Get("Content-Type"), Name: q.Get("name"), Body: body}
	var fs apperr.Fields
	for _, f := range []struct {
		name string
		to   **float64
	}{{"lng", &in.Lng}, {"lat", &in.Lat}} {
		if v := q.Get(f.name); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				fs.Add(f.name, "must be a number")
				continue
			}
			*f.to = &n
		}
	}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return workforce.DeviceCaller{}, workforce.PhotoInput{}, false
	}
	return c, in, true
}

// devicePhoto puts one image on an event the worker reported, or with
// ?action= on the worker's action on an event (a feedback's photos).
func (s *Server) devicePhoto(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var action int64
	if v := r.URL.Query().Get("action"); v != "" {
		if action, err = strconv.ParseInt(v, 10, 64); err != nil || action <= 0 {
			s.writeError(w, r, apperr.Field("action", "must be the id of your action on the event, as its answer gave it"))
			return
		}
	}
	c, in, ok := s.deviceUpload(w, r)
	if !ok {
		return
	}
	in.EventID, in.ActionID = id, action
	ph, err := s.opts.Workforce.AddPhoto(r.Context(), c, in, s.reportSink())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if ph.Replayed {
		status = http.StatusOK
	}
	writeJSON(w, status, struct {
		Attachment attachmentJSON `json:"attachment"`
		Replayed   bool           `json:"replayed"`
	}{withURLs(ph.Attachment), ph.Replayed})
}

// deviceVisitPhoto keeps one image for a visit still to be sent; the
// visit names it by the id answered.
func (s *Server) deviceVisitPhoto(w http.ResponseWriter, r *http.Request) {
	c, in, ok := s.deviceUpload(w, r)
	if !ok {
		return
	}
	var photos workforce.PhotoAcceptor
	if s.opts.Attachments != nil {
		photos = s.opts.Attachments
	}
	ph, err := s.opts.Workforce.AddVisitPhoto(r.Context(), c, in, photos)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if ph.Replayed {
		status = http.StatusOK
	}
	writeJSON(w, status, ph)
}

// deviceAct takes the worker's action (self-handle, feedback) on an event:
// 200 the first time, and again with "replayed" when the request is
// retried with the same Idempotency-Key.
func (s *Server) deviceAct(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := io.ReadAll(r.Body) // read and bounded by deviceSigned already
	if err != nil {
		s.writeError(w, r, apperr.Field("body", "cannot be read"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var in workforce.DeviceActionInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	act, err := s.opts.Workforce.ActOnEvent(r.Context(), c, id, body, in, s.reportSink())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, act)
}

func (s *Server) deviceTasks(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
	t, err := s.opts.Workforce.Today(r.Context(), c, s.taskSources())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// deviceCategories is the category tree as the worker's account sees it:
// a bound phone reports without a browser session, so it reads the
// tree it reports under the same way.
func (s *Server) deviceCategories(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
	p, err := s.opts.Workforce.Account(r.Context(), c, s.reportSink().Users)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tree, err := s.opts.Categories.Visible(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": tree})
}

func gridQuery(r *http.Request) (workforce.GridQuery, error) {
	q := r.URL.Query()
	var fs apperr.Fields
	in := workforce.GridQuery{House: q.Get("house"), After: int64(intParam(q.Get("after"), 0, "after", &fs)), Limit: intParam(q.Get("limit"), 0, "limit", &fs)}
	return in, fs.Err()
}

func (s *Server) deviceHouses(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
	in, err := gridQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.opts.Workforce.GridHouses(r.Context(), c, in, s.taskSources())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) devicePersons(w http.ResponseWriter, r *http.Request, c workforce.DeviceCaller) {
	in, err := gridQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.opts.Workforce.GridPersons(r.Context(), c, in, s.taskSources())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}
