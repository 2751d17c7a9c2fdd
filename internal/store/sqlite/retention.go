package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// retainChunk bounds one delete transaction, so that the writer, which shares
// the single write connection, waits at most one chunk.
const retainChunk = 20000

// Retain deletes events and rollup rows older than the policy allows.
func (s *Store) Retain(ctx context.Context, now time.Time, r store.Retention) (store.Removed, error) {
	var rm store.Removed
	if r.Events > 0 {
		cut := now.Add(-r.Events).UnixMilli()
		for {
			res, err := s.w.ExecContext(ctx, `DELETE FROM email_events WHERE id IN
				(SELECT id FROM email_events WHERE time < ? ORDER BY time LIMIT ?)`, cut, retainChunk)
			if err != nil {
				return rm, fmt.Errorf("sqlite: retain events before %s: %w", time.UnixMilli(cut).UTC(), err)
			}
			n, _ := res.RowsAffected()
			rm.Events += n
			if n < retainChunk {
				break
			}
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
			res, err := s.w.ExecContext(ctx, `DELETE FROM `+table+` WHERE res = ? AND bucket < ?`, p.res, cut)
			if err != nil {
				return rm, fmt.Errorf("sqlite: retain %s res %ds: %w", table, p.res, err)
			}
			n, _ := res.RowsAffected()
			rm.RollupRows += n
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
