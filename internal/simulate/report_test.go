package simulate

import (
	"strings"
	"testing"
	"time"
)

func TestLatencyHistQuantiles(t *testing.T) {
	var h, other latencyHist
	for i := 1; i <= 900; i++ {
		h.add(time.Duration(i) * time.Millisecond / 100) // 10 µs … 9 ms
	}
	for i := 1; i <= 100; i++ {
		other.add(time.Duration(i) * 10 * time.Millisecond) // 10 ms … 1 s
	}
	h.merge(&other)
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 5 * time.Millisecond},
		{0.9, 9 * time.Millisecond},
		{0.99, 900 * time.Millisecond},
		{1, time.Second},
	}
	for _, tt := range tests {
		got := h.quantile(tt.q)
		// Buckets are 16 per doubling: the upper edge is at most 4.4% high.
		if got < tt.want || float64(got) > float64(tt.want)*1.045 {
			t.Errorf("quantile(%v) = %v, want %v (+4.4%%)", tt.q, got, tt.want)
		}
	}
	if h.max != time.Second || h.n != 1000 {
		t.Errorf("max %v n %d", h.max, h.n)
	}
	var empty latencyHist
	if empty.quantile(0.5) != 0 {
		t.Error("empty histogram should report 0")
	}
}

func TestReportString(t *testing.T) {
	r := Report{Seed: 7, Sent: 1000, Queued: 990, Rejected: 4, Failed: 6, Requests: 12, Retries: 2,
		Elapsed: 2 * time.Second, EventsPerSec: 495, LatencyP50: 1234567 * time.Nanosecond,
		LatencyP90: 3 * time.Millisecond, LatencyP99: 9 * time.Millisecond, LatencyMax: 1500 * time.Millisecond,
		Errors: []string{"400 Bad Request: bad"}}
	s := r.String()
	for _, want := range []string{
		"sent         1000 events in 12 requests (2 retries), seed 7\n",
		"queued       990 (495 events/s)\n",
		"failed       6\n",
		"latency      p50 1.23ms  p90 3ms  p99 9ms  max 1.5s\n",
		"error        400 Bad Request: bad\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "unconfirmed") {
		t.Errorf("unconfirmed line shown with nothing unconfirmed:\n%s", s)
	}
}
