package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/workcal"
)

func runCalendar(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want 'calendar show [--year Y]', 'calendar import FILE.json', 'calendar set-day DATE --off|--work --name NAME' or 'calendar delete-day DATE'", errUsage)
	}
	switch args[0] {
	case "show":
		return runCalendarShow(ctx, e, args[1:])
	case "import":
		return runCalendarImport(ctx, e, args[1:])
	case "set-day":
		return runCalendarSetDay(ctx, e, args[1:])
	case "delete-day":
		return runCalendarDeleteDay(ctx, e, args[1:])
	default:
		return fmt.Errorf("%w: unknown subcommand %q (want show, import, set-day or delete-day)", errUsage, args[0])
	}
}

// calendarService opens storage and the calendar, seeded as serve seeds it
// so that an edit on a new database does not stand in for the default years.
func calendarService(ctx context.Context, e *env, st *storage) (*calendar.Service, func(), error) {
	log := st.logger(e.stderr)
	d, err := st.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	svc := calendar.NewService(d, log, time.Now)
	if _, err := svc.Seed(ctx); err != nil {
		d.Close()
		return nil, nil, fmt.Errorf("seed work calendar: %w", err)
	}
	return svc, func() { d.Close() }, nil
}

func runCalendarShow(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("calendar show", flag.ContinueOnError)
	var st storage
	st.register(fs)
	year := fs.Int("year", 0, "show the dates of this year")
	pos, err := parseMixed(fs, e, args)
	if err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected arguments %v (use --year Y)", errUsage, pos)
	}
	svc, done, err := calendarService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer done()
	if *year != 0 {
		v, err := svc.Year(ctx, *year)
		if err != nil {
			return err
		}
		return printYear(e.stdout, v)
	}
	s, err := svc.Get(ctx)
	if err != nil {
		return err
	}
	return printCalendar(e.stdout, s)
}

func printCalendar(w io.Writer, s calendar.State) error {
	fmt.Fprintf(w, "working calendar, version %d%s\n", s.Version, changedBy(s.UpdatedAt, s.UpdatedBy))
	periods := make([]string, len(s.Periods))
	for i, p := range s.Periods {
		periods[i] = p.String()
	}
	weekend := make([]string, len(s.Weekend))
	for i, d := range s.Weekend {
		weekend[i] = d.String()
	}
	fmt.Fprintf(w, "time zone  %s\nhours      %s (%g h a working day)\nweekend    %s\n\n", s.TimeZone, strings.Join(periods, ", "), s.WorkdayHours, strings.Join(weekend, ", "))
	if len(s.Years) == 0 {
		fmt.Fprintln(w, "no years of holidays stored: only the weekly pattern applies")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "YEAR\tSOURCE\tOFF DAYS\tMAKE-UP DAYS\tCHANGED\tPAPERS")
	for _, y := range s.Years {
		papers := strings.Join(y.Papers, " ")
		if papers == "" {
			papers = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s %s\t%s\n", y.Year, y.Source, y.OffDays, y.WorkDays, y.UpdatedAt.UTC().Format(time.RFC3339), y.UpdatedBy, papers)
	}
	return tw.Flush()
}

func changedBy(at *time.Time, by string) string {
	if at == nil {
		return ""
	}
	return fmt.Sprintf(", changed %s by %s", at.UTC().Format(time.RFC3339), by)
}

func printYear(w io.Writer, v calendar.YearView) error {
	switch v.Source {
	case "":
		fmt.Fprintf(w, "%d: %d working days; no arrangement stored, only the weekly pattern applies (version %d)\n", v.Year, v.Workdays, v.Version)
	default:
		fmt.Fprintf(w, "%d: %d working days; arrangement from %s%s (version %d)\n", v.Year, v.Workdays, v.Source, changedBy(v.UpdatedAt, v.UpdatedBy), v.Version)
	}
	for _, p := range v.Papers {
		fmt.Fprintf(w, "paper: %s\n", p)
	}
	days := append(append([]calendar.Day{}, v.Days...), v.OtherDays...)
	if len(days) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// The name goes last: tabwriter counts a Chinese character as one column.
	fmt.Fprintln(tw, "DATE\tWEEKDAY\tDAY\tNOTICE\tNAME")
	slices.SortStableFunc(days, func(a, b calendar.Day) int { return a.Date.Compare(b.Date) })
	for _, d := range days {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", d.Date, d.Date.Weekday(), dayKind(d.IsOffDay), d.Year, d.Name)
	}
	return tw.Flush()
}

func dayKind(off bool) string {
	if off {
		return "off"
	}
	return "working"
}

func dayPhrase(off bool) string {
	if off {
		return "a day off"
	}
	return "a working day"
}

func runCalendarImport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("calendar import", flag.ContinueOnError)
	var st storage
	st.register(fs)
	pos, err := parseMixed(fs, e, args)
	if err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give exactly one holiday-cn year file (e.g. 2026.json)", errUsage)
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	y, err := workcal.ParseHolidays(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	svc, done, err := calendarService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer done()
	cur, err := svc.Get(ctx)
	if err != nil {
		return err
	}
	res, err := svc.ImportYear(ctx, auth.System("cli"), cur.Version, y)
	if err != nil {
		return err
	}
	if !res.Stored {
		fmt.Fprintf(e.stdout, "%d: no change; the stored arrangement already matches %s (version %d)\n", res.Year, pos[0], res.Version)
		return nil
	}
	fmt.Fprintf(e.stdout, "%d: %d added, %d removed, %d changed, %d unchanged (version %d)\n",
		res.Year, res.Added, res.Removed, res.Changed, res.Unchanged, res.Version)
	for _, c := range res.Changes {
		switch {
		case c.Before == nil:
			fmt.Fprintf(e.stdout, "  + %s %-9s %-7s %s\n", c.Date, c.Date.Weekday(), dayKind(c.After.IsOffDay), c.After.Name)
		case c.After == nil:
			fmt.Fprintf(e.stdout, "  - %s %-9s %-7s %s\n", c.Date, c.Date.Weekday(), dayKind(c.Before.IsOffDay), c.Before.Name)
		default:
			fmt.Fprintf(e.stdout, "  ~ %s %-9s %-7s %s (was %s %s)\n", c.Date, c.Date.Weekday(), dayKind(c.After.IsOffDay), c.After.Name,
				dayKind(c.Before.IsOffDay), c.Before.Name)
		}
	}
	return nil
}

func runCalendarSetDay(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("calendar set-day", flag.ContinueOnError)
	var st storage
	st.register(fs)
	offDay := fs.Bool("off", false, "make the date a day off (a holiday)")
	workDay := fs.Bool("work", false, "make the date a working day (a make-up day, 调休上班)")
	name := fs.String("name", "", "the holiday the date belongs to (required)")
	pos, err := parseMixed(fs, e, args)
	if err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	var errs []error
	if len(pos) != 1 {
		errs = append(errs, errors.New("give exactly one DATE (YYYY-MM-DD)"))
	}
	if *offDay == *workDay {
		errs = append(errs, errors.New("give either --off or --work"))
	}
	if strings.TrimSpace(*name) == "" {
		errs = append(errs, errors.New("--name is required"))
	}
	var date workcal.Date
	if len(pos) == 1 {
		if date, err = workcal.ParseDate(pos[0]); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	svc, done, err := calendarService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer done()
	cur, err := svc.Get(ctx)
	if err != nil {
		return err
	}
	res, err := svc.SetDay(ctx, auth.System("cli"), cur.Version, workcal.Override{Name: *name, Date: date, IsOffDay: *offDay})
	if err != nil {
		return err
	}
	if res.Version == cur.Version {
		fmt.Fprintf(e.stdout, "%s (%s) is already %s: %s; nothing changed\n", date, date.Weekday(), dayPhrase(res.After.IsOffDay), res.After.Name)
		return nil
	}
	was := "not set, so " + patternKind(cur, date)
	if res.Before != nil {
		was = fmt.Sprintf("%s: %s", dayPhrase(res.Before.IsOffDay), res.Before.Name)
	}
	fmt.Fprintf(e.stdout, "%s (%s) is now %s: %s (was %s; version %d)\n", date, date.Weekday(), dayPhrase(res.After.IsOffDay), res.After.Name, was, res.Version)
	return nil
}

// patternKind says what the weekly pattern makes of a date.
func patternKind(s calendar.State, d workcal.Date) string {
	for _, w := range s.Weekend {
		if d.Weekday() == w {
			return "off by the weekly pattern"
		}
	}
	return "working by the weekly pattern"
}

func runCalendarDeleteDay(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("calendar delete-day", flag.ContinueOnError)
	var st storage
	st.register(fs)
	pos, err := parseMixed(fs, e, args)
	if err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give exactly one DATE (YYYY-MM-DD)", errUsage)
	}
	date, err := workcal.ParseDate(pos[0])
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	svc, done, err := calendarService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer done()
	cur, err := svc.Get(ctx)
	if err != nil {
		return err
	}
	res, err := svc.DeleteDay(ctx, auth.System("cli"), cur.Version, date)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s (%s) removed (was %s: %s); now %s (version %d)\n", date, date.Weekday(),
		dayPhrase(res.Before.IsOffDay), res.Before.Name, patternKind(cur, date), res.Version)
	return nil
}
