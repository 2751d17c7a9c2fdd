// Command tinomail is TinoMail Monitor: ingest, queue, store and query of
// email events from MTA fleets, in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tinomail/tinomail/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args)
	stop()
	os.Exit(code)
}
