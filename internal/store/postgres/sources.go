package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tinomail/tinomail/internal/store"
)

var _ store.SourceStore = (*Store)(nil)

// upsertSources adds deltas to the source totals and minutes within tx, one
// statement each over arrays. The deltas come sorted by key (see
// store.SourceTotals), so concurrent writers lock rows in one order.
func upsertSources(ctx context.Context, tx pgx.Tx, deltas []store.SourceDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	kinds, names := make([]string, len(deltas)), make([]string, len(deltas))
	minutes, events, rejected := make([]int64, len(deltas)), make([]int64, len(deltas)), make([]int64, len(deltas))
	for i, d := range deltas {
		kinds[i], names[i], minutes[i], events[i], rejected[i] = d.Kind, d.Name, d.Minute.UnixMilli(), d.Events, d.Rejected
	}
	if _, err := tx.Exec(ctx, `INSERT INTO source_minutes AS t (kind, name, minute, events, rejected)
		SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
		ON CONFLICT (kind, name, minute) DO UPDATE SET
			events = t.events + excluded.events, rejected = t.rejected + excluded.rejected`,
		kinds, names, minutes, events, rejected); err != nil {
		return fmt.Errorf("source minutes: %w", err)
	}
	totals := store.SourceTotals(deltas)
	kinds, names = kinds[:0], names[:0]
	events, rejected = events[:0], rejected[:0]
	var seen, last, lastRejected []int64
	for _, d := range totals {
		kinds, names = append(kinds, d.Kind), append(names, d.Name)
		events, rejected = append(events, d.Events), append(rejected, d.Rejected)
		seen = append(seen, store.UnixMilliOrZero(d.LastSeen))
		last = append(last, store.UnixMilliOrZero(d.LastEvent))
		lastRejected = append(lastRejected, store.UnixMilliOrZero(d.LastRejected))
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sources AS t (kind, name, events, rejected, last_seen, last_event, last_rejected)
		SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
		ON CONFLICT (kind, name) DO UPDATE SET
			events = t.events + excluded.events, rejected = t.rejected + excluded.rejected,
			last_seen = GREATEST(t.last_seen, excluded.last_seen), last_event = GREATEST(t.last_event, excluded.last_event),
			last_rejected = GREATEST(t.last_rejected, excluded.last_rejected)`,
		kinds, names, events, rejected, seen, last, lastRejected); err != nil {
		return fmt.Errorf("source totals: %w", err)
	}
	return nil
}

// AddSourceCounts adds deltas in one transaction.
func (s *Store) AddSourceCounts(ctx context.Context, deltas []store.SourceDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return upsertSources(ctx, tx, deltas) })
	if err != nil {
		return fmt.Errorf("postgres: add %d source counts: %w", len(deltas), err)
	}
	return nil
}

// Sources returns every source with its counts since windowFrom and dayFrom.
func (s *Store) Sources(ctx context.Context, windowFrom, dayFrom time.Time) ([]store.SourceStat, error) {
	from := windowFrom
	if dayFrom.Before(from) {
		from = dayFrom
	}
	rows, err := s.pool.Query(ctx, `SELECT s.kind, s.name, s.events, s.rejected, s.last_seen, s.last_event, s.last_rejected,
			COALESCE(SUM(m.events) FILTER (WHERE m.minute >= $1), 0)::bigint,
			COALESCE(SUM(m.rejected) FILTER (WHERE m.minute >= $1), 0)::bigint,
			COALESCE(SUM(m.events) FILTER (WHERE m.minute >= $2), 0)::bigint,
			COALESCE(SUM(m.rejected) FILTER (WHERE m.minute >= $2), 0)::bigint
		FROM sources s LEFT JOIN source_minutes m ON m.kind = s.kind AND m.name = s.name AND m.minute >= $3
		GROUP BY s.kind, s.name ORDER BY s.kind, s.name`,
		windowFrom.UnixMilli(), dayFrom.UnixMilli(), from.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("postgres: sources: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.SourceStat, error) {
		var st store.SourceStat
		var seen, last, rejected int64
		err := r.Scan(&st.Kind, &st.Name, &st.Events, &st.Rejected, &seen, &last, &rejected,
			&st.WindowEvents, &st.WindowRejected, &st.DayEvents, &st.DayRejected)
		st.LastSeen, st.LastEvent, st.LastRejected = store.TimeOrZero(seen), store.TimeOrZero(last), store.TimeOrZero(rejected)
		return st, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: sources: %w", err)
	}
	return out, nil
}

// retainSourceMinutes deletes per-minute source counts older than
// store.SourceMinuteWindow.
func (s *Store) retainSourceMinutes(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM source_minutes WHERE minute < $1`, now.Add(-store.SourceMinuteWindow).UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("postgres: retain source minutes: %w", err)
	}
	return tag.RowsAffected(), nil
}
