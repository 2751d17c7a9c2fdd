package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/queue"
	"github.com/tinomail/tinomail/internal/store/sqlite"
)

// fixture is the ingest endpoint over a real SQLite key store and a real
// embedded JetStream queue, with no writer draining it.
type fixture struct {
	srv              *httptest.Server
	q                *queue.Queue
	ingestKey, readK string
}

func newFixture(t *testing.T, cfg Config, queueBytes int64) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	q, err := queue.Open(ctx, queue.Config{StoreDir: filepath.Join(dir, "js"), MaxBytes: queueBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	keys := auth.NewKeys(st)
	f := &fixture{q: q}
	if f.ingestKey, err = keys.Create(ctx, "plugin", []string{auth.ScopeIngest}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if f.readK, err = keys.Create(ctx, "reader", []string{auth.ScopeRead}, time.Now()); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(New(cfg, keys, q, slog.New(slog.NewTextHandler(io.Discard, nil)), nil))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) post(t *testing.T, body []byte, headers map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL, bytes.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("answer is not JSON: %s", b)
	}
	return resp, m
}

// seq makes every body unique: the queue deduplicates identical bodies.
var seq atomic.Int64

func events(n int) []byte {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf(`{"time":%q,"eventType":"delivered","messageId":"m%d"}`,
			time.Now().UTC().Format(time.RFC3339), seq.Add(1)))
	}
	return []byte("[" + strings.Join(parts, ",") + "]")
}

func errorCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestStatuses(t *testing.T) {
	f := newFixture(t, Config{MaxBodyBytes: 4096, MaxEvents: 5, RateLimit: 1000}, 0)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(events(2))
	zw.Close()
	var bomb bytes.Buffer
	zw = gzip.NewWriter(&bomb)
	zw.Write(bytes.Repeat([]byte(" "), 1<<20))
	zw.Close()
	key := func(k string) map[string]string { return map[string]string{"x-api-key": k} }
	cases := []struct {
		name    string
		body    []byte
		headers map[string]string
		status  int
		code    string
		queued  float64
	}{
		{"no key", events(1), nil, 401, "unauthorized", 0},
		{"unknown key", events(1), key("tm_nope"), 401, "unauthorized", 0},
		{"read key", events(1), key(f.readK), 403, "forbidden", 0},
		{"bearer", events(2), map[string]string{"Authorization": "Bearer " + f.ingestKey}, 202, "", 2},
		{"gzip", gz.Bytes(), map[string]string{"x-api-key": f.ingestKey, "Content-Encoding": "gzip"}, 202, "", 2},
		{"gzip bomb", bomb.Bytes(), map[string]string{"x-api-key": f.ingestKey, "Content-Encoding": "gzip"}, 413, "body_too_large", 0},
		{"bad gzip", []byte("not gzip"), map[string]string{"x-api-key": f.ingestKey, "Content-Encoding": "gzip"}, 400, "invalid_body", 0},
		{"brotli", events(1), map[string]string{"x-api-key": f.ingestKey, "Content-Encoding": "br"}, 415, "unsupported_encoding", 0},
		{"body too large", bytes.Repeat([]byte(" "), 5000), key(f.ingestKey), 413, "body_too_large", 0},
		{"too many events", events(6), key(f.ingestKey), 413, "too_many_events", 0},
		{"not json", []byte("hello"), key(f.ingestKey), 400, "invalid_body", 0},
		{"empty", nil, key(f.ingestKey), 400, "invalid_body", 0},
		{"none valid", []byte(`[{"eventType":"x"},{}]`), key(f.ingestKey), 400, "no_valid_events", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, m := f.post(t, c.body, c.headers)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, c.status, m)
			}
			if c.code != "" && errorCode(m) != c.code {
				t.Fatalf("code %q, want %q: %v", errorCode(m), c.code, m)
			}
			if c.status == 202 && m["queued"] != c.queued {
				t.Fatalf("queued %v, want %v", m["queued"], c.queued)
			}
		})
	}
	msgs, _, err := f.q.Depth(context.Background())
	if err != nil || msgs != 2 {
		t.Fatalf("queue holds %d messages (%v); want exactly the 2 accepted requests", msgs, err)
	}
}

func TestPartialBatchQueuesValidEvents(t *testing.T) {
	f := newFixture(t, Config{}, 0)
	body := []byte(`[{"time":"2026-11-26T10:00:00Z","eventType":"delivered"},{"time":"2026-11-26T10:00:00Z","eventType":"bounced","statusCode":5000},{"time":"2026-11-26T10:00:00Z","eventType":"bounced"}]`)
	resp, m := f.post(t, body, map[string]string{"x-api-key": f.ingestKey})
	if resp.StatusCode != 202 || m["queued"] != 2.0 || m["rejected"] != 1.0 {
		t.Fatalf("%d %v", resp.StatusCode, m)
	}
	errs := m["errors"].([]any)
	e0 := errs[0].(map[string]any)
	if len(errs) != 1 || e0["index"] != 1.0 || e0["field"] != "statusCode" {
		t.Fatalf("errors = %v", errs)
	}
	// One urgent message (the bounce) and one normal one.
	msgs, _, _ := f.q.Depth(context.Background())
	if msgs != 2 {
		t.Fatalf("queue messages = %d, want 2", msgs)
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, Config{RateLimit: 10, RateBurst: 10, MaxEvents: 10}, 0)
	h := map[string]string{"x-api-key": f.ingestKey}
	if resp, m := f.post(t, events(10), h); resp.StatusCode != 202 {
		t.Fatalf("first: %d %v", resp.StatusCode, m)
	}
	resp, m := f.post(t, events(10), h)
	if resp.StatusCode != 429 || errorCode(m) != "rate_limited" || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("second: %d %v Retry-After=%q", resp.StatusCode, m, resp.Header.Get("Retry-After"))
	}
}

func TestQueueFullAnswers503(t *testing.T) {
	f := newFixture(t, Config{MaxEvents: 10000, MaxBodyBytes: 10 << 20}, 1<<20)
	h := map[string]string{"x-api-key": f.ingestKey}
	accepted := 0
	for i := 0; i < 100; i++ {
		resp, m := f.post(t, events(2000), h)
		if resp.StatusCode == 202 {
			accepted += int(m["queued"].(float64))
			continue
		}
		if resp.StatusCode != 503 || errorCode(m) != "queue_full" || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("status %d %v Retry-After=%q", resp.StatusCode, m, resp.Header.Get("Retry-After"))
		}
		if accepted == 0 {
			t.Fatal("the queue was full from the start")
		}
		return
	}
	t.Fatal("the queue never filled")
}

// TestRetriedBodyIsStoredOnce sends the same body twice, as a client does
// when it did not see the first answer: the queue keeps one copy.
func TestRetriedBodyIsStoredOnce(t *testing.T) {
	f := newFixture(t, Config{}, 0)
	body := events(3)
	for i := 0; i < 2; i++ {
		if resp, m := f.post(t, body, map[string]string{"x-api-key": f.ingestKey}); resp.StatusCode != 202 || m["queued"] != 3.0 {
			t.Fatalf("%d %v", resp.StatusCode, m)
		}
	}
	if msgs, _, _ := f.q.Depth(context.Background()); msgs != 1 {
		t.Fatalf("queue messages = %d, want 1", msgs)
	}
}
