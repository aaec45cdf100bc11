package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

// Flags may come before, between or after the positional arguments; "--"
// ends the flags wherever it stands, unless it is a flag's value.
func TestParseMixed(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		pos   []string
		all   bool
		out   string
		fails string
	}{
		{"flags first", []string{"--all-or-nothing", "--errors", "e.xlsx", "p.csv"}, []string{"p.csv"}, true, "e.xlsx", ""},
		{"flags after", []string{"p.csv", "--all-or-nothing"}, []string{"p.csv"}, true, "", ""},
		{"flags around", []string{"--errors=e.csv", "p.csv", "-all-or-nothing"}, []string{"p.csv"}, true, "e.csv", ""},
		{"between positionals", []string{"a", "--errors", "e.csv", "b", "--all-or-nothing", "c"}, []string{"a", "b", "c"}, true, "e.csv", ""},
		{"no flags", []string{"p.csv"}, []string{"p.csv"}, false, "", ""},
		{"nothing", nil, nil, false, "", ""},
		{"dashes end the flags", []string{"--errors", "e.csv", "--", "--all-or-nothing"}, []string{"--all-or-nothing"}, false, "e.csv", ""},
		{"dashes after a positional", []string{"p.csv", "--", "-x", "--all-or-nothing"}, []string{"p.csv", "-x", "--all-or-nothing"}, false, "", ""},
		{"dashes after a bool flag", []string{"--all-or-nothing", "--", "-p.csv"}, []string{"-p.csv"}, true, "", ""},
		{"dashes as a flag's value", []string{"--errors", "--", "p.csv", "--all-or-nothing"}, []string{"p.csv"}, true, "--", ""},
		{"a lone dash is positional", []string{"-", "--all-or-nothing"}, []string{"-"}, true, "", ""},
		{"unknown flag after a positional", []string{"p.csv", "--all-or-nothin"}, nil, false, "", "flag provided but not defined"},
		{"value missing after a positional", []string{"p.csv", "--errors"}, nil, false, "", "flag needs an argument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			all := fs.Bool("all-or-nothing", false, "")
			out := fs.String("errors", "", "")
			e := &env{getenv: func(string) string { return "" }, stderr: io.Discard}
			pos, err := parseMixed(fs, e, tc.args)
			if tc.fails != "" {
				if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.fails) {
					t.Fatalf("parseMixed(%q) = %q, %v; want a usage error %q", tc.args, pos, err, tc.fails)
				}
				return
			}
			if err != nil || !slices.Equal(pos, tc.pos) || *all != tc.all || *out != tc.out {
				t.Fatalf("parseMixed(%q) = %q, %v, all-or-nothing %v, errors %q; want %q, all-or-nothing %v, errors %q",
					tc.args, pos, err, *all, *out, tc.pos, tc.all, tc.out)
			}
		})
	}
}
