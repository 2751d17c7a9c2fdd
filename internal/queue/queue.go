// Package queue is the durable buffer between ingest and the batch writer:
// a JetStream stream, on an embedded NATS server by default or on an
// external NATS cluster. Events are published on two subjects so that
// failures (bounced, rejected, deferred) overtake the bulk when a backlog
// builds up.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Names of the streams, subjects and consumers. Several tinomail nodes on
// one NATS cluster share them: that is how they share the work.
const (
	StreamName     = "TINOMAIL_EVENTS"
	SubjectUrgent  = "tinomail.events.urgent"
	SubjectNormal  = "tinomail.events.normal"
	DeadStreamName = "TINOMAIL_DEAD"
	SubjectDead    = "tinomail.dead"
	ConsumerUrgent = "writer-urgent"
	ConsumerNormal = "writer-normal"
	// SubjectLive carries rollup deltas from the writers to every node's
	// live hub; plain NATS, since a missed live update is harmless.
	SubjectLive = "tinomail.live"
)

// DefaultAckWait is how long a message handed to a writer stays invisible to
// others before it is delivered again. After a crash, the messages the dead
// writer held come back after this long, so it is short; a writer that needs
// longer (the store is down) extends it with InProgress.
const DefaultAckWait = 15 * time.Second

// ErrFull is returned when the stream is at its limits: ingest answers 503
// and the client retries later. Nothing is ever dropped to make room.
var ErrFull = errors.New("queue full")

// ErrUnavailable is returned when the queue cannot be reached.
var ErrUnavailable = errors.New("queue unavailable")

// Config says which NATS to use and how much it may hold.
type Config struct {
	URL      string // external NATS; empty runs the embedded server
	StoreDir string // JetStream file store of the embedded server
	Listen   string // host:port where the embedded server accepts clients; empty: in-process only
	MaxBytes int64  // stream size limit: beyond it, publishes fail with ErrFull
	MaxMsgs  int64  // stream message limit, 0: none
	Replicas int    // stream replicas on an external cluster
	AckWait  time.Duration
	Log      *slog.Logger
}

// Queue is an open connection to the events stream.
type Queue struct {
	cfg      Config
	srv      *server.Server // nil when external
	nc       *nats.Conn
	js       jetstream.JetStream
	stream   jetstream.Stream
	dead     jetstream.Stream
	streamID string
	done     chan struct{} // closed by Close
	health   publishHealth
}

// Open starts the embedded server (or connects to cfg.URL), and creates or
// updates the streams and consumers.
func Open(ctx context.Context, cfg Config) (*Queue, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = DefaultAckWait
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	q := &Queue{cfg: cfg, done: make(chan struct{})}
	var err error
	if cfg.URL == "" {
		q.srv, q.nc, err = startEmbedded(cfg)
	} else {
		q.nc, err = nats.Connect(cfg.URL, nats.Name("tinomail"), nats.MaxReconnects(-1),
			nats.ReconnectWait(500*time.Millisecond))
		if err != nil {
			err = fmt.Errorf("queue: connect to %s: %w", cfg.URL, err)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := q.setup(ctx); err != nil {
		q.Close()
		return nil, err
	}
	if q.srv != nil {
		q.health.acked()
		go q.keepJetStream(q.done)
	}
	return q, nil
}

func (q *Queue) setup(ctx context.Context) error {
	// Acks that never come (a JetStream that stopped taking messages) must
	// not hold their slot of the async publish window for ever: once the
	// window is full every publish would fail at once, even after recovery.
	js, err := jetstream.New(q.nc, jetstream.WithPublishAsyncTimeout(publishAckTimeout))
	if err != nil {
		return fmt.Errorf("queue: jetstream: %w", err)
	}
	q.js = js
	q.stream, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "TinoMail events accepted by ingest, waiting for the batch writer",
		Subjects:    []string{SubjectUrgent, SubjectNormal},
		Retention:   jetstream.WorkQueuePolicy,
		Discard:     jetstream.DiscardNew,
		MaxBytes:    orUnlimited(q.cfg.MaxBytes),
		MaxMsgs:     orUnlimited(q.cfg.MaxMsgs),
		Storage:     jetstream.FileStorage,
		Replicas:    q.cfg.Replicas,
		Duplicates:  2 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("queue: stream %s: %w", StreamName, explainStorage(err))
	}
	// The stream's creation time tells this stream apart from an earlier one
	// of the same name whose sequence numbers started over.
	info := q.stream.CachedInfo()
	q.streamID = fmt.Sprintf("%s@%d", StreamName, info.Created.UnixNano())
	q.dead, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        DeadStreamName,
		Description: "TinoMail queue messages the writer could not store, with the error",
		Subjects:    []string{SubjectDead},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      30 * 24 * time.Hour,
		MaxBytes:    deadMaxBytes(q.cfg.MaxBytes),
		Storage:     jetstream.FileStorage,
		Replicas:    q.cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("queue: stream %s: %w", DeadStreamName, explainStorage(err))
	}
	for name, subject := range map[string]string{ConsumerUrgent: SubjectUrgent, ConsumerNormal: SubjectNormal} {
		_, err := q.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
			Durable:       name,
			FilterSubject: subject,
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       q.cfg.AckWait,
			MaxDeliver:    -1, // poison is handled by the writer, which dead-letters it
			MaxAckPending: 20000,
		})
		if err != nil {
			return fmt.Errorf("queue: consumer %s: %w", name, err)
		}
	}
	return nil
}

// deadMaxBytes sizes the dead-letter stream: a quarter of the queue, at most
// 256 MB. JetStream reserves a stream's whole size on disk up front, so a
// fixed size would keep the server from starting on a small volume.
func deadMaxBytes(queueMax int64) int64 {
	if queueMax <= 0 {
		return 256 << 20
	}
	return min(256<<20, max(1<<20, queueMax/4))
}

// jsErrInsufficientResources is JetStream's code for "insufficient storage
// resources available"; nats.go names no constant for it.
const jsErrInsufficientResources jetstream.ErrorCode = 10047

// explainStorage says what to do when JetStream cannot reserve a stream's
// size: its own message names no flag.
func explainStorage(err error) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jsErrInsufficientResources {
		return fmt.Errorf("%w (JetStream reserves the queue's size up front, and may use 75%% of the free space of the data dir's file system: free space or lower --queue-max-bytes)", err)
	}
	return err
}

// publishAckTimeout bounds the wait for one message's ack; ingest's own
// publish timeout (10 s) is shorter and answers the client first.
const publishAckTimeout = 30 * time.Second

func orUnlimited(n int64) int64 {
	if n <= 0 {
		return -1
	}
	return n
}

// StreamID identifies the events stream for exactly-once bookkeeping.
func (q *Queue) StreamID() string { return q.streamID }

// Conn is the NATS connection, for plain publish/subscribe (the live hub).
func (q *Queue) Conn() *nats.Conn { return q.nc }

// Depth returns the messages and bytes waiting in the events stream.
func (q *Queue) Depth(ctx context.Context) (msgs, bytes uint64, err error) {
	info, err := q.stream.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("queue: stream info: %w", err)
	}
	return info.State.Msgs, info.State.Bytes, nil
}

// FirstSeq returns the lowest sequence still in the events stream: no message
// below it can ever be delivered again.
func (q *Queue) FirstSeq(ctx context.Context) (uint64, error) {
	info, err := q.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("queue: stream info: %w", err)
	}
	return info.State.FirstSeq, nil
}

// DeadCount returns the number of messages in the dead-letter stream.
func (q *Queue) DeadCount(ctx context.Context) (uint64, error) {
	info, err := q.dead.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("queue: dead stream info: %w", err)
	}
	return info.State.Msgs, nil
}

// Ping checks that the queue answers.
func (q *Queue) Ping(ctx context.Context) error {
	if !q.nc.IsConnected() {
		return ErrUnavailable
	}
	if q.srv != nil && !q.srv.JetStreamEnabled() {
		return fmt.Errorf("%w: the embedded JetStream is shut down", ErrUnavailable)
	}
	if _, err := q.stream.Info(ctx); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// Close flushes and closes the connection and stops the embedded server.
func (q *Queue) Close() {
	select {
	case <-q.done:
	default:
		close(q.done)
	}
	if q.nc != nil {
		_ = q.nc.Drain()
		q.nc.Close()
	}
	if q.srv != nil {
		q.srv.Shutdown()
		q.srv.WaitForShutdown()
	}
}
