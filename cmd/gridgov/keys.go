package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/gridgov/gridgov/internal/secret"
)

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
	resealOnly := fs.Bool("reseal-only", false, "only re-encrypt with the newest key (after adding a key line to GRIDGOV_DATA_KEY yourself)")
	if err := parse(fs, e, args[1:]); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	id := "(newest)"
	if !*resealOnly {
		if e.getenv("GRIDGOV_DATA_KEY") != "" {
			return errors.New("the data keys come from GRIDGOV_DATA_KEY: append a new id:base64key line to it, then run 'gridgov keys rotate --reseal-only'")
		}
		var err error
		if id, err = secret.RotateKeyFile(st.dataDir); err != nil {
			return err
		}
	}
	svc, closeFn, err := authService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer closeFn()
	n, err := svc.ResealSecrets(ctx)
	if err != nil {
		return fmt.Errorf("new key %s added, but resealing failed (run 'gridgov keys rotate' again): %w", id, err)
	}
	fmt.Fprintf(e.stdout, "new data key %s; %d sealed values re-encrypted\n", id, n)
	return nil
}
