package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/auth"
)

func runAPIKey(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want 'apikey add --name NAME', 'apikey list' or 'apikey revoke ID'", errUsage)
	}
	switch args[0] {
	case "add":
		return runAPIKeyAdd(ctx, e, args[1:])
	case "list":
		return runAPIKeyList(ctx, e, args[1:])
	case "revoke":
		return runAPIKeyRevoke(ctx, e, args[1:])
	default:
		return fmt.Errorf("%w: unknown subcommand %q (want add, list or revoke)", errUsage, args[0])
	}
}

// apiKeyService opens storage and the key service for an apikey command.
func apiKeyService(ctx context.Context, e *env, st *storage) (*apikey.Service, func(), error) {
	d, err := st.open(ctx, st.logger(e.stderr))
	if err != nil {
		return nil, nil, err
	}
	return apikey.NewService(d, time.Now), func() { d.Close() }, nil
}

func runAPIKeyAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("apikey add", flag.ContinueOnError)
	var st storage
	st.register(fs)
	name := fs.String("name", "", "name of the client, shown in event histories (required)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	var errs []error
	if *name == "" {
		errs = append(errs, errors.New("--name is required"))
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %v", fs.Args()))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	svc, done, err := apiKeyService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer done()
	k, err := svc.Create(ctx, auth.System("cli"), *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created API key %d for %s\n%s\n(shown only now: give it to the client; it cannot be shown again)\n", k.ID, k.Name, k.Secret)
	return nil
}

func runAPIKeyList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("apikey list", flag.ContinueOnError)
	var st storage
	st.register(fs)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	svc, done, err := apiKeyService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer done()
	keys, err := svc.List(ctx, auth.System("cli"))
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		fmt.Fprintln(e.stdout, "no API keys")
		return nil
	}
	stamp := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tKEY\tCREATED\tBY\tLAST USED\tSTATUS")
	for _, k := range keys {
		status := "active"
		if !k.Active() {
			status = "revoked " + stamp(k.RevokedAt)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, stamp(&k.CreatedAt), k.CreatedBy, stamp(k.LastUsedAt), status)
	}
	return tw.Flush()
}

func runAPIKeyRevoke(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("apikey revoke", flag.ContinueOnError)
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
		return fmt.Errorf("%w: want 'apikey revoke ID' (the ID from 'apikey list')", errUsage)
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("%w: ID must be a positive number, got %q", errUsage, pos[0])
	}
	svc, done, err := apiKeyService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer done()
	k, err := svc.Revoke(ctx, auth.System("cli"), id)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "API key %d (%s, %s…) revoked at %s\n", k.ID, k.Name, k.Prefix, k.RevokedAt.UTC().Format(time.RFC3339))
	return nil
}
