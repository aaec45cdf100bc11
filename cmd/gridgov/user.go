package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/secret"
)

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want 'user add' or 'user list'", errUsage)
	}
	switch args[0] {
	case "add":
		return runUserAdd(ctx, e, args[1:])
	case "list":
		return runUserList(ctx, e, args[1:])
	default:
		return fmt.Errorf("%w: unknown subcommand %q (want add or list)", errUsage, args[0])
	}
}

// authService opens storage and the account service for a CLI command.
func authService(ctx context.Context, e *env, st *storage) (*auth.Service, func(), error) {
	log := st.logger(e.stderr)
	d, err := st.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	keys, err := secret.LoadOrCreate(e.getenv("GRIDGOV_DATA_KEY"), st.dataDir)
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	svc, err := auth.NewService(d, keys, auth.Config{}, time.Now)
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return svc, func() { d.Close() }, nil
}

func runUserAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	var st storage
	st.register(fs)
	username := fs.String("username", "", "login name (required)")
	role := fs.String("role", "", "role: admin, center, department, worker, leader, resident (required)")
	scope := fs.String("scope", "", "region code (or department code for the department role)")
	displayName := fs.String("display-name", "", "name shown in the console")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	mustChange := fs.Bool("must-change-password", false, "require a new password at first login (always so for generated passwords)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	var errs []error
	if *username == "" {
		errs = append(errs, errors.New("--username is required"))
	}
	if *role == "" {
		errs = append(errs, errors.New("--role is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	password, generated := "", false
	if *passwordStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("%w: --password-stdin: no password on standard input", errUsage)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		password, generated = auth.GeneratePassword(), true
	}
	svc, closeFn, err := authService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer closeFn()
	u, err := svc.CreateUser(ctx, auth.System("cli"), auth.NewUser{
		Username: *username, DisplayName: *displayName, Role: auth.Role(*role), Scope: *scope,
		Password: password, MustChangePassword: *mustChange || generated,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created user %s (id %d, role %s)\n", u.Username, u.ID, u.Role)
	if generated {
		fmt.Fprintf(e.stdout, "one-time password: %s\n(it must be changed at first login)\n", password)
	}
	return nil
}

func runUserList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	var st storage
	st.register(fs)
	role := fs.String("role", "", "only users with this role")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	var filterRole auth.Role
	if *role != "" {
		r, err := auth.ParseRole(*role)
		if err != nil {
			return fmt.Errorf("%w: --role: %w", errUsage, err)
		}
		filterRole = r
	}
	svc, closeFn, err := authService(ctx, e, &st)
	if err != nil {
		return err
	}
	defer closeFn()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tROLE\tSCOPE\tTOTP\tSTATUS")
	var after int64
	for {
		users, err := svc.ListUsers(ctx, auth.System("cli"), auth.UserFilter{Role: filterRole, AfterID: after, Limit: 500})
		if err != nil {
			return err
		}
		for _, u := range users {
			scope := "all"
			switch u.ScopeKind() {
			case auth.ScopeRegion:
				scope = u.ScopeRegion + " " + u.ScopeRegionName
			case auth.ScopeDepartment:
				scope = "department " + u.ScopeDepartment
			}
			status := "active"
			if u.Disabled {
				status = "disabled"
			} else if u.MustChangePassword {
				status = "must change password"
			}
			totp := "off"
			if u.TOTPEnabled {
				totp = "on"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.DisplayName, u.Role, scope, totp, status)
			after = u.ID
		}
		if len(users) < 500 {
			break
		}
	}
	return tw.Flush()
}
