package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/live"
)

// TestLiveStream connects to /api/v1/live, ingests events, and checks the
// counters frames add up to exactly what was sent.
func TestLiveStream(t *testing.T) {
	s := startServer(t)
	ingestKey := s.key("plugin", "ingest")
	readKey := s.key("wall", "read")

	if st, _, _ := get(t, s.url("/api/v1/live"), ""); st != 401 {
		t.Fatalf("live without a key: %d", st)
	}
	req, _ := http.NewRequest("GET", s.url("/api/v1/live"), nil)
	req.Header.Set("Authorization", "Bearer "+readKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("live: %d %s", resp.StatusCode, ct)
	}
	frames := make(chan live.Frame, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && name == "counters":
				var f live.Frame
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &f) == nil {
					frames <- f
				}
			}
		}
		close(frames)
	}()
	time.Sleep(100 * time.Millisecond) // let the stream register with the hub

	now := time.Now().UTC()
	var evs []string
	for i := 0; i < 12; i++ {
		evs = append(evs, evJSON(now, "delivered", ""))
	}
	for i := 0; i < 3; i++ {
		evs = append(evs, evJSON(now, "bounced", ""))
	}
	evs = append(evs, evJSON(now, "received", ""))
	sent := time.Now()
	if st, _, b := post(t, s.url("/api/v1/events/ingest"), ingestKey, []byte("["+strings.Join(evs, ",")+"]")); st != 202 {
		t.Fatalf("ingest: %d %s", st, b)
	}
	got := live.Delta{}
	timeout := time.After(5 * time.Second)
	for got.Total() < 16 {
		select {
		case f, ok := <-frames:
			if !ok {
				t.Fatal("stream closed")
			}
			got.Merge(f.Delta)
		case <-timeout:
			t.Fatalf("after 5s the stream showed %v", got)
		}
	}
	t.Logf("first counters within %v of the 202", time.Since(sent))
	if fmt.Sprint(got) != "map[inbound:map[received:1] outbound:map[bounced:3 delivered:12]]" {
		t.Fatalf("live counters = %v", got)
	}
}

// TestLiveStreamEndsOnRevocation: a wall screen's stream lasts for days, so
// its key is checked again while it is open; revoking it ends the stream.
func TestLiveStreamEndsOnRevocation(t *testing.T) {
	s := startServer(t)
	key := s.key("wall", "read")
	req, _ := http.NewRequest("GET", s.url("/api/v1/live"), nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("live: %v %v", resp, err)
	}
	defer resp.Body.Close()
	ended := make(chan time.Time, 1)
	go func() {
		_, _ = io.Copy(io.Discard, resp.Body)
		ended <- time.Now()
	}()
	time.Sleep(500 * time.Millisecond)
	s.cli("apikey", "revoke", "wall")
	revoked := time.Now()
	select {
	case at := <-ended:
		t.Logf("stream ended %v after the revocation", at.Sub(revoked).Round(100*time.Millisecond))
	case <-time.After(15 * time.Second):
		t.Fatal("the stream of a revoked key is still open 15 s later")
	}
}
