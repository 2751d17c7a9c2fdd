package e2e

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestOperations checks health, readiness, metrics, unknown routes and the
// security headers.
func TestOperations(t *testing.T) {
	s := startServer(t)
	key := s.key("k", "ingest")
	if st, _, b := post(t, s.url("/api/v1/events/ingest"), key, []byte(evJSON(time.Now(), "bounced", ""))); st != 202 {
		t.Fatalf("ingest: %d %s", st, b)
	}
	for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"ready"`} {
		st, h, b := get(t, s.url(path), "")
		if st != 200 || !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s: %d %s", path, st, b)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: security headers missing: %v", path, h)
		}
	}
	eventually(t, 10*time.Second, "the event to be written", func() bool {
		return metric(t, s, "tinomail_writer_events_written_total") == 1
	})
	m := metrics(t, s)
	for name, want := range map[string]float64{
		"tinomail_ingest_events_accepted_total":        1,
		"tinomail_ingest_events_rejected_total":        0,
		"tinomail_queue_messages":                      0,
		"tinomail_queue_dead_letter_messages":          0,
		"tinomail_writer_dead_lettered_messages_total": 0,
		"tinomail_writer_batch_events_count":           1,
		"tinomail_writer_batch_events_sum":             1,
		"tinomail_writer_write_seconds_count":          1,
	} {
		if got, ok := m[name]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	st, _, b := get(t, s.url("/api/v1/nope"), "")
	if st != 404 || !strings.Contains(string(b), `"code":"not_found"`) {
		t.Errorf("unknown route: %d %s", st, b)
	}
	st, _, _ = get(t, s.url("/api/v1/events/ingest"), key)
	if st != 405 {
		t.Errorf("GET on the ingest route: %d, want 405", st)
	}
}
