package queue

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
)

// TestStopReleasesPrefetched checks that messages a subscription fetched but
// never handed out come back at once to the next subscriber, not after the
// ack wait: a restarted node, or its peers, must not sit idle meanwhile.
func TestStopReleasesPrefetched(t *testing.T) {
	ctx := context.Background()
	q, err := Open(ctx, Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	const n = 20
	for i := 0; i < n; i++ {
		// Distinct bodies: identical ones would be deduplicated by Msg-Id.
		e := event.Event{Time: time.Unix(int64(1_700_000_000+i), 0).UTC(), EventType: event.Delivered,
			Direction: event.Outbound, MessageID: fmt.Sprintf("<%d@x>", i)}
		if err := q.Publish(ctx, []event.Event{e}); err != nil {
			t.Fatal(err)
		}
	}

	sub, err := q.Subscribe(ctx, 16)
	if err != nil {
		t.Fatal(err)
	}
	first := <-sub.Normal
	if err := first.Ack(); err != nil {
		t.Fatal(err)
	}
	// Let the client prefetch the rest before stopping.
	deadline := time.Now().Add(2 * time.Second)
	for len(sub.Normal) < cap(sub.Normal) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	sub.Stop()

	again, err := q.Subscribe(ctx, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Stop()
	seen := map[string]bool{}
	timeout := time.After(3 * time.Second) // far below the 15 s ack wait
	for len(seen) < n-1 {
		select {
		case m := <-again.Normal:
			evs, err := Decode(m.Data())
			if err != nil {
				t.Fatal(err)
			}
			seen[evs[0].MessageID] = true
			_ = m.Ack()
		case <-timeout:
			t.Fatalf("%d of %d messages redelivered within 3 s", len(seen), n-1)
		}
	}
}
