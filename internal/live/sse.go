package live

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Heartbeat is how often an idle stream gets a comment line, so proxies and
// browsers keep it open and a dead client is noticed.
const Heartbeat = 15 * time.Second

// Frame is the data of one "counters" event.
type Frame struct {
	Time  time.Time `json:"time"`
	Delta Delta     `json:"delta"` // events stored since the previous frame
	Total int64     `json:"total"` // sum of Delta
}

// ServeHTTP streams "counters" events to one client until it goes away.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	c := h.join()
	defer h.leave(c)
	if _, err := fmt.Fprintf(w, "retry: 3000\nevent: hello\ndata: {\"time\":%q}\n\n", time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}
	heartbeat := time.NewTicker(Heartbeat)
	defer heartbeat.Stop()
	var last time.Time
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		case <-heartbeat.C:
			if !write(w, rc, []byte(": ping\n\n")) {
				return
			}
		case <-c.wake:
			if wait := MinInterval - time.Since(last); wait > 0 {
				select {
				case <-time.After(wait):
				case <-r.Context().Done():
					return
				}
			}
			d := c.take()
			if len(d) == 0 {
				continue
			}
			last = time.Now()
			b, _ := json.Marshal(Frame{Time: last.UTC(), Delta: d, Total: d.Total()})
			if !write(w, rc, fmt.Appendf(nil, "event: counters\ndata: %s\n\n", b)) {
				return
			}
		}
	}
}

// write sends one frame with a deadline, so a stuck client is dropped
// instead of holding its goroutine forever.
func write(w http.ResponseWriter, rc *http.ResponseController, b []byte) bool {
	_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := w.Write(b); err != nil {
		return false
	}
	return rc.Flush() == nil
}
