package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/postgres"
	"github.com/tinomail/tinomail/internal/store/storetest/gen"
)

// The tests of this file look at PostgreSQL's native day partitions of
// email_events; SQLite has none.

// partitions lists the day partitions of email_events, in order.
func partitions(t *testing.T, b *Backend) []string {
	t.Helper()
	var names []string
	err := b.QueryRow(context.Background(), `SELECT COALESCE(array_agg(c.relname::text ORDER BY c.relname), '{}')
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'email_events'::regclass AND c.relname LIKE 'email\_events\_p%'`, &names)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func partitionOf(t time.Time) string { return "email_events_p" + t.UTC().Format("20060102") }

func TestPartitionsAheadAfterOpen(t *testing.T) {
	b := Postgres(t)
	got := partitions(t, b)
	now := time.Now()
	for d := range 8 {
		if want := partitionOf(now.AddDate(0, 0, d)); !slices.Contains(got, want) {
			t.Errorf("after Open, no partition %s (have %v)", want, got)
		}
	}
}

func TestPartitionsForBackfill(t *testing.T) {
	b := Postgres(t)
	ctx := context.Background()
	// Three days and a half of history, and an event a day in the future
	// (a skewed clock), none of them near today.
	start := time.Date(2024, 2, 27, 13, 0, 0, 0, time.UTC)
	events := gen.Events(21, 400, start, 84*time.Hour)
	events = append(events, event.Event{Time: start.AddDate(0, 0, 30), EventType: event.Delivered, Direction: event.Outbound})
	writeAll(t, b.Store, "s", events)
	got := partitions(t, b)
	for _, day := range []string{"20240227", "20240228", "20240229", "20240301", "20240302", "20240328"} {
		if !slices.Contains(got, "email_events_p"+day) {
			t.Errorf("no partition for %s after a backfill (have %v)", day, got)
		}
	}
	if n, err := b.Store.CountEvents(ctx, start, start.AddDate(0, 0, 31)); err != nil || n != int64(len(events)) {
		t.Errorf("CountEvents = %d, %v; want %d", n, err, len(events))
	}
	// Rows sit in the day partitions, none in the parent itself.
	if n := count(t, b, `SELECT COUNT(*) FROM ONLY email_events`); n != 0 {
		t.Errorf("%d rows in the parent table", n)
	}
	if n := count(t, b, `SELECT COUNT(*) FROM email_events_p20240229`); n == 0 {
		t.Error("no rows in the partition of 2024-02-29")
	}
}

func TestRetainDropsPartitions(t *testing.T) {
	b := Postgres(t)
	ctx := context.Background()
	var evs []event.Event
	// The last event is 6 hours older than the cut, but on the cut's day.
	for _, age := range []time.Duration{time.Hour, 40 * 24 * time.Hour, 500 * 24 * time.Hour, 30*24*time.Hour + 6*time.Hour} {
		evs = append(evs, event.Event{Time: retainNow.Add(-age), EventType: event.Delivered, Direction: event.Outbound})
	}
	if _, err := b.Store.WriteBatch(ctx, []store.Msg{{Stream: "s", Seq: 1, Events: evs}}); err != nil {
		t.Fatal(err)
	}
	old40, old500, keep, cutDay := partitionOf(evs[1].Time), partitionOf(evs[2].Time), partitionOf(evs[0].Time), partitionOf(evs[3].Time)
	if got := partitions(t, b); !slices.Contains(got, old40) || !slices.Contains(got, old500) {
		t.Fatalf("partitions before Retain: %v", got)
	}
	rm, err := b.Store.(store.Retainer).Retain(ctx, retainNow, store.Retention{Events: 30 * 24 * time.Hour})
	if err != nil || rm.Events != 2 {
		t.Fatalf("Retain = %+v, %v; want 2 events removed", rm, err)
	}
	got := partitions(t, b)
	if slices.Contains(got, old40) || slices.Contains(got, old500) {
		t.Errorf("old partitions survive Retain: %v", got)
	}
	// Day granularity: the cut's day stays whole. Retain also created the
	// week ahead of its now.
	for _, want := range []string{keep, cutDay, partitionOf(retainNow.AddDate(0, 0, 7))} {
		if !slices.Contains(got, want) {
			t.Errorf("after Retain, no partition %s (have %v)", want, got)
		}
	}
	// A dropped day can be written again: the store recreates its partition.
	late := []store.Msg{{Stream: "s", Seq: 2, Events: evs[1:2]}}
	if _, err := b.Store.WriteBatch(ctx, late); err != nil {
		t.Fatalf("WriteBatch into a dropped day: %v", err)
	}
}

// TestConcurrentWritersCreatePartition is two nodes writing the first events
// of the same new day at once: one creates the partition, neither fails.
func TestConcurrentWritersCreatePartition(t *testing.T) {
	ctx := context.Background()
	u := PostgresURL(t)
	const nodes = 2
	stores := make([]*postgres.Store, nodes)
	for i := range stores {
		s, err := postgres.Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	for round := range 5 { // several new days, to give the race a chance
		day := time.Date(2023, 6, 1+round, 9, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		errs := make([]error, nodes)
		for i, s := range stores {
			wg.Go(func() {
				evs := gen.Events(uint64(30+i), 50, day, time.Hour)
				_, errs[i] = s.WriteBatch(ctx, gen.Msgs("node"+string(rune('a'+i)), 1+uint64(round*100), evs, 5))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("day %s, node %d: %v", day.Format(time.DateOnly), i, err)
			}
		}
	}
	n, err := stores[0].CountEvents(ctx, time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 6, 7, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 5*nodes*50 {
		t.Errorf("CountEvents = %d, %v; want %d", n, err, 5*nodes*50)
	}
}

// TestWriteAfterOtherNodeDropped is a node writing into a day whose
// partition it has cached, after another node's Retain dropped it.
func TestWriteAfterOtherNodeDropped(t *testing.T) {
	ctx := context.Background()
	u := PostgresURL(t)
	a, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	old := event.Event{Time: retainNow.AddDate(0, 0, -90), EventType: event.Delivered, Direction: event.Outbound}
	if _, err := a.WriteBatch(ctx, []store.Msg{{Stream: "s", Seq: 1, Events: []event.Event{old}}}); err != nil {
		t.Fatal(err)
	}
	if rm, err := b.Retain(ctx, retainNow, store.Retention{Events: 30 * 24 * time.Hour}); err != nil || rm.Events != 1 {
		t.Fatalf("Retain = %+v, %v; want 1 event removed", rm, err)
	}
	if _, err := a.WriteBatch(ctx, []store.Msg{{Stream: "s", Seq: 2, Events: []event.Event{old}}}); err != nil {
		t.Fatalf("WriteBatch into a day another node dropped: %v", err)
	}
	if n, err := a.CountEvents(ctx, time.Time{}, retainNow); err != nil || n != 1 {
		t.Errorf("CountEvents = %d, %v; want 1", n, err)
	}
}
