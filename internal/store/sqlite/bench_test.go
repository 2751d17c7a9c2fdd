package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkWriteBatch writes batches of one-event messages, as the pipeline
// does, with event times advancing like live traffic (a few thousand events
// a minute over 50 recipient domains), so rollup rows are mostly updated
// rather than created.
func BenchmarkWriteBatch(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			s, _ := openTest(b)
			ctx := context.Background()
			const pool = 64 // distinct batches, generated up front
			seq := uint64(1)
			evs := genEvents(9, pool*n, t0, time.Duration(pool*n)*20*time.Millisecond)
			for i := 0; b.Loop(); i++ {
				k := i % pool
				msgs := toMsgs("bench", seq, evs[k*n:(k+1)*n], 1)
				seq += uint64(n)
				if _, err := s.WriteBatch(ctx, msgs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
