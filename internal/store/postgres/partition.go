package postgres

// Raw events are split by UTC day on their time column (Unix ms), so that
// retention drops whole days instead of deleting rows one by one. There are
// two ways to do it, chosen once per database at Open (setupEvents):
//
//   - native (tested): migration 0001 creates email_events PARTITION BY
//     RANGE (time). This file creates one partition per day, named
//     email_events_pYYYYMMDD, a week ahead at Open and on every Retain, and
//     before each write for any other day a batch carries (backfill, clock
//     skew). Retain drops the partitions entirely older than the cut.
//   - TimescaleDB (NOT tested: the extension cannot be installed on the
//     development machine, so this path is kept minimal): when the extension
//     is available and email_events is still empty, the partitioned table is
//     replaced by a plain one of the same shape and made a hypertable with
//     1-day chunks. TimescaleDB creates chunks itself and compresses them
//     after 7 days; Retain removes old chunks with drop_chunks rather than a
//     retention policy, because the retention period arrives with each Retain
//     call and Removed must say how many events went.
//
// Either way retention of raw events has day granularity: a day is removed
// once all of it is older than the cut, so up to one extra day is kept.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tinomail/tinomail/internal/store"
)

const (
	dayMs           = int64(24 * time.Hour / time.Millisecond)
	partitionPrefix = "email_events_p"
	daysAhead       = 7
)

// layout says how email_events is split.
type layout int

const (
	layoutNative layout = iota
	layoutTimescale
)

// partitionCache remembers the days whose native partition is known to
// exist, so that a write checks the catalog only for a day it has not seen.
type partitionCache struct {
	mu   sync.Mutex
	days map[int64]bool
}

func (c *partitionCache) missing(days []int64) []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(days), func(d int64) bool { return c.days[d] })
}

func (c *partitionCache) set(day int64, exists bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.days == nil {
		c.days = make(map[int64]bool)
	}
	if exists {
		c.days[day] = true
	} else {
		delete(c.days, day)
	}
}

func (c *partitionCache) replace(days []int64) {
	m := make(map[int64]bool, len(days))
	for _, d := range days {
		m[d] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.days = m
}

// dayOf is the UTC day number of a Unix ms time, rounding down before 1970 too.
func dayOf(ms int64) int64 {
	d := ms / dayMs
	if ms%dayMs < 0 {
		d--
	}
	return d
}

func partitionName(day int64) string {
	return partitionPrefix + time.UnixMilli(day*dayMs).UTC().Format("20060102")
}

// parsePartitionName is the inverse of partitionName; ok is false for a
// table this code did not name.
func parsePartitionName(name string) (day int64, ok bool) {
	rest, found := strings.CutPrefix(name, partitionPrefix)
	if !found {
		return 0, false
	}
	t, err := time.Parse("20060102", rest)
	if err != nil {
		return 0, false
	}
	return dayOf(t.UnixMilli()), true
}

// batchDays returns the distinct days of the events of msgs, in order.
func batchDays(msgs []store.Msg) []int64 {
	var days []int64
	last, have := int64(0), false
	for i := range msgs {
		for j := range msgs[i].Events {
			d := dayOf(msgs[i].Events[j].Time.UnixMilli())
			if !have || d != last { // consecutive events mostly share a day
				days = append(days, d)
				last, have = d, true
			}
		}
	}
	slices.Sort(days)
	return slices.Compact(days)
}

// aheadDays is today and the following week, relative to now.
func aheadDays(now time.Time) []int64 {
	today := dayOf(now.UnixMilli())
	days := make([]int64, 0, daysAhead+1)
	for d := today; d <= today+daysAhead; d++ {
		days = append(days, d)
	}
	return days
}

// ensureDays creates the native partitions of days that this Store has not
// seen yet. It runs outside any write transaction on purpose: creating a
// partition takes an exclusive lock on email_events, and inside a writer's
// transaction (which holds a row lock on it) two nodes would deadlock.
func (s *Store) ensureDays(ctx context.Context, days []int64) error {
	if s.layout != layoutNative {
		return nil
	}
	for _, d := range s.parts.missing(days) {
		if err := createPartition(ctx, s.pool, d); err != nil {
			return err
		}
		s.parts.set(d, true)
	}
	return nil
}

// createPartition creates the partition of day unless it exists. Two nodes
// may race past IF NOT EXISTS; the loser gets a duplicate error, and
// retrying then finds the winner's table.
func createPartition(ctx context.Context, pool *pgxpool.Pool, day int64) error {
	name := partitionName(day)
	q := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF email_events FOR VALUES FROM (%d) TO (%d)`,
		name, day*dayMs, (day+1)*dayMs)
	var err error
	for range 3 {
		if _, err = pool.Exec(ctx, q); !isDuplicateObject(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("create partition %s: %w", name, err)
	}
	return nil
}

func isDuplicateObject(err error) bool {
	var pe *pgconn.PgError
	// 42P07 duplicate_table, 42710 duplicate_object, 23505 a unique index of
	// the catalog (pg_type's name) hit by the concurrent create.
	return errors.As(err, &pe) && (pe.Code == "42P07" || pe.Code == "42710" || pe.Code == "23505")
}

// isNoPartition reports the error of a row with no partition to go to:
// another node's Retain dropped a day this node believed to exist.
func isNoPartition(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23514" && strings.Contains(pe.Message, "no partition")
}

// partitionDays lists the days of the native partitions in the catalog.
func partitionDays(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'email_events'::regclass AND c.relkind = 'r'`)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	var days []int64
	var name string
	_, err = pgx.ForEachRow(rows, []any{&name}, func() error {
		if d, ok := parsePartitionName(name); ok {
			days = append(days, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	return days, nil
}

// reloadPartitions replaces the cache with the catalog's view.
func (s *Store) reloadPartitions(ctx context.Context) error {
	if s.layout != layoutNative {
		return nil
	}
	days, err := partitionDays(ctx, s.pool)
	if err != nil {
		return err
	}
	s.parts.replace(days)
	return nil
}

// dropEventsBefore removes the days of raw events that end at or before cut
// (Unix ms) and returns how many events they held.
func (s *Store) dropEventsBefore(ctx context.Context, cut int64) (int64, error) {
	if s.layout == layoutTimescale {
		return dropChunksBefore(ctx, s.pool, dayOf(cut)*dayMs)
	}
	days, err := partitionDays(ctx, s.pool)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, d := range days {
		if (d+1)*dayMs > cut {
			continue
		}
		n, err := dropPartition(ctx, s.pool, d)
		if err != nil {
			return total, err
		}
		total += n
		s.parts.set(d, false)
	}
	return total, nil
}

// dropPartition counts and drops the partition of day in one transaction.
// An advisory lock makes nodes that run retention at once take turns, so
// that each day is counted once; the loser finds the table gone.
func dropPartition(ctx context.Context, pool *pgxpool.Pool, day int64) (int64, error) {
	name := partitionName(day)
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("drop partition %s: %w", name, err)
	}
	defer tx.Rollback(ctx) // no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('tinomail.retain.' || current_schema()))`); err != nil {
		return 0, fmt.Errorf("drop partition %s: advisory lock: %w", name, err)
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
		return 0, fmt.Errorf("drop partition %s: %w", name, err)
	}
	if !exists { // another node dropped it while we waited for the lock
		return 0, nil
	}
	var n int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+name).Scan(&n); err != nil {
		return 0, fmt.Errorf("drop partition %s: count: %w", name, err)
	}
	if _, err := tx.Exec(ctx, `DROP TABLE `+name); err != nil {
		return 0, fmt.Errorf("drop partition %s: %w", name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("drop partition %s: commit: %w", name, err)
	}
	return n, nil
}

// setupEvents decides the layout of email_events, converting the still
// empty partitioned table of migration 0001 into a TimescaleDB hypertable
// when the extension is available and can be created. It holds the
// migration lock, so that nodes starting together convert at most once.
func setupEvents(ctx context.Context, pool *pgxpool.Pool) (layout, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx) // no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('tinomail.migrate.' || current_schema()))`); err != nil {
		return 0, fmt.Errorf("advisory lock: %w", err)
	}
	var partitioned, available, empty bool
	if err := tx.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'email_events'::regclass),
		EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'),
		NOT EXISTS (SELECT 1 FROM email_events)`).Scan(&partitioned, &available, &empty); err != nil {
		return 0, fmt.Errorf("inspect email_events: %w", err)
	}
	switch {
	case !partitioned:
		return layoutTimescale, nil // converted by an earlier Open
	case !available || !empty:
		// A database that already holds events natively stays native.
		return layoutNative, nil
	}
	// Available is not loadable: the library may be missing from
	// shared_preload_libraries or the role may lack the right. A savepoint
	// keeps such a failure from aborting the transaction; we stay native.
	sp, err := tx.Begin(ctx)
	if err != nil {
		return 0, err
	}
	if _, err := sp.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS timescaledb`); err != nil {
		sp.Rollback(ctx)
		return layoutNative, nil
	}
	if err := sp.Commit(ctx); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, timescaleSetup); err != nil {
		return 0, fmt.Errorf("make email_events a hypertable: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("make email_events a hypertable: commit: %w", err)
	}
	return layoutTimescale, nil
}

// timescaleSetup swaps the empty partitioned email_events for a plain table
// of the same columns, defaults, identity and indexes (a hypertable cannot
// be partitioned natively), then hands it to TimescaleDB. Chunks are whole
// UTC days because integer chunk ranges are aligned on multiples of the
// interval from 0. UNTESTED: see the top of this file.
const timescaleSetup = `
CREATE TABLE email_events_ts (LIKE email_events INCLUDING ALL);
DROP TABLE email_events;
ALTER TABLE email_events_ts RENAME TO email_events;
ALTER INDEX IF EXISTS email_events_ts_time_idx RENAME TO email_events_time;
ALTER INDEX IF EXISTS email_events_ts_message_id_idx RENAME TO email_events_message_id;
ALTER INDEX IF EXISTS email_events_ts_queue_id_idx RENAME TO email_events_queue_id;
CREATE OR REPLACE FUNCTION tinomail_now_ms() RETURNS bigint LANGUAGE sql STABLE
	AS $$ SELECT (extract(epoch FROM now()) * 1000)::bigint $$;
SELECT create_hypertable('email_events', 'time', chunk_time_interval => 86400000::bigint);
SELECT set_integer_now_func('email_events', 'tinomail_now_ms');
ALTER TABLE email_events SET (timescaledb.compress,
	timescaledb.compress_segmentby = 'from_domain', timescaledb.compress_orderby = 'time DESC');
SELECT add_compression_policy('email_events', compress_after => 604800000::bigint);
`

// dropChunksBefore drops the hypertable chunks that end at or before
// boundary, a UTC midnight, and returns how many events they held.
// UNTESTED: see the top of this file.
func dropChunksBefore(ctx context.Context, pool *pgxpool.Pool, boundary int64) (int64, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("drop chunks: %w", err)
	}
	defer tx.Rollback(ctx) // no-op after Commit
	var n int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM email_events WHERE time < $1`, boundary).Scan(&n); err != nil {
		return 0, fmt.Errorf("drop chunks: count: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT drop_chunks('email_events', older_than => $1::bigint)`, boundary); err != nil {
		return 0, fmt.Errorf("drop chunks before %d: %w", boundary, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("drop chunks: commit: %w", err)
	}
	return n, nil
}
