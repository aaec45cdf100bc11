package httpapi

import (
	"context"
	"crypto/subtle"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/attach"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/dashboard"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/live"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/resident"
	"github.com/gridgov/gridgov/internal/workforce"
	"github.com/gridgov/gridgov/internal/zhreason"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "gridgov_session"

// Options are the server's dependencies and settings.
type Options struct {
	DB      *db.DB
	Auth    *auth.Service
	Regions *region.Store
	// Map is the grid map; without it the map endpoints are not served.
	Map *gridmap.Service
	// Registry is the person and house registry; optional like Map.
	Registry *registry.Service
	// Departments (with routing rules) and Categories are the event
	// catalog; each is optional like Map.
	Departments *department.Service
	Categories  *category.Service
	// Events is the closed loop of events; optional like Map.
	Events *event.Service
	// Calendar is the working calendar deadlines are counted with;
	// optional like Map.
	Calendar *calendar.Service
	// APIKeys checks the keys of API clients (Open311 posts) and lets
	// administrators manage them; without it nothing can be posted.
	APIKeys *apikey.Service
	// Attachments keeps the photos and files on events; without it (or
	// without Events) the attachment endpoints are not served.
	Attachments *attach.Service
	// Workforce is the grid workforce (workers, teams, devices,
	// attendance); optional like Map.
	Workforce *workforce.Service
	// Residents is the residents' app (sign-in by phone code, following,
	// the chosen grid) and the notices; optional like Map.
	Residents *resident.Service
	// Dashboard builds the big-screen panels and Live carries their
	// changes to screens over Server-Sent Events; without Dashboard the
	// dashboard endpoints are not served, without Live the stream is not.
	Dashboard *dashboard.Service
	Live      *live.Bus
	// DisplayRecheck is how often an open dashboard stream of a display
	// session checks that the session still stands (default 30 s).
	DisplayRecheck time.Duration
	// BaseMapURL is an XYZ tile URL template for a base map under the grids
	// (empty: none, for offline government networks).
	BaseMapURL string
	Log        *slog.Logger
	// UI is the built web console (web/dist); nil or without index.html when
	// the UI was not built.
	UI fs.FS
	// CookieSecure marks cookies Secure even without TLS on this hop, for
	// deployments behind a TLS-terminating proxy.
	CookieSecure bool
	// TrustedProxies may set X-Forwarded-For and X-Forwarded-Proto.
	TrustedProxies []netip.Prefix
	Version        string
	// MaxBodyBytes limits JSON request bodies, MaxUploadBytes file uploads.
	MaxBodyBytes   int64
	MaxUploadBytes int64
}

// Server is the HTTP server's handler set.
type Server struct {
	opts     Options
	log      *slog.Logger
	metrics  *metrics
	registry *prometheus.Registry
	tiler    *gridmap.Tiler
	csp      string
	// errorReports holds recent import error reports for download.
	errorReports errorReports
	importJobs   importJobs
	// refusals words in Chinese the detail and field messages of problems
	// and the reasons of rejected import rows.
	refusals *zhreason.Catalog
	// displayStreams are the open dashboard streams of display sessions.
	displayStreams displayStreams
	handler        http.Handler
}

// New builds the server and its routes.
func New(opts Options) *Server {
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxUploadBytes == 0 {
		opts.MaxUploadBytes = DefaultMaxUploadBytes
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, pool := range opts.DB.Pools() {
		reg.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
	s := &Server{opts: opts, log: opts.Log, registry: reg, metrics: newMetrics(reg), csp: contentSecurityPolicy(opts.BaseMapURL),
		refusals: zhreason.NewAPI()}
	registerLiveMetrics(reg, opts.Dashboard, opts.Live)
	if opts.Map != nil {
		s.tiler = gridmap.NewTiler(opts.Map.Locator)
	}
	s.handler = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))

	mux.HandleFunc("POST /api/v1/auth/login", s.login)
	mux.Handle("POST /api/v1/auth/logout", s.authed(s.logout, allowRestricted|allowDisplay))
	mux.Handle("GET /api/v1/me", s.authed(s.me, allowRestricted|allowDisplay))
	mux.Handle("POST /api/v1/me/password", s.authed(s.changePassword, allowRestricted))
	mux.Handle("POST /api/v1/me/totp/enroll", s.authed(s.enrollTOTP, allowRestricted))
	mux.Handle("POST /api/v1/me/totp/confirm", s.authed(s.confirmTOTP, allowRestricted))

	mux.Handle("GET /api/v1/users", s.authed(s.listUsers, 0))
	mux.Handle("POST /api/v1/users", s.authed(s.createUser, 0))
	mux.Handle("GET /api/v1/users/{id}", s.authed(s.getUser, 0))
	mux.Handle("PATCH /api/v1/users/{id}", s.authed(s.updateUser, 0))

	mux.Handle("GET /api/v1/regions", s.authed(s.listRegions, allowDisplay))
	mux.Handle("POST /api/v1/regions", s.authed(s.createRegion, 0))
	if s.opts.Map != nil {
		mux.Handle("GET /api/v1/regions/{code}", s.authed(s.getRegionDetail, 0))
		mux.Handle("GET /api/v1/regions/search", s.authed(s.searchRegions, 0))
		mux.Handle("GET /api/v1/regions/{code}/geometry", s.authed(s.regionGeometry, allowDisplay))
		mux.Handle("GET /api/v1/regions/{code}/export", s.authed(s.exportRegions, 0))
		mux.Handle("GET /api/v1/regions/{code}/check", s.authed(s.checkRegion, 0))
		mux.Handle("POST /api/v1/regions/import", s.authed(s.importRegions, 0))
		mux.Handle("POST /api/v1/overlays/import", s.authed(s.importOverlays, 0))
		mux.Handle("POST /api/v1/stations/import", s.authed(s.importStations, 0))
		mux.Handle("POST /api/v1/stations", s.authed(s.createStation, 0))
		mux.Handle("GET /api/v1/stations", s.authed(s.listStations, 0))
		mux.Handle("GET /api/v1/locate", s.authed(s.locate, 0))
		mux.Handle("POST /api/v1/locate", s.authed(s.locateBatch, 0))
		mux.Handle("GET /api/v1/map/tiles/{z}/{x}/{y}", s.authed(s.mapTile, 0))
		mux.Handle("GET /api/v1/map/config", s.authed(s.mapConfig, allowDisplay))
	} else {
		mux.Handle("GET /api/v1/regions/{code}", s.authed(s.getRegion, 0))
	}

	mux.Handle("GET /api/v1/audit", s.authed(s.listAudit, 0))

	if s.opts.Registry != nil {
		mux.Handle("POST /api/v1/houses", s.authed(s.saveHouse, 0))
		mux.Handle("GET /api/v1/houses", s.authed(s.listHouses, 0))
		mux.Handle("GET /api/v1/houses/{code}", s.authed(s.getHouse, 0))
		mux.Handle("POST /api/v1/persons", s.authed(s.savePerson, 0))
		mux.Handle("POST /api/v1/persons/search", s.authed(s.searchPersons, 0))
		mux.Handle("GET /api/v1/persons/export", s.authed(s.exportPersons, 0))
		mux.Handle("GET /api/v1/persons/{id}", s.authed(s.getPerson, 0))
		mux.Handle("PATCH /api/v1/persons/{id}", s.authed(s.updatePerson, 0))
		mux.Handle("POST /api/v1/persons/{id}/reveal", s.authed(s.revealPerson, 0))
		mux.Handle("POST /api/v1/registry/import/{kind}", s.authed(s.importRegistry, 0))
		mux.Handle("GET /api/v1/registry/imports/{id}", s.authed(s.importStatus, 0))
		mux.Handle("GET /api/v1/registry/import-errors/{token}", s.authed(s.importErrors, 0))
		mux.Handle("GET /api/v1/registry/templates/{kind}", s.authed(s.importTemplate, 0))
		mux.Handle("POST /api/v1/sampling/rounds", s.authed(s.startSampling, 0))
		mux.Handle("GET /api/v1/sampling/rounds", s.authed(s.listSamplingRounds, 0))
		mux.Handle("GET /api/v1/sampling/rounds/{id}/accuracy", s.authed(s.samplingAccuracy, 0))
		mux.Handle("GET /api/v1/sampling/items", s.authed(s.pendingSamples, 0))
		mux.Handle("GET /api/v1/sampling/items/{id}", s.authed(s.getSample, 0))
		mux.Handle("POST /api/v1/sampling/items/{id}", s.authed(s.checkSample, 0))
	}

	s.catalogRoutes(mux)
	s.eventRoutes(mux)
	s.notificationRoutes(mux)
	s.open311Routes(mux)
	s.attachmentRoutes(mux)
	s.calendarRoutes(mux)
	s.workforceRoutes(mux)
	s.workforceFieldRoutes(mux)
	s.dashboardRoutes(mux)
	s.displayRoutes(mux)
	s.residentRoutes(mux)
	s.workforceDeviceRoutes(mux)

	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, apperr.New(apperr.NotFound, "no such API endpoint: %s %s", r.Method, r.URL.Path))
	})
	mux.Handle("/", s.ui())

	// Refuse state-changing requests that a browser marks as cross-site,
	// before any handler runs; the session's CSRF token is a second check.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "cross-origin request refused"))
	}))
	// Open311 clients on other sites post with an API key, never a cookie.
	csrf.AddInsecureBypassPattern("POST /open311/")
	return s.observe(csrf.Handler(mux))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.opts.Version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.opts.DB.Ping(ctx); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "not ready", slog.Any("err", err))
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": string(s.opts.DB.Engine)})
}

// principalBox carries the authenticated principal up to the request log.
type principalBox struct {
	set bool
	p   auth.Principal
}

type authFlags int

// allowRestricted lets a session that must still change its password or
// enrol TOTP reach the endpoint; all others refuse such sessions.
// allowDisplay lets the session of a wall display reach it: the big
// screen's reads only; all others refuse such sessions.
const (
	allowRestricted authFlags = 1 << iota
	allowDisplay
)

// authed resolves the caller from the bearer token or the session cookie,
// checks the CSRF token on cookie-authenticated writes, and passes the
// principal to the handler.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, auth.Principal), flags authFlags) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, viaCookie := bearerToken(r), false
		if token == "" {
			if c, err := r.Cookie(SessionCookie); err == nil {
				token, viaCookie = c.Value, true
			}
		}
		if token == "" {
			s.writeError(w, r, apperr.New(apperr.Unauthorized, "log in first"))
			return
		}
		p, err := s.opts.Auth.Authenticate(r.Context(), token, s.clientIP(r))
		if err != nil {
			if viaCookie && apperr.Is(err, apperr.Unauthorized) {
				s.clearCookie(w, r)
			}
			s.writeError(w, r, err)
			return
		}
		if box, ok := r.Context().Value(principalKey).(*principalBox); ok {
			box.set, box.p = true, p
		}
		if p.Display != nil && flags&allowDisplay == 0 {
			s.writeError(w, r, apperr.New(apperr.Forbidden,
				"this browser is the display %q: it may only show the dashboards; sign in on another browser to use the console", p.Display.Name))
			return
		}
		if viaCookie && !safeMethod(r.Method) {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRFToken)) != 1 {
				s.writeError(w, r, apperr.New(apperr.Forbidden, "missing or wrong X-CSRF-Token header"))
				return
			}
		}
		if flags&allowRestricted == 0 {
			switch {
			case p.User.MustChangePassword:
				s.writeError(w, r, apperr.New(apperr.Forbidden, "change your one-time password first"))
				return
			case p.Restricted:
				s.writeError(w, r, apperr.New(apperr.Forbidden, "your role requires two-factor login; enrol an authenticator first"))
				return
			}
		}
		h(w, r, p)
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.isTLS(r), SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1,
		Secure: s.isTLS(r), SameSite: http.SameSiteLaxMode,
	})
}
