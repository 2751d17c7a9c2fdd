package live

import (
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
)

// MinInterval is the shortest time between two pushes to a client.
const MinInterval = 250 * time.Millisecond

// Hub fans counter deltas out to SSE clients. Each client accumulates what
// it has not been sent yet, so a slow client costs neither the hub nor other
// clients anything, and loses no counts: it just gets larger deltas.
type Hub struct {
	mu      sync.Mutex
	clients map[*client]struct{}
	log     *slog.Logger
	gauge   prometheus.Gauge
	done    chan struct{} // closed by Close: streams end
	once    sync.Once
}

// NewHub returns an empty hub.
func NewHub(log *slog.Logger, reg prometheus.Registerer) *Hub {
	h := &Hub{clients: map[*client]struct{}{}, log: log, done: make(chan struct{})}
	h.gauge = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "tinomail", Subsystem: "live", Name: "clients",
		Help: "Connected live-stream clients.",
	})
	if reg != nil {
		reg.MustRegister(h.gauge)
	}
	return h
}

// Publish sends a delta to every hub on the NATS connection, this one included.
func Publish(nc *nats.Conn, subject string, d Delta) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return nc.Publish(subject, b)
}

// Subscribe feeds the hub from subject.
func (h *Hub) Subscribe(nc *nats.Conn, subject string) (*nats.Subscription, error) {
	return nc.Subscribe(subject, func(m *nats.Msg) {
		var d Delta
		if err := json.Unmarshal(m.Data, &d); err != nil {
			h.log.Warn("live: bad delta", "err", err)
			return
		}
		h.Add(d)
	})
}

// Add hands a delta to every client.
func (h *Hub) Add(d Delta) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		c.add(d)
	}
}

type client struct {
	mu      sync.Mutex
	pending Delta
	wake    chan struct{} // capacity 1: "there is something pending"
}

func (c *client) add(d Delta) {
	c.mu.Lock()
	c.pending.Merge(d)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take returns and clears what is pending.
func (c *client) take() Delta {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.pending
	c.pending = Delta{}
	return d
}

func (h *Hub) join() *client {
	c := &client{pending: Delta{}, wake: make(chan struct{}, 1)}
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	h.gauge.Inc()
	return c
}

func (h *Hub) leave(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	h.gauge.Dec()
}

// Close ends every stream, so that server shutdown need not wait for them.
func (h *Hub) Close() { h.once.Do(func() { close(h.done) }) }
