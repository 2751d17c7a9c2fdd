// Package benchload fills a store with generated history straight through
// its WriteBatch, without HTTP or the queue: how the query benchmarks get
// millions of events in minutes rather than hours.
package benchload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tinomail/tinomail/internal/classify"
	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/ingest"
	"github.com/tinomail/tinomail/internal/simulate"
	"github.com/tinomail/tinomail/internal/store"
)

// Config is one load.
type Config struct {
	// Events is how many events to write.
	Events int64
	// Window is how far back the history goes from End (default 30 days).
	Window time.Duration
	End    time.Time // default now
	// Batch is the number of events per WriteBatch (default 20,000): larger
	// batches merge more rollup increments into one row.
	Batch int
	Seed  int64
	// Writers is how many batches are written at once (default 1).
	Writers int
	// Progress, when set, is called after each batch with the events
	// written, never by two writers at once.
	Progress func(written int64)
}

// Stats says what a load did.
type Stats struct {
	Events  int64
	Elapsed time.Duration
}

// EventsPerSec is the load's rate.
func (s Stats) EventsPerSec() float64 { return float64(s.Events) / s.Elapsed.Seconds() }

// Load writes cfg.Events simulator events, in time order over the window, to
// w. The events are the simulator's realistic mix, normalized and classified
// as ingest does, so the rows and rollups are those the HTTP path would make.
// Generation runs ahead of the writes in its own goroutine; cfg.Writers
// goroutines write batches at once, which on PostgreSQL overlaps one batch's
// COPY with another's rollup upserts (1.4 times the rate of one writer here).
func Load(ctx context.Context, w store.Writer, cfg Config) (Stats, error) {
	if cfg.Window <= 0 {
		cfg.Window = 30 * 24 * time.Hour
	}
	if cfg.End.IsZero() {
		cfg.End = time.Now()
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 20_000
	}
	if cfg.Writers <= 0 {
		cfg.Writers = 1
	}
	if cfg.Events <= 0 {
		return Stats{}, fmt.Errorf("benchload: %d events: want at least one", cfg.Events)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []event.Event, 2)
	go generate(ctx, cfg, batches)

	start := time.Now()
	stream := fmt.Sprintf("benchload-%d", start.UnixNano())
	var (
		mu      sync.Mutex
		written int64
		seq     uint64
		first   error
	)
	var wg sync.WaitGroup
	for range cfg.Writers {
		wg.Go(func() {
			for evs := range batches {
				mu.Lock()
				seq++
				msg := store.Msg{Stream: stream, Seq: seq, Events: evs}
				mu.Unlock()
				res, err := w.WriteBatch(ctx, []store.Msg{msg})
				mu.Lock()
				if err != nil {
					if first == nil {
						first = fmt.Errorf("benchload: batch %d: %w", msg.Seq, err)
					}
					mu.Unlock()
					cancel()
					continue
				}
				written += int64(res.Events)
				if cfg.Progress != nil {
					cfg.Progress(written)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	st := Stats{Events: written, Elapsed: time.Since(start)}
	if first != nil {
		return st, first
	}
	return st, ctx.Err()
}

func generate(ctx context.Context, cfg Config, out chan<- []event.Event) {
	defer close(out)
	gen := simulate.NewGenerator(simulate.GenConfig{}, cfg.Seed)
	jitter := rand.New(rand.NewPCG(uint64(cfg.Seed), 1))
	at := simulate.BackfillTimes(cfg.End, cfg.Window, cfg.Events)
	classifier := classify.Default()
	for first := int64(0); first < cfg.Events; first += int64(cfg.Batch) {
		n := min(int64(cfg.Batch), cfg.Events-first)
		evs := make([]event.Event, n)
		for i := range evs {
			evs[i] = gen.Event(at(first+int64(i), jitter.Float64()))
			event.Normalize(&evs[i])
		}
		ingest.ClassifyFailures(classifier, evs)
		select {
		case out <- evs:
		case <-ctx.Done():
			return
		}
	}
}
