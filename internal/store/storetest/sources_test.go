package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
)

// TestSources checks the per-source counts: events counted once per node
// and key in the minute the queue received them, duplicates skipped with
// their messages, rejections added, and recent counts cut at whole minutes.
func TestSources(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		ev := func(node string, at time.Duration) event.Event {
			return event.Event{Time: t0.Add(at), EventType: event.Delivered, Direction: event.Outbound, MTANode: node}
		}
		msgs := []store.Msg{
			// Received at 10:00:30 with key 7: mta1 twice, mta2 once, one event without node.
			{Stream: "s", Seq: 1, KeyID: 7, Received: t0.Add(30 * time.Second),
				Events: []event.Event{ev("mta1", -time.Minute), ev("mta1", 10*time.Second), ev("mta2", 5*time.Second), ev("", 20*time.Second)}},
			// Received 25 hours earlier: counts in the totals only.
			{Stream: "s", Seq: 2, KeyID: 7, Received: t0.Add(-25 * time.Hour), Events: []event.Event{ev("mta1", -25*time.Hour)}},
			// Received 20 minutes earlier, key 8: in the day, not in a 15-minute window.
			{Stream: "s", Seq: 3, KeyID: 8, Received: t0.Add(-20 * time.Minute), ID: "content-a",
				Events: []event.Event{ev("mta2", -20*time.Minute)}},
		}
		if _, err := s.WriteBatch(ctx, msgs); err != nil {
			t.Fatal(err)
		}
		// Redelivered (same sequence) and the same content again: neither counts.
		res, err := s.WriteBatch(ctx, []store.Msg{msgs[0], {Stream: "s", Seq: 9, KeyID: 8, ID: "content-a",
			Received: t0, Events: []event.Event{ev("mta2", 0)}}})
		if err != nil || res.Duplicates != 2 {
			t.Fatalf("WriteBatch of duplicates = %+v, %v; want 2 duplicates", res, err)
		}
		rejectedAt := t0.Add(40 * time.Second)
		if err := s.AddSourceCounts(ctx, []store.SourceDelta{
			{Kind: store.SourceKey, Name: "7", Minute: t0, Rejected: 3, LastRejected: rejectedAt},
			{Kind: store.SourceNode, Name: "mta1", Minute: t0, Rejected: 2, LastRejected: rejectedAt},
			{Kind: store.SourceNode, Name: "broken", Minute: t0, Rejected: 1, LastRejected: rejectedAt},
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddSourceCounts(ctx, []store.SourceDelta{
			{Kind: store.SourceKey, Name: "7", Minute: t0, Rejected: 1, LastRejected: t0.Add(10 * time.Second)},
		}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Sources(ctx, t0.Add(-14*time.Minute), t0.Add(-24*time.Hour+time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		ms := func(d time.Duration) time.Time { return t0.Add(d) }
		want := []store.SourceStat{
			{Kind: "key", Name: "7", Events: 5, Rejected: 4, LastSeen: ms(30 * time.Second), LastEvent: ms(20 * time.Second),
				LastRejected: rejectedAt, WindowEvents: 4, WindowRejected: 4, DayEvents: 4, DayRejected: 4},
			{Kind: "key", Name: "8", Events: 1, LastSeen: ms(-20 * time.Minute), LastEvent: ms(-20 * time.Minute), DayEvents: 1},
			{Kind: "node", Name: "broken", Rejected: 1, LastRejected: rejectedAt, WindowRejected: 1, DayRejected: 1},
			{Kind: "node", Name: "mta1", Events: 3, Rejected: 2, LastSeen: ms(30 * time.Second), LastEvent: ms(10 * time.Second),
				LastRejected: rejectedAt, WindowEvents: 2, WindowRejected: 2, DayEvents: 2, DayRejected: 2},
			{Kind: "node", Name: "mta2", Events: 2, LastSeen: ms(30 * time.Second), LastEvent: ms(5 * time.Second),
				WindowEvents: 1, DayEvents: 2},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("sources\n got %+v\nwant %+v", got, want)
		}

		// Retention drops the minutes older than 25 hours (key 7's and
		// mta1's of message 2), whatever the policy.
		r := s.(store.Retainer)
		rm, err := r.Retain(ctx, t0.Add(time.Minute), store.Retention{})
		if err != nil || rm.SourceMinutes != 2 {
			t.Errorf("Retain = %+v, %v; want 2 source minutes removed", rm, err)
		}
		got, err = s.Sources(ctx, t0.Add(-48*time.Hour), t0.Add(-48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Events != 5 || got[0].DayEvents != 4 {
			t.Errorf("key 7 after retention: %+v; want 5 events in all, 4 in the minutes kept", got[0])
		}
	})
}

// TestSourcesEmpty: no source yet is an empty list, not an error.
func TestSourcesEmpty(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		got, err := s.Sources(context.Background(), time.Now(), time.Now())
		if err != nil || len(got) != 0 {
			t.Errorf("Sources = %v, %v; want none", got, err)
		}
		if err := s.AddSourceCounts(context.Background(), nil); err != nil {
			t.Error(err)
		}
	})
}
