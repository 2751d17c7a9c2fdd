// Package retention deletes data past its age, on a schedule.
package retention

import (
	"context"
	"log/slog"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// Run enforces policy once after delay, then every interval, until ctx ends.
// Each run logs what it removed. With several nodes on one database every
// node runs it; the deletes are idempotent, so that only costs a query.
func Run(ctx context.Context, r store.Retainer, policy store.Retention, delay, interval time.Duration, log *slog.Logger) {
	RunWith(ctx, r, func(context.Context) store.Retention { return policy }, delay, interval, log)
}

// RunWith is Run with a policy read before each run, so that a change made
// in the admin API applies from the next run on.
func RunWith(ctx context.Context, r store.Retainer, policy func(context.Context) store.Retention, delay, interval time.Duration, log *slog.Logger) {
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		rm, err := r.Retain(ctx, start, policy(ctx))
		if err != nil {
			if ctx.Err() == nil {
				log.Error("retention", "err", err)
			}
		} else {
			log.Info("retention", "events_removed", rm.Events, "rollup_rows_removed", rm.RollupRows, "queue_samples_removed", rm.QueueSamples,
				"source_minutes_removed", rm.SourceMinutes,
				"took", time.Since(start).Round(time.Millisecond))
		}
		t.Reset(interval)
	}
}
