// Command gridgov runs the grid governance platform: the server and the
// command-line tools that install, migrate and administer it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
