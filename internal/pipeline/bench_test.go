package pipeline

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/simulate"
)

// BenchmarkPipeline measures the batch writer alone: a backlog of realistic
// events (the simulator's mix) is put in the queue, then drained into SQLite.
func BenchmarkPipeline(b *testing.B) {
	for _, size := range []int{500, 2000, 5000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			const total = 100000
			gen := simulate.NewGenerator(simulate.GenConfig{}, 1)
			now := time.Now()
			evs := make([]event.Event, total)
			for i := range evs {
				evs[i] = gen.Event(now.Add(time.Duration(i-total) * time.Millisecond))
				event.Normalize(&evs[i])
			}
			var written float64
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				f := newFixture(b)
				ctx := context.Background()
				for j := 0; j < total; j += 100 {
					if err := f.q.PublishFrom(ctx, 1, evs[j:j+100]); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				start := time.Now()
				stop := f.run(b, Config{BatchSize: size, BatchWait: 50 * time.Millisecond})
				for counterValue(b, f.reg, "tinomail_writer_events_written_total") < total {
					time.Sleep(5 * time.Millisecond)
				}
				elapsed += time.Since(start)
				written += total
				b.StopTimer()
				stop()
				f.q.Close()
				f.st.Close()
			}
			b.ReportMetric(written/elapsed.Seconds(), "events/s")
		})
	}
}
