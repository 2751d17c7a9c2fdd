package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

const sqlApplied = `INSERT INTO queue_applied (stream, seq) VALUES (?, ?) ON CONFLICT DO NOTHING`

// WriteBatch inserts the events of msgs and their rollup increments in one
// transaction, skipping messages already applied. All or nothing.
func (s *Store) WriteBatch(ctx context.Context, msgs []store.Msg) (store.WriteResult, error) {
	res, err := s.writeBatch(ctx, msgs)
	return res, resourceError(err)
}

func (s *Store) writeBatch(ctx context.Context, msgs []store.Msg) (store.WriteResult, error) {
	var res store.WriteResult
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("sqlite: write batch of %d messages: begin: %w", len(msgs), err)
	}
	defer tx.Rollback() // no-op after Commit

	events, fresh, dups, err := s.markApplied(ctx, tx, msgs)
	if err != nil {
		return res, fmt.Errorf("sqlite: write batch of %d messages: record applied: %w", len(msgs), err)
	}
	if err := s.insertEvents(ctx, tx, events); err != nil {
		return res, fmt.Errorf("sqlite: write batch of %d events: insert events: %w", len(events), err)
	}
	d := rollup.Build(events)
	if err := s.upsertCounts(ctx, tx, d.Counts); err != nil {
		return res, fmt.Errorf("sqlite: write batch of %d events: upsert %d rollup rows: %w", len(events), len(d.Counts), err)
	}
	if err := s.upsertHist(ctx, tx, d.Hist); err != nil {
		return res, fmt.Errorf("sqlite: write batch of %d events: upsert %d histogram bins: %w", len(events), len(d.Hist), err)
	}
	if err := s.upsertSources(ctx, tx, store.MsgSourceDeltas(fresh, time.Now())); err != nil {
		return res, fmt.Errorf("sqlite: write batch of %d events: sources: %w", len(events), err)
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("sqlite: write batch of %d events: commit: %w", len(events), err)
	}
	res.Events, res.Duplicates = len(events), dups
	return res, nil
}

// markApplied records each message as applied and returns the events of
// those not applied before, those messages, and how many were skipped as
// duplicates. A message repeated within msgs counts as a duplicate the
// second time.
func (s *Store) markApplied(ctx context.Context, tx *sql.Tx, msgs []store.Msg) ([]event.Event, []store.Msg, int, error) {
	st, err := s.stmt(ctx, tx, sqlApplied)
	if err != nil {
		return nil, nil, 0, err
	}
	var fresh []store.Msg
	n := 0
	for i := range msgs {
		n += len(msgs[i].Events)
	}
	events := make([]event.Event, 0, n)
	dups := 0
	now := time.Now().UnixMilli()
	for i := range msgs {
		m := &msgs[i]
		r, err := st.ExecContext(ctx, m.Stream, int64(m.Seq))
		if err != nil {
			return nil, nil, 0, fmt.Errorf("message %s/%d: %w", m.Stream, m.Seq, err)
		}
		if k, err := r.RowsAffected(); err != nil {
			return nil, nil, 0, err
		} else if k == 0 {
			dups++
			continue
		}
		if m.ID != "" {
			r, err := tx.ExecContext(ctx, `INSERT INTO applied_ids (id, at) VALUES (?, ?) ON CONFLICT DO NOTHING`, m.ID, now)
			if err != nil {
				return nil, nil, 0, fmt.Errorf("message %s/%d: content id: %w", m.Stream, m.Seq, err)
			}
			if k, err := r.RowsAffected(); err != nil {
				return nil, nil, 0, err
			} else if k == 0 {
				dups++ // the same content came back under a new sequence
				continue
			}
		}
		events = append(events, m.Events...)
		fresh = append(fresh, *m)
	}
	return events, fresh, dups, nil
}

// ForgetApplied drops the record of applied messages of stream with a
// sequence below seq.
func (s *Store) ForgetApplied(ctx context.Context, stream string, below uint64) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM queue_applied WHERE stream = ? AND seq < ?`, stream, int64(below)); err != nil {
		return fmt.Errorf("sqlite: forget applied of %s below %d: %w", stream, below, err)
	}
	return nil
}

// ForgetAppliedIDs drops the content ids applied before the time.
func (s *Store) ForgetAppliedIDs(ctx context.Context, before time.Time) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM applied_ids WHERE at < ?`, before.UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: forget applied ids before %s: %w", before.Format(time.RFC3339), err)
	}
	return nil
}

// multiRow writes rows with multi-row INSERT statements of 64, 32, ... 1
// rows: one statement execution per chunk costs far less than one per row,
// and the power-of-two sizes keep the prepared-statement cache to seven
// entries per table.
type multiRow struct {
	cols    int
	queries map[int]string // by rows per statement
}

const maxChunk = 64

// newMultiRow builds the statements "head (?, ...), (?, ...) tail".
func newMultiRow(head, tail string, cols int) *multiRow {
	m := &multiRow{cols: cols, queries: make(map[int]string)}
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	for n := 1; n <= maxChunk; n *= 2 {
		m.queries[n] = head + strings.Repeat(row+", ", n-1) + row + tail
	}
	return m
}

// exec writes n rows; fill writes the arguments of row i into args.
func (m *multiRow) exec(ctx context.Context, s *Store, tx *sql.Tx, n int, fill func(i int, args []any)) error {
	args := make([]any, min(n, maxChunk)*m.cols)
	for done := 0; done < n; {
		chunk := maxChunk
		for chunk > n-done {
			chunk /= 2
		}
		st, err := s.stmt(ctx, tx, m.queries[chunk])
		if err != nil {
			return err
		}
		a := args[:chunk*m.cols]
		for i := 0; i < chunk; i++ {
			fill(done+i, a[i*m.cols:(i+1)*m.cols])
		}
		if _, err := st.ExecContext(ctx, a...); err != nil {
			return err
		}
		done += chunk
	}
	return nil
}
