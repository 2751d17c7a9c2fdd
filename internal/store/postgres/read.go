package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

// Rollups sums rollup rows of one resolution and dimension over [From, To).
// Rows are ordered by bucket, value, direction and event type.
func (s *Store) Rollups(ctx context.Context, q store.RollupQuery) ([]store.RollupRow, error) {
	res, err := store.ResSeconds(q.Res)
	if err != nil {
		return nil, fmt.Errorf("postgres: rollups: %w", err)
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
	// SUM of bigint is numeric in PostgreSQL; the casts keep it int64.
	query := "SELECT " + group + `, SUM(count)::bigint, SUM(dt_sum)::bigint, SUM(dt_count)::bigint,
		SUM(size_sum)::bigint, SUM(size_count)::bigint
		FROM rollup_counts WHERE ` + w.sql() + " GROUP BY " + group + " ORDER BY " + group

	rows, err := s.pool.Query(ctx, query, w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: rollups of %q at %s: %w", q.Dim, q.Res, err)
	}
	var out []store.RollupRow
	var r store.RollupRow
	var bucket int64
	var dir, typ string
	dest := []any{&r.Value, &dir, &typ, &r.Count, &r.DtSum, &r.DtCount, &r.SizeSum, &r.SizeCount}
	if q.ByBucket {
		dest = append([]any{&bucket}, dest...)
	}
	_, err = pgx.ForEachRow(rows, dest, func() error {
		row := r
		if q.ByBucket {
			row.Bucket = time.Unix(bucket, 0).UTC()
		}
		row.Direction, row.EventType = event.Direction(dir), event.Type(typ)
		out = append(out, row)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: rollups of %q at %s: %w", q.Dim, q.Res, err)
	}
	return out, nil
}

// Histograms returns the non-empty bins of the histograms of q's values
// (per bucket with ByBucket), ordered by bucket, value and bin.
func (s *Store) Histograms(ctx context.Context, q store.HistQuery) ([]store.HistRow, error) {
	res, err := store.ResSeconds(q.Res)
	if err != nil {
		return nil, fmt.Errorf("postgres: histogram: %w", err)
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
	query := "SELECT " + group + ", SUM(count)::bigint FROM rollup_hist WHERE " + w.sql() +
		" GROUP BY " + group + " HAVING SUM(count) > 0 ORDER BY " + group

	rows, err := s.pool.Query(ctx, query, w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: histogram of %s by %q at %s: %w", q.Metric, q.Dim, q.Res, err)
	}
	var out []store.HistRow
	var r store.HistRow
	var bucket int64
	dest := []any{&r.Value, &r.Bin, &r.Count}
	if q.ByBucket {
		dest = append([]any{&bucket}, dest...)
	}
	_, err = pgx.ForEachRow(rows, dest, func() error {
		row := r
		if q.ByBucket {
			row.Bucket = time.Unix(bucket, 0).UTC()
		}
		out = append(out, row)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: histogram of %s by %q at %s: %w", q.Metric, q.Dim, q.Res, err)
	}
	return out, nil
}

// CountEvents counts raw events with a time in [from, to).
func (s *Store) CountEvents(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM email_events WHERE time >= $1 AND time < $2`,
		store.CeilUnix(from, time.Millisecond), store.CeilUnix(to, time.Millisecond)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: count events in [%s, %s): %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return n, nil
}

// where accumulates AND-ed conditions, written with ? for the next argument,
// and numbers the placeholders as PostgreSQL wants them.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1))
}

// in restricts col to vals with one array parameter, so the statement text
// does not change with the number of values.
func (w *where) in(col string, vals []string) {
	if len(vals) == 0 {
		return
	}
	w.add(col+" = ANY(?::text[])", vals)
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
