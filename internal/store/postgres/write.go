package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

// WriteBatch inserts the events of msgs and their rollup increments in one
// transaction, skipping messages already applied. All or nothing.
//
// The partitions of the batch's days are created first, outside the
// transaction (see ensureDays). If a write still finds a day without one,
// another node's Retain dropped it since this node cached it: reload and
// retry once.
func (s *Store) WriteBatch(ctx context.Context, msgs []store.Msg) (store.WriteResult, error) {
	res, err := s.writeBatchInDays(ctx, msgs)
	return res, resourceError(err)
}

// writeBatchInDays makes sure the day partitions exist, then writes.
func (s *Store) writeBatchInDays(ctx context.Context, msgs []store.Msg) (store.WriteResult, error) {
	days := batchDays(msgs)
	if err := s.ensureDays(ctx, days); err != nil {
		return store.WriteResult{}, fmt.Errorf("postgres: write batch of %d messages: %w", len(msgs), err)
	}
	res, err := s.writeBatch(ctx, msgs)
	if !isNoPartition(err) {
		return res, err
	}
	if err := s.reloadPartitions(ctx); err != nil {
		return res, fmt.Errorf("postgres: write batch of %d messages: %w", len(msgs), err)
	}
	if err := s.ensureDays(ctx, days); err != nil {
		return res, fmt.Errorf("postgres: write batch of %d messages: %w", len(msgs), err)
	}
	return s.writeBatch(ctx, msgs)
}

// writeBatch is WriteBatch's transaction.
func (s *Store) writeBatch(ctx context.Context, msgs []store.Msg) (store.WriteResult, error) {
	var res store.WriteResult
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, fmt.Errorf("postgres: write batch of %d messages: begin: %w", len(msgs), err)
	}
	defer tx.Rollback(ctx) // no-op after Commit

	events, fresh, dups, err := markApplied(ctx, tx, msgs)
	if err != nil {
		return res, fmt.Errorf("postgres: write batch of %d messages: record applied: %w", len(msgs), err)
	}
	if err := insertEvents(ctx, tx, events); err != nil {
		return res, fmt.Errorf("postgres: write batch of %d events: insert events: %w", len(events), err)
	}
	d := rollup.Build(events)
	if err := upsertCounts(ctx, tx, d.Counts); err != nil {
		return res, fmt.Errorf("postgres: write batch of %d events: upsert %d rollup rows: %w", len(events), len(d.Counts), err)
	}
	if err := upsertHist(ctx, tx, d.Hist); err != nil {
		return res, fmt.Errorf("postgres: write batch of %d events: upsert %d histogram bins: %w", len(events), len(d.Hist), err)
	}
	if err := upsertSources(ctx, tx, store.MsgSourceDeltas(fresh, time.Now())); err != nil {
		return res, fmt.Errorf("postgres: write batch of %d events: sources: %w", len(events), err)
	}
	if err := tx.Commit(ctx); err != nil {
		return res, fmt.Errorf("postgres: write batch of %d events: commit: %w", len(events), err)
	}
	res.Events, res.Duplicates = len(events), dups
	return res, nil
}

type msgID struct {
	stream string
	seq    int64
}

// markApplied records every message as applied in one statement and returns
// the events of those not applied before, those messages, and how many were
// skipped as duplicates. A message repeated within msgs counts as a duplicate the
// second time, as in the sqlite store.
func markApplied(ctx context.Context, tx pgx.Tx, msgs []store.Msg) ([]event.Event, []store.Msg, int, error) {
	if len(msgs) == 0 {
		return nil, nil, 0, nil
	}
	ids := make([]msgID, len(msgs))
	for i := range msgs {
		ids[i] = msgID{msgs[i].Stream, int64(msgs[i].Seq)}
	}
	// Key order, so that concurrent writers lock index entries in the same
	// order; a message repeated within msgs needs recording only once.
	sorted := slices.Clone(ids)
	slices.SortFunc(sorted, func(a, b msgID) int { return cmp.Or(cmp.Compare(a.stream, b.stream), cmp.Compare(a.seq, b.seq)) })
	sorted = slices.Compact(sorted)
	streams := make([]string, len(sorted))
	seqs := make([]int64, len(sorted))
	for i, id := range sorted {
		streams[i], seqs[i] = id.stream, id.seq
	}
	rows, err := tx.Query(ctx, `INSERT INTO queue_applied (stream, seq)
		SELECT * FROM unnest($1::text[], $2::bigint[])
		ON CONFLICT DO NOTHING RETURNING stream, seq`, streams, seqs)
	if err != nil {
		return nil, nil, 0, err
	}
	fresh := make(map[msgID]bool, len(sorted))
	var id msgID
	_, err = pgx.ForEachRow(rows, []any{&id.stream, &id.seq}, func() error {
		fresh[id] = true
		return nil
	})
	if err != nil {
		return nil, nil, 0, err
	}
	freshIDs, err := markAppliedIDs(ctx, tx, msgs, ids, fresh)
	if err != nil {
		return nil, nil, 0, err
	}
	n := 0
	for i := range msgs {
		n += len(msgs[i].Events)
	}
	events := make([]event.Event, 0, n)
	var freshMsgs []store.Msg
	dups := 0
	for i, id := range ids {
		if !fresh[id] {
			dups++
			continue
		}
		delete(fresh, id) // a repeat later in msgs is a duplicate
		if c := msgs[i].ID; c != "" {
			if !freshIDs[c] {
				dups++ // the same content came back under a new sequence
				continue
			}
			delete(freshIDs, c)
		}
		events = append(events, msgs[i].Events...)
		freshMsgs = append(freshMsgs, msgs[i])
	}
	return events, freshMsgs, dups, nil
}

// markAppliedIDs records the content ids of the messages new by sequence
// and returns those not applied before.
func markAppliedIDs(ctx context.Context, tx pgx.Tx, msgs []store.Msg, ids []msgID, fresh map[msgID]bool) (map[string]bool, error) {
	var contentIDs []string
	for i, id := range ids {
		if fresh[id] && msgs[i].ID != "" {
			contentIDs = append(contentIDs, msgs[i].ID)
		}
	}
	if len(contentIDs) == 0 {
		return nil, nil
	}
	slices.Sort(contentIDs) // key order, as for queue_applied
	contentIDs = slices.Compact(contentIDs)
	rows, err := tx.Query(ctx, `INSERT INTO applied_ids (id, at)
		SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING RETURNING id`, contentIDs, time.Now().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("record content ids: %w", err)
	}
	freshIDs := make(map[string]bool, len(contentIDs))
	var c string
	if _, err := pgx.ForEachRow(rows, []any{&c}, func() error {
		freshIDs[c] = true
		return nil
	}); err != nil {
		return nil, fmt.Errorf("record content ids: %w", err)
	}
	return freshIDs, nil
}

// ForgetAppliedIDs drops the content ids applied before the time.
func (s *Store) ForgetAppliedIDs(ctx context.Context, before time.Time) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM applied_ids WHERE at < $1`, before.UnixMilli()); err != nil {
		return fmt.Errorf("postgres: forget applied ids before %s: %w", before.Format(time.RFC3339), err)
	}
	return nil
}

// ForgetApplied drops the record of applied messages of stream with a
// sequence below seq.
func (s *Store) ForgetApplied(ctx context.Context, stream string, below uint64) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM queue_applied WHERE stream = $1 AND seq < $2`, stream, int64(below)); err != nil {
		return fmt.Errorf("postgres: forget applied of %s below %d: %w", stream, below, err)
	}
	return nil
}
