package retention

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/sqlite"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunDeletesAndLogs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	evs := []event.Event{
		{Time: now.Add(-40 * 24 * time.Hour), EventType: event.Delivered, Direction: event.Outbound},
		{Time: now.Add(-time.Hour), EventType: event.Delivered, Direction: event.Outbound},
	}
	if _, err := st.WriteBatch(ctx, []store.Msg{{Stream: "s", Seq: 1, Events: evs}}); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	go Run(ctx, st, store.Retention{Events: 30 * 24 * time.Hour}, 0, time.Hour, slog.New(slog.NewTextHandler(&logs, nil)))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "events_removed=1") {
		if time.Now().After(deadline) {
			t.Fatalf("no retention run logged: %q", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n, _ := st.CountEvents(ctx, time.Time{}, now); n != 1 {
		t.Fatalf("%d events left, want 1", n)
	}
}
