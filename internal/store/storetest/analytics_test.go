package storetest

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/storetest/gen"
)

// TestAnalyticsDimensions: on every backend, the spam score bins of inbound
// mail (negative scores included) match a count by hand, and the response
// dimension holds one value per reason, not one per recipient.
func TestAnalyticsDimensions(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		events := gen.Events(12, 2500, t0, 20*time.Hour)
		writeAll(t, s, "s", events)
		t.Run("spam score", func(t *testing.T) { checkSpamScores(t, s, events) })
		t.Run("response", func(t *testing.T) { checkResponses(t, s, events) })
	})
}

func checkSpamScores(t *testing.T, s store.Store, events []event.Event) {
	bins := map[int]int64{}
	for _, e := range events {
		if e.Direction == event.Inbound && e.SpamScore != nil {
			bins[rollup.SpamBin(*e.SpamScore)]++
		}
	}
	var want []rollup.BinCount
	for b, n := range bins {
		want = append(want, rollup.BinCount{Bin: b, Count: n})
	}
	slices.SortFunc(want, func(a, b rollup.BinCount) int { return a.Bin - b.Bin })
	for _, res := range rollup.Resolutions {
		rows, err := s.Histograms(context.Background(), store.HistQuery{Res: res, From: t0.Add(-48 * time.Hour), To: t0.Add(48 * time.Hour),
			Dim: rollup.DimTotal, Metric: rollup.MetricSpamScore, Direction: event.Inbound})
		if err != nil {
			t.Fatal(err)
		}
		if got := store.Bins(rows); want[0].Bin >= 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v\nwant %v", res, got, want)
		}
	}
}

func checkResponses(t *testing.T, s store.Store, events []event.Event) {
	rows, err := s.Rollups(context.Background(), store.RollupQuery{Res: 24 * time.Hour, From: t0.Add(-48 * time.Hour),
		To: t0.Add(48 * time.Hour), Dim: rollup.DimResponse})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]int64{}
	var total, failures int64
	for _, r := range rows {
		values[r.Value] += r.Count
		total += r.Count
	}
	for _, e := range events {
		if e.EventType.Urgent() {
			failures++
		}
	}
	// gen's four reply texts and its bounce message, whoever they were for.
	if len(values) != 5 || total != failures {
		t.Errorf("%d values over %d failures (want 5 over %d): %v", len(values), total, failures, values)
	}
	for v := range values {
		if strings.Contains(v, "@") || strings.Contains(v, "192.0.2.") {
			t.Errorf("an address survived normalization: %q", v)
		}
	}
}
