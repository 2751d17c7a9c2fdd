package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

type natsMsg nats.Msg

func (m *natsMsg) header() nats.Header {
	if m.Header == nil {
		m.Header = nats.Header{}
	}
	return m.Header
}

func (m *natsMsg) toNats() *nats.Msg { return (*nats.Msg)(m) }

// Subscription delivers the messages of both consumers on two channels, so
// the writer can always look at the urgent one first.
type Subscription struct {
	Urgent <-chan jetstream.Msg
	Normal <-chan jetstream.Msg
	// Lost is closed when a consumer stops delivering for good (it was
	// deleted, say) while the subscription was not stopped: the writer
	// must not go on as if idle.
	Lost     <-chan struct{}
	lost     chan struct{}
	lostOnce sync.Once
	stopped  atomic.Bool
	done     chan struct{}
	iters    []jetstream.MessagesContext
	chans    []chan jetstream.Msg
	pulling  sync.WaitGroup
}

// Subscribe starts pulling from both consumers. prefetch bounds how many
// messages each consumer holds in this process ahead of the writer: small,
// because a prefetched message's ack timer is already running.
func (q *Queue) Subscribe(ctx context.Context, prefetch int) (*Subscription, error) {
	s := &Subscription{lost: make(chan struct{}), done: make(chan struct{})}
	s.Lost = s.lost
	urgent, err := q.pull(ctx, ConsumerUrgent, prefetch, s)
	if err != nil {
		return nil, err
	}
	normal, err := q.pull(ctx, ConsumerNormal, prefetch, s)
	if err != nil {
		s.Stop()
		return nil, err
	}
	s.Urgent, s.Normal = urgent, normal
	return s, nil
}

func (q *Queue) pull(ctx context.Context, name string, prefetch int, s *Subscription) (<-chan jetstream.Msg, error) {
	cons, err := q.stream.Consumer(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("queue: consumer %s: %w", name, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(prefetch))
	if err != nil {
		return nil, fmt.Errorf("queue: pull from %s: %w", name, err)
	}
	s.iters = append(s.iters, it)
	// Buffered, so that messages wait in the channel rather than in the
	// goroutine: the writer's "urgent first" check then sees every urgent
	// message already fetched, not only the one the goroutine is holding.
	ch := make(chan jetstream.Msg, prefetch)
	s.chans = append(s.chans, ch)
	s.pulling.Add(1)
	go func() {
		defer s.pulling.Done()
		for {
			m, err := it.Next()
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				if !s.stopped.Load() && ctx.Err() == nil {
					q.cfg.Log.Error("queue: consumer stopped delivering", "consumer", name)
					s.lostOnce.Do(func() { close(s.lost) })
				}
				return
			}
			if err != nil {
				// Missed heartbeats and reconnects: the iterator recovers by itself.
				q.cfg.Log.Warn("queue: pull", "consumer", name, "err", err)
				time.Sleep(100 * time.Millisecond)
				continue
			}
			select {
			case <-s.done:
				release(m)
				continue
			default:
			}
			select {
			case ch <- m:
			case <-s.done:
				release(m)
			}
		}
	}()
	return ch, nil
}

// stopWait bounds how long Stop waits for the client's buffers to drain; a
// message not released by then is redelivered when its ack wait ends.
const stopWait = 5 * time.Second

// Stop ends pulling and gives back every message fetched but not handed out
// or still waiting in a channel: without that, a message the client had
// prefetched would only be redelivered after the ack wait, and a restarted
// node or its peers would sit idle while it waits. Messages already handed
// out can still be acknowledged. Stop must not run beside a reader of the
// channels.
func (s *Subscription) Stop() {
	if !s.stopped.CompareAndSwap(false, true) {
		return
	}
	close(s.done)
	for _, it := range s.iters {
		it.Drain()
	}
	drained := make(chan struct{})
	go func() { s.pulling.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(stopWait):
	}
	for _, ch := range s.chans {
		for len(ch) > 0 {
			release(<-ch)
		}
	}
}

// release hands a message back for immediate redelivery.
func release(m jetstream.Msg) {
	_ = m.Nak() // if this fails, the ack wait redelivers it
}
