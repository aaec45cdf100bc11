package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/gridgov/gridgov/internal/audit"
)

func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("%w: want 'audit verify'", errUsage)
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	var st storage
	st.register(fs)
	if err := parse(fs, e, args[1:]); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	d, err := st.open(ctx, st.logger(e.stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := audit.Verify(ctx, d.Read())
	if errors.Is(err, audit.ErrBroken) {
		return fmt.Errorf("audit log is broken: first bad entry is %d: %s", rep.First.Seq, rep.First.Reason)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit log intact: %d entries, hash chain verified\n", rep.Entries)
	return nil
}
