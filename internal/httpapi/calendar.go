package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/workcal"
)

// calendarRoutes serves the working calendar: anyone signed in reads it
// (holidays are public, and deadlines shown in the console depend on it);
// those who keep the catalog city-wide change it.
func (s *Server) calendarRoutes(mux *http.ServeMux) {
	if s.opts.Calendar == nil {
		return
	}
	mux.Handle("GET /api/v1/calendar", s.authed(s.getCalendar, 0))
	mux.Handle("PUT /api/v1/calendar/config", s.authed(s.putCalendarConfig, 0))
	mux.Handle("POST /api/v1/calendar/years", s.authed(s.importCalendarYear, 0))
	mux.Handle("GET /api/v1/calendar/deadline", s.authed(s.calendarDeadline, 0))
	mux.Handle("GET /api/v1/calendar/{year}", s.authed(s.getCalendarYear, 0))
	mux.Handle("PUT /api/v1/calendar/days/{date}", s.authed(s.putCalendarDay, 0))
	mux.Handle("DELETE /api/v1/calendar/days/{date}", s.authed(s.deleteCalendarDay, 0))
}

func (s *Server) getCalendar(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	st, err := s.opts.Calendar.Get(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) getCalendarYear(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		s.writeError(w, r, apperr.Field("year", "must be a year such as 2026"))
		return
	}
	v, err := s.opts.Calendar.Year(r.Context(), y)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// periodJSON is a working period as the console sends it ("08:30").
type periodJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

func (s *Server) putCalendarConfig(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		Version  int64        `json:"version"`
		TimeZone string       `json:"time_zone"`
		Periods  []periodJSON `json:"periods"`
		Weekend  []int        `json:"weekend"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	// Times are read here so that a bad one is named by its place in the
	// list; the domain checks everything else.
	var fs apperr.Fields
	set := calendar.Settings{TimeZone: req.TimeZone, Periods: make([]workcal.Period, len(req.Periods)), Weekend: make([]time.Weekday, len(req.Weekend))}
	for i, pj := range req.Periods {
		var err error
		if set.Periods[i].Start, err = workcal.ParseTimeOfDay(pj.Start); err != nil {
			fs.Add(fmt.Sprintf("periods[%d].start", i), err.Error())
		}
		if set.Periods[i].End, err = workcal.ParseTimeOfDay(pj.End); err != nil {
			fs.Add(fmt.Sprintf("periods[%d].end", i), err.Error())
		}
	}
	for i, d := range req.Weekend {
		set.Weekend[i] = time.Weekday(d)
	}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.opts.Calendar.UpdateConfig(r.Context(), p, req.Version, set)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// importCalendarYear takes one year in the holiday-cn format, uploaded as
// the "file" part of a multipart form (with an optional "version" part) or
// sent as the JSON body; the version read comes in If-Match, ?version= or
// the form. Holiday files are a few KiB, more than an ordinary JSON body
// may be, so both are bounded by the upload limit.
func (s *Server) importCalendarYear(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var (
		year    workcal.Year
		version string
	)
	parse := func(body io.Reader) error {
		var err error
		year, err = workcal.ParseHolidays(body)
		if e, ok := apperr.As(err); ok {
			return e
		}
		return err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		err := readUpload(w, r, s.opts.MaxUploadBytes, map[string]*string{"version": &version},
			func(part io.Reader, _ string) error { return parse(part) })
		if err != nil {
			s.writeError(w, r, err)
			return
		}
	} else {
		if mt != "" && mt != "application/json" {
			s.writeError(w, r, apperr.Field("Content-Type", "must be application/json (a holiday-cn year file) or multipart/form-data with a file"))
			return
		}
		if err := parse(http.MaxBytesReader(w, r.Body, s.opts.MaxUploadBytes)); err != nil {
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				err = apperr.Field("body", fmt.Sprintf("is larger than the limit of %s", sizeText(s.opts.MaxUploadBytes)))
			case apperr.CodeOf(err) == apperr.Internal:
				err = apperr.Field("body", "cannot be read: "+err.Error())
			}
			s.writeError(w, r, err)
			return
		}
	}
	v, err := calendarVersion(r, version)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.opts.Calendar.ImportYear(r.Context(), p, v, year)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// calendarVersion is the version a write acts on: from the form when it
// sent one, else from If-Match or ?version=.
func calendarVersion(r *http.Request, form string) (int64, error) {
	if form != "" {
		n, err := strconv.ParseInt(form, 10, 64)
		if err != nil || n <= 0 {
			return 0, apperr.Field("version", "must be the positive version number you read")
		}
		return n, nil
	}
	n, err := versionParam(r)
	return int64(n), err
}

func pathDate(r *http.Request) (workcal.Date, error) {
	d, err := workcal.ParseDate(r.PathValue("date"))
	if err != nil {
		return workcal.Date{}, apperr.Field("date", err.Error())
	}
	return d, nil
}

func (s *Server) putCalendarDay(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	d, err := pathDate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		Version  int64  `json:"version"`
		Name     string `json:"name"`
		IsOffDay *bool  `json:"isOffDay"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.IsOffDay == nil {
		s.writeError(w, r, apperr.Field("isOffDay", "is required: true for a day off, false for a working day"))
		return
	}
	res, err := s.opts.Calendar.SetDay(r.Context(), p, req.Version, workcal.Override{Name: req.Name, Date: d, IsOffDay: *req.IsOffDay})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) deleteCalendarDay(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	d, err := pathDate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := versionParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.opts.Calendar.DeleteDay(r.Context(), p, int64(v), d)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// calendarDeadline answers ?from=RFC3339&amount=N&unit=hours|days with the
// deadline the event loop would set, for the console and for checking.
func (s *Server) calendarDeadline(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	// An unescaped "+08:00" arrives as " 08:00": a query string decodes
	// "+" as a space, and an offset is the only place a space can come from.
	from, err := time.Parse(time.RFC3339, strings.ReplaceAll(strings.TrimSpace(q.Get("from")), " ", "+"))
	switch {
	case strings.TrimSpace(q.Get("from")) == "":
		fs.Add("from", "is required")
	case err != nil:
		fs.Add("from", "must be a time in RFC 3339, e.g. 2026-09-30T16:00:00+08:00")
	}
	amount, err := strconv.ParseFloat(q.Get("amount"), 64)
	switch {
	case strings.TrimSpace(q.Get("amount")) == "":
		fs.Add("amount", "is required")
	case err != nil:
		fs.Add("amount", "must be a number")
	}
	if q.Get("unit") == "" {
		fs.Add("unit", "is required")
	}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.opts.Calendar.Deadline(r.Context(), from, amount, q.Get("unit"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
