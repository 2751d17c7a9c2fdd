package rollup_test

import (
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/simulate"
)

// BenchmarkBuild measures the Go half of the rollup cost: turning a batch of
// the simulator's events into rollup rows. rows/event is what the store then
// upserts, the other half.
func BenchmarkBuild(b *testing.B) {
	const n = 5000
	gen := simulate.NewGenerator(simulate.GenConfig{}, 1)
	now := time.Now()
	evs := make([]event.Event, n)
	for i := range evs {
		evs[i] = gen.Event(now.Add(time.Duration(i-n) * 20 * time.Millisecond))
		event.Normalize(&evs[i])
	}
	var rows, bins int
	b.ResetTimer()
	for b.Loop() {
		d := rollup.Build(evs)
		rows, bins = len(d.Counts), len(d.Hist)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
	b.ReportMetric(float64(rows)/n, "rows/event")
	b.ReportMetric(float64(bins)/n, "bins/event")
}
