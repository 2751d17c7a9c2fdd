package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
)

var _ store.Searcher = (*Store)(nil)

// eventSelect lists the columns in the order scanEvent reads them.
const eventSelect = `SELECT id, time, event_type, direction, message_id, queue_id,
	from_address, from_user, from_domain, to_address, to_domain,
	mta_node, sending_ip, sending_ip_v6, mx_host, status_code,
	status_message, delivery_time_ms, queue_time_ms, total_time_ms, bounce_type,
	bounce_category, bounce_message, message_size, dkim_result, spf_result,
	dmarc_result, spam_score, spam_action FROM email_events`

// SearchEvents returns up to limit events matching f, newest first, after
// the cursor when given. Every value is a bound parameter.
func (s *Store) SearchEvents(ctx context.Context, f store.EventFilter, after *store.Cursor, limit int) ([]store.StoredEvent, error) {
	limit = min(limit, store.MaxSearchLimit)
	if limit <= 0 {
		return nil, nil
	}
	var w where
	w.add("time >= ?", store.CeilUnix(f.From, time.Millisecond))
	// One upper bound, the tighter of the range's end and the cursor:
	// SQLite's planner seeks the time index with one upper bound only, and
	// given two it may pick the range's end, so that every page would walk
	// again over all the rows of the pages before it.
	hi := store.CeilUnix(f.To, time.Millisecond) - 1
	if after != nil {
		hi = min(hi, after.Time)
	}
	w.add("time <= ?", hi)
	w.filters(f.Direction, f.Types)
	for _, c := range []struct{ col, val string }{
		{"mta_node", f.MTANode}, {"from_domain", f.FromDomain}, {"to_domain", f.ToDomain},
		{"sending_ip", f.SendingIP}, {"message_id", f.MessageID}, {"queue_id", f.QueueID},
		{"bounce_category", f.BounceCategory}, {"mx_host", f.MXHost},
		{"from_address", f.FromAddress}, {"to_address", f.ToAddress},
	} {
		if c.val != "" {
			w.add(c.col+" = ?", c.val)
		}
	}
	if f.StatusCode != 0 {
		w.add("status_code = ?", f.StatusCode)
	}
	// The id indexes are partial (non-empty ids only): the planner cannot
	// see that a bound parameter is not empty, and without the condition it
	// walks the time index over the whole range instead.
	if f.MessageID != "" {
		w.add("message_id <> ''")
	}
	if f.QueueID != "" {
		w.add("queue_id <> ''")
	}
	if f.Address != "" {
		w.add("(from_address = ? OR to_address = ?)", f.Address, f.Address)
	}
	if f.Text != "" {
		// instr, not LIKE: the text is a literal, so % _ and \ need no escaping.
		needle := asciiFold(f.Text)
		w.add("(instr(lower(status_message), ?) > 0 OR instr(lower(bounce_message), ?) > 0)", needle, needle)
	}
	if after != nil {
		w.add("(time < ? OR id < ?)", after.Time, after.ID)
	}
	query := eventSelect + " WHERE " + w.sql() + " ORDER BY time DESC, id DESC LIMIT ?"
	out, err := s.queryEvents(ctx, query, append(w.args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search events in [%s, %s): %w",
			f.From.Format(time.RFC3339), f.To.Format(time.RFC3339), err)
	}
	return out, nil
}

// TraceEvents returns up to limit events whose message_id or queue_id is
// id, oldest first. Each branch of the UNION ALL repeats the partial index's
// non-empty condition: the planner cannot see that a bound parameter is not
// empty, and would otherwise scan the table.
func (s *Store) TraceEvents(ctx context.Context, id string, limit int) ([]store.StoredEvent, error) {
	limit = min(limit, store.MaxSearchLimit)
	if limit <= 0 || id == "" {
		return nil, nil
	}
	query := `SELECT * FROM (` +
		eventSelect + ` WHERE message_id = ?1 AND message_id <> ''
		UNION ALL ` +
		eventSelect + ` WHERE queue_id = ?1 AND queue_id <> '' AND message_id <> ?1
	) ORDER BY time, id LIMIT ?2`
	out, err := s.queryEvents(ctx, query, id, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: trace %q: %w", id, err)
	}
	return out, nil
}

func (s *Store) queryEvents(ctx context.Context, query string, args ...any) ([]store.StoredEvent, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.StoredEvent{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// scanEvent reads one row of eventSelect back into the event as written:
// NULL numbers become nil pointers, and a NULL status code 0.
func scanEvent(rows *sql.Rows) (store.StoredEvent, error) {
	var se store.StoredEvent
	e := &se.Event
	var ms int64
	var typ, dir string
	var code sql.NullInt64
	err := rows.Scan(&se.ID, &ms, &typ, &dir, &e.MessageID, &e.QueueID,
		&e.FromAddress, &e.FromUser, &e.FromDomain, &e.ToAddress, &e.ToDomain,
		&e.MTANode, &e.SendingIP, &e.SendingIPv6, &e.MXHost, &code,
		&e.StatusMessage, &e.DeliveryTimeMs, &e.QueueTimeMs, &e.TotalTimeMs, &e.BounceType,
		&e.BounceCategory, &e.BounceMessage, &e.MessageSize, &e.DKIMResult, &e.SPFResult,
		&e.DMARCResult, &e.SpamScore, &e.SpamAction)
	if err != nil {
		return se, err
	}
	e.Time = time.UnixMilli(ms).UTC()
	e.EventType, e.Direction = event.Type(typ), event.Direction(dir)
	e.StatusCode = int(code.Int64)
	return se, nil
}

// asciiFold lower-cases A-Z only, as SQLite's lower() does without ICU.
// PostgreSQL folds the same letters alone (see its search.go), so the two
// stores agree on what a case-insensitive text search matches.
func asciiFold(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
