package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
)

const testKey = "test-key"

// fakeIngest is an ingest endpoint that validates what it gets with the real
// decoder and counts the events it keeps. answer decides the fate of the
// n-th request (from 1); nil accepts everything.
type fakeIngest struct {
	t        *testing.T
	answer   func(n int64) (status int, retryAfter string)
	requests atomic.Int64
	kept     atomic.Int64
	mu       sync.Mutex
	ids      map[string]int
	times    []time.Time
}

func newFakeIngest(t *testing.T, answer func(int64) (int, string)) (*fakeIngest, *httptest.Server) {
	f := &fakeIngest{t: t, answer: answer, ids: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeIngest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != IngestPath || r.Header.Get("x-api-key") != testKey ||
		r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("unexpected request %s %s key=%q type=%q", r.Method, r.URL.Path, r.Header.Get("x-api-key"), r.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client gave up
	}
	d, err := event.DecodeBody(body, 0, time.Now())
	if err != nil || len(d.Errors) > 0 {
		f.t.Errorf("invalid body: %v %v", err, d.Errors)
	}
	n := f.requests.Add(1)
	status, retryAfter := http.StatusAccepted, ""
	if f.answer != nil {
		status, retryAfter = f.answer(n)
	}
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	if status != http.StatusAccepted {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"code":"test_%d","message":"refused by the test"}}`, status)
		return
	}
	f.mu.Lock()
	for _, e := range d.Events {
		if e.MessageID != "" {
			f.ids[e.MessageID]++
		}
		f.times = append(f.times, e.Time)
	}
	f.mu.Unlock()
	f.kept.Add(int64(len(d.Events)))
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"queued":%d,"rejected":0,"errors":[]}`, len(d.Events))
}

func (f *fakeIngest) duplicates() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	dup := 0
	for _, c := range f.ids {
		dup += c - 1
	}
	return dup
}

func run(t *testing.T, cfg Config) Report {
	t.Helper()
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func TestRunRetriesBusyServerWithoutLoss(t *testing.T) {
	f, srv := newFakeIngest(t, func(n int64) (int, string) {
		switch {
		case n <= 2:
			return http.StatusServiceUnavailable, "0"
		case n == 3:
			return http.StatusTooManyRequests, "1"
		}
		return http.StatusAccepted, ""
	})
	start := time.Now()
	rep := run(t, Config{URL: srv.URL + "/", APIKey: testKey, Count: 1000, Batch: 100, Seed: 1})
	if rep.Queued != 1000 || f.kept.Load() != 1000 || rep.Sent != 1000 {
		t.Errorf("queued %d, server kept %d, sent %d; want 1000 each", rep.Queued, f.kept.Load(), rep.Sent)
	}
	if rep.Retries != 3 || rep.Requests != 13 || rep.Failed != 0 || rep.Unconfirmed != 0 {
		t.Errorf("report %+v: want 3 retries in 13 requests, nothing failed", rep)
	}
	if d := f.duplicates(); d != 0 {
		t.Errorf("%d message-ids arrived twice", d)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("run took %v: Retry-After not honoured", el)
	}
	if rep.LatencyP50 <= 0 || rep.LatencyMax < rep.LatencyP99 || rep.LatencyP99 < rep.LatencyP50 {
		t.Errorf("latencies p50 %v p99 %v max %v", rep.LatencyP50, rep.LatencyP99, rep.LatencyMax)
	}
}

func TestRunRetriesNetworkErrors(t *testing.T) {
	var drops atomic.Int64
	f, srv := newFakeIngest(t, nil)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if drops.Add(1) <= 2 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		f.ServeHTTP(w, r)
	})
	rep := run(t, Config{URL: srv.URL, APIKey: testKey, Count: 500, Concurrency: 1, Seed: 2})
	if rep.Queued != 500 || f.kept.Load() != 500 || rep.Retries != 2 {
		t.Errorf("queued %d, kept %d, retries %d; want 500, 500, 2", rep.Queued, f.kept.Load(), rep.Retries)
	}
}

func TestRunCountsBadRequestsAsFailed(t *testing.T) {
	f, srv := newFakeIngest(t, func(int64) (int, string) { return http.StatusBadRequest, "" })
	rep := run(t, Config{URL: srv.URL, APIKey: testKey, Count: 300, Batch: 100, Seed: 3})
	if rep.Failed != 300 || rep.Queued != 0 || rep.Retries != 0 || f.requests.Load() != 3 {
		t.Errorf("report %+v, server saw %d requests: want 300 failed in 3 requests, no retry", rep, f.requests.Load())
	}
	if len(rep.Errors) == 0 || !strings.Contains(rep.Errors[0], "400 Bad Request: test_400: refused by the test") {
		t.Errorf("errors %q: want the server's message", rep.Errors)
	}
}

func TestRunStopsWhenUnauthorized(t *testing.T) {
	_, srv := newFakeIngest(t, func(int64) (int, string) { return http.StatusUnauthorized, "" })
	rep, err := Run(t.Context(), Config{URL: srv.URL, APIKey: testKey, Count: 100_000, Concurrency: 2})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("err = %v, want ErrRefused", err)
	}
	if rep.Requests > 2 || rep.Failed != rep.Sent {
		t.Errorf("report %+v: want the run stopped at once", rep)
	}
}

func TestRunCountsRejectedEvents(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"queued":9,"rejected":1,"errors":[{"index":4,"field":"time","message":"is required"}]}`)
	}))
	defer srv.Close()
	rep := run(t, Config{URL: srv.URL, Count: 50, Batch: 10, Concurrency: 1})
	if rep.Queued != 45 || rep.Rejected != 5 || rep.Unconfirmed != 0 {
		t.Errorf("queued %d rejected %d unconfirmed %d; want 45, 5, 0", rep.Queued, rep.Rejected, rep.Unconfirmed)
	}
	if len(rep.Errors) != maxErrors || rep.Errors[0] != "rejected event 4: time: is required" {
		t.Errorf("errors %q", rep.Errors)
	}
}

func TestRunHoldsTheRate(t *testing.T) {
	f, srv := newFakeIngest(t, nil)
	// 200/s in batches of 10: the first batch goes at once, the other 90
	// events take 450 ms.
	rep := run(t, Config{URL: srv.URL, APIKey: testKey, Rate: 200, Count: 100})
	if rep.Queued != 100 || f.requests.Load() != 10 {
		t.Errorf("queued %d in %d requests; want 100 in 10", rep.Queued, f.requests.Load())
	}
	if rep.Elapsed < 400*time.Millisecond || rep.Elapsed > 900*time.Millisecond {
		t.Errorf("100 events at 200/s took %v, want about 450ms", rep.Elapsed)
	}
}

func TestRunStopsAfterDuration(t *testing.T) {
	f, srv := newFakeIngest(t, nil)
	rep := run(t, Config{URL: srv.URL, APIKey: testKey, Rate: 1000, Duration: 300 * time.Millisecond})
	if rep.Elapsed < 250*time.Millisecond || rep.Elapsed > time.Second {
		t.Errorf("elapsed %v, want about 300ms", rep.Elapsed)
	}
	if rep.Queued < 200 || rep.Queued > 400 || rep.Queued != f.kept.Load() || rep.Unconfirmed != 0 {
		t.Errorf("queued %d, kept %d, unconfirmed %d; want about 300 and all confirmed", rep.Queued, f.kept.Load(), rep.Unconfirmed)
	}
}

func TestRunUntilCancelled(t *testing.T) {
	f, srv := newFakeIngest(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	rep, err := Run(ctx, Config{URL: srv.URL, APIKey: testKey, Rate: 500})
	if err != nil || rep.Queued == 0 || rep.Queued != f.kept.Load() {
		t.Errorf("err %v, queued %d, kept %d", err, rep.Queued, f.kept.Load())
	}
}

func TestRunBackfill(t *testing.T) {
	f, srv := newFakeIngest(t, nil)
	before := time.Now()
	rep := run(t, Config{URL: srv.URL, APIKey: testKey, Backfill: 24 * time.Hour, Rate: 0.05, Seed: 4})
	// 0.05/s over a day is 4320 events.
	if rep.Queued != 4320 || f.kept.Load() != 4320 || f.duplicates() != 0 {
		t.Fatalf("queued %d, kept %d, duplicates %d; want 4320, 4320, 0", rep.Queued, f.kept.Load(), f.duplicates())
	}
	var lastHour int
	for _, at := range f.times {
		if at.Before(before.Add(-24*time.Hour-time.Second)) || at.After(time.Now()) {
			t.Fatalf("event at %v outside the backfill window", at)
		}
		if at.After(before.Add(-time.Hour)) {
			lastHour++
		}
	}
	// Any hour holds between 0.3/24 and 1.6/24 of a day's events.
	if lastHour < 4320*0.25/24 || lastHour > 4320*1.7/24 {
		t.Errorf("%d events in the last hour", lastHour)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{{URL: ""}, {URL: "localhost:8080"}, {URL: "ftp://x"}, {URL: "http://x", Rate: -1}} {
		if _, err := Run(t.Context(), cfg); err == nil {
			t.Errorf("Run(%+v): want an error", cfg)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", time.Second},
		{"junk", time.Second},
		{"2", 2 * time.Second},
		{" 3 ", 3 * time.Second},
		{"0", retryAfterMin},
		{"120", retryAfterMax},
		{now.Add(4 * time.Second).Format(http.TimeFormat), 4 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), retryAfterMin},
	}
	for _, tt := range tests {
		if got := retryDelay(tt.header, now); got != tt.want {
			t.Errorf("retryDelay(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

// BenchmarkRun measures the runner end to end against a server that does
// nothing but count, in events per second.
func BenchmarkRun(b *testing.B) {
	var kept atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := bytes.Count(body, []byte(`{"time"`))
		kept.Add(int64(n))
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(map[string]int{"queued": n})
	}))
	defer srv.Close()
	var rep Report
	for b.Loop() {
		var err error
		rep, err = Run(b.Context(), Config{URL: srv.URL, Count: 200_000, Batch: 500})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(rep.EventsPerSec, "events/s")
}
