package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var st storage
	st.register(fs)
	presetName := fs.String("preset", "small", "size of the demo city: small, daqing or zhangjiakou")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same city")
	boundaries := fs.String("boundaries", "", "GeoJSON file of real county outlines to subdivide instead of generated ones")
	crsName := fs.String("crs", "wgs84", "coordinate system of --boundaries: wgs84 or gcj02")
	cityName := fs.String("city-name", "", "name of the city with --boundaries (default: the code)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	preset, err := demo.LookupPreset(*presetName)
	if err != nil {
		return fmt.Errorf("%w: --preset: %w", errUsage, err)
	}
	opts := demo.Options{Seed: *seed}
	if *boundaries != "" {
		if opts, err = boundaryOptions(*boundaries, *crsName, *cityName, *seed); err != nil {
			return err
		}
	}
	svc, d, err := mapService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer d.Close()
	city := opts.CityCode
	if city == "" {
		city = demo.CityCode
	}
	if _, err := region.Lookup(ctx, d.Read(), city); err == nil {
		fmt.Fprintf(e.stdout, "demo city %s already present; nothing to do\n", city)
		return nil
	}
	start := time.Now()
	fmt.Fprintf(e.stderr, "生成演示城市 generating the %s demo city…\n", preset.Name)
	c, err := demo.Generate(preset, opts)
	if err != nil {
		return err
	}
	items := make([]gridmap.Item, len(c.Regions))
	for i, r := range c.Regions {
		items[i] = gridmap.Item{Index: i, Region: r}
	}
	actor := audit.System("demo")
	res, err := svc.ImportRegions(ctx, actor, region.All(), items, gridmap.ImportOptions{
		Source: "demo " + preset.Name, Progress: newBar(e.stderr, len(items), "区划 regions "),
	})
	if err != nil {
		return err
	}
	if !res.Stored {
		return fmt.Errorf("demo regions refused: %v", res.Rejected[0])
	}
	fmt.Fprintf(e.stderr, "叠加网格 overlay networks: %d polygons…\n", len(c.Overlays))
	if res, err := svc.ImportOverlays(ctx, actor, region.All(), c.Overlays); err != nil {
		return err
	} else if !res.Stored {
		return fmt.Errorf("demo overlays refused: %v", res.Rejected[0])
	}
	if res, err := svc.ImportStations(ctx, actor, region.All(), c.Stations); err != nil {
		return err
	} else if !res.Stored {
		return fmt.Errorf("demo stations refused: %v", res.Rejected[0])
	}
	fmt.Fprintf(e.stdout, "demo city %s (%s preset): %d regions, %d overlay polygons, %d stations in %s\n",
		city, preset.Name, len(c.Regions), len(c.Overlays), len(c.Stations), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// boundaryOptions reads real county outlines for the generator.
func boundaryOptions(path, crsName, cityName string, seed uint64) (demo.Options, error) {
	crs, err := geo.ParseCRS(crsName)
	if err != nil {
		return demo.Options{}, fmt.Errorf("%w: --crs: %w", errUsage, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return demo.Options{}, err
	}
	defer f.Close()
	items, err := gridmap.ParseRegions(f, gridmap.ParseOptions{CRS: crs, Level: region.County})
	if err != nil {
		return demo.Options{}, fmt.Errorf("%s: %w", path, err)
	}
	opts := demo.Options{Seed: seed}
	for _, it := range items {
		if it.Err != "" {
			return demo.Options{}, fmt.Errorf("%s: feature %d: %s", path, it.Index, it.Err)
		}
		if opts.CityCode == "" {
			opts.CityCode = it.Region.ParentCode
		} else if it.Region.ParentCode != opts.CityCode {
			return demo.Options{}, fmt.Errorf("%s: the counties belong to different cities (%s, %s)", path, opts.CityCode, it.Region.ParentCode)
		}
		opts.Counties = append(opts.Counties, it.Region)
	}
	if opts.CityCode == "" {
		return demo.Options{}, fmt.Errorf("%s: the counties name no parent city code", path)
	}
	opts.CityName = cityName
	if opts.CityName == "" {
		opts.CityName = opts.CityCode
	}
	return opts, nil
}
