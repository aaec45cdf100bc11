package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/live"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/tabular"
	"github.com/gridgov/gridgov/internal/zhreason"
)

// runImportRegistry imports a persons or houses spreadsheet.
func runImportRegistry(ctx context.Context, e *env, kind registry.Kind, args []string) error {
	fs := flag.NewFlagSet("import "+string(kind), flag.ContinueOnError)
	var st storage
	st.register(fs)
	encoding := fs.String("encoding", "auto", "CSV encoding: auto, utf-8 or gbk")
	allOrNothing := fs.Bool("all-or-nothing", false, "store nothing when any row is rejected")
	errorsOut := fs.String("errors", "", "write rejected rows to this .csv or .xlsx file")
	pos, err := parseMixed(fs, e, args)
	if err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give exactly one .csv or .xlsx file", errUsage)
	}
	file := pos[0]
	enc := tabular.Encoding(strings.ToLower(*encoding))
	if enc != tabular.Auto && enc != tabular.UTF8 && enc != tabular.GBK {
		return fmt.Errorf("%w: --encoding must be auto, utf-8 or gbk", errUsage)
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	r, err := tabular.Open(f, info.Size(), filepath.Base(file), tabular.Options{Encoding: enc, TempDir: filepath.Join(st.dataDir, "tmp")})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	defer r.Close()

	d, err := st.open(ctx, st.logger(e.stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	keys, err := secret.LoadOrCreate(e.getenv("GRIDGOV_DATA_KEY"), st.dataDir)
	if err != nil {
		return err
	}
	loc := gridmap.NewLocator(d, st.logger(e.stderr))
	if err := loc.Refresh(ctx); err != nil {
		return err
	}
	svc := registry.NewService(d, keys, loc, time.Now)
	progress := newRowCounter(e.stderr, "导入 importing")
	rep, err := svc.Import(ctx, auth.System("cli"), kind, r, registry.ImportOptions{
		AllOrNothing: *allOrNothing, Source: file, Progress: progress.set,
	})
	progress.done()
	if err != nil {
		return err
	}
	announce(ctx, d, live.Registry)
	if chineseLocale(e.getenv) {
		rep.Rejected = zhreason.New().RowErrors(rep.Rejected)
	}
	for _, rej := range rep.Rejected {
		fmt.Fprintf(e.stdout, "row %d, column %s (%q): %s\n", rej.Row, rej.Column, rej.Value, rej.Reason)
	}
	if *errorsOut != "" && len(rep.Rejected) > 0 {
		if err := writeRowErrors(*errorsOut, rep.Rejected); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "rejected rows written to %s\n", *errorsOut)
	}
	if !rep.Stored {
		return fmt.Errorf("%d of %d rows rejected; nothing stored (all-or-nothing)", len(rep.Rejected), rep.Rows)
	}
	fmt.Fprintf(e.stdout, "%d rows: %d created, %d updated, %d unchanged, %d rejected\n",
		rep.Rows, rep.Created, rep.Updated, rep.Unchanged, len(rep.Rejected))
	return nil
}

// chineseLocale reports whether the locale of the environment, as POSIX
// reads it (LC_ALL, then LC_MESSAGES, then LANG), is Chinese.
func chineseLocale(getenv func(string) string) bool {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			return strings.HasPrefix(strings.ToLower(v), "zh")
		}
	}
	return false
}

func writeRowErrors(path string, rows []registry.RowError) error {
	format := tabular.CSV
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		format = tabular.XLSX
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w, err := tabular.NewWriter(f, format)
	if err != nil {
		f.Close()
		return err
	}
	err = registry.WriteRowErrors(w, rows)
	return errors.Join(err, w.Close(), f.Close())
}

// rowCounter shows how many rows an import has read, on one line, at most
// a few times a second. The number of rows of a file is not known before
// the end, so it counts rather than draws a bar.
type rowCounter struct {
	w     io.Writer
	label string
	start time.Time
	last  time.Time
	rows  int
}

func newRowCounter(w io.Writer, label string) *rowCounter {
	return &rowCounter{w: w, label: label, start: time.Now()}
}

func (c *rowCounter) set(rows int) {
	c.rows = rows
	if now := time.Now(); now.Sub(c.last) >= 200*time.Millisecond {
		c.last = now
		c.print()
	}
}

func (c *rowCounter) print() {
	elapsed := time.Since(c.start)
	rate := float64(c.rows) / max(elapsed.Seconds(), 1e-3)
	fmt.Fprintf(c.w, "\r%s: %d rows, %s, %.0f rows/s ", c.label, c.rows, elapsed.Round(time.Second), rate)
}

func (c *rowCounter) done() {
	c.print()
	fmt.Fprintln(c.w)
}
