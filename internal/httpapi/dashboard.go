package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/dashboard"
	"github.com/gridgov/gridgov/internal/live"
	"github.com/prometheus/client_golang/prometheus"
)

// The big-screen dashboards: three panels of pre-aggregated figures and a
// Server-Sent Events stream that says which panels to refetch.

const (
	// streamPing keeps proxies from closing a quiet stream.
	streamPing = 15 * time.Second
	// streamWrite bounds one write to a slow screen.
	streamWrite = 30 * time.Second
)

func (s *Server) dashboardRoutes(mux *http.ServeMux) {
	if s.opts.Dashboard == nil {
		return
	}
	mux.Handle("GET /api/v1/dashboard/people", s.authed(s.dashboardPeople, allowDisplay))
	mux.Handle("GET /api/v1/dashboard/events", s.authed(s.dashboardEvents, allowDisplay))
	mux.Handle("GET /api/v1/dashboard/operations", s.authed(s.dashboardOperations, allowDisplay))
	if s.opts.Live != nil {
		mux.Handle("GET /api/v1/dashboard/stream", s.authed(s.dashboardStream, allowDisplay))
	}
}

func writeRawJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (s *Server) dashboardPeople(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	b, err := s.opts.Dashboard.People(r.Context(), p, r.URL.Query().Get("region"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeRawJSON(w, b)
}

func (s *Server) dashboardEvents(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	b, err := s.opts.Dashboard.Events(r.Context(), p, q.Get("region"), q.Get("from"), q.Get("to"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeRawJSON(w, b)
}

func (s *Server) dashboardOperations(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	b, err := s.opts.Dashboard.Operations(r.Context(), p, q.Get("region"), q.Get("idle_days"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeRawJSON(w, b)
}

// dashboardStream sends `change` when figures under or above the region
// change, at most once in each second, `: ping` every 15 s, and on a resume
// (Last-Event-ID) the changes missed or `reset` when they are gone.
func (s *Server) dashboardStream(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	path, err := s.opts.Dashboard.RegionPath(r.Context(), p, r.URL.Query().Get("region"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var last int64
	if h := strings.TrimSpace(r.Header.Get("Last-Event-ID")); h != "" {
		if last, err = strconv.ParseInt(h, 10, 64); err != nil || last <= 0 {
			last = 1 // not one of ours: the screen gets a reset
		}
	}
	rc := http.NewResponseController(w)
	// The server's read timeout is for uploads; a stream lives longer.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	stream := s.opts.Live.Subscribe(path, last)
	defer stream.Close()
	send := func(msg string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWrite))
		if _, err := fmt.Fprint(w, msg); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	w.WriteHeader(http.StatusOK)
	if !send("retry: 3000\n\n") {
		return
	}
	ctx := r.Context()
	// A display's stream ends with its session (revoked, expired).
	ended, stopWatch := s.watchDisplay(ctx, p)
	defer stopWatch()
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	// At most one message in each second of the clock: a stream whose
	// changes come once a second gets each at once, where a gap of a full
	// second after each send would add the delivery time to the next wait
	// and let the lag creep up.
	var sentSecond int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-ended:
			return
		case <-ping.C:
			if !send(": ping\n\n") {
				return
			}
			continue
		case <-stream.Wake():
		}
		if now := time.Now(); now.Unix() == sentSecond {
			select {
			case <-ctx.Done():
				return
			case <-ended:
				return
			case <-time.After(time.Unix(sentSecond+1, 0).Sub(now)):
			}
		}
		pend := stream.Take()
		var msg string
		switch {
		case pend.Reset:
			msg = fmt.Sprintf("id: %d\nevent: reset\ndata: {}\n\n", pend.ID)
		case len(pend.Topics) > 0:
			msg = fmt.Sprintf("id: %d\nevent: change\ndata: {\"topics\":[%s]}\n\n", pend.ID, quoteTopics(pend.Topics))
		default:
			continue
		}
		if !send(msg) {
			return
		}
		sentSecond = time.Now().Unix()
	}
}

// quoteTopics lists the panels to refetch; an event's change also moves
// the operations panel (worker reports, grid activity).
func quoteTopics(topics []string) string {
	seen := map[string]bool{}
	for _, t := range topics {
		seen[t] = true
	}
	if seen[live.Events] {
		seen[live.Operations] = true
	}
	var out []string
	for _, t := range live.Topics() {
		if seen[t] {
			out = append(out, strconv.Quote(t))
		}
	}
	return strings.Join(out, ",")
}

// registerLiveMetrics exposes what the dashboards and the change bus hold,
// so that a server left running for weeks can be watched for growth.
func registerLiveMetrics(reg *prometheus.Registry, dash *dashboard.Service, bus *live.Bus) {
	if bus != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridgov_live_streams",
			Help: "Change streams (big screens, dashboards) connected."}, func() float64 { return float64(bus.Streams()) }))
	}
	if dash == nil {
		return
	}
	for _, g := range []struct {
		name, help string
		value      func(dashboard.Sizes) int
	}{
		{"gridgov_dashboard_ready", "1 once the dashboards have loaded their figures.", func(z dashboard.Sizes) int {
			if z.Ready {
				return 1
			}
			return 0
		}},
		{"gridgov_dashboard_events", "Events whose facts the dashboards hold (grows with the events table).", func(z dashboard.Sizes) int { return z.Events }},
		{"gridgov_dashboard_open_events", "Open events the dashboards hold.", func(z dashboard.Sizes) int { return z.OpenEvents }},
		{"gridgov_dashboard_day_figures", "Sums of one region's or department's events of one day.", func(z dashboard.Sizes) int { return z.DayFigures }},
		{"gridgov_dashboard_cached_panels", "Encoded panels in the cache (at most 4096).", func(z dashboard.Sizes) int { return z.CachedPanels }},
		{"gridgov_dashboard_dirty_paths", "Regions changed and not yet read again.", func(z dashboard.Sizes) int { return z.DirtyPaths }},
	} {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.name, Help: g.help},
			func() float64 { return float64(g.value(dash.Sizes())) }))
	}
}
