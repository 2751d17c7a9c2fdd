package postgres

import (
	"cmp"
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
)

var eventColumns = []string{
	"time", "event_type", "direction", "message_id", "queue_id",
	"from_address", "from_user", "from_domain", "to_address", "to_domain",
	"mta_node", "sending_ip", "sending_ip_v6", "mx_host", "status_code",
	"status_message", "delivery_time_ms", "queue_time_ms", "total_time_ms", "bounce_type",
	"bounce_category", "bounce_message", "message_size", "dkim_result", "spf_result",
	"dmarc_result", "spam_score", "spam_action",
}

// insertEvents writes the raw events with COPY: one round trip and no
// per-row statement, the fastest way into PostgreSQL.
func insertEvents(ctx context.Context, tx pgx.Tx, events []event.Event) error {
	if len(events) == 0 {
		return nil
	}
	row := make([]any, len(eventColumns))
	src := pgx.CopyFromSlice(len(events), func(i int) ([]any, error) {
		e := &events[i]
		row[0], row[1], row[2], row[3], row[4] = e.Time.UnixMilli(), string(e.EventType), string(e.Direction), e.MessageID, e.QueueID
		row[5], row[6], row[7], row[8], row[9] = e.FromAddress, e.FromUser, e.FromDomain, e.ToAddress, e.ToDomain
		row[10], row[11], row[12], row[13], row[14] = e.MTANode, e.SendingIP, e.SendingIPv6, e.MXHost, nullZero(e.StatusCode)
		row[15], row[16], row[17], row[18], row[19] = e.StatusMessage, e.DeliveryTimeMs, e.QueueTimeMs, e.TotalTimeMs, e.BounceType
		row[20], row[21], row[22], row[23], row[24] = e.BounceCategory, e.BounceMessage, e.MessageSize, e.DKIMResult, e.SPFResult
		row[25], row[26], row[27] = e.DMARCResult, e.SpamScore, e.SpamAction
		return row, nil
	})
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"email_events"}, eventColumns, src)
	return err
}

// upsertCounts adds the rollup increments in one set-based statement. Rows
// go in primary key order: two nodes writing overlapping buckets then lock
// the same rows in the same order and cannot deadlock.
func upsertCounts(ctx context.Context, tx pgx.Tx, m map[rollup.Key]*rollup.Counts) error {
	if len(m) == 0 {
		return nil
	}
	keys := make([]rollup.Key, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKey)
	n := len(keys)
	res, bucket := make([]int64, n), make([]int64, n)
	dim, value, dir, typ := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	count, dtSum, dtCount, sizeSum, sizeCount := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, k := range keys {
		c := m[k]
		res[i], dim[i], bucket[i], value[i], dir[i], typ[i] = k.Res, k.Dim, k.Bucket, k.Value, string(k.Direction), string(k.EventType)
		count[i], dtSum[i], dtCount[i], sizeSum[i], sizeCount[i] = c.Count, c.DtSum, c.DtCount, c.SizeSum, c.SizeCount
	}
	// unnest yields its rows in array order, so the sort above holds.
	_, err := tx.Exec(ctx, `INSERT INTO rollup_counts (
		res, dim, bucket, value, direction, event_type,
		count, dt_sum, dt_count, size_sum, size_count)
		SELECT * FROM unnest($1::int[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
			$7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[])
		ON CONFLICT (res, dim, bucket, value, direction, event_type) DO UPDATE SET
		count = rollup_counts.count + excluded.count,
		dt_sum = rollup_counts.dt_sum + excluded.dt_sum,
		dt_count = rollup_counts.dt_count + excluded.dt_count,
		size_sum = rollup_counts.size_sum + excluded.size_sum,
		size_count = rollup_counts.size_count + excluded.size_count`,
		res, dim, bucket, value, dir, typ, count, dtSum, dtCount, sizeSum, sizeCount)
	return err
}

// upsertHist adds the histogram increments, in primary key order like
// upsertCounts.
func upsertHist(ctx context.Context, tx pgx.Tx, m map[rollup.HistKey]int64) error {
	if len(m) == 0 {
		return nil
	}
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
	n := len(keys)
	res, bucket, bin, count := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	dim, metric, value, dir, typ := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, k := range keys {
		res[i], dim[i], metric[i], value[i], bucket[i] = k.Res, k.Dim, k.Metric, k.Value, k.Bucket
		dir[i], typ[i], bin[i], count[i] = string(k.Direction), string(k.EventType), int64(k.Bin), m[k]
	}
	_, err := tx.Exec(ctx, `INSERT INTO rollup_hist (
		res, dim, metric, value, bucket, direction, event_type, bin, count)
		SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::bigint[],
			$6::text[], $7::text[], $8::int[], $9::bigint[])
		ON CONFLICT (res, dim, metric, value, bucket, direction, event_type, bin) DO UPDATE SET
		count = rollup_hist.count + excluded.count`,
		res, dim, metric, value, bucket, dir, typ, bin, count)
	return err
}

// compareKey orders rollup keys like the rollup_counts primary key. Strings
// compare by bytes, like the "C" collation of the key columns.
func compareKey(x, y rollup.Key) int {
	return cmp.Or(
		cmp.Compare(x.Res, y.Res), cmp.Compare(x.Dim, y.Dim), cmp.Compare(x.Bucket, y.Bucket),
		cmp.Compare(x.Value, y.Value), cmp.Compare(x.Direction, y.Direction), cmp.Compare(x.EventType, y.EventType))
}

// nullZero stores a status code of 0 as NULL: the ingest contract omits a
// zero code, so 0 means "not reported", not a real SMTP reply.
func nullZero(v int) any {
	if v == 0 {
		return nil
	}
	return int64(v)
}
