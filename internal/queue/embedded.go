package queue

import (
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// jetStreamMaxMemory bounds memory-backed streams; ours are all on disk.
const jetStreamMaxMemory = 64 << 20

// startEmbedded runs a NATS server with JetStream inside this process. It
// listens on no port unless cfg.Listen asks for one: the server and the
// client talk over an in-process pipe, so it can never collide with a NATS
// server already running on the machine (4222).
func startEmbedded(cfg Config) (*server.Server, *nats.Conn, error) {
	opts := &server.Options{
		ServerName:         "tinomail",
		JetStream:          true,
		StoreDir:           cfg.StoreDir,
		NoSigs:             true,
		NoLog:              true,
		DontListen:         true,
		MaxPayload:         8 << 20,
		JetStreamMaxMemory: jetStreamMaxMemory,
	}
	if cfg.Listen != "" {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, nil, fmt.Errorf("queue: listen address %q: %w", cfg.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, nil, fmt.Errorf("queue: listen port %q: %w", port, err)
		}
		opts.DontListen, opts.Host, opts.Port = false, host, p
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("queue: embedded server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, nil, fmt.Errorf("queue: embedded server in %s did not start within 30s", cfg.StoreDir)
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("tinomail"))
	if err != nil {
		srv.Shutdown()
		return nil, nil, fmt.Errorf("queue: connect to embedded server: %w", err)
	}
	return srv, nc, nil
}

// keepJetStream restarts the embedded JetStream when it stopped taking
// messages. It shuts itself down when a write to its store fails in some
// paths, and in others a failed write (a full disk) leaves the stream
// refusing every later write until restarted, even once space is back.
// Nothing else would bring it back short of restarting the process; the
// streams and consumers come back from disk, and the writer's pulls resume.
// Meanwhile Ping fails, so /readyz tells load balancers to go elsewhere.
func (q *Queue) keepJetStream(done <-chan struct{}) {
	t := time.NewTicker(jetStreamCheck)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		enabled := q.srv.JetStreamEnabled()
		if enabled && !q.health.wedged(time.Now(), q.js.PublishAsyncPending()) {
			continue
		}
		if enabled {
			q.cfg.Log.Error("queue: the embedded JetStream has acknowledged no message for a while (was the data dir's disk full?); restarting it")
			if err := q.srv.ShutdownJetStream(); err != nil {
				q.cfg.Log.Error("queue: stop JetStream", "err", err)
				continue
			}
		} else {
			q.cfg.Log.Error("queue: the embedded JetStream shut itself down (is the data dir's disk full?); restarting it")
		}
		// MaxStore 0 sizes it from the free space now, as at start.
		err := q.srv.EnableJetStream(&server.JetStreamConfig{StoreDir: q.cfg.StoreDir, MaxMemory: jetStreamMaxMemory})
		if err != nil {
			q.cfg.Log.Error("queue: restart JetStream", "err", err)
			continue
		}
		q.health.acked() // a fresh start: judge it from now on
		q.cfg.Log.Info("queue: JetStream restarted")
	}
}

// jetStreamCheck is how often keepJetStream looks.
const jetStreamCheck = 2 * time.Second

// wedgedAfter is how long publishes may keep failing with no success in
// between before the embedded JetStream is restarted.
const wedgedAfter = 15 * time.Second

// publishHealth tells a JetStream that has stopped acknowledging from one
// that is merely full (which answers at once with an error of its own and
// does not count here) or briefly slow.
type publishHealth struct {
	lastAck atomic.Int64 // Unix nanoseconds
	stalls  atomic.Int64 // publishes that failed for want of service since lastAck
	lastLog atomic.Int64 // Unix nanoseconds of the last failure logged
}

func (h *publishHealth) acked() {
	h.lastAck.Store(time.Now().UnixNano())
	h.stalls.Store(0)
}

func (h *publishHealth) stalled() { h.stalls.Add(1) }

// wedged reports whether nothing has been acknowledged for wedgedAfter
// while publishes failed or still wait for their ack. Clients that give up
// before ingest's publish timeout leave no failure, only pending publishes.
func (h *publishHealth) wedged(now time.Time, pending int) bool {
	return (h.stalls.Load() >= 3 || pending > 0) && now.UnixNano()-h.lastAck.Load() > int64(wedgedAfter)
}
