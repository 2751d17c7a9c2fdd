package benchload

import (
	"context"
	"fmt"
	"testing"

	"github.com/tinomail/tinomail/internal/store/storetest"
)

// BenchmarkLoad measures the bulk loader into a fresh SQLite store at
// several batch sizes: the choice of the default Batch.
func BenchmarkLoad(b *testing.B) {
	for _, batch := range []int{5000, 20000, 50000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			var ev, sec float64
			for i := 0; i < b.N; i++ {
				s := storetest.SQLite(b).Store
				st, err := Load(context.Background(), s, Config{Events: 200_000, Batch: batch, Seed: int64(i + 1)})
				if err != nil {
					b.Fatal(err)
				}
				ev += float64(st.Events)
				sec += st.Elapsed.Seconds()
			}
			b.ReportMetric(ev/sec, "events/s")
		})
	}
}
