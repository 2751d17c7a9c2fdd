package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/classify"
	"github.com/tinomail/tinomail/internal/config"
	"github.com/tinomail/tinomail/internal/diskguard"
	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/httpapi"
	"github.com/tinomail/tinomail/internal/ingest"
	"github.com/tinomail/tinomail/internal/live"
	"github.com/tinomail/tinomail/internal/pipeline"
	"github.com/tinomail/tinomail/internal/query"
	"github.com/tinomail/tinomail/internal/queue"
	"github.com/tinomail/tinomail/internal/retention"
	"github.com/tinomail/tinomail/internal/source"
	"github.com/tinomail/tinomail/internal/store"
)

const defaultDataDir = "./data"

// serveOptions are the options of tinomail serve, each a flag and a
// TINOMAIL_* variable.
type serveOptions struct {
	listen, dataDir     string
	databaseURL         string
	natsURL, natsListen string
	queueMaxBytes       config.Bytes
	minFreeDisk         config.Bytes
	queueReplicas       int
	batchSize           int
	batchWait           time.Duration
	maxBody             config.Bytes
	maxEvents           int
	rateLimit           float64
	rateBurst           int
	bounceRules         string
	demo                bool
	demoRate            float64
	logLevel, logFormat string
	shutdownTimeout     time.Duration
	silentAfter         time.Duration
	retentionEvents     config.Age
	retention5m         config.Age
	retention1h         config.Age
	retention1d         config.Age
	zonemta             zonemtaOptions
	auth                authOptions // TLS, proxies, sessions: serve_auth.go
}

func (o *serveOptions) flags(fs *flag.FlagSet) {
	o.queueMaxBytes = 1 << 30
	o.maxBody = ingest.DefaultMaxBodyBytes
	o.minFreeDisk = 128 << 20
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address of the HTTP API")
	fs.StringVar(&o.dataDir, "data-dir", defaultDataDir, "directory of the SQLite database and the embedded queue")
	fs.StringVar(&o.databaseURL, "database-url", "", "PostgreSQL URL (postgres://user@host/db); empty: SQLite in the data dir")
	fs.StringVar(&o.natsURL, "nats-url", "", "external NATS server or cluster (e.g. nats://10.0.0.5:4222); empty runs NATS embedded")
	fs.StringVar(&o.natsListen, "nats-listen", "", "host:port where the embedded NATS accepts other nodes; empty: in-process only")
	fs.IntVar(&o.queueReplicas, "queue-replicas", 1, "copies of the queue streams on an external NATS cluster (1, 3 or 5)")
	fs.Var(&o.queueMaxBytes, "queue-max-bytes", "queue size; beyond it ingest answers 503 until the writer catches up")
	fs.Var(&o.minFreeDisk, "min-free-disk", "free space kept in the data dir's file system: below it ingest answers 507 (0: no floor)")
	fs.IntVar(&o.batchSize, "batch-size", pipeline.DefaultBatchSize, "events per write transaction, at most")
	fs.DurationVar(&o.batchWait, "batch-wait", pipeline.DefaultBatchWait, "longest wait to fill a batch after its first event")
	fs.Var(&o.maxBody, "max-body", "largest ingest request body, after gzip decoding")
	fs.IntVar(&o.maxEvents, "max-events", ingest.DefaultMaxEvents, "most events in one ingest request")
	fs.Float64Var(&o.rateLimit, "rate-limit", ingest.DefaultRateLimit, "events per second each API key may ingest; 0: unlimited")
	fs.IntVar(&o.rateBurst, "rate-burst", 0, "events a key may send at once above its rate (default: max of rate and max-events)")
	fs.StringVar(&o.bounceRules, "bounce-rules", "", "JSON file of bounce classification rules, tried before the built-in ones")
	fs.BoolVar(&o.demo, "demo", false, "create demo API keys, backfill 24h of simulated history once, and keep simulated traffic flowing")
	fs.Float64Var(&o.demoRate, "demo-rate", 20, "events per second of simulated traffic with --demo")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "text", "text or json")
	o.retention5m.D, o.retention1h.D = 35*24*time.Hour, 400*24*time.Hour
	fs.Var(&o.retentionEvents, "retention-events", "how long raw events are kept (default 30d on SQLite, 180d on PostgreSQL); 0: forever")
	fs.Var(&o.retention5m, "retention-5m", "how long 5-minute rollups are kept; 0: forever")
	fs.Var(&o.retention1h, "retention-1h", "how long hourly rollups are kept; 0: forever")
	fs.Var(&o.retention1d, "retention-1d", "how long daily rollups are kept; 0: forever")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long shutdown waits for requests and the batch in flight")
	fs.DurationVar(&o.silentAfter, "silent-after", source.DefaultSilentAfter, "a node or API key that sends is reported silent in /api/v1/sources after this long without a stored event (1s to 168h)")
	o.zonemta.flags(fs)
	o.auth.flags(fs)
}

func (o *serveOptions) validate() error {
	switch {
	case o.batchSize < 1 || o.batchSize > 100000:
		return errors.New("--batch-size must be between 1 and 100000")
	case o.batchWait < time.Millisecond || o.batchWait > time.Minute:
		return errors.New("--batch-wait must be between 1ms and 1m")
	case o.maxEvents < 1:
		return errors.New("--max-events must be at least 1")
	case o.maxBody < 1024:
		return errors.New("--max-body must be at least 1KB")
	case o.queueMaxBytes < 1<<20:
		return errors.New("--queue-max-bytes must be at least 1MB")
	case o.minFreeDisk < 0:
		return errors.New("--min-free-disk must not be negative")
	case o.rateLimit < 0 || o.rateBurst < 0:
		return errors.New("--rate-limit and --rate-burst must not be negative")
	case o.demoRate < 0:
		return errors.New("--demo-rate must not be negative")
	case o.queueReplicas < 1 || o.queueReplicas > 5:
		return errors.New("--queue-replicas must be between 1 and 5")
	case o.queueReplicas > 1 && o.natsURL == "":
		return errors.New("--queue-replicas above 1 needs --nats-url: the embedded server is a single node")
	case o.shutdownTimeout <= 0:
		return errors.New("--shutdown-timeout must be positive")
	case o.silentAfter < time.Second || o.silentAfter > 7*24*time.Hour:
		return fmt.Errorf("--silent-after must be between 1s and 168h, not %s", o.silentAfter)
	}
	if _, _, err := net.SplitHostPort(o.listen); err != nil {
		return fmt.Errorf("--listen %q: want host:port", o.listen)
	}
	if err := o.zonemta.validate(); err != nil {
		return err
	}
	if o.demo && o.auth.tlsCert != "" {
		return errors.New("--demo feeds itself over plain HTTP: leave out --tls-cert")
	}
	return o.auth.validate()
}

func serve(ctx context.Context, args []string, env Env) error {
	var o serveOptions
	fs := newFlagSet("serve", env)
	o.flags(fs)
	fs.Usage = config.Usage(fs, "usage: tinomail serve [options]\n\nRuns the HTTP API, the queue (embedded NATS JetStream unless --nats-url), the batch writer and the live stream.")
	if err := config.Parse(fs, args, env.Getenv); err != nil {
		return usageError(err)
	}
	if err := o.validate(); err != nil {
		return usageError(err)
	}
	log, err := newLogger(env, o.logLevel, o.logFormat)
	if err != nil {
		return usageError(err)
	}
	return runServer(ctx, o, log)
}

func newLogger(env Env, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(env.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}

// runServer starts everything, waits for ctx, and shuts down in order: stop
// accepting requests, drain the writer's batch, close queue and store.
func runServer(ctx context.Context, o serveOptions, log *slog.Logger) error {
	classifier := classify.Default()
	if o.bounceRules != "" {
		var err error
		if classifier, err = classify.LoadFile(o.bounceRules); err != nil {
			return fmt.Errorf("--bounce-rules: %w", err)
		}
	}
	st, err := openStore(ctx, o.dataDir, o.databaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	q, err := queue.Open(ctx, queue.Config{
		URL: o.natsURL, StoreDir: filepath.Join(o.dataDir, "jetstream"), Listen: o.natsListen,
		MaxBytes: int64(o.queueMaxBytes), Replicas: o.queueReplicas, Log: log,
	})
	if err != nil {
		return err
	}
	defer q.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	registerQueueMetrics(reg, q)

	hub := live.NewHub(log, reg)
	defer hub.Close()
	if _, err := hub.Subscribe(q.Conn(), queue.SubjectLive); err != nil {
		return fmt.Errorf("live: subscribe: %w", err)
	}
	notify := func(events []event.Event) {
		if err := live.Publish(q.Conn(), queue.SubjectLive, live.Count(events)); err != nil {
			log.Warn("live: publish", "err", err)
		}
	}
	writer := pipeline.New(q, st, pipeline.Config{BatchSize: o.batchSize, BatchWait: o.batchWait,
		DrainTimeout: o.shutdownTimeout, Log: log}, notify, reg)

	keys := auth.NewKeys(st).WithLog(log)
	disk := diskguard.New(o.dataDir, uint64(o.minFreeDisk), log)
	rejections := source.NewRejections(st, log)
	handler := httpapi.New(httpapi.Deps{
		Ingest: ingest.New(ingest.Config{MaxBodyBytes: int64(o.maxBody), MaxEvents: o.maxEvents,
			RateLimit: o.rateLimit, RateBurst: o.rateBurst, Classifier: classifier, Disk: disk,
			Rejections: rejections}, keys, q, log, reg),
		Sources: &source.Report{Store: st, SilentAfter: o.silentAfter},
		Query:   &query.Service{Store: st},
		Keys:    keys,
		Hub:     hub,
		Queue:   startQueuePoller(ctx, o.zonemta, st, log),
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
		Ready: func(ctx context.Context) error {
			if err := q.Ping(ctx); err != nil {
				return err
			}
			if err := disk.Check(); err != nil {
				return err
			}
			return st.Ping(ctx)
		},
		Log:  log,
		Auth: o.auth.deps(st, o.retention()),
	})
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := newHTTPServer(handler, log)

	writerCtx, stopWriter := context.WithCancel(context.WithoutCancel(ctx))
	go retention.RunWith(ctx, st, retention.FromSettings(st, o.retention(), log), time.Minute, time.Hour, log)
	writerDone := make(chan error, 1)
	go func() { writerDone <- writer.Run(writerCtx) }()
	rejectionsDone := make(chan struct{})
	go func() { rejections.Run(writerCtx, source.DefaultFlushInterval); close(rejectionsDone) }()
	serveDone := make(chan error, 1)
	go func() { serveDone <- o.auth.serve(srv, ln) }()
	log.Info("tinomail serving", "listen", ln.Addr().String(), "data_dir", o.dataDir,
		"queue", queueName(o.natsURL), "tls", o.auth.tlsCert != "", "version", Version)
	if o.demo {
		go runDemo(ctx, o, st, keys, "http://"+ln.Addr().String(), log)
	}

	var failure error
	select {
	case <-ctx.Done():
	case err := <-serveDone:
		failure = fmt.Errorf("http: %w", err)
	case err := <-writerDone:
		// The writer only returns early when it cannot consume at all:
		// serving on would accept events nobody writes.
		writerDone <- err
		failure = fmt.Errorf("writer stopped: %v", err)
	}
	log.Info("shutting down")
	hub.Close()
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	stopWriter() // also flushes the rejected counts of the requests served
	if err := <-writerDone; err != nil {
		log.Error("writer", "err", err)
	}
	<-rejectionsDone
	log.Info("stopped")
	return failure
}

// retention is the policy of the options, with the store's default for raw
// events when none was given.
func (o *serveOptions) retention() store.Retention {
	events := o.retentionEvents.D
	switch {
	case o.retentionEvents.Given:
	case o.databaseURL != "":
		events = 180 * 24 * time.Hour
	default:
		events = 30 * 24 * time.Hour
	}
	return store.Retention{Events: events, Rollup5m: o.retention5m.D, Rollup1h: o.retention1h.D, Rollup1d: o.retention1d.D}
}

func queueName(url string) string {
	if url == "" {
		return "embedded"
	}
	return url
}

// newHTTPServer sets every timeout: slow or stuck clients cost a goroutine
// for a bounded time only. The live stream sets its own write deadlines.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func registerQueueMetrics(reg prometheus.Registerer, q *queue.Queue) {
	depth := func(bytes bool) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			m, b, err := q.Depth(ctx)
			if err != nil {
				return -1
			}
			if bytes {
				return float64(b)
			}
			return float64(m)
		}
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "tinomail", Subsystem: "queue", Name: "messages",
			Help: "Messages waiting in the events stream (-1 when unknown)."}, depth(false)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "tinomail", Subsystem: "queue", Name: "bytes",
			Help: "Bytes waiting in the events stream (-1 when unknown)."}, depth(true)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "tinomail", Subsystem: "queue", Name: "dead_letter_messages",
			Help: "Messages in the dead-letter stream (-1 when unknown)."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			n, err := q.DeadCount(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}),
	)
}
