package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

// Rollups sums rollup rows of one resolution and dimension over [From, To).
// Rows are ordered by bucket, value, direction and event type.
func (s *Store) Rollups(ctx context.Context, q store.RollupQuery) ([]store.RollupRow, error) {
	res, err := store.ResSeconds(q.Res)
	if err != nil {
		return nil, fmt.Errorf("sqlite: rollups: %w", err)
	}
	group := "value, direction, event_type"
	if q.ByBucket {
		group = "bucket, " + group
	}
	var w where
	w.add("res = ?", res)
	w.add("dim = ?", q.Dim)
	w.add("bucket >= ?", store.CeilUnix(q.From, time.Second))
	w.add("bucket < ?", store.CeilUnix(q.To, time.Second))
	w.filters(q.Direction, q.EventTypes)
	w.in("value", q.Values)
	query := "SELECT " + group + `, SUM(count), SUM(dt_sum), SUM(dt_count), SUM(size_sum), SUM(size_count)
		FROM rollup_counts WHERE ` + w.sql() + " GROUP BY " + group + " ORDER BY " + group

	rows, err := s.r.QueryContext(ctx, query, w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: rollups of %q at %s: %w", q.Dim, q.Res, err)
	}
	defer rows.Close()
	var out []store.RollupRow
	for rows.Next() {
		var r store.RollupRow
		var bucket int64
		var dir, typ string
		dest := []any{&r.Value, &dir, &typ, &r.Count, &r.DtSum, &r.DtCount, &r.SizeSum, &r.SizeCount}
		if q.ByBucket {
			dest = append([]any{&bucket}, dest...)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("sqlite: rollups of %q at %s: scan: %w", q.Dim, q.Res, err)
		}
		if q.ByBucket {
			r.Bucket = time.Unix(bucket, 0).UTC()
		}
		r.Direction, r.EventType = event.Direction(dir), event.Type(typ)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: rollups of %q at %s: %w", q.Dim, q.Res, err)
	}
	return out, nil
}

// Histograms returns the non-empty bins of the histograms of q's values
// (per bucket with ByBucket), ordered by bucket, value and bin.
func (s *Store) Histograms(ctx context.Context, q store.HistQuery) ([]store.HistRow, error) {
	res, err := store.ResSeconds(q.Res)
	if err != nil {
		return nil, fmt.Errorf("sqlite: histogram: %w", err)
	}
	group := "value, bin"
	if q.ByBucket {
		group = "bucket, " + group
	}
	var w where
	w.add("res = ?", res)
	w.add("dim = ?", q.Dim)
	w.add("metric = ?", q.Metric)
	switch {
	case q.Dim == rollup.DimTotal:
		w.add("value = ?", "")
	case len(q.Values) > 0:
		w.in("value", q.Values)
	default:
		w.add("value = ?", q.Value)
	}
	w.add("bucket >= ?", store.CeilUnix(q.From, time.Second))
	w.add("bucket < ?", store.CeilUnix(q.To, time.Second))
	w.filters(q.Direction, q.EventTypes)
	query := "SELECT " + group + ", SUM(count) FROM rollup_hist WHERE " + w.sql() +
		" GROUP BY " + group + " HAVING SUM(count) > 0 ORDER BY " + group

	rows, err := s.r.QueryContext(ctx, query, w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: histogram of %s by %q at %s: %w", q.Metric, q.Dim, q.Res, err)
	}
	defer rows.Close()
	var out []store.HistRow
	for rows.Next() {
		var r store.HistRow
		var bucket int64
		dest := []any{&r.Value, &r.Bin, &r.Count}
		if q.ByBucket {
			dest = append([]any{&bucket}, dest...)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("sqlite: histogram of %s: scan: %w", q.Metric, err)
		}
		if q.ByBucket {
			r.Bucket = time.Unix(bucket, 0).UTC()
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: histogram of %s: %w", q.Metric, err)
	}
	return out, nil
}

// CountEvents counts raw events with a time in [from, to).
func (s *Store) CountEvents(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM email_events WHERE time >= ? AND time < ?`,
		store.CeilUnix(from, time.Millisecond), store.CeilUnix(to, time.Millisecond)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count events in [%s, %s): %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return n, nil
}

// where accumulates AND-ed conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) in(col string, vals []string) {
	if len(vals) == 0 {
		return
	}
	w.conds = append(w.conds, col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
	for _, v := range vals {
		w.args = append(w.args, v)
	}
}

// filters adds the optional direction and event type filters shared by
// rollup and histogram queries; empty means all.
func (w *where) filters(dir event.Direction, types []event.Type) {
	if dir != "" {
		w.add("direction = ?", string(dir))
	}
	ts := make([]string, len(types))
	for i, t := range types {
		ts[i] = string(t)
	}
	w.in("event_type", ts)
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }
