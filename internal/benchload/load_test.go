package benchload

import (
	"context"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/storetest"
)

// TestLoad checks that every generated event lands in the window, as a raw
// row and in the total rollup, in both stores.
func TestLoad(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		end := time.Now().UTC().Truncate(time.Hour)
		var calls int
		// Three writers at once: batches land out of order, each once.
		st, err := Load(ctx, s, Config{Events: 12_345, Window: 48 * time.Hour, End: end, Batch: 1000, Seed: 7, Writers: 3,
			Progress: func(int64) { calls++ }})
		if err != nil {
			t.Fatal(err)
		}
		if st.Events != 12_345 || calls != 13 {
			t.Fatalf("stats %+v after %d batches, want 12345 events in 13", st, calls)
		}
		from := end.Add(-48 * time.Hour)
		n, err := s.CountEvents(ctx, from, end)
		if err != nil || n != 12_345 {
			t.Fatalf("raw rows in window: %d, %v; want 12345", n, err)
		}
		rows, err := s.Rollups(ctx, store.RollupQuery{Res: time.Hour, From: from, To: end, Dim: rollup.DimTotal})
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, r := range rows {
			total += r.Count
		}
		if total != 12_345 {
			t.Fatalf("hourly total rollup sums to %d, want 12345", total)
		}
		// A second load is new history, not a redelivery of the first.
		if st, err := Load(ctx, s, Config{Events: 100, Window: time.Hour, End: end, Seed: 8}); err != nil || st.Events != 100 {
			t.Fatalf("second load: %+v, %v", st, err)
		}
	})
}
