package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/reseal"
	"github.com/gridgov/gridgov/internal/resident"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workforce"
)

// sealedTables lists every column sealed with the data keyring; a test
// checks it against the byte columns of the schema.
func sealedTables() []reseal.Table {
	return slices.Concat(auth.SealedTables(), registry.SealedTables(), event.SealedTables(),
		workforce.SealedTables(), resident.SealedTables())
}

// runKeys rotates the data key: a new key is appended to the key file and
// every sealed value is re-encrypted with it. Old keys stay in the file so
// that backups taken before the rotation can still be read.
func runKeys(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fmt.Errorf("%w: want 'keys rotate'", errUsage)
	}
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	var st storage
	st.register(fs)
	resealOnly := fs.Bool("reseal-only", false, "only re-encrypt with the newest key (after adding a key line to GRIDGOV_DATA_KEY yourself, or to finish an interrupted rotation)")
	if err := parse(fs, e, args[1:]); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if !*resealOnly {
		if e.getenv("GRIDGOV_DATA_KEY") != "" {
			return errors.New("the data keys come from GRIDGOV_DATA_KEY: append a new id:base64key line to it, then run 'gridgov keys rotate --reseal-only'")
		}
		id, err := secret.RotateKeyFile(st.dataDir)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "new data key %s\n", id)
	}
	d, err := st.open(ctx, st.logger(e.stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	keys, err := secret.LoadOrCreate(e.getenv("GRIDGOV_DATA_KEY"), st.dataDir)
	if err != nil {
		return err
	}
	p := &resealProgress{w: e.stderr}
	r := &reseal.Runner{DB: d, Keys: keys, Progress: p.show}
	results, err := r.Run(ctx, sealedTables()...)
	p.end()
	total, failed := 0, 0
	var bad []string
	for _, res := range results {
		fmt.Fprintf(e.stdout, "%s: %d rows read, %d re-encrypted", res.Table, res.Rows, res.Resealed)
		if res.Changed > 0 {
			fmt.Fprintf(e.stdout, ", %d changed meanwhile (left for the next run)", res.Changed)
		}
		if res.Failed > 0 {
			fmt.Fprintf(e.stdout, ", %d values no key opens", res.Failed)
		}
		fmt.Fprintln(e.stdout)
		total += res.Resealed
		failed += res.Failed
		bad = append(bad, res.FailedRows...)
	}
	if err != nil {
		return fmt.Errorf("resealing stopped; what was re-encrypted stays so (run 'gridgov keys rotate --reseal-only' to finish): %w", err)
	}
	fmt.Fprintf(e.stdout, "%d rows re-encrypted with data key %s\n", total, keys.CurrentKeyID())
	if !*resealOnly || total > 0 {
		// Servers read the keys at start: until restarted they seal with the
		// old key and cannot open what was re-encrypted.
		fmt.Fprintln(e.stdout, "restart every 'gridgov serve' now so that it seals with the new key and opens what was re-encrypted")
	}
	if failed > 0 {
		return fmt.Errorf("%d sealed values could not be opened with any key and were left as they are (first: %s)", failed, strings.Join(bad, "; "))
	}
	return nil
}

// resealProgress shows the rows done of the table being resealed on one
// line that is rewritten, a few times a second.
type resealProgress struct {
	w       io.Writer
	cur     reseal.Result
	last    time.Time
	pending bool // cur is not on the screen yet
}

func (p *resealProgress) show(r reseal.Result) {
	if r.Table != p.cur.Table {
		p.end()
	}
	p.cur, p.pending = r, true
	if now := time.Now(); now.Sub(p.last) >= 200*time.Millisecond {
		p.last = now
		p.print()
	}
}

func (p *resealProgress) print() {
	fmt.Fprintf(p.w, "\r重新加密 resealing %s: %d rows read, %d re-encrypted ", p.cur.Table, p.cur.Rows, p.cur.Resealed)
	p.pending = false
}

// end shows the last state of the table and ends its line.
func (p *resealProgress) end() {
	if p.cur.Table == "" {
		return
	}
	if p.pending {
		p.print()
	}
	fmt.Fprintln(p.w)
	p.cur, p.last = reseal.Result{}, time.Time{}
}
