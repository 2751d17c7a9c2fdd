package queue

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

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
		JetStreamMaxMemory: 64 << 20,
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
