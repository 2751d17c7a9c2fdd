package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/simulate"
)

// TestQueueFullClientRetries gives the server a 1 MB queue and sends faster
// than the writer drains it: ingest answers 503 with Retry-After, the
// simulator retries, and every event is stored once.
func TestQueueFullClientRetries(t *testing.T) {
	s := startServer(t, "--queue-max-bytes", "1MB", "--rate-limit", "0")
	key := s.key("load", "ingest")
	const n = 40000
	rep, err := simulate.Run(context.Background(), simulate.Config{URL: "http://" + s.addr, APIKey: key,
		Count: n, Batch: 1000, Concurrency: 8, Seed: 3})
	if err != nil || rep.Queued != n || rep.Failed != 0 {
		t.Fatalf("run: %v, %+v", err, rep)
	}
	if rep.Retries == 0 {
		t.Fatal("the queue never filled: no 503 was retried")
	}
	eventually(t, 60*time.Second, "every event stored", func() bool {
		return metric(t, s, "tinomail_writer_events_written_total") >= n
	})
	time.Sleep(200 * time.Millisecond)
	if got := metric(t, s, "tinomail_writer_events_written_total"); got != n {
		t.Fatalf("stored %v events, want %d", got, n)
	}
	t.Logf("%d requests, %d retried after 503", rep.Requests, rep.Retries)
}

// TestStuckLiveClient keeps a live-stream connection that never reads while
// events flow: ingestion and another live client carry on unaffected.
func TestStuckLiveClient(t *testing.T) {
	s := startServer(t, "--rate-limit", "0")
	ingestKey := s.key("load", "ingest")
	readKey := s.key("wall", "read")

	// The stuck client: sends its request, then never reads a byte.
	stuck, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	if tc, ok := stuck.(*net.TCPConn); ok {
		tc.SetReadBuffer(4096)
	}
	fmt.Fprintf(stuck, "GET /api/v1/live HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", readKey)

	req, _ := http.NewRequest("GET", s.url("/api/v1/live"), nil)
	req.Header.Set("Authorization", "Bearer "+readKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	frames := make(chan struct{}, 1000)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: counters") {
				frames <- struct{}{}
			}
		}
	}()

	rep, err := simulate.Run(context.Background(), simulate.Config{URL: "http://" + s.addr, APIKey: ingestKey,
		Rate: 20000, Duration: 4 * time.Second, Batch: 200, Concurrency: 4, Seed: 4})
	if err != nil || rep.Failed != 0 {
		t.Fatalf("run: %v %+v", err, rep)
	}
	// 4 s at most one frame per 250 ms: the healthy client must have had
	// at least half of the 16 possible frames.
	if n := len(frames); n < 8 {
		t.Fatalf("the healthy live client got %d frames in 4s", n)
	}
	if rep.EventsPerSec < 5000 {
		t.Fatalf("ingest slowed to %.0f events/s with a stuck live client", rep.EventsPerSec)
	}
}
