package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/tabular"
)

// eventRoutes serves the closed loop of events when its service is set.
func (s *Server) eventRoutes(mux *http.ServeMux) {
	if s.opts.Events == nil {
		return
	}
	mux.Handle("POST /api/v1/events", s.authed(s.reportEvent, 0))
	mux.Handle("GET /api/v1/events", s.authed(s.listEvents, 0))
	mux.Handle("GET /api/v1/events/{id}", s.authed(s.getEvent, 0))
	mux.Handle("POST /api/v1/events/{id}/actions", s.authed(s.actOnEvent, 0))
	mux.Handle("GET /api/v1/stats/events", s.authed(s.eventStats, 0))
	mux.Handle("GET /api/v1/stats/events/export", s.authed(s.exportEventStats, 0))
}

func (s *Server) reportEvent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in event.ReportInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.opts.Events.Report(r.Context(), p, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/events/"+strconv.FormatInt(out.Event.ID, 10))
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var fs apperr.Fields
	in := event.Query{Queue: q.Get("queue"), State: event.State(q.Get("state")), Category: q.Get("category"), Region: q.Get("region"),
		Department: q.Get("department"), Text: q.Get("q"), After: int64(intParam(q.Get("after"), 0, "after", &fs)),
		Limit: intParam(q.Get("limit"), 50, "limit", &fs)}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.opts.Events.List(r.Context(), p, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.opts.Events.Get(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) actOnEvent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in event.ActInput
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := s.opts.Events.Act(r.Context(), p, id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) eventStats(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	st, err := s.opts.Events.StatsFor(r.Context(), p, event.StatsQuery{Region: q.Get("region"), Department: q.Get("department"),
		From: q.Get("from"), To: q.Get("to"), Category: q.Get("category")})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// exportEventStats writes the measures of a region and of each region
// directly under it, one row each, as a spreadsheet: what a monthly
// bulletin or ranking starts from.
func (s *Server) exportEventStats(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	if q.Has("department") {
		// The export follows the region tree; a department's figures are
		// read from /stats/events, never silently left unfiltered.
		s.writeError(w, r, apperr.Field("department", "the export is by region; read a department's figures from /api/v1/stats/events"))
		return
	}
	format, err := spreadsheetFormat(q.Get("format"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	top, err := s.opts.Events.Stats(r.Context(), p, q.Get("region"), q.Get("from"), q.Get("to"), q.Get("category"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	children, err := s.opts.Regions.Children(r.Context(), p.User.Scope(), top.Region)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rows := []event.Stats{top}
	names := map[string]string{}
	for _, c := range children {
		st, err := s.opts.Events.Stats(r.Context(), p, c.Code, top.From, top.To, top.Category)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		rows = append(rows, st)
		names[c.Code] = c.Name
	}
	if reg, err := s.opts.Regions.Get(r.Context(), p.User.Scope(), top.Region); err == nil {
		names[top.Region] = reg.Name
	}
	measures, rates := event.Measures(), event.RateNames()
	w.Header().Set("Content-Type", format.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="event-stats-%s-%s-%s.%s"`, top.Region, top.From, top.To, format))
	tw, err := tabular.NewWriter(w, format)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	header := append([]string{"区划编码 region", "名称 name", "起 from", "止 to", "分类 category"}, measures...)
	header = append(header, rates...)
	werr := tw.Write(header)
	written := 0
	for _, st := range rows {
		if werr != nil {
			break
		}
		line := []string{st.Region, names[st.Region], st.From, st.To, st.Category}
		for _, m := range measures {
			line = append(line, strconv.FormatInt(st.Counts[m], 10))
		}
		for _, rt := range rates {
			v := ""
			if x := st.Rates[rt]; x != nil {
				v = strconv.FormatFloat(*x, 'f', 4, 64)
			}
			line = append(line, v)
		}
		if werr = tw.Write(line); werr == nil {
			written++
		}
	}
	if err := tw.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		s.log.Warn("write event stats", "err", werr)
	}
	if err := s.opts.Events.AuditStatsExport(r.Context(), p, top, string(format), written, werr != nil); err != nil {
		// The status is sent; all that is left is to log.
		s.log.Error("audit event stats export", "err", err)
	}
}
