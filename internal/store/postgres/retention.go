package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

var _ store.Retainer = (*Store)(nil)

// Retain removes events and rollup rows older than the policy allows, like
// the sqlite store, with one difference: raw events go by whole UTC days
// (partitions or chunks, see partition.go), so up to one day more than
// r.Events is kept. It also creates the coming week's partitions, since the
// server calls it every hour.
func (s *Store) Retain(ctx context.Context, now time.Time, r store.Retention) (store.Removed, error) {
	var rm store.Removed
	if err := s.ensureDays(ctx, aheadDays(now)); err != nil {
		return rm, fmt.Errorf("postgres: retain: %w", err)
	}
	if r.Events > 0 {
		cut := now.Add(-r.Events)
		n, err := s.dropEventsBefore(ctx, cut.UnixMilli())
		rm.Events = n
		if err != nil {
			return rm, fmt.Errorf("postgres: retain events before %s: %w", cut.UTC().Format(time.RFC3339), err)
		}
	}
	for _, p := range []struct {
		res int64
		age time.Duration
	}{{300, r.Rollup5m}, {3600, r.Rollup1h}, {86400, r.Rollup1d}} {
		if p.age <= 0 {
			continue
		}
		cut := now.Add(-p.age).Unix()
		for _, table := range []string{"rollup_counts", "rollup_hist"} {
			tag, err := s.pool.Exec(ctx, `DELETE FROM `+table+` WHERE res = $1 AND bucket < $2`, p.res, cut)
			if err != nil {
				return rm, fmt.Errorf("postgres: retain %s res %ds: %w", table, p.res, err)
			}
			rm.RollupRows += tag.RowsAffected()
		}
	}
	n, err := s.retainQueueSamples(ctx, now, r.Rollup5m)
	rm.QueueSamples = n
	if err != nil {
		return rm, err
	}
	rm.SourceMinutes, err = s.retainSourceMinutes(ctx, now)
	return rm, err
}

var _ store.Analyzer = (*Store)(nil)

// Analyze gathers planner statistics for the event and rollup tables and
// all their partitions: about a minute at 50 million events here.
func (s *Store) Analyze(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, `ANALYZE email_events, rollup_counts, rollup_hist`); err != nil {
		return fmt.Errorf("postgres: analyze: %w", err)
	}
	return nil
}
