package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/region"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var st storage
	st.register(fs)
	presetName := fs.String("preset", "small", "size of the demo city: small or daqing")
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
	d, err := st.open(ctx, st.logger(e.stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	store := region.NewStore(d, time.Now)
	var bar *progressbar.ProgressBar
	n, err := demo.Load(ctx, store, preset, func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(e.stderr),
				progressbar.OptionSetDescription("演示城市 demo city: regions"), progressbar.OptionShowCount(),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(e.stderr) }))
		}
		_ = bar.Set(done)
	})
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(e.stdout, "demo city already present; nothing to do")
		return nil
	}
	fmt.Fprintf(e.stdout, "demo city %s (%s preset): %d regions created\n", demo.CityCode, preset.Name, n)
	return nil
}
