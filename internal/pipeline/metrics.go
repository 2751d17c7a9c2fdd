package pipeline

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	batchEvents   prometheus.Histogram
	writeSeconds  prometheus.Histogram
	eventsWritten prometheus.Counter
	duplicates    prometheus.Counter
	deadLettered  prometheus.Counter
	writeErrors   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		batchEvents: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "tinomail", Subsystem: "writer", Name: "batch_events",
			Help:    "Events per committed batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8),
		}),
		writeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "tinomail", Subsystem: "writer", Name: "write_seconds",
			Help:    "Time to write and commit one batch with its rollups.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		eventsWritten: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "tinomail", Subsystem: "writer", Name: "events_written_total",
			Help: "Events stored.",
		}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "tinomail", Subsystem: "writer", Name: "duplicate_messages_total",
			Help: "Redelivered queue messages skipped because they were already stored.",
		}),
		deadLettered: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "tinomail", Subsystem: "writer", Name: "dead_lettered_messages_total",
			Help: "Queue messages moved to the dead-letter stream.",
		}),
		writeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "tinomail", Subsystem: "writer", Name: "write_errors_total",
			Help: "Failed batch writes (each retried).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.batchEvents, m.writeSeconds, m.eventsWritten, m.duplicates, m.deadLettered, m.writeErrors)
	}
	return m
}
