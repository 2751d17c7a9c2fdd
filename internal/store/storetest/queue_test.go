package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

func TestQueueSamples(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		at := func(d time.Duration) time.Time { return t0.Add(d) }
		samples := []store.QueueSample{
			{Node: "mta1", Time: at(10 * time.Second), Active: 10, Deferred: 4},
			{Node: "mta1", Time: at(70*time.Second + 250*time.Millisecond), Active: 20, Deferred: 2},
			{Node: "mta2", Time: at(30 * time.Second), Active: 7, Deferred: 100},
			{Node: "mta1", Time: at(5 * time.Minute), Active: 1, Deferred: 0}, // next bucket: starts are inclusive
			{Node: "mta2", Time: at(-time.Millisecond), Active: 99, Deferred: 99},
		}
		if err := s.AddQueueSamples(ctx, samples); err != nil {
			t.Fatal(err)
		}
		// The same node and millisecond again is ignored, not an error.
		if err := s.AddQueueSamples(ctx, []store.QueueSample{{Node: "mta1", Time: at(10 * time.Second), Active: 500}}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddQueueSamples(ctx, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.QueueTrend(ctx, store.QueueTrendQuery{From: t0, To: at(10 * time.Minute), Step: 5 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.QueueTrendPoint{
			{Bucket: t0, Node: "mta1", Samples: 2, ActiveSum: 30, DeferredSum: 6, ActiveMax: 20, DeferredMax: 4},
			{Bucket: t0, Node: "mta2", Samples: 1, ActiveSum: 7, DeferredSum: 100, ActiveMax: 7, DeferredMax: 100},
			{Bucket: at(5 * time.Minute), Node: "mta1", Samples: 1, ActiveSum: 1, ActiveMax: 1},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("trend\n got %+v\nwant %+v", got, want)
		}

		// One node; the end of the range is exclusive, to the millisecond.
		got, err = s.QueueTrend(ctx, store.QueueTrendQuery{From: t0, To: at(70*time.Second + 250*time.Millisecond),
			Step: time.Minute, Node: "mta1"})
		if err != nil {
			t.Fatal(err)
		}
		want = []store.QueueTrendPoint{{Bucket: t0, Node: "mta1", Samples: 1, ActiveSum: 10, DeferredSum: 4, ActiveMax: 10, DeferredMax: 4}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("trend of mta1\n got %+v\nwant %+v", got, want)
		}
		if _, err := s.QueueTrend(ctx, store.QueueTrendQuery{From: t0, To: at(time.Hour)}); err == nil {
			t.Error("a zero step was accepted")
		}

		// Retention keeps samples as long as the 5m rollups: a 6-minute
		// policy at t0+6m removes the sample before t0, a 5-minute one those
		// before t0+1m.
		rm, err := s.Retain(ctx, at(6*time.Minute), store.Retention{Rollup5m: 6 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if rm.QueueSamples != 1 {
			t.Errorf("retention removed %d queue samples, want 1", rm.QueueSamples)
		}
		rm, err = s.Retain(ctx, at(6*time.Minute), store.Retention{Rollup5m: 5 * time.Minute})
		if err != nil || rm.QueueSamples != 2 {
			t.Errorf("retention removed %d queue samples (%v), want 2", rm.QueueSamples, err)
		}
		got, err = s.QueueTrend(ctx, store.QueueTrendQuery{From: t0.Add(-time.Hour), To: at(time.Hour), Step: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		want = []store.QueueTrendPoint{{Bucket: t0, Node: "mta1", Samples: 2, ActiveSum: 21, DeferredSum: 2, ActiveMax: 20, DeferredMax: 2}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("after retention\n got %+v\nwant %+v", got, want)
		}
	})
}
