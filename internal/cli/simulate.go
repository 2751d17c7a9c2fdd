package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/benchload"
	"github.com/tinomail/tinomail/internal/config"
	"github.com/tinomail/tinomail/internal/simulate"
	"github.com/tinomail/tinomail/internal/store"
)

func simulateCmd(ctx context.Context, args []string, env Env) error {
	var c simulate.Config
	var direct bool
	var dataDir, databaseURL string
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
	fs.BoolVar(&direct, "direct", false, "write --count events over the last --backfill straight into the store of --data-dir or --database-url, without the server (bulk history for tests and benchmarks)")
	fs.StringVar(&dataDir, "data-dir", defaultDataDir, "with --direct: directory of the SQLite database (same as serve)")
	fs.StringVar(&databaseURL, "database-url", "", "with --direct: PostgreSQL URL (same as serve); empty: SQLite in the data dir")
	fs.Usage = config.Usage(fs, "usage: tinomail simulate --url URL --api-key KEY [options]\n       tinomail simulate --direct --backfill PERIOD --count N [--data-dir DIR | --database-url URL]\n\nSends realistic email events to a server and reports accepted events/s and request latency.\nRuns until --count, --duration or Ctrl-C. With --direct, writes history into a store instead.")
	if err := config.Parse(fs, args, env.Getenv); err != nil {
		return usageError(err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if direct {
		return simulateDirect(ctx, c, set, dataDir, databaseURL, env)
	}
	switch {
	case set["data-dir"] || set["database-url"]:
		return usageError(errors.New("--data-dir and --database-url go with --direct; without it events go to --url"))
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

// simulateDirect fills a store with history through its own batch writer
// (internal/benchload): tens of thousands of events a second, where the HTTP
// path is bound by the server's ingest rate. The events are those the server
// would have stored; the live counters of a running server do not see them.
func simulateDirect(ctx context.Context, c simulate.Config, set map[string]bool, dataDir, databaseURL string, env Env) error {
	for _, name := range []string{"url", "api-key", "rate", "duration"} {
		if set[name] {
			return usageError(fmt.Errorf("--%s does not apply to --direct, which writes into the store without a server", name))
		}
	}
	switch {
	case c.Count <= 0:
		return usageError(errors.New("--direct needs --count, the number of events to write"))
	case c.Backfill <= 0:
		return usageError(errors.New("--direct needs --backfill, the past period the events spread over (e.g. 30d)"))
	case c.Backfill > 400*24*time.Hour:
		return usageError(errors.New("--backfill must be at most 400 days"))
	case c.Concurrency < 1 || c.Concurrency > 64:
		return usageError(errors.New("--concurrency must be between 1 and 64 with --direct (batches written at once)"))
	case set["batch"] && (c.Batch < 1 || c.Batch > 100000):
		return usageError(errors.New("--batch must be between 1 and 100000"))
	}
	log, err := newLogger(env, "info", "text")
	if err != nil {
		return err
	}
	st, err := openStore(ctx, dataDir, databaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	cfg := benchload.Config{Events: c.Count, Window: c.Backfill, Seed: c.Seed, Writers: c.Concurrency}
	if set["batch"] {
		cfg.Batch = c.Batch
	}
	if cfg.Seed == 0 {
		cfg.Seed = time.Now().UnixNano()
	}
	var next time.Time
	cfg.Progress = func(written int64) {
		if now := time.Now(); now.After(next) {
			next = now.Add(10 * time.Second)
			log.Info("simulate: writing", "events", written, "of", c.Count)
		}
	}
	stats, err := benchload.Load(ctx, st, cfg)
	fmt.Fprintf(env.Stdout, "wrote %d events over the last %s in %s: %.0f events/s (seed %d)\n",
		stats.Events, c.Backfill, stats.Elapsed.Round(time.Millisecond), stats.EventsPerSec(), cfg.Seed)
	if err != nil {
		return err
	}
	if a, ok := st.(store.Analyzer); ok {
		log.Info("simulate: gathering the database's statistics for the new rows")
		return a.Analyze(ctx)
	}
	return nil
}
