package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/attach"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/dashboard"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/httpapi"
	"github.com/gridgov/gridgov/internal/jobs"
	"github.com/gridgov/gridgov/internal/live"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/resident"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workforce"
	"github.com/gridgov/gridgov/web"
)

type serveConfig struct {
	storage
	addr           string
	sessionIdle    time.Duration
	sessionMax     time.Duration
	totpRequired   string
	cookieSecure   bool
	trustedProxies string
	tlsCert        string
	tlsKey         string
	bootstrapAdmin string
	baseMapURL     string
	// samplingPerGrid > 0 runs the monthly sampling job drawing that many records per grid.
	samplingPerGrid int
	// trackRetention is how long patrol tracks (personal data) are kept.
	trackRetention time.Duration
	// webhookURL (comma-separated) receives deadline warnings signed with
	// webhookSecret; autoEscalateRed escalates events left undispatched at
	// a township past their red card.
	webhookURL      string
	webhookSecret   string
	autoEscalateRed bool
	// sms names the sender of residents' sign-in codes.
	sms string

	roles   []auth.Role
	proxies []netip.Prefix
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	c.storage.register(fs)
	fs.StringVar(&c.addr, "addr", ":8080", "listen address")
	fs.DurationVar(&c.sessionIdle, "session-idle", 30*time.Minute, "end sessions unused for this long")
	fs.DurationVar(&c.sessionMax, "session-max", 12*time.Hour, "end every session this long after login")
	fs.StringVar(&c.totpRequired, "totp-required-roles", "", "comma-separated roles that must log in with TOTP (e.g. admin,center)")
	fs.BoolVar(&c.cookieSecure, "cookie-secure", false, "mark cookies Secure even without TLS here (behind a TLS proxy)")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", "", "comma-separated CIDRs of proxies whose X-Forwarded-For is believed")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate file (serve HTTPS)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS private key file")
	fs.StringVar(&c.bootstrapAdmin, "bootstrap-admin", "admin", "on a database without accounts, create this administrator with a one-time password")
	fs.StringVar(&c.baseMapURL, "base-map-url", "", "XYZ tile URL template for a base map under the grids, e.g. a Tianditu or in-house tile server (default none)")
	fs.StringVar(&c.webhookURL, "webhook-url", "", "comma-separated http(s) URLs that receive deadline warnings as signed JSON POSTs (default none)")
	fs.StringVar(&c.webhookSecret, "webhook-secret", "", "HMAC-SHA256 key signing webhook requests, at least 16 characters; prefer GRIDGOV_WEBHOOK_SECRET")
	fs.BoolVar(&c.autoEscalateRed, "auto-escalate-red", false, "escalate an event registered at a township to the county when its dispatch step turns red")
	fs.DurationVar(&c.trackRetention, "track-retention", 180*24*time.Hour, "keep patrol GPS tracks this long, then delete the points and keep the summaries")
	fs.StringVar(&c.sms, "sms", "log", "sender of residents' sign-in codes: log (write them to the log; development only)")
	fs.IntVar(&c.samplingPerGrid, "sampling-per-grid", 0, "start each city's monthly registry sampling check on the first days of the month, drawing this many persons and houses per grid (0: off)")
}

func (c *serveConfig) validate() error {
	errs := c.storage.problems()
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want host:port or :port", c.addr))
	}
	if c.sessionIdle <= 0 || c.sessionMax <= 0 {
		errs = append(errs, errors.New("--session-idle and --session-max must be positive"))
	} else if c.sessionIdle > c.sessionMax {
		errs = append(errs, errors.New("--session-idle must not exceed --session-max"))
	}
	c.roles = nil
	for _, name := range splitList(c.totpRequired) {
		r, err := auth.ParseRole(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("--totp-required-roles: %w", err))
			continue
		}
		c.roles = append(c.roles, r)
	}
	c.proxies = nil
	for _, cidr := range splitList(c.trustedProxies) {
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			errs = append(errs, fmt.Errorf("--trusted-proxies: %q is not a CIDR", cidr))
			continue
		}
		c.proxies = append(c.proxies, p)
	}
	if c.baseMapURL != "" {
		u, err := url.Parse(c.baseMapURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !strings.Contains(c.baseMapURL, "{z}") {
			errs = append(errs, errors.New("--base-map-url must be an http(s) URL template with {z}, {x} and {y}"))
		}
	}
	if c.trackRetention < 24*time.Hour {
		errs = append(errs, errors.New("--track-retention must be at least 24h"))
	}
	if c.samplingPerGrid < 0 || c.samplingPerGrid > registry.MaxPerGrid {
		errs = append(errs, fmt.Errorf("--sampling-per-grid must be between 0 (off) and %d", registry.MaxPerGrid))
	}
	for _, u := range splitList(c.webhookURL) {
		if err := jobs.ValidateEndpoint(u); err != nil {
			errs = append(errs, fmt.Errorf("--webhook-url: %w", err))
		}
	}
	if len(splitList(c.webhookURL)) > 0 && len(c.webhookSecret) < jobs.MinSecretLen {
		errs = append(errs, fmt.Errorf("--webhook-url needs --webhook-secret (or GRIDGOV_WEBHOOK_SECRET) of at least %d characters", jobs.MinSecretLen))
	}
	if c.sms != "log" {
		errs = append(errs, fmt.Errorf("--sms %q: the only sender built in is log; a gateway is added as a resident.SMSSender", c.sms))
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg serveConfig
	cfg.register(fs)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	log := cfg.logger(e.stderr)
	log.Info("starting gridgov", "version", version, "database", db.Describe(cfg.dbConfig()), "addr", cfg.addr)

	d, err := cfg.open(ctx, log)
	if err != nil {
		return err
	}
	defer d.Close()
	keys, err := secret.LoadOrCreate(e.getenv("GRIDGOV_DATA_KEY"), cfg.dataDir)
	if err != nil {
		return err
	}
	authSvc, err := auth.NewService(d, keys, auth.Config{
		SessionIdle: cfg.sessionIdle, SessionMax: cfg.sessionMax, TOTPRequired: cfg.roles,
	}, time.Now)
	if err != nil {
		return err
	}
	if cfg.bootstrapAdmin != "" {
		password, created, err := authSvc.EnsureAdmin(ctx, cfg.bootstrapAdmin)
		if err != nil {
			return fmt.Errorf("create first administrator: %w", err)
		}
		if created {
			fmt.Fprintf(e.stdout, "\n  首个管理员 / first administrator: %s\n  一次性密码 / one-time password:  %s\n  首次登录后须修改 / change it at first login\n\n", cfg.bootstrapAdmin, password)
		}
	}

	locator := gridmap.NewLocator(d, log)
	if err := locator.Refresh(ctx); err != nil {
		return fmt.Errorf("build map index: %w", err)
	}
	go locator.Watch(ctx, 5*time.Second)

	registrySvc := registry.NewService(d, keys, locator, time.Now)
	// The dashboards' change bus: on PostgreSQL it also carries changes
	// between the servers of one database (LISTEN/NOTIFY).
	bus := live.New(live.Config{DB: d, Log: log})
	go bus.Run(ctx)
	if err := registrySvc.EnsureIndexes(ctx); err != nil {
		return err
	}
	// A person stored under an old 15-digit ID number is re-keyed under its
	// 18-character form; a failure here leaves them findable as before.
	if up, err := registrySvc.UpgradeLegacyIDs(ctx); err != nil {
		log.Error("old 15-digit ID numbers not upgraded", "err", err)
	} else {
		if up.Upgraded > 0 {
			log.Info("old 15-digit ID numbers upgraded", "persons", up.Upgraded)
		}
		for _, t := range up.Twins {
			log.Warn("one person registered twice, under an old 15-digit ID number and its 18-character form", "person", t[0], "also", t[1])
		}
	}
	if cfg.samplingPerGrid > 0 {
		job, err := registry.NewSamplingJob(registrySvc, registry.SamplingJobConfig{PerGrid: cfg.samplingPerGrid}, time.Now, log)
		if err != nil {
			return err
		}
		go job.Run(ctx, time.Hour)
	}
	// The event catalog: a new installation gets the default category tree;
	// categories and routing rules are held in memory and reloaded on change.
	categories := category.NewService(d, log, time.Now)
	if _, err := categories.Seed(ctx); err != nil {
		return fmt.Errorf("seed categories: %w", err)
	}
	departments := department.NewService(d, categories, log, time.Now)
	if err := departments.Refresh(ctx); err != nil {
		return fmt.Errorf("load routing rules: %w", err)
	}
	go categories.Watch(ctx, 5*time.Second)
	go departments.Watch(ctx, 5*time.Second)
	// The working calendar: a new installation gets the compiled-in years;
	// edits reach every server through the version row.
	calendars := calendar.NewService(d, log, time.Now)
	if _, err := calendars.Seed(ctx); err != nil {
		return fmt.Errorf("seed work calendar: %w", err)
	}
	if err := calendars.Refresh(ctx); err != nil {
		return fmt.Errorf("load work calendar: %w", err)
	}
	go calendars.Watch(ctx, 5*time.Second)
	// Photos and files on events, content-addressed under the data directory.
	files, err := attach.NewDiskStore(filepath.Join(cfg.dataDir, "files"))
	if err != nil {
		return err
	}
	// Deadlines are counted with the calendar as it is at each moment.
	eventSvc := event.NewService(event.Config{DB: d, Keys: keys, Locator: locator, Catalog: categories, Router: departments, Log: log,
		Calendars: calendars, HomeGrids: resident.Homes{DB: d}, Changes: bus})
	go eventSvc.Run(ctx) // group commit of event writes
	// Background jobs (deadline warnings, webhooks), each run by one server
	// of several at a time; stopped and awaited before the database closes.
	runner, err := jobs.ForServe(jobs.ServeConfig{DB: d, Events: eventSvc, AutoEscalateRed: cfg.autoEscalateRed, Log: log,
		Webhooks: jobs.WebhookConfig{Endpoints: splitList(cfg.webhookURL), Secret: cfg.webhookSecret}})
	if err != nil {
		return err
	}
	jobsCtx, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() { defer close(jobsDone); runner.Run(jobsCtx) }()
	defer func() { stopJobs(); <-jobsDone }()
	// The workforce: check-ins are placed with the map index and the grid
	// boundaries, and scheduled days follow the working calendar.
	workforceSvc := workforce.NewService(workforce.Config{DB: d, Keys: keys, Locator: locator,
		Boundaries: gridmap.NewStore(d, time.Now), Calendar: calendars, Now: time.Now, Changes: bus})
	// Patrol tracks are personal data: the points go after the retention
	// period, the summaries stay.
	go func() {
		t := time.NewTicker(6 * time.Hour)
		defer t.Stop()
		for {
			if n, err := workforceSvc.PurgeTracks(ctx, cfg.trackRetention); err != nil {
				log.Error("purge patrol tracks", "err", err)
			} else if n > 0 {
				log.Info("purged patrol tracks", "patrols", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	// Residents sign in with a code sent by SMS; the log sender only
	// writes it to this log.
	if cfg.sms == "log" {
		log.Warn("residents' sign-in codes are written to this log, not sent (--sms=log); use an SMS gateway in production")
	}
	residentSvc := resident.NewService(resident.Config{DB: d, Keys: keys, Auth: authSvc, Events: eventSvc, Locator: locator,
		SMS: resident.LogSender{Log: log}, Log: log})
	// The dashboards: their figures are read in the background (a city's
	// year of events takes seconds) while the server already listens;
	// people figures are counted per grid after registry changes, when
	// stale at start and every night.
	dash := dashboard.New(dashboard.Config{DB: d, Bus: bus, Categories: categories, Workforce: workforceSvc,
		Zone: calendars.Current().Location(), Log: log})
	registrySvc.Changes = dash.Registry()
	// The event measures of a region are summed from the dashboards' facts
	// in memory once loaded (from the counters until then).
	if err := eventSvc.UseFastCounts(dash.EventCounts()); err != nil {
		log.Warn("event measures read from the counters only", "err", err)
	}
	go dash.StartAndRun(ctx)
	srv := httpapi.New(httpapi.Options{
		Dashboard: dash, Live: bus,
		DB: d, Auth: authSvc, Regions: region.NewStore(d, time.Now), Log: log, UI: web.Dist(), Workforce: workforceSvc,
		Map: gridmap.NewService(d, locator, time.Now), BaseMapURL: cfg.baseMapURL,
		Registry:     registrySvc,
		CookieSecure: cfg.cookieSecure, TrustedProxies: cfg.proxies, Version: version,
		Departments: departments, Categories: categories,
		Events:      eventSvc,
		Calendar:    calendars,
		APIKeys:     apikey.NewService(d, time.Now),
		Attachments: attach.NewService(files, attach.Options{}),
		Residents:   residentSvc,
	})
	if web.Dist() == nil {
		log.Warn("the web console was not built; serving the API only (run make run)")
	}
	httpSrv := &http.Server{
		Addr: cfg.addr, Handler: srv,
		// Long reads for uploads of photos and registry files over slow links.
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 15 * time.Minute, IdleTimeout: 120 * time.Second,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if cfg.tlsCert != "" {
		httpSrv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	scheme := "http"
	if cfg.tlsCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(e.stdout, "gridgov is serving on %s://%s\n", scheme, displayAddr(ln.Addr()))

	go purgeSessions(ctx, log, authSvc)

	errc := make(chan error, 1)
	go func() {
		if cfg.tlsCert != "" {
			errc <- httpSrv.ServeTLS(ln, cfg.tlsCert, cfg.tlsKey)
		} else {
			errc <- httpSrv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		if ok {
			return fmt.Sprintf("localhost:%d", tcp.Port)
		}
		return a.String()
	}
	return tcp.String()
}

// purgeSessions deletes ended sessions every ten minutes.
func purgeSessions(ctx context.Context, log *slog.Logger, svc *auth.Service) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := svc.PurgeExpiredSessions(ctx); err != nil {
				log.Warn("purge sessions", "err", err)
			} else if n > 0 {
				log.Info("purged ended sessions", "count", n)
			}
		}
	}
}
