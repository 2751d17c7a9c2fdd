package queue

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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
		chunks, err := encodeChunks(g.events)
		if err != nil {
			return err
		}
		for _, c := range chunks {
			sum := sha256.Sum256(c)
			f, err := q.js.PublishAsync(g.subject, c, jetstream.WithMsgID(hex.EncodeToString(sum[:16])))
			if err != nil {
				return classify(err)
			}
			futures = append(futures, f)
		}
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return classify(err)
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", ErrUnavailable, ctx.Err())
		}
	}
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

// encodeChunks encodes events as JSON arrays of at most maxChunk bytes each
// (a single event larger than that still gets a message of its own).
func encodeChunks(events []event.Event) ([][]byte, error) {
	if len(events) == 0 {
		return nil, nil
	}
	var chunks [][]byte
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range events {
		b, err := json.Marshal(&events[i])
		if err != nil {
			return nil, fmt.Errorf("queue: encode event: %w", err)
		}
		if buf.Len() > 1 && buf.Len()+len(b)+1 > maxChunk {
			buf.WriteByte(']')
			chunks = append(chunks, bytes.Clone(buf.Bytes()))
			buf.Reset()
			buf.WriteByte('[')
		}
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.Write(b)
	}
	buf.WriteByte(']')
	return append(chunks, bytes.Clone(buf.Bytes())), nil
}

// Decode returns the events of one queue message.
func Decode(data []byte) ([]event.Event, error) {
	var events []event.Event
	if err := json.Unmarshal(data, &events); err != nil {
		return nil, fmt.Errorf("queue: decode message of %d bytes: %w", len(data), err)
	}
	return events, nil
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
