// Package source answers "is every MTA node and plugin still reporting?"
// (GET /api/v1/sources): per node and per API key, when it last sent, at what
// rate, how many of its events validation refused, and whether it went
// silent. The counts live in the store (see store.SourceStore), so every
// server of a fleet sharing one database gives the same answer.
package source

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// DefaultFlushInterval is how often Rejections writes its counts.
const DefaultFlushInterval = 5 * time.Second

// Rejections counts the events ingest refused, per API key and per node,
// in memory, and adds them to the store every flush interval: one small
// transaction per interval instead of one per request, and ingest never
// waits on the database. Counts that cannot be written are kept for the
// next flush; a crash loses at most one interval of them.
type Rejections struct {
	st  store.SourceStore
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	pending []store.SourceDelta
	flushMu sync.Mutex // one flush at a time
}

// NewRejections returns a counter writing to st.
func NewRejections(st store.SourceStore, log *slog.Logger) *Rejections {
	return &Rejections{st: st, log: log, now: time.Now}
}

// Rejected records that key keyID sent total invalid events, byNode of them
// naming an MTA node.
func (r *Rejections) Rejected(keyID int64, byNode map[string]int, total int) {
	if total <= 0 {
		return
	}
	at := r.now().UTC()
	minute := at.Truncate(time.Minute)
	add := []store.SourceDelta{{Kind: store.SourceKey, Name: strconv.FormatInt(keyID, 10), Minute: minute,
		Rejected: int64(total), LastRejected: at}}
	for node, n := range byNode {
		add = append(add, store.SourceDelta{Kind: store.SourceNode, Name: node, Minute: minute, Rejected: int64(n), LastRejected: at})
	}
	r.mu.Lock()
	r.pending = store.MergeSourceDeltas(r.pending, add)
	r.mu.Unlock()
}

// Flush writes the pending counts.
func (r *Rejections) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	batch := r.pending
	r.pending = nil
	r.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	if err := r.st.AddSourceCounts(ctx, batch); err != nil {
		r.mu.Lock()
		r.pending = store.MergeSourceDeltas(r.pending, batch)
		r.mu.Unlock()
		return err
	}
	return nil
}

// Run flushes every interval until ctx ends, then once more.
func (r *Rejections) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := r.Flush(fctx); err != nil {
				r.log.Warn("sources: rejected counts lost at shutdown", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := r.Flush(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("sources: write rejected counts; kept for the next try", "err", err)
			}
		}
	}
}
