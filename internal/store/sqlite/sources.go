package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

var _ store.SourceStore = (*Store)(nil)

const (
	sqlSourceTotal = `INSERT INTO sources (kind, name, events, rejected, last_seen, last_event, last_rejected)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, name) DO UPDATE SET
			events = events + excluded.events, rejected = rejected + excluded.rejected,
			last_seen = max(last_seen, excluded.last_seen), last_event = max(last_event, excluded.last_event),
			last_rejected = max(last_rejected, excluded.last_rejected)`
	sqlSourceMinute = `INSERT INTO source_minutes (kind, name, minute, events, rejected) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind, name, minute) DO UPDATE SET
			events = events + excluded.events, rejected = rejected + excluded.rejected`
)

// upsertSources adds deltas to the source totals and minutes within tx:
// one row per source and per source-minute, however many events.
func (s *Store) upsertSources(ctx context.Context, tx *sql.Tx, deltas []store.SourceDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	minute, err := s.stmt(ctx, tx, sqlSourceMinute)
	if err != nil {
		return err
	}
	for _, d := range deltas {
		if _, err := minute.ExecContext(ctx, d.Kind, d.Name, d.Minute.UnixMilli(), d.Events, d.Rejected); err != nil {
			return fmt.Errorf("source %s %q: %w", d.Kind, d.Name, err)
		}
	}
	total, err := s.stmt(ctx, tx, sqlSourceTotal)
	if err != nil {
		return err
	}
	for _, d := range store.SourceTotals(deltas) {
		if _, err := total.ExecContext(ctx, d.Kind, d.Name, d.Events, d.Rejected, store.UnixMilliOrZero(d.LastSeen),
			store.UnixMilliOrZero(d.LastEvent), store.UnixMilliOrZero(d.LastRejected)); err != nil {
			return fmt.Errorf("source %s %q: %w", d.Kind, d.Name, err)
		}
	}
	return nil
}

// AddSourceCounts adds deltas in one transaction.
func (s *Store) AddSourceCounts(ctx context.Context, deltas []store.SourceDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: add %d source counts: %w", len(deltas), err)
	}
	defer tx.Rollback()
	if err := s.upsertSources(ctx, tx, deltas); err != nil {
		return fmt.Errorf("sqlite: add %d source counts: %w", len(deltas), err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: add %d source counts: commit: %w", len(deltas), err)
	}
	return nil
}

// Sources returns every source with its counts since windowFrom and dayFrom.
func (s *Store) Sources(ctx context.Context, windowFrom, dayFrom time.Time) ([]store.SourceStat, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.kind, s.name, s.events, s.rejected, s.last_seen, s.last_event, s.last_rejected,
			COALESCE(SUM(CASE WHEN m.minute >= ? THEN m.events END), 0),
			COALESCE(SUM(CASE WHEN m.minute >= ? THEN m.rejected END), 0),
			COALESCE(SUM(CASE WHEN m.minute >= ? THEN m.events END), 0),
			COALESCE(SUM(CASE WHEN m.minute >= ? THEN m.rejected END), 0)
		FROM sources s LEFT JOIN source_minutes m ON m.kind = s.kind AND m.name = s.name AND m.minute >= ?
		GROUP BY s.kind, s.name ORDER BY s.kind, s.name`,
		windowFrom.UnixMilli(), windowFrom.UnixMilli(), dayFrom.UnixMilli(), dayFrom.UnixMilli(), earliest(windowFrom, dayFrom).UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("sqlite: sources: %w", err)
	}
	defer rows.Close()
	var out []store.SourceStat
	for rows.Next() {
		var st store.SourceStat
		var seen, last, rejected int64
		if err := rows.Scan(&st.Kind, &st.Name, &st.Events, &st.Rejected, &seen, &last, &rejected,
			&st.WindowEvents, &st.WindowRejected, &st.DayEvents, &st.DayRejected); err != nil {
			return nil, fmt.Errorf("sqlite: sources: %w", err)
		}
		st.LastSeen, st.LastEvent, st.LastRejected = store.TimeOrZero(seen), store.TimeOrZero(last), store.TimeOrZero(rejected)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: sources: %w", err)
	}
	return out, nil
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// retainSourceMinutes deletes per-minute source counts older than
// store.SourceMinuteWindow.
func (s *Store) retainSourceMinutes(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM source_minutes WHERE minute < ?`, now.Add(-store.SourceMinuteWindow).UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: retain source minutes: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
