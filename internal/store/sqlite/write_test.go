package sqlite

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

type rowKey struct {
	bucket int64
	value  string
	dir    event.Direction
	typ    event.Type
}

// expectCounts aggregates events by hand, without rollup.Build, the way the
// dashboard expects one dimension to read.
func expectCounts(events []event.Event, res time.Duration, dim string) map[rowKey]rollup.Counts {
	out := make(map[rowKey]rollup.Counts)
	for _, e := range events {
		var v string
		switch dim {
		case rollup.DimTotal:
		case rollup.DimToDomain:
			v = e.ToDomain
		case rollup.DimMTANode:
			v = e.MTANode
		case rollup.DimSendingIP:
			v = e.SendingIP + e.SendingIPv6 // the generator sets one or the other
		case rollup.DimBounceCategory:
			if e.EventType != event.Bounced && e.EventType != event.Rejected && e.EventType != event.Deferred {
				continue
			}
			v = e.BounceCategory
		default:
			panic(dim)
		}
		k := rowKey{e.Time.Truncate(res).Unix(), v, e.Direction, e.EventType}
		c := out[k]
		c.Count++
		if e.DeliveryTimeMs != nil {
			c.DtSum += *e.DeliveryTimeMs
			c.DtCount++
		}
		if e.MessageSize != nil {
			c.SizeSum += *e.MessageSize
			c.SizeCount++
		}
		out[k] = c
	}
	return out
}

func gotCounts(t *testing.T, s *Store, q store.RollupQuery) map[rowKey]rollup.Counts {
	t.Helper()
	rows, err := s.Rollups(context.Background(), q)
	if err != nil {
		t.Fatalf("Rollups(%+v): %v", q, err)
	}
	out := make(map[rowKey]rollup.Counts)
	for i, r := range rows {
		if q.ByBucket && r.Bucket.Location() != time.UTC {
			t.Errorf("bucket %v not in UTC", r.Bucket)
		}
		if !q.ByBucket && !r.Bucket.IsZero() {
			t.Errorf("bucket %v set without ByBucket", r.Bucket)
		}
		if i > 0 && !rowLess(rows[i-1], r) {
			t.Errorf("rows %d and %d out of order: %+v, %+v", i-1, i, rows[i-1], r)
		}
		var b int64
		if q.ByBucket {
			b = r.Bucket.Unix()
		}
		out[rowKey{b, r.Value, r.Direction, r.EventType}] = r.Counts
	}
	return out
}

func rowLess(a, b store.RollupRow) bool {
	if !a.Bucket.Equal(b.Bucket) {
		return a.Bucket.Before(b.Bucket)
	}
	return slices.Compare([]string{a.Value, string(a.Direction), string(a.EventType)},
		[]string{b.Value, string(b.Direction), string(b.EventType)}) < 0
}

// writeAll writes events in batches of 500 messages of 3 events each.
func writeAll(t *testing.T, s *Store, stream string, events []event.Event) {
	t.Helper()
	msgs := toMsgs(stream, 1, events, 3)
	for i := 0; i < len(msgs); i += 500 {
		res, err := s.WriteBatch(context.Background(), msgs[i:min(i+500, len(msgs))])
		if err != nil {
			t.Fatalf("WriteBatch: %v", err)
		}
		if res.Duplicates != 0 {
			t.Fatalf("WriteBatch: %d duplicates in fresh messages", res.Duplicates)
		}
	}
}

func TestRollupsMatchEvents(t *testing.T) {
	s, _ := openTest(t)
	events := genEvents(1, 6000, t0, 50*time.Hour)
	writeAll(t, s, "s", events)
	from, to := t0.Add(-48*time.Hour), t0.Add(72*time.Hour)

	for _, res := range rollup.Resolutions {
		for _, dim := range []string{rollup.DimTotal, rollup.DimToDomain, rollup.DimMTANode, rollup.DimSendingIP, rollup.DimBounceCategory} {
			t.Run(fmt.Sprintf("%s/%q", res, dim), func(t *testing.T) {
				want := expectCounts(events, res, dim)
				got := gotCounts(t, s, store.RollupQuery{Res: res, From: from, To: to, Dim: dim, ByBucket: true})
				if !reflect.DeepEqual(got, want) {
					t.Errorf("by bucket: got %d rows, want %d; first difference: %s", len(got), len(want), firstDiff(got, want))
				}
			})
		}
	}
}

func firstDiff(got, want map[rowKey]rollup.Counts) string {
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			return fmt.Sprintf("%+v: got %+v (present %v), want %+v", k, g, ok, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			return fmt.Sprintf("%+v: got %+v, want nothing", k, g)
		}
	}
	return "none"
}

func TestRollupsFilters(t *testing.T) {
	s, _ := openTest(t)
	events := genEvents(2, 3000, t0, 10*time.Hour)
	writeAll(t, s, "s", events)
	// A range that cuts the data: only 1h buckets starting in [from, to).
	from := t0.Truncate(time.Hour).Add(2 * time.Hour)
	to := from.Add(5 * time.Hour)
	types := []event.Type{event.Bounced, event.Deferred}
	values := []string{"to3.test", "to7.test", "nowhere.test"}

	want := make(map[rowKey]rollup.Counts)
	for k, c := range expectCounts(events, time.Hour, rollup.DimToDomain) {
		if k.bucket < from.Unix() || k.bucket >= to.Unix() || k.dir != event.Outbound ||
			!slices.Contains(types, k.typ) || !slices.Contains(values, k.value) {
			continue
		}
		k.bucket = 0
		w := want[k]
		w.Add(c)
		want[k] = w
	}
	if len(want) == 0 {
		t.Fatal("test data selects nothing")
	}
	got := gotCounts(t, s, store.RollupQuery{Res: time.Hour, From: from, To: to, Dim: rollup.DimToDomain,
		Direction: event.Outbound, EventTypes: types, Values: values})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summed: first difference: %s", firstDiff(got, want))
	}

	if _, err := s.Rollups(context.Background(), store.RollupQuery{Res: time.Minute, From: from, To: to}); err == nil {
		t.Error("Rollups accepted a resolution that is not kept")
	}
}

func TestHistogramAndCountEvents(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	events := genEvents(3, 4000, t0, 30*time.Hour)
	writeAll(t, s, "s", events)
	from, to := t0.Truncate(24*time.Hour), t0.Truncate(24*time.Hour).Add(24*time.Hour)

	cases := []struct {
		name  string
		q     store.HistQuery
		match func(e event.Event) (int64, bool)
	}{
		{"total delivery time", store.HistQuery{Dim: rollup.DimTotal, Value: "ignored", Metric: rollup.MetricDeliveryTime},
			func(e event.Event) (int64, bool) { return deref(e.DeliveryTimeMs) }},
		{"total size outbound delivered", store.HistQuery{Dim: rollup.DimTotal, Metric: rollup.MetricMessageSize,
			Direction: event.Outbound, EventTypes: []event.Type{event.Delivered}},
			func(e event.Event) (int64, bool) {
				if e.Direction != event.Outbound || e.EventType != event.Delivered {
					return 0, false
				}
				return deref(e.MessageSize)
			}},
	}
	for _, res := range rollup.Resolutions {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%s", res, c.name), func(t *testing.T) {
				bins := make(map[int]int64)
				for _, e := range events {
					if e.Time.Before(from) || !e.Time.Before(to) {
						continue
					}
					if v, ok := c.match(e); ok {
						bins[rollup.Bin(v)]++
					}
				}
				var want []rollup.BinCount
				for b, n := range bins {
					want = append(want, rollup.BinCount{Bin: b, Count: n})
				}
				slices.SortFunc(want, func(a, b rollup.BinCount) int { return a.Bin - b.Bin })
				q := c.q
				q.Res, q.From, q.To = res, from, to
				got, err := s.Histogram(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(want) == 0 || !reflect.DeepEqual(got, want) {
					t.Errorf("got %v\nwant %v", got, want)
				}
			})
		}
	}

	var want int64
	cf, ct := t0.Add(90*time.Minute+500*time.Microsecond), t0.Add(7*time.Hour)
	for _, e := range events {
		if !e.Time.Before(cf) && e.Time.Before(ct) {
			want++
		}
	}
	if got, err := s.CountEvents(ctx, cf, ct); err != nil || got != want || want == 0 {
		t.Errorf("CountEvents = %d, %v; want %d", got, err, want)
	}
}

func deref(p *int64) (int64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

func TestEventColumns(t *testing.T) {
	s, path := openTest(t)
	e := genEvents(4, 1, t0, time.Second)[0]
	e.DeliveryTimeMs, e.MessageSize, e.SpamScore, e.StatusCode = nil, ptr(int64(0)), ptr(2.5), 0
	if _, err := s.WriteBatch(context.Background(), []store.Msg{{Stream: "s", Seq: 1, Events: []event.Event{e}}}); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	var ms, size int64
	var score float64
	var dt, code any
	var msgID, toDomain string
	err := db.QueryRow(`SELECT time, message_id, to_domain, delivery_time_ms, message_size, spam_score, status_code FROM email_events`).
		Scan(&ms, &msgID, &toDomain, &dt, &size, &score, &code)
	if err != nil {
		t.Fatal(err)
	}
	if ms != e.Time.UnixMilli() || msgID != e.MessageID || toDomain != e.ToDomain || dt != nil || size != 0 || score != 2.5 || code != nil {
		t.Errorf("stored row = %d %q %q %v %d %v %v; want %d %q %q <nil> 0 2.5 <nil>",
			ms, msgID, toDomain, dt, size, score, code, e.Time.UnixMilli(), e.MessageID, e.ToDomain)
	}
}

func TestRedeliveredMessageIsSkipped(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	events := genEvents(5, 300, t0, 3*time.Hour)
	msgs := toMsgs("stream-A", 1, events, 10) // seq 1..30

	if res, err := s.WriteBatch(ctx, msgs[:20]); err != nil || res != (store.WriteResult{Events: 200}) {
		t.Fatalf("first WriteBatch = %+v, %v", res, err)
	}
	// Messages 11..30 arrive again (11..20 redelivered), plus a repeat of 25 within the batch.
	batch := append(slices.Clone(msgs[10:30]), msgs[24])
	res, err := s.WriteBatch(ctx, batch)
	if err != nil || res != (store.WriteResult{Events: 100, Duplicates: 11}) {
		t.Fatalf("second WriteBatch = %+v, %v; want 100 events, 11 duplicates", res, err)
	}
	// The same sequence numbers on another stream are new messages.
	other := toMsgs("stream-B", 1, events[:10], 10)
	if res, err := s.WriteBatch(ctx, other); err != nil || res.Duplicates != 0 {
		t.Fatalf("other stream = %+v, %v", res, err)
	}
	all := append(slices.Clone(events), events[:10]...)
	for _, res := range rollup.Resolutions {
		want := expectCounts(all, res, rollup.DimToDomain)
		got := gotCounts(t, s, store.RollupQuery{Res: res, From: t0.Add(-48 * time.Hour), To: t0.Add(48 * time.Hour), Dim: rollup.DimToDomain, ByBucket: true})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s", res, firstDiff(got, want))
		}
	}
	if n, _ := s.CountEvents(ctx, t0.Add(-time.Hour), t0.Add(4*time.Hour)); n != 310 {
		t.Errorf("CountEvents = %d, want 310", n)
	}

	if err := s.ForgetApplied(ctx, "stream-A", 11); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	if n := count(t, db, `SELECT COUNT(*) FROM queue_applied WHERE stream = 'stream-A'`); n != 20 {
		t.Errorf("after ForgetApplied below 11, %d rows of stream-A remain, want 20", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM queue_applied WHERE stream = 'stream-B'`); n != 1 {
		t.Errorf("ForgetApplied touched another stream: %d rows left, want 1", n)
	}
}

func TestFailedBatchLeavesNothing(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	events := genEvents(6, 200, t0, time.Hour)
	msgs := toMsgs("s", 1, events, 5)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.WriteBatch(cancelled, msgs); !errors.Is(err, context.Canceled) {
		t.Errorf("WriteBatch with a cancelled context: %v, want context.Canceled", err)
	}

	// Fail late, after queue_applied rows and some events are in: a trigger
	// aborts on the last message's first event.
	db := rawDB(t, path)
	poison := msgs[len(msgs)-1].Events[0].MessageID
	if _, err := db.Exec(`CREATE TRIGGER poison BEFORE INSERT ON rollup_hist
		WHEN (SELECT COUNT(*) FROM email_events WHERE message_id = '` + poison + `') > 0
		BEGIN SELECT RAISE(ABORT, 'poisoned'); END`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteBatch(ctx, msgs); err == nil {
		t.Fatal("WriteBatch succeeded despite the trigger")
	}
	for _, table := range []string{"email_events", "rollup_counts", "rollup_hist", "queue_applied"} {
		if n := count(t, db, `SELECT COUNT(*) FROM `+table); n != 0 {
			t.Errorf("after failed batches %s has %d rows", table, n)
		}
	}
	if _, err := db.Exec(`DROP TRIGGER poison`); err != nil {
		t.Fatal(err)
	}
	if res, err := s.WriteBatch(ctx, msgs); err != nil || res != (store.WriteResult{Events: 200}) {
		t.Errorf("retry after failure = %+v, %v; want all 200 events and no duplicates", res, err)
	}
}
