package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tinomail/tinomail/internal/event"
)

// Retry pacing: network errors back off exponentially; 429 and 503 wait as
// long as the server asks, within bounds, so that a misconfigured
// Retry-After neither stalls the run nor makes it hammer the server.
const (
	backoffMin    = 100 * time.Millisecond
	backoffMax    = 5 * time.Second
	retryAfterDef = time.Second
	retryAfterMin = 50 * time.Millisecond
	retryAfterMax = 5 * time.Second
	maxAnswerRead = 64 << 10
)

// worker generates, encodes and posts batches one at a time.
type worker struct {
	r    *runner
	gen  *Generator
	body []byte
	// open counts request bodies the HTTP transport has not closed yet: the
	// transport may still read one after Do returns, so until it is closed
	// the buffer must not be overwritten.
	open atomic.Int64
	hist latencyHist
}

func (r *runner) work(stopCtx, sendCtx context.Context, id int) {
	w := &worker{r: r, gen: newGenerator(r.cfg.Gen, r.seed, uint64(id))}
	defer func() {
		r.mu.Lock()
		r.hist.merge(&w.hist)
		r.mu.Unlock()
	}()
	for stopCtx.Err() == nil {
		first, n := r.claim()
		if n == 0 {
			return
		}
		if r.limiter != nil && r.limiter.WaitN(stopCtx, n) != nil {
			return
		}
		w.encode(first, n)
		r.sent.Add(int64(n))
		if !w.post(sendCtx, n) {
			return
		}
	}
}

// encode fills w.body with a JSON array of n fresh events.
func (w *worker) encode(first int64, n int) {
	if w.open.Load() > 0 {
		w.body = nil // still held by the transport: leave it to it
	}
	b := append(w.body[:0], '[')
	now := time.Now()
	for i := range n {
		t := now
		if w.r.plan != nil {
			t = w.r.plan.at(first+int64(i), w.gen.rng.Float64())
		}
		e := w.gen.Event(t)
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEvent(b, &e)
	}
	w.body = append(b, ']')
}

// post sends w.body until the server takes it or refuses it for good. It
// reports false when the worker should stop.
func (w *worker) post(ctx context.Context, n int) bool {
	r := w.r
	backoff := backoffMin
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			r.retries.Add(1)
		}
		r.requests.Add(1)
		began := time.Now()
		ans, err := w.send(ctx)
		var wait time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			return false // stopped: the events stay unconfirmed
		case err != nil:
			r.log.Debug("simulate: request failed, retrying", "err", err, "in", backoff)
			wait, backoff = jittered(backoff), min(2*backoff, backoffMax)
		case ans.status >= 200 && ans.status < 300:
			w.hist.add(time.Since(began))
			r.acknowledge(ans, n)
			return true
		case ans.status == http.StatusTooManyRequests || ans.status == http.StatusServiceUnavailable:
			wait = retryDelay(ans.retryAfter, time.Now())
			r.log.Debug("simulate: server busy, retrying", "status", ans.status, "in", wait)
		case ans.status >= 500:
			r.log.Debug("simulate: server error, retrying", "status", ans.status, "in", backoff)
			wait, backoff = jittered(backoff), min(2*backoff, backoffMax)
		case ans.status == http.StatusBadRequest || ans.status == http.StatusRequestEntityTooLarge:
			// The body is at fault, not the run: count it and carry on.
			r.failed.Add(int64(n))
			r.noteError(ans.describe())
			r.log.Warn("simulate: request refused", "status", ans.status, "error", ans.describe())
			return true
		default:
			r.failed.Add(int64(n))
			r.noteError(ans.describe())
			r.refuse(ans.describe())
			return false
		}
		if !sleep(ctx, wait) {
			return false
		}
	}
}

// answer is what the server said to one request.
type answer struct {
	status     int
	retryAfter string
	body       []byte
}

func (w *worker) send(ctx context.Context) (answer, error) {
	body := &trackedBody{Reader: bytes.NewReader(w.body), open: &w.open}
	w.open.Add(1)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.r.url, body)
	if err != nil {
		body.Close()
		return answer{}, fmt.Errorf("simulate: build request: %w", err)
	}
	req.ContentLength = int64(len(w.body))
	req.Header.Set("Content-Type", "application/json")
	if w.r.cfg.APIKey != "" {
		req.Header.Set("X-Api-Key", w.r.cfg.APIKey)
	}
	resp, err := w.r.client.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("simulate: post %d bytes: %w", len(w.body), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerRead))
	if err != nil {
		return answer{}, fmt.Errorf("simulate: read answer (status %d): %w", resp.StatusCode, err)
	}
	// Drain what is left so the connection can be reused.
	_, _ = io.Copy(io.Discard, resp.Body)
	return answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: data}, nil
}

// trackedBody is a request body that says when the transport is done with it.
type trackedBody struct {
	*bytes.Reader
	open   *atomic.Int64
	closed atomic.Bool
}

func (b *trackedBody) Close() error {
	if b.closed.CompareAndSwap(false, true) {
		b.open.Add(-1)
	}
	return nil
}

// acknowledge counts a 2xx answer. A 2xx means the server kept the events,
// so an answer it cannot parse counts them all as queued.
func (r *runner) acknowledge(ans answer, n int) {
	var ack struct {
		Queued   *int64             `json:"queued"`
		Rejected int64              `json:"rejected"`
		Errors   []event.FieldError `json:"errors"`
	}
	if err := json.Unmarshal(ans.body, &ack); err != nil || ack.Queued == nil {
		r.queued.Add(int64(n))
		return
	}
	r.queued.Add(*ack.Queued)
	r.rejected.Add(ack.Rejected)
	for _, fe := range ack.Errors[:min(len(ack.Errors), maxErrors)] {
		r.noteError("rejected " + fe.Error())
	}
}

// describe turns an error answer into one line: the status and the server's
// message from {"error":{"code":…,"message":…}}, or the start of the body.
func (a answer) describe() string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	msg := strings.TrimSpace(string(a.body))
	if json.Unmarshal(a.body, &e) == nil && e.Error.Message != "" {
		msg = e.Error.Message
		if e.Error.Code != "" {
			msg = e.Error.Code + ": " + msg
		}
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return strconv.Itoa(a.status) + " " + http.StatusText(a.status) + ": " + msg
}

// retryDelay reads Retry-After, in seconds or as an HTTP date.
func retryDelay(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	d := retryAfterDef
	if s, err := strconv.Atoi(h); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, retryAfterMin), retryAfterMax)
}

// jittered spreads retries by ±20% so that workers do not retry in lockstep.
func jittered(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
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
