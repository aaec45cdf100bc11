package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/gridgov/gridgov/internal/db"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// env is what a subcommand may touch; nothing is global.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP server (API and web console)", runServe},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"user", "manage accounts: user add | user list", runUser},
		{"audit", "check the audit log: audit verify", runAudit},
		{"keys", "rotate the data key: keys rotate", runKeys},
		{"demo", "fill an empty database with a synthetic demo city", runDemo},
		{"import", "import GeoJSON: import regions|overlays|stations FILE.geojson", runImport},
		{"export", "export boundaries: export regions [CODE]", runExport},
		{"regions", "check coverage: regions check [CODE]", runRegions},
		{"sampling", "monthly registry checks: sampling start | sampling list", runSampling},
		{"apikey", "keys of API clients (Open311): apikey add --name NAME | list | revoke ID", runAPIKey},
		{"calendar", "working calendar: calendar show [--year Y] | import FILE.json | set-day DATE --off|--work --name NAME", runCalendar},
		{"version", "print the version", runVersion},
	}
}

// errUsage marks a mistake in the command line; run prints usage and exits 2.
var errUsage = errors.New("usage")

// run is the whole program, testable without a process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "gridgov %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(stderr, "gridgov %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "gridgov: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gridgov <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set as GRIDGOV_<FLAG> (for example GRIDGOV_DATA_DIR); flags win.")
	fmt.Fprintln(w, "Run 'gridgov <command> -h' for the flags of a command.")
}

// envName is the environment variable for a flag: data-dir → GRIDGOV_DATA_DIR.
func envName(flagName string) string {
	return "GRIDGOV_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse applies GRIDGOV_* variables, then the command-line flags over them.
func parse(fs *flag.FlagSet, e *env, args []string) error {
	fs.SetOutput(e.stderr)
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if v := e.getenv(envName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	return nil
}

// parseMixed parses flags that may come before, between or after the
// positional arguments ("import persons p.csv --all-or-nothing"), where the
// flag package alone stops at the first positional one, and returns the
// positional arguments in order. "--" still ends the flags: everything after
// it is positional, even when it looks like a flag.
func parseMixed(fs *flag.FlagSet, e *env, args []string) ([]string, error) {
	if err := parse(fs, e, args); err != nil {
		return nil, err
	}
	var pos []string
	for {
		rest := fs.Args()
		if len(rest) == 0 || endedByDashes(fs, args) {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
	}
}

// endedByDashes reports whether the flag package, having parsed args, stopped
// at a "--" rather than at a positional argument. It walks args by the
// package's rules, so a "--" given as a flag's value ("--name --") ends
// nothing.
func endedByDashes(fs *flag.FlagSet, args []string) bool {
	for i := 0; i < len(args); i++ {
		s := args[i]
		switch {
		case s == "--":
			return true
		case len(s) < 2 || s[0] != '-':
			return false
		}
		name := strings.TrimPrefix(s[1:], "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				continue
			}
		}
		i++ // the flag's value
	}
	return false
}

// storage holds the flags every command shares.
type storage struct {
	dataDir     string
	databaseURL string
	logLevel    string
	logFormat   string
}

func (s *storage) register(fs *flag.FlagSet) {
	fs.StringVar(&s.dataDir, "data-dir", "./data", "directory for the SQLite database, keys and files")
	fs.StringVar(&s.databaseURL, "database-url", "", "PostgreSQL URL (postgres://...); SQLite in the data directory when empty")
	fs.StringVar(&s.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&s.logFormat, "log-format", "text", "log format: text or json")
}

func (s *storage) validate() error {
	if err := errors.Join(s.problems()...); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	return nil
}

// problems lists everything wrong with the shared flags.
func (s *storage) problems() []error {
	var errs []error
	if strings.TrimSpace(s.dataDir) == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if s.databaseURL != "" {
		if err := db.ValidateURL(s.databaseURL); err != nil {
			errs = append(errs, fmt.Errorf("--database-url: %w", err))
		}
	}
	if _, err := parseLevel(s.logLevel); err != nil {
		errs = append(errs, err)
	}
	if s.logFormat != "text" && s.logFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format must be text or json, got %q", s.logFormat))
	}
	return errs
}

func (s *storage) dbConfig() db.Config {
	return db.Config{URL: s.databaseURL, Path: filepath.Join(s.dataDir, "gridgov.db")}
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}

func (s *storage) logger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(s.logLevel)
	opts := &slog.HandlerOptions{Level: level}
	if s.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// open connects and migrates.
func (s *storage) open(ctx context.Context, log *slog.Logger) (*db.DB, error) {
	d, err := db.Open(ctx, s.dbConfig())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", db.Describe(s.dbConfig()), err)
	}
	if err := d.Migrate(ctx, log); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "gridgov %s\n", version)
	return nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var st storage
	st.register(fs)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	log := st.logger(e.stderr)
	d, err := st.open(ctx, log)
	if err != nil {
		return err
	}
	defer d.Close()
	v, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database %s is at schema version %d\n", db.Describe(st.dbConfig()), v)
	return nil
}
