package queue

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tinomail/tinomail/internal/event"
)

// maxChunk bounds the payload of one queue message, below the 1 MB default
// max_payload of an external NATS server.
const maxChunk = 512 << 10

// Publish puts events in the stream and returns only once JetStream has
// acknowledged every message holding them: after that, they survive a crash.
// Failures go in their own subject so the writer can take them first.
//
// Each message carries the hash of its payload as Nats-Msg-Id, so a client
// retrying the same body within the stream's duplicate window (2 minutes)
// does not store its events twice.
func (q *Queue) Publish(ctx context.Context, events []event.Event) error {
	return q.PublishFrom(ctx, 0, events)
}

// HeaderAPIKey carries the id of the API key that sent a message's events,
// so the writer can count them per key (see /api/v1/sources).
const HeaderAPIKey = "Tinomail-Api-Key"

// PublishFrom is Publish for events sent with API key keyID (0: unknown).
func (q *Queue) PublishFrom(ctx context.Context, keyID int64, events []event.Event) error {
	var urgent, normal []event.Event
	for _, e := range events {
		if e.EventType.Urgent() {
			urgent = append(urgent, e)
		} else {
			normal = append(normal, e)
		}
	}
	var futures []jetstream.PubAckFuture
	for _, g := range []struct {
		subject string
		events  []event.Event
	}{{SubjectUrgent, urgent}, {SubjectNormal, normal}} {
		for _, c := range encodeChunks(g.events) {
			sum := sha256.Sum256(c)
			msg := &natsMsg{Subject: g.subject, Data: c}
			if keyID > 0 {
				msg.header().Set(HeaderAPIKey, strconv.FormatInt(keyID, 10))
			}
			f, err := q.js.PublishMsgAsync(msg.toNats(), jetstream.WithMsgID(hex.EncodeToString(sum[:16])))
			if err != nil {
				// e.g. the async window is full of unanswered publishes
				return q.failed(classify(err))
			}
			futures = append(futures, f)
		}
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return q.failed(classify(err))
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%w: %v", ErrUnavailable, ctx.Err()) // the client left
			}
			return q.failed(fmt.Errorf("%w: no ack within the publish timeout", ErrUnavailable))
		}
	}
	q.health.acked()
	return nil
}

// classify maps a publish error to ErrFull or ErrUnavailable.
func classify(err error) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		d := strings.ToLower(apiErr.Description)
		if strings.Contains(d, "maximum") || strings.Contains(d, "insufficient resources") {
			return fmt.Errorf("%w: %s", ErrFull, apiErr.Description)
		}
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

// encodeChunks encodes events in messages of at most maxChunk bytes each
// (a single event larger than that still gets a message of its own).
func encodeChunks(events []event.Event) [][]byte {
	if len(events) == 0 {
		return nil
	}
	var chunks [][]byte
	var body []byte
	n := 0
	flush := func() {
		head := binary.AppendUvarint([]byte{codecVersion}, uint64(n))
		chunks = append(chunks, append(head, body...))
		body, n = body[:0], 0
	}
	for i := range events {
		before := len(body)
		body = appendEvent(body, &events[i])
		if n > 0 && len(body) > maxChunk {
			last := append([]byte(nil), body[before:]...)
			body = body[:before]
			flush()
			body = append(body, last...)
		}
		n++
	}
	flush()
	return chunks
}

// Decode returns the events of one queue message.
func Decode(data []byte) ([]event.Event, error) {
	events, err := decodeEvents(data)
	if err != nil {
		return nil, fmt.Errorf("queue: decode message of %d bytes: %w", len(data), err)
	}
	return events, nil
}

// failed counts a publish that the queue could not take for want of
// service (not because it is full) and logs it, at most every 10 s: a
// refusal of ingest the operator must see.
func (q *Queue) failed(err error) error {
	if !errors.Is(err, ErrUnavailable) {
		return err
	}
	q.health.stalled()
	if now := time.Now().UnixNano(); now-q.health.lastLog.Load() > int64(10*time.Second) {
		q.health.lastLog.Store(now)
		q.cfg.Log.Warn("queue: publish failed; ingest answers 503", "err", err)
	}
	return err
}

// PublishRaw publishes a payload as is; tests use it to inject a message the
// writer cannot decode.
func (q *Queue) PublishRaw(ctx context.Context, subject string, data []byte) error {
	if _, err := q.js.Publish(ctx, subject, data); err != nil {
		return classify(err)
	}
	return nil
}

// DeadLetter stores a message the writer gave up on, with the reason, where an
// operator can inspect and replay it.
func (q *Queue) DeadLetter(ctx context.Context, m jetstream.Msg, reason string) error {
	md, _ := m.Metadata()
	msg := &natsMsg{Subject: SubjectDead, Data: m.Data()}
	h := msg.header()
	h.Set("Tinomail-Error", reason)
	h.Set("Tinomail-Original-Subject", m.Subject())
	if md != nil {
		h.Set("Tinomail-Stream-Seq", fmt.Sprint(md.Sequence.Stream))
	}
	if _, err := q.js.PublishMsg(ctx, msg.toNats()); err != nil {
		return fmt.Errorf("queue: dead-letter: %w", err)
	}
	return nil
}
