package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/region"
)

// SamplingJobConfig sets up the monthly sampling job.
type SamplingJobConfig struct {
	// PerGrid records of each type are drawn per grid.
	PerGrid int
	// Days: the job starts a month's round on its first Days days, so a
	// server that was down on the 1st still starts it. Default 3.
	Days int
	// Location is the deployment's time zone, in which months begin.
	// Default China Standard Time (UTC+8, no daylight saving), where
	// StartSampling's "this month" begins too.
	Location *time.Location
}

// SamplingJob starts the month's sampling round of every city by itself.
// Several servers may run it at once: the round's unique key lets one of
// them create the round and the others take the refusal as done.
type SamplingJob struct {
	svc *Service
	cfg SamplingJobConfig
	now func() time.Time
	log *slog.Logger
}

// NewSamplingJob returns the job; now is its clock.
func NewSamplingJob(svc *Service, cfg SamplingJobConfig, now func() time.Time, log *slog.Logger) (*SamplingJob, error) {
	if cfg.PerGrid < 1 || cfg.PerGrid > MaxPerGrid {
		return nil, fmt.Errorf("sampling job: records per grid must be between 1 and %d, got %d", MaxPerGrid, cfg.PerGrid)
	}
	if cfg.Days <= 0 {
		cfg.Days = 3
	}
	if cfg.Location == nil {
		cfg.Location = sampleZone
	}
	return &SamplingJob{svc: svc, cfg: cfg, now: now, log: log}, nil
}

// RunOnce starts the rounds that are due and not yet there, and returns the
// rounds it started.
func (j *SamplingJob) RunOnce(ctx context.Context) ([]SamplingRound, error) {
	t := j.now().In(j.cfg.Location)
	if t.Day() > j.cfg.Days {
		return nil, nil
	}
	month := t.Format("2006-01")
	cities, err := region.NewStore(j.svc.db, j.svc.now).Children(ctx, region.All(), "")
	if err != nil {
		return nil, fmt.Errorf("sampling job: %w", err)
	}
	system := auth.System("sampling-job")
	var started []SamplingRound
	var errs []error
	for _, city := range cities {
		round, err := j.svc.StartSampling(ctx, system, SamplingStart{Month: month, RegionCode: city.Code, PerGrid: j.cfg.PerGrid})
		switch {
		case errors.Is(err, ErrRoundExists):
			continue
		case errors.Is(err, ErrRoundOverlaps):
			// A round started by hand over part of the city comes first;
			// the city's round would check its grids twice.
			j.log.LogAttrs(ctx, slog.LevelInfo, "sampling round not started", slog.String("month", month),
				slog.String("region", city.Code), slog.Any("reason", err))
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("sampling job: start %s for %s: %w", month, city.Code, err))
			continue
		}
		j.log.LogAttrs(ctx, slog.LevelInfo, "sampling round started", slog.Int64("round", round.ID),
			slog.String("month", month), slog.String("region", city.Code), slog.Int("items", round.Sampled))
		started = append(started, round)
	}
	return started, errors.Join(errs...)
}

// Run calls RunOnce at once and then every interval until ctx ends.
func (j *SamplingJob) Run(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, err := j.RunOnce(ctx); err != nil && ctx.Err() == nil {
			j.log.LogAttrs(ctx, slog.LevelWarn, "sampling job", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
