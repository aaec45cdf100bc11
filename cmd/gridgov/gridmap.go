package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
)

// mapService opens storage and the grid map for a CLI command.
func mapService(ctx context.Context, e *env, st *storage) (*gridmap.Service, *db.DB, error) {
	log := st.logger(e.stderr)
	d, err := st.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	return gridmap.NewService(d, gridmap.NewLocator(d, slog.New(slog.DiscardHandler)), time.Now), d, nil
}

func newBar(w io.Writer, total int, what string) func(done, total int) {
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
	return func(done, _ int) { _ = bar.Set(done) }
}

func runImport(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && (args[0] == "overlays" || args[0] == "stations") {
		return runImportPoints(ctx, e, args[0], args[1:])
	}
	if len(args) > 0 && (args[0] == "persons" || args[0] == "houses") {
		return runImportRegistry(ctx, e, registry.Kind(args[0]), args[1:])
	}
	if len(args) == 0 || args[0] != "regions" {
		return fmt.Errorf("%w: want 'import regions|overlays|stations FILE.geojson' or 'import persons|houses FILE.csv|.xlsx'", errUsage)
	}
	fs := flag.NewFlagSet("import regions", flag.ContinueOnError)
	var st storage
	st.register(fs)
	crsName := fs.String("crs", "wgs84", "coordinate system of the file: wgs84 or gcj02")
	levelName := fs.String("level", "", "level of every feature (county, township, village, grid); default from properties or code")
	parent := fs.String("parent", "", "parent code for features that name none")
	partial := fs.Bool("partial", false, "store the good features even when some are rejected")
	pos, err := parseMixed(fs, e, args[1:])
	if err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give exactly one GeoJSON file", errUsage)
	}
	file := pos[0]
	crs, err := geo.ParseCRS(*crsName)
	if err != nil {
		return fmt.Errorf("%w: --crs: %w", errUsage, err)
	}
	opts := gridmap.ParseOptions{CRS: crs, Parent: *parent}
	if *levelName != "" {
		if opts.Level, err = region.ParseLevel(*levelName); err != nil {
			return fmt.Errorf("%w: --level: %w", errUsage, err)
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	items, err := gridmap.ParseRegions(f, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	svc, d, err := mapService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := svc.ImportRegions(ctx, audit.System("cli"), region.All(), items, gridmap.ImportOptions{
		Partial: *partial, Source: file, Progress: newBar(e.stderr, len(items), "导入 importing"),
	})
	if err != nil {
		return err
	}
	for _, rej := range res.Rejected {
		fmt.Fprintf(e.stdout, "rejected feature %d (code %q): %s\n", rej.Index, rej.Code, rej.Reason)
	}
	if !res.Stored {
		return fmt.Errorf("%d of %d features rejected; nothing stored (use --partial to store the rest)", len(res.Rejected), len(items))
	}
	fmt.Fprintf(e.stdout, "%d created, %d updated, %d unchanged, %d rejected\n", res.Created, res.Updated, res.Unchanged, len(res.Rejected))
	return nil
}

// runImportPoints imports overlay polygons of one layer or stations.
func runImportPoints(ctx context.Context, e *env, what string, args []string) error {
	fs := flag.NewFlagSet("import "+what, flag.ContinueOnError)
	var st storage
	st.register(fs)
	crsName := fs.String("crs", "wgs84", "coordinate system of the file: wgs84 or gcj02")
	layer := fs.String("layer", "", "overlay layer: police, mediation or a custom word (overlays only)")
	pos, err := parseMixed(fs, e, args)
	if err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give exactly one GeoJSON file", errUsage)
	}
	file := pos[0]
	crs, err := geo.ParseCRS(*crsName)
	if err != nil {
		return fmt.Errorf("%w: --crs: %w", errUsage, err)
	}
	if what == "overlays" && *layer == "" {
		return fmt.Errorf("%w: --layer is required for overlays", errUsage)
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	svc, d, err := mapService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer d.Close()
	var res gridmap.ImportResult
	var rejected []gridmap.Rejection
	if what == "overlays" {
		var overlays []region.Overlay
		if overlays, rejected, err = gridmap.ParseOverlays(f, *layer, crs); err == nil && len(rejected) == 0 {
			res, err = svc.ImportOverlays(ctx, audit.System("cli"), region.All(), overlays)
		}
	} else {
		var stations []region.Station
		if stations, rejected, err = gridmap.ParseStations(f, crs); err == nil && len(rejected) == 0 {
			res, err = svc.ImportStations(ctx, audit.System("cli"), region.All(), stations)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for _, rej := range append(rejected, res.Rejected...) {
		fmt.Fprintf(e.stdout, "rejected feature %d (code %q): %s\n", rej.Index, rej.Code, rej.Reason)
	}
	if !res.Stored {
		return errors.New("nothing stored")
	}
	fmt.Fprintf(e.stdout, "%d created, %d updated\n", res.Created, res.Updated)
	return nil
}

func runExport(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "regions" {
		return fmt.Errorf("%w: want 'export regions [CODE]'", errUsage)
	}
	fs := flag.NewFlagSet("export regions", flag.ContinueOnError)
	var st storage
	st.register(fs)
	crsName := fs.String("crs", "wgs84", "coordinate system to write: wgs84 or gcj02")
	out := fs.String("out", "", "file to write (default standard output)")
	pos, err := parseMixed(fs, e, args[1:])
	if err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	if len(pos) > 1 {
		return fmt.Errorf("%w: give at most one region code, got %v", errUsage, pos)
	}
	code := ""
	if len(pos) == 1 {
		code = pos[0]
	}
	crs, err := geo.ParseCRS(*crsName)
	if err != nil {
		return fmt.Errorf("%w: --crs: %w", errUsage, err)
	}
	svc, d, err := mapService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer d.Close()
	w := e.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	n, err := svc.ExportRegions(ctx, audit.System("cli"), region.All(), code, crs, w)
	if err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(e.stdout, "%d regions written to %s\n", n, *out)
	}
	return nil
}

func runRegions(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return fmt.Errorf("%w: want 'regions check [CODE]'", errUsage)
	}
	fs := flag.NewFlagSet("regions check", flag.ContinueOnError)
	var st storage
	st.register(fs)
	asJSON := fs.Bool("json", false, "print the full report as JSON")
	pos, err := parseMixed(fs, e, args[1:])
	if err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	if len(pos) > 1 {
		return fmt.Errorf("%w: give at most one region code, got %v", errUsage, pos)
	}
	svc, d, err := mapService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer d.Close()
	code := ""
	if len(pos) == 1 {
		code = pos[0]
	}
	if code == "" {
		cities, err := region.NewStore(d, time.Now).Children(ctx, region.All(), "")
		if err != nil {
			return err
		}
		if len(cities) == 0 {
			return errors.New("the database holds no regions")
		}
		code = cities[0].Code
	}
	var progress func(int, int)
	rep, err := svc.Check(ctx, region.All(), code, func(done, total int) {
		if progress == nil {
			progress = newBar(e.stderr, total, "检查 checking")
		}
		progress(done, total)
	})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printCheck(e.stdout, rep)
	if rep.Summary.WithGaps+rep.Summary.WithOverlaps+rep.Summary.WithOutside+rep.Summary.Invalid > 0 {
		return errors.New("coverage problems found")
	}
	return nil
}

func printCheck(w io.Writer, rep gridmap.CheckReport) {
	fmt.Fprintf(w, "覆盖检查 coverage check: %s %s\n\n", rep.Code, rep.Name)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARENT\tNAME\tCHILDREN\tCOVERED\tGAPS m²\tOVERLAPS m²\tOUTSIDE\tUNDRAWN")
	for _, p := range rep.Parents {
		flag := ""
		if p.GapAreaM2 > 0 || p.OverlapAreaM2 > 0 || len(p.Outside) > 0 || len(p.Undrawn) > 0 {
			flag = "  ⚠"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f%%\t%.0f\t%.0f\t%d\t%d%s\n", p.Code, p.Name, p.Children, p.CoveredShare*100,
			p.GapAreaM2, p.OverlapAreaM2, len(p.Outside), len(p.Undrawn), flag)
	}
	_ = tw.Flush()
	for _, p := range rep.Parents {
		for _, o := range p.Overlaps {
			fmt.Fprintf(w, "overlap: %s and %s share %.0f m² (in %s)\n", o.A, o.B, o.AreaM2, p.Code)
		}
		for _, o := range p.Outside {
			fmt.Fprintf(w, "outside: %.0f m² of %s lies outside %s\n", o.AreaM2, o.Code, p.Code)
		}
	}
	for _, inv := range rep.Invalid {
		fmt.Fprintf(w, "invalid boundary %s: %v\n", inv.Code, inv.Problems)
	}
	s := rep.Summary
	fmt.Fprintf(w, "\n%d parents checked: %d with gaps (%.0f m²), %d with overlaps (%.0f m²), %d with children outside, %d invalid boundaries\n",
		s.Parents, s.WithGaps, s.TotalGapAreaM2, s.WithOverlaps, s.TotalOverlapAreaM2, s.WithOutside, s.Invalid)
}
