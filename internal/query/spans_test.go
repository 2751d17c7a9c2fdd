package query

import (
	"reflect"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/storetest/gen"
)

func TestSplitSpans(t *testing.T) {
	at := func(s string) time.Time { return mustTime(t, s) }
	cases := []struct {
		res      time.Duration
		from, to string
		want     []span
	}{
		// Ragged hours at 5m, whole hours at 1h, whole days at 1d.
		{5 * time.Minute, "2024-05-08T22:35:00Z", "2024-05-10T01:10:00Z", []span{
			{5 * time.Minute, at("2024-05-08T22:35:00Z"), at("2024-05-08T23:00:00Z")},
			{time.Hour, at("2024-05-08T23:00:00Z"), at("2024-05-09T00:00:00Z")},
			{24 * time.Hour, at("2024-05-09T00:00:00Z"), at("2024-05-10T00:00:00Z")},
			{time.Hour, at("2024-05-10T00:00:00Z"), at("2024-05-10T01:00:00Z")},
			{5 * time.Minute, at("2024-05-10T01:00:00Z"), at("2024-05-10T01:10:00Z")},
		}},
		// Nothing coarser fits whole: one span.
		{time.Hour, "2024-05-09T03:00:00Z", "2024-05-09T20:00:00Z", []span{
			{time.Hour, at("2024-05-09T03:00:00Z"), at("2024-05-09T20:00:00Z")},
		}},
		// Aligned on both ends: all coarse.
		{time.Hour, "2024-05-09T00:00:00Z", "2024-05-11T00:00:00Z", []span{
			{24 * time.Hour, at("2024-05-09T00:00:00Z"), at("2024-05-11T00:00:00Z")},
		}},
		{24 * time.Hour, "2024-05-01T00:00:00Z", "2024-05-11T00:00:00Z", []span{
			{24 * time.Hour, at("2024-05-01T00:00:00Z"), at("2024-05-11T00:00:00Z")},
		}},
	}
	for _, c := range cases {
		if got := splitSpans(c.res, at(c.from), at(c.to)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitSpans(%s, %s, %s) = %v, want %v", c.res, c.from, c.to, got, c.want)
		}
	}
}

// TestSplitSumsEqualFineSums reads the same sums at the query's resolution
// alone and split over coarser spans, over ranges with ragged ends.
func TestSplitSumsEqualFineSums(t *testing.T) {
	f := newFixture(t)
	evs := gen.Events(5, 6000, mustTime(t, "2024-05-06T21:13:00Z"), 4*24*time.Hour)
	f.write(evs...)
	ranges := [][2]string{
		{"2024-05-06T21:15:00Z", "2024-05-10T08:40:00Z"},
		{"2024-05-07T00:00:00Z", "2024-05-09T00:00:00Z"},
		{"2024-05-07T05:00:00Z", "2024-05-07T09:00:00Z"},
	}
	for _, r := range ranges {
		from, to := mustTime(t, r[0]), mustTime(t, r[1])
		for _, res := range rollup.Resolutions {
			if from.Truncate(res) != from || to.Truncate(res) != to {
				continue
			}
			for _, dim := range []string{rollup.DimTotal, rollup.DimToDomain, rollup.DimResponse} {
				q := store.RollupQuery{Res: res, From: from, To: to, Dim: dim, Direction: event.Outbound}
				want, err := f.db.Rollups(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				got, err := f.svc.rollups(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				if len(want) == 0 || !reflect.DeepEqual(got, want) {
					t.Errorf("%s..%s at %s by %q: split gives %d rows, fine %d (equal: %v)", r[0], r[1], res, dim, len(got), len(want), reflect.DeepEqual(got, want))
				}
			}
			hq := store.HistQuery{Res: res, From: from, To: to, Dim: rollup.DimTotal, Metric: rollup.MetricDeliveryTime, EventTypes: delivered}
			rows, err := f.db.Histograms(t.Context(), hq)
			if err != nil {
				t.Fatal(err)
			}
			want := store.Bins(rows)
			got, err := f.svc.histogram(t.Context(), hq)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 || !reflect.DeepEqual(got, want) {
				t.Errorf("%s..%s at %s: split histogram %v, fine %v", r[0], r[1], res, got, want)
			}
		}
	}
}
