package ingest

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	requests *prometheus.CounterVec
	accepted prometheus.Counter
	rejected prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "tinomail", Subsystem: "ingest", Name: "requests_total",
			Help: "Ingest requests by answer status.",
		}, []string{"status"}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "tinomail", Subsystem: "ingest", Name: "events_accepted_total",
			Help: "Events acknowledged by the queue and answered 202.",
		}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "tinomail", Subsystem: "ingest", Name: "events_rejected_total",
			Help: "Invalid events reported back to the client.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.accepted, m.rejected)
	}
	return m
}
