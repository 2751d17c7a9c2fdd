package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/storetest/gen"
)

// TestBackendsAnswerAlike writes the same messages, redeliveries included,
// into both stores and requires identical Rollups and Histogram answers for
// every resolution and dimension: the query API must not be able to tell
// the backends apart.
// selectiveDims are the dimensions that the third, filtered query of
// TestBackendsAnswerAlike may leave empty: its values are those of other
// dimensions, and the inbound verdicts have no outbound rows.
var selectiveDims = map[string]bool{rollup.DimBounceCategory: true, rollup.DimBounceType: true, rollup.DimMXHost: true,
	rollup.DimResponse: true, rollup.DimSpamAction: true, rollup.DimSPF: true, rollup.DimDKIM: true, rollup.DimDMARC: true}

func TestBackendsAnswerAlike(t *testing.T) {
	ctx := context.Background()
	lite, pg := SQLite(t).Store, Postgres(t).Store
	events := gen.Events(11, 5000, t0, 40*time.Hour)
	msgs := gen.Msgs("s", 1, events, 2)
	for _, s := range []store.Store{lite, pg} {
		for i := 0; i < len(msgs); i += 400 {
			// Each batch repeats the previous one's last 50 messages.
			batch := msgs[max(i-50, 0):min(i+400, len(msgs))]
			if _, err := s.WriteBatch(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A range that cuts buckets at both ends and has sub-second edges.
	from, to := t0.Add(3*time.Hour+500*time.Millisecond), t0.Add(30*time.Hour+1)
	for _, res := range rollup.Resolutions {
		for _, dim := range rollup.Dims {
			queries := []store.RollupQuery{
				{Res: res, From: from, To: to, Dim: dim, ByBucket: true},
				{Res: res, From: time.Time{}, To: t0.Add(100 * time.Hour), Dim: dim},
				{Res: res, From: from, To: to, Dim: dim, Direction: event.Outbound,
					EventTypes: []event.Type{event.Delivered, event.Bounced}, Values: []string{"", "to1.test", "from1.test", "mta-2", "192.0.2.3", "spam", "other"}},
			}
			for i, q := range queries {
				t.Run(fmt.Sprintf("rollups/%s/%q/%d", res, dim, i), func(t *testing.T) {
					a, errA := lite.Rollups(ctx, q)
					b, errB := pg.Rollups(ctx, q)
					if errA != nil || errB != nil {
						t.Fatalf("sqlite: %v, postgres: %v", errA, errB)
					}
					if len(a) == 0 && !(i == 2 && selectiveDims[dim]) {
						t.Error("query selects nothing")
					}
					if !reflect.DeepEqual(a, b) {
						t.Errorf("sqlite returned %d rows, postgres %d; they differ", len(a), len(b))
					}
				})
			}
			for _, metric := range []string{rollup.MetricDeliveryTime, rollup.MetricMessageSize, rollup.MetricSpamScore} {
				t.Run(fmt.Sprintf("histogram/%s/%q/%s", res, dim, metric), func(t *testing.T) {
					for _, q := range []store.HistQuery{
						{Res: res, From: from, To: to, Dim: dim, Value: "to1.test", Metric: metric},
						{Res: res, From: from, To: to, Dim: dim, Metric: metric, Direction: event.Inbound},
						{Res: res, From: from, To: to, Dim: dim, Metric: metric, EventTypes: []event.Type{event.Delivered}},
					} {
						a, errA := lite.Histograms(ctx, q)
						b, errB := pg.Histograms(ctx, q)
						if errA != nil || errB != nil {
							t.Fatalf("sqlite: %v, postgres: %v", errA, errB)
						}
						if len(a) == 0 && dim == rollup.DimTotal {
							t.Errorf("%+v selects nothing", q)
						}
						if !reflect.DeepEqual(a, b) {
							t.Errorf("%+v: sqlite %v\npostgres %v", q, a, b)
						}
					}
				})
			}
		}
	}
	for _, s := range []store.Store{lite, pg} {
		if _, err := s.Histograms(ctx, store.HistQuery{Res: time.Minute, Metric: rollup.MetricDeliveryTime}); err == nil {
			t.Errorf("%T: Histogram accepted a resolution that is not kept", s)
		}
	}
}
