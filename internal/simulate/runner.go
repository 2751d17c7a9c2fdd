package simulate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Config is one load run against an ingest endpoint.
type Config struct {
	// URL is the server's base URL, e.g. http://localhost:8080.
	URL string
	// APIKey is sent in the x-api-key header.
	APIKey string
	// Rate is the target in events per second; 0 sends as fast as the
	// server takes them. Ignored when backfilling.
	Rate float64
	// The run stops when Duration has passed, when Count events have been
	// sent, or when the context is done, whichever comes first.
	Duration time.Duration
	Count    int64
	// Batch is the number of events per request (default 100). At low rates
	// requests are made smaller so that events flow at least 20 times a
	// second instead of in bursts.
	Batch int
	// Concurrency is the number of requests in flight (default 4).
	Concurrency int
	// Backfill, when positive, fills the past: events get times spread over
	// [now-Backfill, now) following Diurnal and are sent as fast as possible.
	// Their number is Count, else Rate×Backfill, else 200,000.
	Backfill time.Duration
	// Seed seeds each worker's generator (worker i draws stream i), so a
	// run's traffic can be drawn again; 0 picks a seed from the clock and the
	// report says which.
	Seed int64
	// Gen shapes the traffic; the zero value is a realistic fleet.
	Gen GenConfig
	// HTTPClient defaults to a client with keep-alive connections sized to
	// Concurrency and a 30 s timeout.
	HTTPClient *http.Client
	// Log receives progress every few seconds, and retries at debug level;
	// nil discards it.
	Log *slog.Logger
}

// ErrRefused is returned when the server refuses the run as a whole (unknown
// API key, wrong URL): every further request would fail the same way.
var ErrRefused = errors.New("server refused the run")

// IngestPath is where events are posted, relative to Config.URL.
const IngestPath = "/api/v1/events/ingest"

const (
	defaultBatch         = 100
	defaultConcurrency   = 4
	defaultBackfillCount = 200_000
	// drainGrace is how long requests in flight may still be retried after
	// the run's Duration is up, so that a stop does not lose accepted work
	// to a momentary 503.
	drainGrace    = 10 * time.Second
	maxErrors     = 5
	progressEvery = 5 * time.Second
)

type runner struct {
	cfg     Config
	url     string
	client  *http.Client
	limiter *rate.Limiter
	plan    *backfillPlan
	log     *slog.Logger
	seed    int64
	batch   int
	total   int64 // events to send; 0 is no limit

	claimed                        atomic.Int64
	sent, queued, rejected, failed atomic.Int64
	requests, retries              atomic.Int64
	stop                           context.CancelFunc // ends the run early
	mu                             sync.Mutex
	errs                           []string
	refused                        error
	hist                           latencyHist
}

// Run generates events and posts them to cfg.URL until the run is over (see
// Config), then reports what happened. Requests refused for a transient
// reason (429, 503, other 5xx, network errors) are retried with the same body
// until accepted, so no event is lost; requests refused for good are counted
// as failed. The error is non-nil only for a bad Config or when the server
// refuses the run as a whole (ErrRefused); the report is valid either way.
func Run(ctx context.Context, cfg Config) (Report, error) {
	r, err := newRunner(cfg)
	if err != nil {
		return Report{}, err
	}
	return r.run(ctx)
}

func newRunner(cfg Config) (*runner, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("simulate: URL %q: want http(s)://host[:port]", cfg.URL)
	}
	if cfg.Rate < 0 || cfg.Count < 0 || cfg.Duration < 0 || cfg.Backfill < 0 {
		return nil, errors.New("simulate: rate, count, duration and backfill must not be negative")
	}
	if cfg.Batch <= 0 {
		cfg.Batch = defaultBatch
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = defaultConcurrency
	}
	r := &runner{
		cfg:    cfg,
		url:    strings.TrimRight(cfg.URL, "/") + IngestPath,
		client: cfg.HTTPClient,
		log:    cfg.Log,
		seed:   cfg.Seed,
		batch:  cfg.Batch,
		total:  cfg.Count,
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.seed == 0 {
		r.seed = time.Now().UnixNano()
	}
	if r.client == nil {
		r.client = defaultClient(cfg.Concurrency)
	}
	switch {
	case cfg.Backfill > 0:
		if r.total == 0 {
			r.total = int64(cfg.Rate * cfg.Backfill.Seconds())
		}
		if r.total == 0 {
			r.total = defaultBackfillCount
		}
		r.plan = newBackfillPlan(time.Now(), cfg.Backfill, r.total)
	case cfg.Rate > 0:
		r.batch = min(r.batch, max(1, int(cfg.Rate/20)))
		r.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), r.batch)
	}
	return r, nil
}

func defaultClient(concurrency int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2 * concurrency
	tr.MaxIdleConnsPerHost = concurrency
	return &http.Client{
		Transport: tr,
		Timeout:   30 * time.Second,
		// A redirected POST would arrive as a GET: better to report it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (r *runner) run(ctx context.Context) (Report, error) {
	start := time.Now()
	stopCtx, stop := withOptionalTimeout(ctx, r.cfg.Duration)
	defer stop()
	sendCtx, cancelSend := context.WithCancel(ctx)
	defer cancelSend()
	r.stop = stop

	done := make(chan struct{})
	go r.watch(stopCtx, cancelSend, done)
	var wg sync.WaitGroup
	for id := range r.cfg.Concurrency {
		wg.Go(func() { r.work(stopCtx, sendCtx, id) })
	}
	wg.Wait()
	close(done)

	rep := r.report(time.Since(start))
	r.log.Info("simulate: done", "sent", rep.Sent, "queued", rep.Queued, "failed", rep.Failed,
		"elapsed", rep.Elapsed, "events_per_sec", int64(rep.EventsPerSec))
	return rep, r.refused
}

func withOptionalTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return context.WithCancel(ctx)
}

// watch logs progress, and once the run is stopped gives the requests in
// flight drainGrace to finish before cancelling them.
func (r *runner) watch(stopCtx context.Context, cancelSend context.CancelFunc, done <-chan struct{}) {
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	var grace <-chan time.Time
	stopped := stopCtx.Done()
	last, lastAt := int64(0), time.Now()
	for {
		select {
		case <-done:
			return
		case <-stopped:
			stopped, grace = nil, time.After(drainGrace)
		case <-grace:
			cancelSend()
		case now := <-tick.C:
			q := r.queued.Load()
			r.log.Info("simulate: progress", "sent", r.sent.Load(), "queued", q,
				"retries", r.retries.Load(), "events_per_sec", int64(float64(q-last)/now.Sub(lastAt).Seconds()))
			last, lastAt = q, now
		}
	}
}

// claim reserves the next batch of events; n is 0 when the count is reached.
func (r *runner) claim() (first int64, n int) {
	if r.total == 0 {
		return r.claimed.Add(int64(r.batch)) - int64(r.batch), r.batch
	}
	for {
		cur := r.claimed.Load()
		if cur >= r.total {
			return 0, 0
		}
		n := min(int64(r.batch), r.total-cur)
		if r.claimed.CompareAndSwap(cur, cur+n) {
			return cur, int(n)
		}
	}
}

func (r *runner) noteError(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) < maxErrors {
		r.errs = append(r.errs, msg)
	}
}

// refuse stops the whole run: the server will refuse every request alike.
// Requests in flight still get their answer, so that they are counted.
func (r *runner) refuse(msg string) {
	r.mu.Lock()
	if r.refused == nil {
		r.refused = fmt.Errorf("simulate: %w: %s", ErrRefused, msg)
		r.log.Error("simulate: stopping", "reason", msg)
	}
	r.mu.Unlock()
	r.stop()
}

func (r *runner) report(elapsed time.Duration) Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := Report{
		Seed:     r.seed,
		Sent:     r.sent.Load(),
		Queued:   r.queued.Load(),
		Rejected: r.rejected.Load(),
		Failed:   r.failed.Load(),
		Requests: r.requests.Load(),
		Retries:  r.retries.Load(),
		Elapsed:  elapsed,
		Errors:   append([]string(nil), r.errs...),

		LatencyP50: r.hist.quantile(0.50),
		LatencyP90: r.hist.quantile(0.90),
		LatencyP99: r.hist.quantile(0.99),
		LatencyMax: r.hist.max,
	}
	rep.Unconfirmed = max(0, rep.Sent-rep.Queued-rep.Rejected-rep.Failed)
	if s := elapsed.Seconds(); s > 0 {
		rep.EventsPerSec = float64(rep.Queued) / s
	}
	return rep
}
