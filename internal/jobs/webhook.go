package jobs

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
)

// Webhook request headers.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256 of
	// "<t>.<body>" under the shared secret>": the receiver recomputes it
	// and refuses old timestamps, so a captured request cannot be replayed.
	SignatureHeader = "X-Gridgov-Signature"
	// DeliveryHeader is the delivery's id: the same on every retry, so a
	// receiver can drop repeats.
	DeliveryHeader = "X-Gridgov-Delivery"
	// TypeHeader is the payload's type, e.g. event.warning.
	TypeHeader = "X-Gridgov-Event"
)

// MinSecretLen is the shortest webhook secret accepted.
const MinSecretLen = 16

// WebhookConfig sets up webhook deliveries.
type WebhookConfig struct {
	// Endpoints are the only URLs deliveries go to (http or https).
	Endpoints []string
	// Secret signs every request; at least MinSecretLen bytes.
	Secret string
	// MaxAttempts before a delivery is given up (default 8).
	MaxAttempts int
	// BaseDelay is the wait after the first failure, doubled after each
	// further one up to MaxDelay (defaults 1 minute and 6 hours).
	BaseDelay, MaxDelay time.Duration
	// Timeout of one request (default 10s).
	Timeout time.Duration
	// Batch is the number of deliveries taken per run (default 100),
	// Parallel how many are sent at once (default 4).
	Batch, Parallel int
	// Client sends the requests; nil: one with Timeout that follows no
	// redirects (a redirect could lead anywhere).
	Client *http.Client
	Now    func() time.Time // nil: time.Now
	// Jitter turns a backoff delay d into the actual wait; nil: a random
	// duration in [d/2, d], so that failed receivers are not retried in
	// lockstep.
	Jitter func(d time.Duration) time.Duration
}

// ValidateEndpoint checks a webhook URL: absolute http or https, with a
// host, without credentials (the signature authenticates) or fragment.
func ValidateEndpoint(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		// The parser's error repeats the URL, credentials and all.
		return errors.New("webhook url: not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("webhook url %q: must be http or https", u.Redacted())
	case u.Host == "":
		return fmt.Errorf("webhook url %q: no host", u.Redacted())
	case u.User != nil:
		return fmt.Errorf("webhook url %q: must not carry credentials; requests are signed", u.Redacted())
	case u.Fragment != "":
		return fmt.Errorf("webhook url %q: must not have a fragment", u.Redacted())
	}
	return nil
}

// EnqueueWebhook queues a delivery of payload to url, due at at, inside
// the caller's transaction or not.
func EnqueueWebhook(ctx context.Context, q db.Querier, url, kind string, payload []byte, at time.Time) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO webhook_deliveries (url, kind, payload, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $4)`, url, kind, string(payload), audit.Canonical(at)); err != nil {
		return fmt.Errorf("webhook delivery: %w", err)
	}
	return nil
}

// Dispatcher sends due webhook deliveries and schedules retries.
type Dispatcher struct {
	db  *db.DB
	cfg WebhookConfig
	log *slog.Logger
}

// NewDispatcher checks the configuration and returns the dispatcher.
func NewDispatcher(d *db.DB, cfg WebhookConfig, log *slog.Logger) (*Dispatcher, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("webhooks: no endpoints")
	}
	for _, e := range cfg.Endpoints {
		if err := ValidateEndpoint(e); err != nil {
			return nil, err
		}
	}
	if len(cfg.Secret) < MinSecretLen {
		return nil, fmt.Errorf("webhooks: the secret must have at least %d bytes", MinSecretLen)
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = time.Minute
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 6 * time.Hour
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Jitter == nil {
		cfg.Jitter = func(d time.Duration) time.Duration { return d/2 + mrand.N(d/2+1) }
	}
	if log == nil {
		log = slog.Default()
	}
	return &Dispatcher{db: d, cfg: cfg, log: log}, nil
}

// Backoff is the delay before the next attempt after n failed attempts,
// before jitter.
func (d *Dispatcher) Backoff(n int) time.Duration {
	delay := d.cfg.BaseDelay
	for i := 1; i < n && delay < d.cfg.MaxDelay; i++ {
		delay *= 2
	}
	return min(delay, d.cfg.MaxDelay)
}

// Deliveries counts what one DeliverDue did.
type Deliveries struct {
	Sent      int `json:"sent"`      // delivered now
	Failed    int `json:"failed"`    // failed, to be retried
	GaveUp    int `json:"gave_up"`   // failed for the last time
	Contended int `json:"contended"` // claimed by another worker first
}

type delivery struct {
	id       int64
	url      string
	kind     string
	payload  string
	attempts int
}

// DeliverDue sends every delivery whose time has come, at most Batch.
// Each is claimed first, so several workers never send one delivery at
// once; one that crashed mid-send is retried when its claim runs out.
func (d *Dispatcher) DeliverDue(ctx context.Context) (Deliveries, error) {
	now := audit.Canonical(d.cfg.Now())
	rows, err := d.db.Read().QueryContext(ctx, `SELECT id, url, kind, payload, attempts FROM webhook_deliveries
		WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2`, now, d.cfg.Batch)
	if err != nil {
		return Deliveries{}, fmt.Errorf("webhook deliveries: %w", err)
	}
	var due []delivery
	for rows.Next() {
		var w delivery
		if err := rows.Scan(&w.id, &w.url, &w.kind, &w.payload, &w.attempts); err != nil {
			rows.Close()
			return Deliveries{}, fmt.Errorf("webhook deliveries: %w", err)
		}
		due = append(due, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Deliveries{}, fmt.Errorf("webhook deliveries: %w", err)
	}

	var (
		mu    sync.Mutex
		out   Deliveries
		errs  []error
		wg    sync.WaitGroup
		slots = make(chan struct{}, d.cfg.Parallel)
	)
	for _, w := range due {
		if ctx.Err() != nil {
			break
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			outcome, err := d.deliver(ctx, w)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			switch outcome {
			case sent:
				out.Sent++
			case failed:
				out.Failed++
			case gaveUp:
				out.GaveUp++
			case contended:
				out.Contended++
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

type outcome int

const (
	sent outcome = iota
	failed
	gaveUp
	contended
)

func (d *Dispatcher) deliver(ctx context.Context, w delivery) (outcome, error) {
	now := audit.Canonical(d.cfg.Now())
	token := randomToken()
	// The claim outlasts the request, so nobody else takes it meanwhile.
	res, err := d.db.Write().ExecContext(ctx, `UPDATE webhook_deliveries SET claimed_until = $1, claimed_by = $2
		WHERE id = $3 AND next_attempt_at IS NOT NULL AND next_attempt_at <= $4 AND (claimed_until IS NULL OR claimed_until < $4)`,
		now.Add(d.cfg.Timeout+30*time.Second), token, w.id, now)
	if err != nil {
		return 0, fmt.Errorf("claim webhook delivery %d: %w", w.id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return contended, nil
	}
	if !slices.Contains(d.cfg.Endpoints, w.url) {
		// Only configured endpoints are ever called; one removed from the
		// configuration since gets nothing more.
		return gaveUp, d.settle(ctx, w, token, w.attempts, 0, "endpoint no longer configured", true, false)
	}
	status, sendErr := d.send(ctx, w, now)
	attempts := w.attempts + 1
	if sendErr == nil {
		return sent, d.settle(ctx, w, token, attempts, status, "", true, true)
	}
	msg := sendErr.Error()
	last := attempts >= d.cfg.MaxAttempts
	level := slog.LevelInfo
	if last {
		level = slog.LevelWarn
	}
	d.log.LogAttrs(ctx, level, "webhook delivery failed", slog.Int64("delivery", w.id), slog.Int("attempt", attempts),
		slog.Bool("gave_up", last), slog.String("err", msg))
	if err := d.settle(ctx, w, token, attempts, status, msg, last, false); err != nil {
		return 0, err
	}
	if last {
		return gaveUp, nil
	}
	return failed, nil
}

// send posts the payload, signed; any answer but 2xx is a failure.
func (d *Dispatcher) send(ctx context.Context, w delivery, now time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	body := []byte(w.payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gridgov-webhook/1")
	req.Header.Set(TypeHeader, w.kind)
	req.Header.Set(DeliveryHeader, strconv.FormatInt(w.id, 10))
	req.Header.Set(SignatureHeader, Sign([]byte(d.cfg.Secret), now, body))
	resp, err := d.cfg.Client.Do(req)
	if err != nil {
		// The error names the URL, which carries no credentials.
		return 0, err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return resp.StatusCode, nil
}

// settle records an attempt and frees the claim: done (delivered or given
// up) or scheduled again after a backoff.
func (d *Dispatcher) settle(ctx context.Context, w delivery, token string, attempts, status int, msg string, done, delivered bool) error {
	now := audit.Canonical(d.cfg.Now())
	var next, deliveredAt any
	if !done {
		next = now.Add(d.cfg.Jitter(d.Backoff(attempts)))
	}
	if delivered {
		deliveredAt = now
	}
	if len(msg) > 500 {
		msg = msg[:500]
	}
	// Outlive a cancelled run: the request was made, its outcome must stick.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err := d.db.Write().ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = $1, next_attempt_at = $2, last_status = $3,
		last_error = $4, delivered_at = $5, claimed_until = NULL, claimed_by = '' WHERE id = $6 AND claimed_by = $7`,
		attempts, next, status, msg, deliveredAt, w.id, token)
	if err != nil {
		return fmt.Errorf("record webhook delivery %d: %w", w.id, err)
	}
	return nil
}

func randomToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Sign returns the signature header of a body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// VerifySignature checks a signature header against the body, refusing one
// made more than tolerance away from now. Receivers written in Go can use it.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("webhook signature: malformed")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhook signature: timestamp outside the tolerance")
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(secret, ts, body)) {
		return errors.New("webhook signature: mismatch")
	}
	return nil
}
