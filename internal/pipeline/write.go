package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
)

// write stores a batch, retrying with backoff while the store is down. When
// the store answers but refuses the batch, the messages are written one by
// one so that a poison message costs only itself.
func (w *Writer) write(ctx context.Context, batch []item) {
	for attempt := 0; ; attempt++ {
		err := w.commit(ctx, batch)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			w.cfg.Log.Warn("pipeline: batch left for redelivery at shutdown", "messages", len(batch), "err", err)
			for _, it := range batch {
				_ = it.msg.Nak() // redelivered at once, to a peer or after restart
			}
			return
		}
		w.m.writeErrors.Inc()
		// A store short of disk or I/O fails every message alike: wait for
		// it as for a store that is down, never blame the messages.
		storeUp := !errors.Is(err, store.ErrResources) && w.st.Ping(ctx) == nil
		w.cfg.Log.Warn("pipeline: write batch", "messages", len(batch), "attempt", attempt+1, "store_up", storeUp, "err", err)
		if storeUp && len(batch) > 1 {
			for _, it := range batch {
				w.write(ctx, []item{it})
			}
			return
		}
		if storeUp && attempt+1 >= w.cfg.MaxAttempts {
			w.deadLetter(ctx, batch[0], err)
			return
		}
		for _, it := range batch {
			_ = it.msg.InProgress() // keep the ack timer from expiring while we wait
		}
		if !sleep(ctx, backoff(attempt)) {
			return
		}
	}
}

// commit writes the batch in one transaction, then acknowledges it.
func (w *Writer) commit(ctx context.Context, batch []item) error {
	msgs := make([]store.Msg, len(batch))
	events := 0
	for i, it := range batch {
		msgs[i] = store.Msg{Stream: w.q.StreamID(), Seq: it.seq, ID: it.id, Events: it.events,
			KeyID: it.keyID, Received: it.stored}
		events += len(it.events)
	}
	start := time.Now()
	res, err := w.st.WriteBatch(ctx, msgs)
	if err != nil {
		return fmt.Errorf("pipeline: write %d messages: %w", len(batch), err)
	}
	w.m.writeSeconds.Observe(time.Since(start).Seconds())
	w.m.batchEvents.Observe(float64(events))
	w.m.eventsWritten.Add(float64(res.Events))
	w.m.duplicates.Add(float64(res.Duplicates))
	for _, it := range batch {
		// A lost ack only means a redelivery, which the store skips.
		_ = it.msg.Ack()
	}
	if w.notify != nil && res.Duplicates == 0 {
		all := make([]event.Event, 0, events)
		for _, it := range batch {
			all = append(all, it.events...)
		}
		w.notify(all)
	}
	return nil
}

// deadLetter moves a message the writer gave up on to the dead-letter stream,
// and acknowledges it only once it is safely there.
func (w *Writer) deadLetter(ctx context.Context, it item, cause error) {
	w.cfg.Log.Error("pipeline: message dead-lettered", "seq", it.seq, "subject", it.msg.Subject(),
		"bytes", len(it.msg.Data()), "err", cause)
	if err := w.q.DeadLetter(ctx, it.msg, cause.Error()); err != nil {
		w.cfg.Log.Error("pipeline: dead-letter failed; message left for redelivery", "seq", it.seq, "err", err)
		_ = it.msg.Nak()
		return
	}
	_ = it.msg.Ack()
	w.m.deadLettered.Inc()
}

func backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 6)
	return min(d, 5*time.Second)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
