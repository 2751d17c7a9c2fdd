package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
)

var insertEvents = newMultiRow(`INSERT INTO email_events (
	time, event_type, direction, message_id, queue_id,
	from_address, from_user, from_domain, to_address, to_domain,
	mta_node, sending_ip, sending_ip_v6, mx_host, status_code,
	status_message, delivery_time_ms, queue_time_ms, total_time_ms, bounce_type,
	bounce_category, bounce_message, message_size, dkim_result, spf_result,
	dmarc_result, spam_score, spam_action) VALUES `, "", 28)

var upsertCounts = newMultiRow(`INSERT INTO rollup_counts (
	res, dim, bucket, value, direction, event_type,
	count, dt_sum, dt_count, size_sum, size_count) VALUES `, `
	ON CONFLICT (res, dim, bucket, value, direction, event_type) DO UPDATE SET
	count = count + excluded.count,
	dt_sum = dt_sum + excluded.dt_sum,
	dt_count = dt_count + excluded.dt_count,
	size_sum = size_sum + excluded.size_sum,
	size_count = size_count + excluded.size_count`, 11)

var upsertHist = newMultiRow(`INSERT INTO rollup_hist (
	res, dim, metric, value, bucket, direction, event_type, bin, count) VALUES `, `
	ON CONFLICT (res, dim, metric, value, bucket, direction, event_type, bin) DO UPDATE SET
	count = count + excluded.count`, 9)

func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, events []event.Event) error {
	return insertEvents.exec(ctx, s, tx, len(events), func(i int, a []any) {
		e := &events[i]
		a[0], a[1], a[2], a[3], a[4] = e.Time.UnixMilli(), string(e.EventType), string(e.Direction), e.MessageID, e.QueueID
		a[5], a[6], a[7], a[8], a[9] = e.FromAddress, e.FromUser, e.FromDomain, e.ToAddress, e.ToDomain
		a[10], a[11], a[12], a[13], a[14] = e.MTANode, e.SendingIP, e.SendingIPv6, e.MXHost, nullZero(e.StatusCode)
		a[15], a[16], a[17], a[18], a[19] = e.StatusMessage, nullInt(e.DeliveryTimeMs), nullInt(e.QueueTimeMs), nullInt(e.TotalTimeMs), e.BounceType
		a[20], a[21], a[22], a[23], a[24] = e.BounceCategory, e.BounceMessage, nullInt(e.MessageSize), e.DKIMResult, e.SPFResult
		a[25], a[26], a[27] = e.DMARCResult, nullFloat(e.SpamScore), e.SpamAction
	})
}

// upsertCounts adds the rollup increments, in key order so that consecutive
// rows land on the same B-tree pages.
func (s *Store) upsertCounts(ctx context.Context, tx *sql.Tx, m map[rollup.Key]*rollup.Counts) error {
	keys := make([]rollup.Key, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKey)
	return upsertCounts.exec(ctx, s, tx, len(keys), func(i int, a []any) {
		k := &keys[i]
		c := m[*k]
		a[0], a[1], a[2], a[3], a[4], a[5] = k.Res, k.Dim, k.Bucket, k.Value, string(k.Direction), string(k.EventType)
		a[6], a[7], a[8], a[9], a[10] = c.Count, c.DtSum, c.DtCount, c.SizeSum, c.SizeCount
	})
}

func (s *Store) upsertHist(ctx context.Context, tx *sql.Tx, m map[rollup.HistKey]int64) error {
	keys := make([]rollup.HistKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y rollup.HistKey) int {
		return cmp.Or(
			cmp.Compare(x.Res, y.Res), cmp.Compare(x.Dim, y.Dim), cmp.Compare(x.Metric, y.Metric),
			cmp.Compare(x.Value, y.Value), cmp.Compare(x.Bucket, y.Bucket), cmp.Compare(x.Direction, y.Direction),
			cmp.Compare(x.EventType, y.EventType), cmp.Compare(x.Bin, y.Bin))
	})
	return upsertHist.exec(ctx, s, tx, len(keys), func(i int, a []any) {
		k := &keys[i]
		a[0], a[1], a[2], a[3], a[4] = k.Res, k.Dim, k.Metric, k.Value, k.Bucket
		a[5], a[6], a[7], a[8] = string(k.Direction), string(k.EventType), int64(k.Bin), m[*k]
	})
}

// compareKey orders rollup keys like the rollup_counts primary key.
func compareKey(x, y rollup.Key) int {
	return cmp.Or(
		cmp.Compare(x.Res, y.Res), cmp.Compare(x.Dim, y.Dim), cmp.Compare(x.Bucket, y.Bucket),
		cmp.Compare(x.Value, y.Value), cmp.Compare(x.Direction, y.Direction), cmp.Compare(x.EventType, y.EventType))
}

// nullInt maps an absent optional number to NULL.
func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// nullZero stores a status code of 0 as NULL: the ingest contract omits a
// zero code, so 0 means "not reported", not a real SMTP reply.
func nullZero(v int) any {
	if v == 0 {
		return nil
	}
	return int64(v)
}
