package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/config"
	"github.com/tinomail/tinomail/internal/simulate"
)

func simulateCmd(ctx context.Context, args []string, env Env) error {
	var c simulate.Config
	fs := newFlagSet("simulate", env)
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "base URL of the tinomail server")
	fs.StringVar(&c.APIKey, "api-key", "", "API key with the ingest scope (required)")
	fs.Float64Var(&c.Rate, "rate", 1000, "events per second; 0: as fast as the server takes them")
	fs.DurationVar(&c.Duration, "duration", 0, "stop after this long (0: no limit)")
	fs.Int64Var(&c.Count, "count", 0, "stop after this many events (0: no limit)")
	fs.IntVar(&c.Batch, "batch", 100, "events per request")
	fs.IntVar(&c.Concurrency, "concurrency", 4, "requests in flight")
	fs.DurationVar(&c.Backfill, "backfill", 0, "write history over this past period as fast as possible (e.g. 24h), then stop")
	fs.Int64Var(&c.Seed, "seed", 0, "random seed; 0 picks one (the report prints it)")
	fs.Usage = config.Usage(fs, "usage: tinomail simulate --url URL --api-key KEY [options]\n\nSends realistic email events to a server and reports accepted events/s and request latency.\nRuns until --count, --duration or Ctrl-C.")
	if err := config.Parse(fs, args, env.Getenv); err != nil {
		return usageError(err)
	}
	switch {
	case c.APIKey == "":
		return usageError(errors.New("--api-key is required"))
	case c.Rate < 0:
		return usageError(errors.New("--rate must not be negative"))
	case c.Batch < 1 || c.Batch > 100000:
		return usageError(errors.New("--batch must be between 1 and 100000"))
	case c.Concurrency < 1 || c.Concurrency > 1024:
		return usageError(errors.New("--concurrency must be between 1 and 1024"))
	case c.Count < 0 || c.Duration < 0 || c.Backfill < 0:
		return usageError(errors.New("--count, --duration and --backfill must not be negative"))
	case c.Backfill > 400*24*time.Hour:
		return usageError(errors.New("--backfill must be at most 400 days"))
	}
	log, err := newLogger(env, "info", "text")
	if err != nil {
		return err
	}
	c.Log = log
	rep, err := simulate.Run(ctx, c)
	fmt.Fprintln(env.Stdout, rep.String())
	if err != nil && ctx.Err() == nil {
		return err
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d events were refused by the server", rep.Failed)
	}
	return nil
}
