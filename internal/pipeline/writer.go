// Package pipeline is the batch writer: it takes events off the queue in
// batches, stores them with their rollups in one transaction, and only then
// acknowledges them. A crash at any point leaves every event either stored
// and acknowledged, or not acknowledged and delivered again, in which case
// the store recognises the message by its stream sequence and skips it.
package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/queue"
	"github.com/tinomail/tinomail/internal/store"
)

// Config tunes batching. A batch closes at BatchSize events or BatchWait after
// its first message, whichever comes first.
type Config struct {
	BatchSize int
	BatchWait time.Duration
	// MaxAttempts is how often a single message is tried, while the store
	// otherwise answers, before it is dead-lettered as poison.
	MaxAttempts int
	// DrainTimeout bounds how long shutdown waits for the batch in flight.
	DrainTimeout time.Duration
	Log          *slog.Logger
}

// Defaults chosen by BenchmarkPipeline (see docs/benchmarks.md).
const (
	DefaultBatchSize = 5000
	DefaultBatchWait = 50 * time.Millisecond
)

// Writer moves events from the queue to the store.
type Writer struct {
	q      *queue.Queue
	st     store.Writer
	cfg    Config
	notify func([]event.Event)
	m      *metrics
}

// New returns a writer. notify, when not nil, is called with the events of
// every committed batch (the live stream); it must not block.
func New(q *queue.Queue, st store.Writer, cfg Config, notify func([]event.Event), reg prometheus.Registerer) *Writer {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.BatchWait <= 0 {
		cfg.BatchWait = DefaultBatchWait
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Writer{q: q, st: st, cfg: cfg, notify: notify, m: newMetrics(reg)}
}

// item is one queue message and its decoded events.
type item struct {
	msg    jetstream.Msg
	seq    uint64
	id     string // content id (Nats-Msg-Id)
	events []event.Event
	keyID  int64     // API key that sent the events, 0 when unknown
	stored time.Time // when the stream took the message: ingest time
}

// Run writes batches until ctx is done, then finishes the batch in flight and
// returns. Messages fetched but not written are redelivered later.
func (w *Writer) Run(ctx context.Context) error {
	sub, err := w.q.Subscribe(ctx, prefetch(w.cfg.BatchSize))
	if err != nil {
		return err
	}
	defer sub.Stop()
	go w.forgetLoop(ctx)
	// Collecting (which decodes) runs beside writing, on another core: the
	// next batch is ready when the store commits the previous one.
	collectCtx, stopCollecting := context.WithCancel(ctx)
	defer stopCollecting()
	go func() {
		select {
		case <-sub.Lost:
			stopCollecting()
		case <-collectCtx.Done():
		}
	}()
	batches := make(chan []item, 1)
	go func() {
		defer close(batches)
		for collectCtx.Err() == nil {
			if batch := w.collect(collectCtx, sub); len(batch) > 0 {
				batches <- batch
			}
		}
	}()
	for batch := range batches {
		// A batch is written even when ctx ends meanwhile: that is the drain.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.DrainTimeout)
		w.write(wctx, batch)
		cancel()
	}
	if ctx.Err() == nil {
		return errors.New("pipeline: the queue stopped delivering")
	}
	return nil
}

// prefetch sizes the client-side buffer of each consumer in messages.
func prefetch(batchSize int) int {
	return max(16, min(batchSize/50, 256))
}

// collect gathers one batch, urgent messages first.
func (w *Writer) collect(ctx context.Context, sub *queue.Subscription) []item {
	var batch []item
	n := 0
	add := func(m jetstream.Msg) {
		if it, ok := w.decode(ctx, m); ok {
			batch = append(batch, it)
			n += len(it.events)
		}
	}
	// Wait for the first message.
	select {
	case m := <-sub.Urgent:
		add(m)
	default:
		select {
		case m := <-sub.Urgent:
			add(m)
		case m := <-sub.Normal:
			add(m)
		case <-ctx.Done():
			return nil
		}
	}
	timer := time.NewTimer(w.cfg.BatchWait)
	defer timer.Stop()
	for n < w.cfg.BatchSize {
		select {
		case m := <-sub.Urgent:
			add(m)
			continue
		default:
		}
		select {
		case m := <-sub.Urgent:
			add(m)
		case m := <-sub.Normal:
			add(m)
		case <-timer.C:
			return batch
		case <-ctx.Done():
			return batch
		}
	}
	return batch
}

// decode reads a message; one that cannot be decoded is poison and goes
// straight to the dead-letter stream.
func (w *Writer) decode(ctx context.Context, m jetstream.Msg) (item, bool) {
	md, err := m.Metadata()
	if err != nil {
		w.deadLetter(ctx, item{msg: m}, err)
		return item{}, false
	}
	events, err := queue.Decode(m.Data())
	if err != nil {
		w.deadLetter(ctx, item{msg: m, seq: md.Sequence.Stream}, err)
		return item{}, false
	}
	h := m.Headers()
	keyID, _ := strconv.ParseInt(h.Get(queue.HeaderAPIKey), 10, 64) // absent or bad: unknown
	return item{msg: m, seq: md.Sequence.Stream, id: h.Get(jetstream.MsgIDHeader), events: events,
		keyID: keyID, stored: md.Timestamp}, true
}

// forgetLoop trims the exactly-once bookkeeping: sequences below the
// stream's first sequence can never be delivered again.
func (w *Writer) forgetLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		first, err := w.q.FirstSeq(ctx)
		if err == nil {
			err = w.st.ForgetApplied(ctx, w.q.StreamID(), first)
		}
		if err == nil {
			err = w.st.ForgetAppliedIDs(ctx, time.Now().Add(-store.AppliedIDWindow))
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			w.cfg.Log.Warn("pipeline: trim applied sequences", "err", err)
		}
	}
}
