package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/event"
)

// ServeConfig is what `gridgov serve` gives its background jobs.
type ServeConfig struct {
	DB     *db.DB
	Events *event.Service
	// AutoEscalateRed escalates an event registered at a township whose
	// dispatch step turned red (event.EscalateRedAtTownship).
	AutoEscalateRed bool
	// Webhooks: no endpoints, no webhooks.
	Webhooks WebhookConfig
	// Location is the zone in which notifications write times (nil: CST).
	Location *time.Location
	Now      func() time.Time // nil: time.Now
	Log      *slog.Logger
}

// Job names.
const (
	DeadlinesJob = "event-deadlines"
	WebhooksJob  = "webhook-deliveries"
)

// ForServe returns the runner of the server's jobs: the deadline sweep
// every minute and, with endpoints configured, webhook deliveries every
// ten seconds.
func ForServe(c ServeConfig) (*Runner, error) {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	notifier := NewNotifier(c.Webhooks.Endpoints, c.Location)
	opts := event.SweepOptions{Deliver: notifier.Store}
	if c.AutoEscalateRed {
		opts.Escalate = event.EscalateRedAtTownship
	}
	jobs := []Job{DeadlineJob(c.Events, opts, c.Now, c.Log)}
	if len(c.Webhooks.Endpoints) > 0 {
		if c.Webhooks.Now == nil {
			c.Webhooks.Now = c.Now
		}
		d, err := NewDispatcher(c.DB, c.Webhooks, c.Log)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, Job{Name: WebhooksJob, Every: 10 * time.Second, Run: func(ctx context.Context) error {
			n, err := d.DeliverDue(ctx)
			if n != (Deliveries{}) {
				c.Log.LogAttrs(ctx, slog.LevelInfo, "webhook deliveries", slog.Int("sent", n.Sent), slog.Int("failed", n.Failed),
					slog.Int("gave_up", n.GaveUp))
			}
			return err
		}})
	}
	return NewRunner(Config{DB: c.DB, Now: c.Now, Log: c.Log}, jobs...)
}

// DeadlineJob sweeps the events' deadlines every minute.
func DeadlineJob(svc *event.Service, opts event.SweepOptions, now func() time.Time, log *slog.Logger) Job {
	return Job{Name: DeadlinesJob, Every: time.Minute, Run: func(ctx context.Context) error {
		s, err := svc.SweepDeadlinesWith(ctx, now(), opts)
		if err != nil {
			return err
		}
		if s.Yellow+s.Red+s.Overdue+s.Escalated > 0 || s.More {
			log.LogAttrs(ctx, slog.LevelInfo, "deadline sweep", slog.Int("checked", s.Checked), slog.Int("yellow", s.Yellow),
				slog.Int("red", s.Red), slog.Int("overdue", s.Overdue), slog.Int("escalated", s.Escalated),
				slog.Int("conflicts", s.Conflicts), slog.Bool("more", s.More))
		}
		return nil
	}}
}
