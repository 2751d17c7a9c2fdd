package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tinomail/tinomail/internal/store"
)

var _ store.QueueStore = (*Store)(nil)

// AddQueueSamples stores samples with one statement over arrays, so that any
// number of nodes costs one round trip.
func (s *Store) AddQueueSamples(ctx context.Context, samples []store.QueueSample) error {
	if len(samples) == 0 {
		return nil
	}
	times := make([]int64, len(samples))
	nodes := make([]string, len(samples))
	active := make([]int64, len(samples))
	deferred := make([]int64, len(samples))
	for i, q := range samples {
		times[i], nodes[i], active[i], deferred[i] = q.Time.UnixMilli(), q.Node, q.Active, q.Deferred
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO queue_samples (time, node, active, deferred)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[])
		ON CONFLICT (time, node) DO NOTHING`, times, nodes, active, deferred)
	if err != nil {
		return fmt.Errorf("postgres: add %d queue samples: %w", len(samples), err)
	}
	return nil
}

// QueueTrend sums samples per node and bucket.
func (s *Store) QueueTrend(ctx context.Context, q store.QueueTrendQuery) ([]store.QueueTrendPoint, error) {
	step := q.Step.Milliseconds()
	if step <= 0 {
		return nil, fmt.Errorf("postgres: queue trend: step %s is shorter than a millisecond", q.Step)
	}
	rows, err := s.pool.Query(ctx, `SELECT time - time % $1 AS bucket, node, COUNT(*), SUM(active)::bigint,
			SUM(deferred)::bigint, MAX(active), MAX(deferred)
		FROM queue_samples WHERE time >= $2 AND time < $3 AND ($4 = '' OR node = $4)
		GROUP BY bucket, node ORDER BY bucket, node`,
		step, store.CeilUnix(q.From, time.Millisecond), store.CeilUnix(q.To, time.Millisecond), q.Node)
	if err != nil {
		return nil, fmt.Errorf("postgres: queue trend: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.QueueTrendPoint, error) {
		var p store.QueueTrendPoint
		var bucket int64
		err := r.Scan(&bucket, &p.Node, &p.Samples, &p.ActiveSum, &p.DeferredSum, &p.ActiveMax, &p.DeferredMax)
		p.Bucket = time.UnixMilli(bucket).UTC()
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: queue trend: %w", err)
	}
	return out, nil
}

// retainQueueSamples deletes samples older than age; zero keeps them all.
func (s *Store) retainQueueSamples(ctx context.Context, now time.Time, age time.Duration) (int64, error) {
	if age <= 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM queue_samples WHERE time < $1`, now.Add(-age).UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("postgres: retain queue samples: %w", err)
	}
	return tag.RowsAffected(), nil
}
