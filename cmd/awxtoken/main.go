// Command awxtoken creates, lists, updates and revokes AWX OAuth2 tokens, and
// serves an AWX-compatible token authority (awxtoken server). All the work is
// in internal/cli; main only wires signals and the process's streams.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/awxtoken/awxtoken/internal/cli"
)

func main() {
	// SIGINT and SIGTERM cancel the context: client requests stop, and
	// `awxtoken server` drains in-flight requests and exits 0.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
