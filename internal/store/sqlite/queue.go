package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

var _ store.QueueStore = (*Store)(nil)

// queueSampleChunk bounds the rows of one INSERT, well under SQLite's limit
// on bound parameters.
const queueSampleChunk = 500

// AddQueueSamples stores samples in one transaction.
func (s *Store) AddQueueSamples(ctx context.Context, samples []store.QueueSample) error {
	if len(samples) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: add %d queue samples: %w", len(samples), err)
	}
	defer tx.Rollback()
	for start := 0; start < len(samples); start += queueSampleChunk {
		chunk := samples[start:min(start+queueSampleChunk, len(samples))]
		args := make([]any, 0, 4*len(chunk))
		for _, q := range chunk {
			args = append(args, q.Time.UnixMilli(), q.Node, q.Active, q.Deferred)
		}
		values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?),", len(chunk)), ",")
		if _, err := tx.ExecContext(ctx, `INSERT INTO queue_samples (time, node, active, deferred) VALUES `+
			values+` ON CONFLICT (time, node) DO NOTHING`, args...); err != nil {
			return fmt.Errorf("sqlite: add %d queue samples: %w", len(samples), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: add %d queue samples: commit: %w", len(samples), err)
	}
	return nil
}

// QueueTrend sums samples per node and bucket.
func (s *Store) QueueTrend(ctx context.Context, q store.QueueTrendQuery) ([]store.QueueTrendPoint, error) {
	step := q.Step.Milliseconds()
	if step <= 0 {
		return nil, fmt.Errorf("sqlite: queue trend: step %s is shorter than a millisecond", q.Step)
	}
	sqlText := `SELECT time - time % ? AS bucket, node, COUNT(*), SUM(active), SUM(deferred), MAX(active), MAX(deferred)
		FROM queue_samples WHERE time >= ? AND time < ?`
	args := []any{step, store.CeilUnix(q.From, time.Millisecond), store.CeilUnix(q.To, time.Millisecond)}
	if q.Node != "" {
		sqlText += ` AND node = ?`
		args = append(args, q.Node)
	}
	rows, err := s.r.QueryContext(ctx, sqlText+` GROUP BY bucket, node ORDER BY bucket, node`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: queue trend: %w", err)
	}
	defer rows.Close()
	var out []store.QueueTrendPoint
	for rows.Next() {
		var p store.QueueTrendPoint
		var bucket int64
		if err := rows.Scan(&bucket, &p.Node, &p.Samples, &p.ActiveSum, &p.DeferredSum, &p.ActiveMax, &p.DeferredMax); err != nil {
			return nil, fmt.Errorf("sqlite: queue trend: %w", err)
		}
		p.Bucket = time.UnixMilli(bucket).UTC()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: queue trend: %w", err)
	}
	return out, nil
}

// retainQueueSamples deletes samples older than age; zero keeps them all.
func (s *Store) retainQueueSamples(ctx context.Context, now time.Time, age time.Duration) (int64, error) {
	if age <= 0 {
		return 0, nil
	}
	res, err := s.w.ExecContext(ctx, `DELETE FROM queue_samples WHERE time < ?`, now.Add(-age).UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: retain queue samples: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
