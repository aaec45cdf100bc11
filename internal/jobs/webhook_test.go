package jobs_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/jobs"
)

const hookSecret = "0123456789abcdef-test-secret"

// receiver is a webhook endpoint that fails its first failures requests,
// checks every signature against the test clock and can be held.
type receiver struct {
	t        *testing.T
	clock    *clock
	failures int
	status   int
	hold     chan struct{} // non-nil: requests wait for it (or their end)
	holdOne  chan struct{} // non-nil: the first request waits for it
	arrived  chan struct{}

	mu         sync.Mutex
	requests   int
	deliveries []string
	bodies     []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.requests++
	n := rc.requests
	rc.deliveries = append(rc.deliveries, r.Header.Get(jobs.DeliveryHeader))
	rc.bodies = append(rc.bodies, string(body))
	rc.mu.Unlock()
	if err := jobs.VerifySignature([]byte(hookSecret), r.Header.Get(jobs.SignatureHeader), body, rc.clock.Now(), 5*time.Minute); err != nil {
		rc.t.Errorf("request %d: %v", n, err)
	}
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get(jobs.TypeHeader) == "" {
		rc.t.Errorf("request %d: headers %v", n, r.Header)
	}
	if rc.arrived != nil {
		rc.arrived <- struct{}{}
	}
	hold := rc.hold
	if n == 1 && rc.holdOne != nil {
		hold = rc.holdOne
	}
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	if n <= rc.failures {
		status := rc.status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		http.Error(w, "not now", status)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.requests
}

type row struct {
	attempts    int
	next        *time.Time
	delivered   bool
	lastStatus  int
	lastError   string
	claimedBy   string
	claimedTill *time.Time
}

func readDelivery(t *testing.T, d *db.DB, id int64) row {
	t.Helper()
	var r row
	var next, delivered, claimed sql.NullTime
	err := d.Read().QueryRowContext(context.Background(), `SELECT attempts, next_attempt_at, delivered_at, last_status, last_error, claimed_by, claimed_until
		FROM webhook_deliveries WHERE id = $1`, id).Scan(&r.attempts, &next, &delivered, &r.lastStatus, &r.lastError, &r.claimedBy, &claimed)
	if err != nil {
		t.Fatal(err)
	}
	if next.Valid {
		v := next.Time.UTC()
		r.next = &v
	}
	if claimed.Valid {
		v := claimed.Time.UTC()
		r.claimedTill = &v
	}
	r.delivered = delivered.Valid
	return r
}

func enqueue(t *testing.T, d *db.DB, url string, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	if err := jobs.EnqueueWebhook(ctx, d.Write(), url, "event.warning", []byte(`{"type":"event.warning"}`), at); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := d.Read().QueryRowContext(ctx, `SELECT MAX(id) FROM webhook_deliveries`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func newDispatcher(t *testing.T, d *db.DB, c *clock, cfg jobs.WebhookConfig) *jobs.Dispatcher {
	t.Helper()
	cfg.Secret, cfg.Now = hookSecret, c.Now
	if cfg.Jitter == nil {
		cfg.Jitter = func(d time.Duration) time.Duration { return d }
	}
	w, err := jobs.NewDispatcher(d, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// A receiver that fails three times gets the delivery on the fourth
// attempt, after waits of 1, 2 and 4 minutes; every request is signed and
// carries the same delivery id.
func TestWebhookRetriesWithBackoff(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newClock()
		rc := &receiver{t: t, clock: c, failures: 3}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		var waits []time.Duration
		w := newDispatcher(t, d, c, jobs.WebhookConfig{Endpoints: []string{srv.URL}, Jitter: func(d time.Duration) time.Duration {
			waits = append(waits, d)
			return d
		}})
		id := enqueue(t, d, srv.URL, c.Now())
		deliver := func(want jobs.Deliveries) {
			t.Helper()
			got, err := w.DeliverDue(ctx)
			if err != nil || got != want {
				t.Fatalf("at +%v: %+v, %v; want %+v", c.Now().Sub(newClock().Now()), got, err, want)
			}
		}
		deliver(jobs.Deliveries{Failed: 1})
		deliver(jobs.Deliveries{}) // not due again yet
		for _, wait := range []time.Duration{time.Minute, 2 * time.Minute} {
			c.Add(wait - time.Second)
			deliver(jobs.Deliveries{})
			c.Add(time.Second)
			deliver(jobs.Deliveries{Failed: 1})
		}
		r := readDelivery(t, d, id)
		if r.attempts != 3 || r.lastStatus != 500 || !strings.Contains(r.lastError, "HTTP 500") || r.next == nil ||
			!r.next.Equal(c.Now().Add(4*time.Minute)) || r.claimedBy != "" {
			t.Fatalf("after 3 failures: %+v", r)
		}
		c.Add(4 * time.Minute)
		deliver(jobs.Deliveries{Sent: 1})
		c.Add(24 * time.Hour)
		deliver(jobs.Deliveries{})
		r = readDelivery(t, d, id)
		if r.attempts != 4 || !r.delivered || r.next != nil || r.lastStatus != 204 || r.lastError != "" {
			t.Fatalf("delivered: %+v", r)
		}
		if rc.count() != 4 || len(waits) != 3 || waits[0] != time.Minute || waits[1] != 2*time.Minute || waits[2] != 4*time.Minute {
			t.Fatalf("%d requests, waits %v", rc.count(), waits)
		}
		for _, got := range rc.deliveries {
			if got != rc.deliveries[0] || got == "" {
				t.Fatalf("delivery ids %v", rc.deliveries)
			}
		}
	})
}

// After MaxAttempts failures a delivery is given up; one to an endpoint no
// longer configured is never sent; redirects are not followed.
func TestWebhookGivesUp(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newClock()
		rc := &receiver{t: t, clock: c, failures: 1000, status: http.StatusServiceUnavailable}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		var elsewhere atomic.Int32
		target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
		defer target.Close()
		redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
		defer redirect.Close()

		w := newDispatcher(t, d, c, jobs.WebhookConfig{Endpoints: []string{srv.URL, redirect.URL}, MaxAttempts: 3})
		failing := enqueue(t, d, srv.URL, c.Now())
		gone := enqueue(t, d, "https://removed.example/hook", c.Now())
		moved := enqueue(t, d, redirect.URL, c.Now())
		got, err := w.DeliverDue(ctx)
		if err != nil || got != (jobs.Deliveries{Failed: 2, GaveUp: 1}) {
			t.Fatalf("first round: %+v %v", got, err)
		}
		for range 4 {
			c.Add(time.Hour)
			if _, err := w.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if r := readDelivery(t, d, failing); r.attempts != 3 || r.next != nil || r.delivered || !strings.Contains(r.lastError, "HTTP 503") {
			t.Fatalf("failing: %+v", r)
		}
		if r := readDelivery(t, d, gone); r.attempts != 0 || r.next != nil || r.delivered || r.lastError != "endpoint no longer configured" {
			t.Fatalf("unconfigured: %+v", r)
		}
		if r := readDelivery(t, d, moved); r.attempts != 3 || r.lastStatus != http.StatusFound || r.delivered {
			t.Fatalf("redirected: %+v", r)
		}
		if rc.count() != 3 || elsewhere.Load() != 0 {
			t.Fatalf("%d requests to the failing endpoint, %d followed redirects", rc.count(), elsewhere.Load())
		}
	})
}

// A receiver that does not answer in time is a failed attempt.
func TestWebhookTimeout(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	c := newClock()
	rc := &receiver{t: t, clock: c, hold: make(chan struct{})}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	defer close(rc.hold)
	w := newDispatcher(t, d, c, jobs.WebhookConfig{Endpoints: []string{srv.URL}, Timeout: 50 * time.Millisecond})
	id := enqueue(t, d, srv.URL, c.Now())
	got, err := w.DeliverDue(context.Background())
	if err != nil || got.Failed != 1 {
		t.Fatalf("%+v %v", got, err)
	}
	if r := readDelivery(t, d, id); r.attempts != 1 || r.next == nil || r.lastStatus != 0 || r.lastError == "" {
		t.Fatalf("%+v", r)
	}
}

// Two workers never send one delivery at once; a claim left by a worker
// that died is taken over when it runs out.
func TestWebhookClaims(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newClock()
		rc := &receiver{t: t, clock: c, holdOne: make(chan struct{}), arrived: make(chan struct{}, 10)}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		cfg := jobs.WebhookConfig{Endpoints: []string{srv.URL}, Timeout: time.Minute}
		one, two := newDispatcher(t, d, c, cfg), newDispatcher(t, d, c, cfg)
		id := enqueue(t, d, srv.URL, c.Now())

		first := make(chan jobs.Deliveries, 1)
		go func() {
			got, err := one.DeliverDue(ctx)
			if err != nil {
				t.Error(err)
			}
			first <- got
		}()
		<-rc.arrived
		if got, err := two.DeliverDue(ctx); err != nil || got != (jobs.Deliveries{Contended: 1}) {
			t.Fatalf("second worker: %+v %v", got, err)
		}
		if r := readDelivery(t, d, id); r.claimedBy == "" || r.claimedTill == nil {
			t.Fatalf("not claimed: %+v", r)
		}
		// The first worker hangs past its claim (timeout + 30s); the
		// second takes the delivery over and sends it.
		c.Add(2 * time.Minute)
		if got, err := two.DeliverDue(ctx); err != nil || got != (jobs.Deliveries{Sent: 1}) {
			t.Fatalf("takeover: %+v %v", got, err)
		}
		<-rc.arrived
		// The first worker's late answer does not overwrite the outcome.
		close(rc.holdOne)
		<-first
		if r := readDelivery(t, d, id); !r.delivered || r.attempts != 1 || r.next != nil {
			t.Fatalf("after both: %+v", r)
		}
	})
}

// The default jitter waits between half and all of the backoff, which
// doubles from BaseDelay up to MaxDelay; bad configurations are refused.
func TestWebhookBackoffAndConfig(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	c := newClock()
	rc := &receiver{t: t, clock: c, failures: 1000}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w, err := jobs.NewDispatcher(d, jobs.WebhookConfig{Endpoints: []string{srv.URL}, Secret: hookSecret, Now: c.Now}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 4: 8 * time.Minute, 9: 256 * time.Minute, 10: 6 * time.Hour, 80: 6 * time.Hour} {
		if got := w.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
	for range 20 {
		id := enqueue(t, d, srv.URL, c.Now())
		if _, err := w.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		r := readDelivery(t, d, id)
		if wait := r.next.Sub(c.Now()); wait < 30*time.Second || wait > time.Minute {
			t.Fatalf("first retry after %v, want 30s–1m", wait)
		}
	}
	for _, cfg := range []jobs.WebhookConfig{
		{Endpoints: []string{"ftp://example.com/"}, Secret: hookSecret},
		{Endpoints: []string{"https://user:pw@example.com/"}, Secret: hookSecret},
		{Endpoints: []string{"/relative"}, Secret: hookSecret},
		{Endpoints: []string{srv.URL}, Secret: "short"},
		{Secret: hookSecret},
	} {
		if _, err := jobs.NewDispatcher(d, cfg, quiet); err == nil {
			t.Errorf("accepted %+v", cfg)
		}
	}
	body := []byte(`{"a":1}`)
	sig := jobs.Sign([]byte(hookSecret), c.Now(), body)
	for _, bad := range []struct {
		header string
		body   []byte
		now    time.Time
	}{
		{sig, []byte(`{"a":2}`), c.Now()},
		{sig, body, c.Now().Add(10 * time.Minute)},
		{"t=1,v1=zz", body, c.Now()},
		{"", body, c.Now()},
	} {
		if err := jobs.VerifySignature([]byte(hookSecret), bad.header, bad.body, bad.now, 5*time.Minute); err == nil {
			t.Errorf("accepted %q", bad.header)
		}
	}
}
