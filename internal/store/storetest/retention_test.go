package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

// retainNow is noon, and the test's ages are whole days and an hour, so
// every event lies half a day away from the cuts: PostgreSQL's whole-day
// retention then removes exactly what SQLite's row-by-row retention does.
var retainNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestRetain(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		r, ok := s.(store.Retainer)
		if !ok {
			t.Fatalf("%T does not implement store.Retainer", s)
		}
		var evs []event.Event
		for _, age := range []time.Duration{time.Hour, 10 * 24 * time.Hour, 40 * 24 * time.Hour, 500 * 24 * time.Hour} {
			evs = append(evs, event.Event{Time: retainNow.Add(-age), EventType: event.Delivered, Direction: event.Outbound})
		}
		if _, err := s.WriteBatch(ctx, []store.Msg{{Stream: "s", Seq: 1, Events: evs}}); err != nil {
			t.Fatal(err)
		}
		policy := store.Retention{Events: 30 * 24 * time.Hour, Rollup5m: 35 * 24 * time.Hour, Rollup1h: 400 * 24 * time.Hour}
		rm, err := r.Retain(ctx, retainNow, policy)
		if err != nil {
			t.Fatal(err)
		}
		// Raw: the 40-day and 500-day events go. 5m rollups: the same two
		// buckets, 7 count rows each (total, node, from and to domain,
		// sending IP, MX host, provider); 1h: the 500-day one; 1d: kept.
		if rm.Events != 2 || rm.RollupRows != 21 {
			t.Errorf("removed %+v, want 2 events and 21 rollup rows", rm)
		}
		if n, err := s.CountEvents(ctx, time.Time{}, retainNow); err != nil || n != 2 {
			t.Errorf("%d events left (%v), want 2", n, err)
		}
		// A range the raw rows no longer cover is still answered by the daily rollups.
		rows, err := s.Rollups(ctx, store.RollupQuery{Res: 24 * time.Hour, Dim: rollup.DimTotal,
			From: retainNow.Add(-600 * 24 * time.Hour), To: retainNow})
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, row := range rows {
			total += row.Count
		}
		if total != 4 {
			t.Errorf("daily rollups count %d events, want 4", total)
		}
		// Again: nothing more to remove. Zero durations keep everything.
		if rm, err := r.Retain(ctx, retainNow, policy); err != nil || rm != (store.Removed{}) {
			t.Errorf("second Retain = %+v, %v; want nothing removed", rm, err)
		}
		if rm, err := r.Retain(ctx, retainNow.Add(1000*24*time.Hour), store.Retention{}); err != nil || rm != (store.Removed{}) {
			t.Errorf("Retain with zero durations = %+v, %v; want nothing removed", rm, err)
		}
	})
}
