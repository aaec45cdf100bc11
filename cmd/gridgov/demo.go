package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/live"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/tabular"
	"github.com/gridgov/gridgov/internal/workforce"
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
	withRegistry := fs.Bool("registry", true, "also fill the person and house registry (daqing: 1.33M houses, 2.147M persons)")
	exportCSV := fs.String("export-csv", "", "write the registry as houses.csv and persons.csv into this directory instead of importing it")
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
	start := time.Now()
	var c *demo.City
	generate := func() (*demo.City, error) {
		if c == nil {
			fmt.Fprintf(e.stderr, "生成演示城市 generating the %s demo city…\n", preset.Name)
			g, err := demo.Generate(preset, opts)
			if err != nil {
				return nil, err
			}
			c = &g
		}
		return c, nil
	}
	if _, err := region.Lookup(ctx, d.Read(), city); err == nil {
		fmt.Fprintf(e.stdout, "demo city %s already present\n", city)
	} else {
		if _, err := generate(); err != nil {
			return err
		}
		if err := loadMap(ctx, e, svc, preset, c); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "demo city %s (%s preset): %d regions, %d overlay polygons, %d stations in %s\n",
			city, preset.Name, len(c.Regions), len(c.Overlays), len(c.Stations), time.Since(start).Round(100*time.Millisecond))
	}
	if err := loadCatalog(ctx, e, &st, d, preset, generate); err != nil {
		return err
	}
	if !*withRegistry || preset.Population.Persons+preset.Population.Houses == 0 {
		return nil
	}
	if *exportCSV != "" {
		if _, err := generate(); err != nil {
			return err
		}
		if err := os.MkdirAll(*exportCSV, 0o750); err != nil {
			return err
		}
		if err := demo.NewRegistry(*c, preset, opts).WriteCSV(ctx, *exportCSV); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "registry written to %s (houses.csv, persons.csv); import them with `gridgov import houses|persons FILE`\n", *exportCSV)
		return nil
	}
	if err := loadRegistry(ctx, e, &st, d, preset, opts, generate); err != nil {
		return err
	}
	announce(ctx, d, live.Registry)
	if err := loadEvents(ctx, e, &st, d, preset, opts, generate); err != nil {
		return err
	}
	announce(ctx, d, live.Events)
	if err := loadWorkforce(ctx, e, &st, d, preset, opts, generate); err != nil {
		return err
	}
	announce(ctx, d, live.Operations)
	return nil
}

// announce tells the servers running beside this command (make run starts
// the demo's slow steps next to serve) that a step's data is in, through the
// database's change log, so that their dashboards count it and their
// screens refresh.
func announce(ctx context.Context, d *db.DB, topic string) {
	bus := live.New(live.Config{DB: d})
	bus.Publish(ctx, topic, live.Root)
	bus.Flush(ctx)
}

// loadMap stores a generated city's regions, overlays and stations.
func loadMap(ctx context.Context, e *env, svc *gridmap.Service, preset demo.Preset, c *demo.City) error {
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
	return nil
}

// loadCatalog seeds the default category tree and the city's departments
// and routing rules, unless the city has departments already.
func loadCatalog(ctx context.Context, e *env, st *storage, d *db.DB, preset demo.Preset, generate func() (*demo.City, error)) error {
	log := st.logger(e.stderr)
	categories := category.NewService(d, log, time.Now)
	if _, err := categories.Seed(ctx); err != nil {
		return fmt.Errorf("seed categories: %w", err)
	}
	var n int
	if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM departments`).Scan(&n); err != nil {
		return fmt.Errorf("count departments: %w", err)
	}
	if n > 0 {
		return nil
	}
	c, err := generate()
	if err != nil {
		return err
	}
	depts, rules := demo.Departments(*c, preset), demo.RoutingRules(*c, preset)
	if _, err := department.NewService(d, categories, log, time.Now).Import(ctx, auth.System("demo"), depts, rules); err != nil {
		return fmt.Errorf("demo departments: %w", err)
	}
	fmt.Fprintf(e.stdout, "demo departments: %d departments, %d routing rules\n", len(depts), len(rules))
	return nil
}

// loadEvents replays a year of the city's events (the last full year)
// through the event service, every action checked by the state machine at
// its moment, unless the city has events already.
func loadEvents(ctx context.Context, e *env, st *storage, d *db.DB, preset demo.Preset, opts demo.Options,
	generate func() (*demo.City, error)) error {
	if preset.Events == 0 {
		return nil
	}
	var n int
	if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&n); err != nil {
		return fmt.Errorf("count events: %w", err)
	}
	if n > 0 {
		fmt.Fprintf(e.stdout, "demo events already present (%d)\n", n)
		return nil
	}
	c, err := generate()
	if err != nil {
		return err
	}
	log := st.logger(e.stderr)
	keys, err := secret.LoadOrCreate(e.getenv("GRIDGOV_DATA_KEY"), st.dataDir)
	if err != nil {
		return err
	}
	loc := gridmap.NewLocator(d, log)
	if err := loc.Refresh(ctx); err != nil {
		return err
	}
	categories := category.NewService(d, log, time.Now)
	departments := department.NewService(d, categories, log, time.Now)
	svc := event.NewService(event.Config{DB: d, Keys: keys, Locator: loc, Catalog: categories, Router: departments, Log: log})
	year := time.Now().Year() - 1
	scripts := func(yield func(event.Script) bool) {
		for sc := range demo.EventScripts(*c, preset, opts, year) {
			out := event.Script{At: sc.At, Report: sc.Report, Steps: make([]event.Step, len(sc.Steps))}
			for i, st := range sc.Steps {
				out.Steps[i] = event.Step{At: st.At, By: st.By.Capacity(), Input: st.Input, DuplicateOf: st.DuplicateOfIndex}
			}
			if !yield(out) {
				return
			}
		}
	}
	bar := newBar(e.stderr, preset.Events, fmt.Sprintf("事件 events %d ", year))
	start := time.Now()
	res, err := svc.Replay(ctx, scripts, func(n int) { bar(n, preset.Events) })
	if err != nil {
		return fmt.Errorf("demo events: %w", err)
	}
	bar(preset.Events, preset.Events)
	fmt.Fprintf(e.stdout, "demo events: %d events of %d with %d actions (%d refused) in %s\n", res.Events, year, res.Actions, res.Refused,
		time.Since(start).Round(100*time.Millisecond))
	return nil
}

// loadRegistry imports the demo city's houses and persons through the same
// path as a user's files. It is skipped when the registry is already full,
// and an interrupted load resumes: stored rows come back unchanged.
func loadRegistry(ctx context.Context, e *env, st *storage, d *db.DB, preset demo.Preset, opts demo.Options,
	generate func() (*demo.City, error)) error {
	var persons int
	if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM persons`).Scan(&persons); err != nil {
		return fmt.Errorf("count persons: %w", err)
	}
	if persons >= preset.Population.Persons {
		fmt.Fprintf(e.stdout, "demo registry already present (%d persons)\n", persons)
		return nil
	}
	c, err := generate()
	if err != nil {
		return err
	}
	keys, err := secret.LoadOrCreate(e.getenv("GRIDGOV_DATA_KEY"), st.dataDir)
	if err != nil {
		return err
	}
	loc := gridmap.NewLocator(d, st.logger(e.stderr))
	if err := loc.Refresh(ctx); err != nil {
		return err
	}
	svc := registry.NewService(d, keys, loc, time.Now)
	reg := demo.NewRegistry(*c, preset, opts)
	start := time.Now()
	for _, part := range []struct {
		kind  registry.Kind
		total int
		label string
		rows  func() tabular.Reader
	}{
		{registry.Houses, preset.Population.Houses, "房屋 houses  ", reg.Houses},
		{registry.Persons, preset.Population.Persons, "人口 persons ", reg.Persons},
	} {
		bar := newBar(e.stderr, part.total, part.label)
		r := part.rows()
		rep, err := svc.Import(ctx, auth.System("demo"), part.kind, r, registry.ImportOptions{Source: "demo " + preset.Name,
			Progress: func(rows int) { bar(rows, part.total) }})
		r.Close()
		if err != nil {
			return err
		}
		if len(rep.Rejected) > 0 {
			return fmt.Errorf("demo %s refused: row %d: %s", part.kind, rep.Rejected[0].Row, rep.Rejected[0].Reason)
		}
	}
	fmt.Fprintf(e.stdout, "demo registry: %d houses, %d persons in %s\n", preset.Population.Houses, preset.Population.Persons,
		time.Since(start).Round(100*time.Millisecond))
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

// loadWorkforce stores a month of the city's workforce (workers with their
// accounts and phones, 1+1+N teams, leave, check-ins, patrol tracks of the
// last week, visits) through the workforce's bulk path, and the few visits
// that raise an event through the worker app's own path. It is skipped
// when loaded already; an interrupted load resumes with the same month.
func loadWorkforce(ctx context.Context, e *env, st *storage, d *db.DB, preset demo.Preset, opts demo.Options,
	generate func() (*demo.City, error)) error {
	if preset.Workforce.Workers == 0 {
		return nil
	}
	today, loaded, err := demo.WorkforceLoaded(ctx, d.Read())
	if err != nil {
		return err
	}
	if loaded {
		fmt.Fprintln(e.stdout, "demo workforce already present")
		return nil
	}
	if today.IsZero() {
		today = time.Now()
	}
	c, err := generate()
	if err != nil {
		return err
	}
	log := st.logger(e.stderr)
	keys, err := secret.LoadOrCreate(e.getenv("GRIDGOV_DATA_KEY"), st.dataDir)
	if err != nil {
		return err
	}
	loc := gridmap.NewLocator(d, log)
	if err := loc.Refresh(ctx); err != nil {
		return err
	}
	calendars := calendar.NewService(d, log, time.Now)
	if _, err := calendars.Seed(ctx); err != nil {
		return fmt.Errorf("seed work calendar: %w", err)
	}
	if err := calendars.Refresh(ctx); err != nil {
		return fmt.Errorf("load work calendar: %w", err)
	}
	start := time.Now()
	homes, err := demo.LoadHouseholds(ctx, d.Read(), *c, 40)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(demo.DemoPassword, auth.DefaultHashParams)
	if err != nil {
		return err
	}
	wf := demo.NewWorkforce(*c, preset, opts, demo.WorkforceOptions{Today: today, Calendar: calendars.Current(), PasswordHash: hash, Households: homes})
	clock := demo.NewClock(time.Now())
	svc := workforce.NewService(workforce.Config{DB: d, Keys: keys, Locator: loc, Boundaries: gridmap.NewStore(d, time.Now),
		Calendar: calendars, Now: clock.Now})
	b := wf.Bulk
	total := len(b.Workers) + len(b.Members) + len(b.Leave) + len(b.Checks) + len(b.Patrols) + len(b.Visits)
	bar := newBar(e.stderr, total, "网格员队伍 workforce ")
	res, err := svc.LoadBulk(ctx, auth.System("demo"), b, bar)
	if err != nil {
		return fmt.Errorf("demo workforce: %w", err)
	}
	bar(total, total)
	categories := category.NewService(d, log, time.Now)
	events := event.NewService(event.Config{DB: d, Keys: keys, Locator: loc, Catalog: categories,
		Router: department.NewService(d, categories, log, time.Now), Calendars: calendars, Now: clock.Now, Log: log})
	accounts, err := auth.NewService(d, keys, auth.Config{}, time.Now)
	if err != nil {
		return err
	}
	raised, err := wf.RecordRaising(ctx, svc, workforce.EventSink{Reporter: events, Users: accounts}, clock.Set)
	if err != nil {
		return fmt.Errorf("demo workforce: %w", err)
	}
	fmt.Fprintf(e.stdout, "demo workforce: %d workers, %d team members, %d check-ins and check-outs, %d patrols (%d points stored now), %d visits (%d raising an event) in %s; worker accounts %s…, password %s\n",
		len(b.Workers), len(b.Members), res.Checks+res.ChecksSkipped, res.Patrols+res.PatrolsSkipped, res.Points, res.Visits+res.VisitsSkipped+raised, raised,
		time.Since(start).Round(100*time.Millisecond), b.Workers[0].Username, demo.DemoPassword)
	return nil
}
