package storetest

import (
	"cmp"
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
	"github.com/tinomail/tinomail/internal/store/storetest/gen"
)

func TestRollupsMatchEvents(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		events := gen.Events(1, 6000, t0, 50*time.Hour)
		writeAll(t, s, "s", events)
		from, to := t0.Add(-48*time.Hour), t0.Add(72*time.Hour)

		for _, res := range rollup.Resolutions {
			for _, dim := range []string{rollup.DimTotal, rollup.DimToDomain, rollup.DimMTANode, rollup.DimSendingIP, rollup.DimBounceCategory,
				rollup.DimMXHost, rollup.DimResponse, rollup.DimSpamAction, rollup.DimSPF, rollup.DimDKIM, rollup.DimDMARC} {
				t.Run(fmt.Sprintf("%s/%q", res, dim), func(t *testing.T) {
					want := expectCounts(events, res, dim)
					got := gotCounts(t, s, store.RollupQuery{Res: res, From: from, To: to, Dim: dim, ByBucket: true})
					if !reflect.DeepEqual(got, want) {
						t.Errorf("by bucket: got %d rows, want %d; first difference: %s", len(got), len(want), firstDiff(got, want))
					}
				})
			}
		}
	})
}

func TestRollupsFilters(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		events := gen.Events(2, 3000, t0, 10*time.Hour)
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
	})
}

// TestHistograms reads several histograms at once, per bucket and per
// value, and compares each with the raw events.
func TestHistograms(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		events := gen.Events(4, 4000, t0, 30*time.Hour)
		writeAll(t, s, "s", events)
		from, to := t0.Truncate(time.Hour), t0.Truncate(time.Hour).Add(30*time.Hour)
		delivered := func(e event.Event) bool { return e.EventType == event.Delivered && e.DeliveryTimeMs != nil }
		type key struct {
			bucket time.Time
			value  string
			bin    int
		}
		check := func(t *testing.T, q store.HistQuery, keyOf func(e event.Event) (key, bool)) {
			t.Helper()
			counts := map[key]int64{}
			for _, e := range events {
				if k, ok := keyOf(e); ok && delivered(e) && !e.Time.Before(from) && e.Time.Before(to) {
					k.bin = rollup.Bin(*e.DeliveryTimeMs)
					counts[k]++
				}
			}
			var want []store.HistRow
			for k, n := range counts {
				want = append(want, store.HistRow{Bucket: k.bucket, Value: k.value, BinCount: rollup.BinCount{Bin: k.bin, Count: n}})
			}
			slices.SortFunc(want, func(a, b store.HistRow) int {
				return cmp.Or(a.Bucket.Compare(b.Bucket), cmp.Compare(a.Value, b.Value), cmp.Compare(a.Bin, b.Bin))
			})
			got, err := s.Histograms(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 || !reflect.DeepEqual(got, want) {
				t.Errorf("got %d rows, want %d; equal %v", len(got), len(want), reflect.DeepEqual(got, want))
			}
		}
		hq := store.HistQuery{Res: time.Hour, From: from, To: to, Metric: rollup.MetricDeliveryTime, EventTypes: []event.Type{event.Delivered}}
		t.Run("total per bucket", func(t *testing.T) {
			q := hq
			q.Dim, q.ByBucket = rollup.DimTotal, true
			check(t, q, func(e event.Event) (key, bool) { return key{bucket: e.Time.Truncate(time.Hour)}, true })
		})
		values := []string{"to1.test", "to4.test", "to9.test"}
		t.Run("values", func(t *testing.T) {
			q := hq
			q.Dim, q.Values = rollup.DimToDomain, values
			check(t, q, func(e event.Event) (key, bool) { return key{value: e.ToDomain}, slices.Contains(values, e.ToDomain) })
		})
		t.Run("values per bucket", func(t *testing.T) {
			q := hq
			q.Dim, q.Values, q.ByBucket = rollup.DimToDomain, values, true
			check(t, q, func(e event.Event) (key, bool) {
				return key{bucket: e.Time.Truncate(time.Hour), value: e.ToDomain}, slices.Contains(values, e.ToDomain)
			})
		})
	})
}

func TestHistogramAndCountEvents(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		events := gen.Events(3, 4000, t0, 30*time.Hour)
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
					rows, err := s.Histograms(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					got := store.Bins(rows)
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
	})
}

func TestEventColumns(t *testing.T) {
	ForEachRawBackend(t, func(t *testing.T, b *Backend) {
		s := b.Store
		e := gen.Events(4, 1, t0, time.Second)[0]
		e.DeliveryTimeMs, e.MessageSize, e.SpamScore, e.StatusCode = nil, gen.Ptr(int64(0)), gen.Ptr(2.5), 0
		if _, err := s.WriteBatch(context.Background(), []store.Msg{{Stream: "s", Seq: 1, Events: []event.Event{e}}}); err != nil {
			t.Fatal(err)
		}
		var ms, size int64
		var score float64
		var dt, code any
		var msgID, toDomain string
		err := b.QueryRow(context.Background(), `SELECT time, message_id, to_domain, delivery_time_ms, message_size, spam_score, status_code FROM email_events`,
			&ms, &msgID, &toDomain, &dt, &size, &score, &code)
		if err != nil {
			t.Fatal(err)
		}
		if ms != e.Time.UnixMilli() || msgID != e.MessageID || toDomain != e.ToDomain || dt != nil || size != 0 || score != 2.5 || code != nil {
			t.Errorf("stored row = %d %q %q %v %d %v %v; want %d %q %q <nil> 0 2.5 <nil>",
				ms, msgID, toDomain, dt, size, score, code, e.Time.UnixMilli(), e.MessageID, e.ToDomain)
		}
	})
}

func TestRedeliveredMessageIsSkipped(t *testing.T) {
	ForEachRawBackend(t, func(t *testing.T, b *Backend) {
		s := b.Store
		ctx := context.Background()
		events := gen.Events(5, 300, t0, 3*time.Hour)
		msgs := gen.Msgs("stream-A", 1, events, 10) // seq 1..30

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
		other := gen.Msgs("stream-B", 1, events[:10], 10)
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
		if n := count(t, b, `SELECT COUNT(*) FROM queue_applied WHERE stream = 'stream-A'`); n != 20 {
			t.Errorf("after ForgetApplied below 11, %d rows of stream-A remain, want 20", n)
		}
		if n := count(t, b, `SELECT COUNT(*) FROM queue_applied WHERE stream = 'stream-B'`); n != 1 {
			t.Errorf("ForgetApplied touched another stream: %d rows left, want 1", n)
		}
	})
}

func TestFailedBatchLeavesNothing(t *testing.T) {
	ForEachRawBackend(t, func(t *testing.T, b *Backend) {
		s := b.Store
		ctx := context.Background()
		events := gen.Events(6, 200, t0, time.Hour)
		msgs := gen.Msgs("s", 1, events, 5)

		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.WriteBatch(cancelled, msgs); !errors.Is(err, context.Canceled) {
			t.Errorf("WriteBatch with a cancelled context: %v, want context.Canceled", err)
		}

		// Fail late, after queue_applied rows and some events are in: a trigger
		// aborts on the last message's first event.
		poison := msgs[len(msgs)-1].Events[0].MessageID
		create, drop := poisonTrigger(b.Name, poison)
		if err := b.Exec(ctx, create); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WriteBatch(ctx, msgs); err == nil {
			t.Fatal("WriteBatch succeeded despite the trigger")
		}
		for _, table := range []string{"email_events", "rollup_counts", "rollup_hist", "queue_applied"} {
			if n := count(t, b, `SELECT COUNT(*) FROM `+table); n != 0 {
				t.Errorf("after failed batches %s has %d rows", table, n)
			}
		}
		if err := b.Exec(ctx, drop); err != nil {
			t.Fatal(err)
		}
		if res, err := s.WriteBatch(ctx, msgs); err != nil || res != (store.WriteResult{Events: 200}) {
			t.Errorf("retry after failure = %+v, %v; want all 200 events and no duplicates", res, err)
		}
	})
}

// poisonTrigger returns the SQL that creates and drops, in the dialect of
// backend, a trigger that fails a rollup_hist insert once an event with
// message id poison is in: a failure late in WriteBatch.
func poisonTrigger(backend, poison string) (create, drop string) {
	if backend == "sqlite" {
		return `CREATE TRIGGER poison BEFORE INSERT ON rollup_hist
			WHEN (SELECT COUNT(*) FROM email_events WHERE message_id = '` + poison + `') > 0
			BEGIN SELECT RAISE(ABORT, 'poisoned'); END`, `DROP TRIGGER poison`
	}
	return `CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF EXISTS (SELECT 1 FROM email_events WHERE message_id = '` + poison + `') THEN
				RAISE EXCEPTION 'poisoned';
			END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER poison BEFORE INSERT ON rollup_hist FOR EACH ROW EXECUTE FUNCTION poison()`,
		`DROP TRIGGER poison ON rollup_hist; DROP FUNCTION poison()`
}

// TestResentContentIsSkipped: the same content under new sequence numbers,
// as when a client re-sends a batch after the server restarted, is stored
// once while its content id is remembered.
func TestResentContentIsSkipped(t *testing.T) {
	ForEachRawBackend(t, func(t *testing.T, b *Backend) {
		s := b.Store
		ctx := context.Background()
		events := gen.Events(8, 30, t0, time.Hour)
		msgs := gen.Msgs("stream-A", 1, events, 10) // seq 1..3
		for i := range msgs {
			msgs[i].ID = fmt.Sprintf("content-%d", i)
		}
		if res, err := s.WriteBatch(ctx, msgs); err != nil || res != (store.WriteResult{Events: 30}) {
			t.Fatalf("first WriteBatch = %+v, %v", res, err)
		}
		// Two of them again, with new sequences, plus a new one that repeats
		// within the batch.
		again := gen.Msgs("stream-A", 10, events[:20], 10) // seq 10, 11
		again[0].ID, again[1].ID = "content-0", "content-1"
		fresh := gen.Msgs("stream-A", 12, events[:10], 10)[0]
		fresh.ID = "content-9"
		repeat := fresh
		repeat.Seq = 13
		res, err := s.WriteBatch(ctx, append(again, fresh, repeat))
		if err != nil || res != (store.WriteResult{Events: 10, Duplicates: 3}) {
			t.Fatalf("resent WriteBatch = %+v, %v; want 10 events, 3 duplicates", res, err)
		}
		if n, _ := s.CountEvents(ctx, t0.Add(-time.Hour), t0.Add(2*time.Hour)); n != 40 {
			t.Errorf("CountEvents = %d, want 40", n)
		}
		if err := s.ForgetAppliedIDs(ctx, time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, b, `SELECT COUNT(*) FROM applied_ids`); n != 0 {
			t.Errorf("%d content ids left after forgetting them all", n)
		}
		late := gen.Msgs("stream-A", 20, events[:10], 10)[0]
		late.ID = "content-0"
		if res, err := s.WriteBatch(ctx, []store.Msg{late}); err != nil || res.Events != 10 {
			t.Fatalf("after the window, the content is new again: %+v, %v", res, err)
		}
	})
}
