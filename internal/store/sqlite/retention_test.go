package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

func TestRetain(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var evs []event.Event
	for _, age := range []time.Duration{1 * time.Hour, 10 * 24 * time.Hour, 40 * 24 * time.Hour, 500 * 24 * time.Hour} {
		evs = append(evs, event.Event{Time: now.Add(-age), EventType: event.Delivered, Direction: event.Outbound})
	}
	if _, err := s.WriteBatch(ctx, []store.Msg{{Stream: "s", Seq: 1, Events: evs}}); err != nil {
		t.Fatal(err)
	}
	rm, err := s.Retain(ctx, now, store.Retention{Events: 30 * 24 * time.Hour, Rollup5m: 35 * 24 * time.Hour, Rollup1h: 400 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// Raw: the 40-day and 500-day events go. 5m rollups: the same two
	// buckets, 5 count rows each (total, node, both domains, IP; no
	// histogram since no times or sizes). 1h: the 500-day one. 1d: kept.
	if rm.Events != 2 || rm.RollupRows != 15 {
		t.Fatalf("removed %+v, want 2 events and 15 rollup rows", rm)
	}
	if n, _ := s.CountEvents(ctx, time.Time{}, now); n != 2 {
		t.Fatalf("%d events left, want 2", n)
	}
	// A range the raw rows no longer cover is still answered by the daily rollups.
	rows, err := s.Rollups(ctx, store.RollupQuery{Res: 24 * time.Hour, Dim: rollup.DimTotal,
		From: now.Add(-600 * 24 * time.Hour), To: now})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, r := range rows {
		total += r.Count
	}
	if total != 4 {
		t.Fatalf("daily rollups count %d events, want 4", total)
	}
}
