package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
)

// Big-screen terminals (大屏终端): a signed-in admin, center or leader turns
// the browser showing /screen into a display whose session only reads the
// dashboards (see auth/display.go). Which endpoints a display session may
// call is decided in one place: authed refuses it on every route not
// registered with allowDisplay.

// defaultDisplayRecheck is how often an open dashboard stream of a display
// checks that its session still stands (a revocation on another server, an
// expiry); a revocation on this server closes the stream at once.
const defaultDisplayRecheck = 30 * time.Second

func (s *Server) displayRoutes(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/displays", s.authed(s.createDisplay, 0))
	mux.Handle("GET /api/v1/displays", s.authed(s.listDisplays, 0))
	mux.Handle("DELETE /api/v1/displays/{id}", s.authed(s.revokeDisplay, 0))
}

type displayRefJSON struct {
	ID     int64      `json:"id"`
	Name   string     `json:"name"`
	Region regionName `json:"region"`
}

type regionName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func displayRefOf(d *auth.DisplayRef) *displayRefJSON {
	if d == nil {
		return nil
	}
	return &displayRefJSON{ID: d.ID, Name: d.Name, Region: regionName{Code: d.RegionCode, Name: d.RegionName}}
}

type displayJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Region     regionName `json:"region"`
	CreatedBy  userRef    `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	// RevokedBy is empty when the screen itself signed out.
	RevokedBy string     `json:"revoked_by"`
	Active    bool       `json:"active"`
	EndsAt    *time.Time `json:"ends_at"`
}

type userRef struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

func displayOf(d auth.Display) displayJSON {
	return displayJSON{ID: d.ID, Name: d.Name, Region: regionName{Code: d.RegionCode, Name: d.RegionName},
		CreatedBy: userRef{ID: d.CreatedBy, Username: d.CreatedByName}, CreatedAt: d.CreatedAt, LastSeenAt: d.LastSeenAt,
		RevokedAt: d.RevokedAt, RevokedBy: d.RevokedByName, Active: d.Active, EndsAt: d.EndsAt}
}

// createDisplay replaces the caller's session with a display session and
// sets its cookie, which outlives a browser restart (a wall screen's
// browser is often restarted at night).
func (s *Server) createDisplay(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		Name   string `json:"name"`
		Region string `json:"region"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.opts.Auth.CreateDisplay(r.Context(), p, auth.NewDisplay{Name: req.Name, Region: req.Region})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: res.Token, Path: "/", HttpOnly: true, Expires: res.ExpiresAt,
		Secure: s.isTLS(r), SameSite: http.SameSiteLaxMode,
	})
	writeJSON(w, http.StatusCreated, map[string]any{"token": res.Token, "csrf_token": res.Principal.CSRFToken,
		"user": meOf(res.Principal), "display": displayOf(res.Display)})
}

func (s *Server) listDisplays(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	list, err := s.opts.Auth.ListDisplays(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]displayJSON, len(list))
	for i, d := range list {
		items[i] = displayOf(d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) revokeDisplay(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.opts.Auth.RevokeDisplay(r.Context(), p, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.displayStreams.end(id)
	w.WriteHeader(http.StatusNoContent)
}

// displayStreams are the open dashboard streams of display sessions on
// this server, by display, so that a revocation closes them at once.
type displayStreams struct {
	mu   sync.Mutex
	open map[int64]map[chan struct{}]struct{}
}

func (d *displayStreams) add(id int64) chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.open == nil {
		d.open = map[int64]map[chan struct{}]struct{}{}
	}
	if d.open[id] == nil {
		d.open[id] = map[chan struct{}]struct{}{}
	}
	ch := make(chan struct{})
	d.open[id][ch] = struct{}{}
	return ch
}

func (d *displayStreams) remove(id int64, ch chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.open[id][ch]; ok {
		delete(d.open[id], ch)
		close(ch)
	}
	if len(d.open[id]) == 0 {
		delete(d.open, id)
	}
}

// end closes every open stream of the display.
func (d *displayStreams) end(id int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for ch := range d.open[id] {
		close(ch)
	}
	delete(d.open, id)
}

// watchDisplay returns a channel closed when a display principal's session
// ends while a long request runs: at once when it is revoked on this
// server, else at the next periodic check. For other principals the
// channel is nil (never ready). stop must be called when the request ends.
func (s *Server) watchDisplay(ctx context.Context, p auth.Principal) (ended <-chan struct{}, stop func()) {
	if p.Display == nil {
		return nil, func() {}
	}
	id := p.Display.ID
	revoked := s.displayStreams.add(id)
	out := make(chan struct{})
	ctx, cancel := context.WithCancel(ctx)
	every := s.opts.DisplayRecheck
	if every <= 0 {
		every = defaultDisplayRecheck
	}
	go func() {
		defer close(out)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-revoked:
				return
			case <-tick.C:
				err := s.opts.Auth.Recheck(ctx, p)
				if err == nil {
					continue
				}
				if ctx.Err() != nil {
					return
				}
				if !apperr.Is(err, apperr.Unauthorized) {
					// A database hiccup is not a revocation: try again next time.
					s.log.LogAttrs(ctx, slog.LevelWarn, "display recheck failed", slog.Int64("display", id), slog.Any("err", err))
					continue
				}
				return
			}
		}
	}()
	return out, func() {
		cancel()
		s.displayStreams.remove(id, revoked)
	}
}
