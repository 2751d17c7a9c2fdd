package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/store/storetest"
	"github.com/tinomail/tinomail/internal/store/storetest/gen"
)

// BenchmarkWriteBatch is the sqlite store's benchmark on PostgreSQL: batches
// of one-event messages with live-like times (20 ms apart), so rollup rows
// are mostly updated rather than created.
func BenchmarkWriteBatch(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			s := storetest.Postgres(b).Store
			ctx := context.Background()
			const pool = 64 // distinct batches, generated up front
			seq := uint64(1)
			evs := gen.Events(9, pool*n, gen.T0, time.Duration(pool*n)*20*time.Millisecond)
			for i := 0; b.Loop(); i++ {
				k := i % pool
				msgs := gen.Msgs("bench", seq, evs[k*n:(k+1)*n], 1)
				seq += uint64(n)
				if _, err := s.WriteBatch(ctx, msgs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
