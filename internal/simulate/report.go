package simulate

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Report is what a run did, counted in events unless said otherwise.
type Report struct {
	// Seed is the seed the run used, so that a run with Seed 0 (random) can
	// be repeated.
	Seed int64
	// Sent is the number of events generated and posted at least once.
	Sent int64
	// Queued and Rejected are the server's counts from its 202 answers.
	Queued   int64
	Rejected int64
	// Failed counts the events of requests refused for good (400, 401,
	// 413, …): they are not retried.
	Failed int64
	// Unconfirmed counts events posted but never answered for good because
	// the run was stopped while their request was still being retried.
	Unconfirmed int64
	// Requests counts HTTP requests, retries included; Retries counts the
	// requests that repeated an earlier one.
	Requests int64
	Retries  int64
	// Elapsed is the wall time of the run; EventsPerSec is Queued/Elapsed.
	Elapsed      time.Duration
	EventsPerSec float64
	// Latency percentiles of the round trip of accepted requests.
	LatencyP50, LatencyP90, LatencyP99, LatencyMax time.Duration
	// Errors holds the first few error messages from the server.
	Errors []string
}

// String renders the report as a short aligned summary for a terminal.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sent         %d events in %d requests (%d retries), seed %d\n", r.Sent, r.Requests, r.Retries, r.Seed)
	fmt.Fprintf(&b, "queued       %d (%.0f events/s)\n", r.Queued, r.EventsPerSec)
	fmt.Fprintf(&b, "rejected     %d\n", r.Rejected)
	fmt.Fprintf(&b, "failed       %d\n", r.Failed)
	if r.Unconfirmed > 0 {
		fmt.Fprintf(&b, "unconfirmed  %d (run stopped before the server accepted them)\n", r.Unconfirmed)
	}
	fmt.Fprintf(&b, "elapsed      %s\n", r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "latency      p50 %s  p90 %s  p99 %s  max %s\n",
		roundLatency(r.LatencyP50), roundLatency(r.LatencyP90), roundLatency(r.LatencyP99), roundLatency(r.LatencyMax))
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "error        %s\n", e)
	}
	return b.String()
}

func roundLatency(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// latencyHist is a log-scale histogram of durations: a few kilobytes per
// worker whatever the run's length, 16 buckets per doubling (4% resolution).
// Keeping every sample would cost hundreds of megabytes on a long run.
type latencyHist struct {
	counts [latencyBuckets]int64
	n      int64
	max    time.Duration
}

const (
	bucketsPerDoubling = 16
	latencyBuckets     = 40 * bucketsPerDoubling // 1 µs to beyond an hour
)

func (h *latencyHist) add(d time.Duration) {
	h.n++
	h.max = max(h.max, d)
	h.counts[latencyBucket(d)]++
}

func latencyBucket(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us <= 1 {
		return 0
	}
	return min(int(math.Log2(us)*bucketsPerDoubling), latencyBuckets-1)
}

func (h *latencyHist) merge(o *latencyHist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the upper edge of the bucket holding quantile q, never
// more than the largest sample seen.
func (h *latencyHist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			upper := math.Exp2(float64(i+1)/bucketsPerDoubling) * float64(time.Microsecond)
			return min(time.Duration(upper), h.max)
		}
	}
	return h.max
}
