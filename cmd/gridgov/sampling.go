package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

func runSampling(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want 'sampling start' or 'sampling list'", errUsage)
	}
	switch args[0] {
	case "start":
		return runSamplingStart(ctx, e, args[1:])
	case "list":
		return runSamplingList(ctx, e, args[1:])
	default:
		return fmt.Errorf("%w: unknown subcommand %q (want start or list)", errUsage, args[0])
	}
}

// samplingService opens storage and the registry for a sampling command. It
// has no map: drawing and listing rounds never place a point.
func samplingService(ctx context.Context, e *env, st *storage) (*registry.Service, func(), error) {
	d, err := st.open(ctx, st.logger(e.stderr))
	if err != nil {
		return nil, nil, err
	}
	keys, err := secret.LoadOrCreate(e.getenv("GRIDGOV_DATA_KEY"), st.dataDir)
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return registry.NewService(d, keys, nil, time.Now), func() { d.Close() }, nil
}

func runSamplingStart(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("sampling start", flag.ContinueOnError)
	var st storage
	st.register(fs)
	// The default month begins in China Standard Time, as the monthly job's does.
	thisMonth := time.Now().In(time.FixedZone("CST", 8*60*60)).Format("2006-01")
	month := fs.String("month", thisMonth, "month to check, YYYY-MM")
	regionCode := fs.String("region", "", "region code whose grids are sampled (required)")
	perGrid := fs.Int("per-grid", 5, fmt.Sprintf("persons and houses drawn per grid (1-%d)", registry.MaxPerGrid))
	seed := fs.Int64("seed", 0, "seed of the draw, to repeat an earlier draw (default: a random seed, kept with the round)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	var errs []error
	if _, err := time.Parse("2006-01", *month); err != nil || len(*month) != 7 {
		errs = append(errs, fmt.Errorf("--month must be YYYY-MM, got %q", *month))
	}
	if *regionCode == "" {
		errs = append(errs, errors.New("--region is required"))
	}
	if *perGrid < 1 || *perGrid > registry.MaxPerGrid {
		errs = append(errs, fmt.Errorf("--per-grid must be between 1 and %d", registry.MaxPerGrid))
	}
	if *seed < 0 || *seed > registry.MaxSeed {
		errs = append(errs, fmt.Errorf("--seed must be between 1 and %d", int64(registry.MaxSeed)))
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %v", fs.Args()))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	svc, done, err := samplingService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer done()
	round, err := svc.StartSampling(ctx, auth.System("cli"), registry.SamplingStart{
		Month: *month, RegionCode: *regionCode, PerGrid: *perGrid, Seed: *seed,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "round %d: %s %s %s, %d per grid, seed %d: %d records drawn\n",
		round.ID, round.Month, round.RegionCode, round.RegionName, round.PerGrid, round.Seed, round.Sampled)
	return nil
}

func runSamplingList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("sampling list", flag.ContinueOnError)
	var st storage
	st.register(fs)
	month := fs.String("month", "", "only rounds of this month, YYYY-MM")
	regionCode := fs.String("region", "", "only rounds reaching into this region, counted inside it")
	limit := fs.Int("limit", 50, "at most this many rounds, newest first (up to 200)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	var errs []error
	if *month != "" {
		if _, err := time.Parse("2006-01", *month); err != nil || len(*month) != 7 {
			errs = append(errs, fmt.Errorf("--month must be YYYY-MM, got %q", *month))
		}
	}
	if *limit < 1 || *limit > 200 {
		errs = append(errs, errors.New("--limit must be between 1 and 200"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	svc, done, err := samplingService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer done()
	rounds, _, err := svc.ListSamplingRounds(ctx, auth.System("cli"), registry.SamplingRoundQuery{Month: *month, Region: *regionCode, Limit: *limit})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMONTH\tREGION\tNAME\tPER GRID\tSAMPLED\tCHECKED\tCORRECT\tACCURACY\tSEED")
	for _, r := range rounds {
		acc := "-"
		if r.Accuracy != nil {
			acc = fmt.Sprintf("%.1f%%", *r.Accuracy*100)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%d\n",
			r.ID, r.Month, r.RegionCode, r.RegionName, r.PerGrid, r.Sampled, r.Checked, r.Correct, acc, r.Seed)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rounds) == 0 {
		fmt.Fprintln(e.stdout, "no sampling rounds")
	}
	return nil
}
