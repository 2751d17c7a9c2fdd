package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHostileBodies sends bodies built to hurt a JSON decoder. Each gets a
// precise 4xx; a good event sent alongside a bad one is still queued; and
// the server stays healthy throughout.
func TestHostileBodies(t *testing.T) {
	s := startServer(t)
	ingest := s.key("plugin", "ingest")
	read := s.key("reader", "read")
	now := time.Now().UTC().Format(time.RFC3339)
	good := fmt.Sprintf(`{"time":%q,"eventType":"delivered","messageId":"<good@x>"}`, now)
	ev := func(extra string) string {
		return fmt.Sprintf(`{"time":%q,"eventType":"delivered"%s}`, now, extra)
	}
	nulls := "[" + strings.TrimSuffix(strings.Repeat("null,", 10000), ",") + "]"
	cases := []struct {
		name   string
		body   string
		status int
		code   string // error code, or "" for a 202 with rejected events
		detail string // a word the answer must contain
	}{
		{"deep array", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), 400, "invalid_body", "depth"},
		// Nesting beyond encoding/json's 10,000 levels fails the whole body:
		// it cannot be split into events without parsing that deep.
		{"deep object in an event", "[" + ev(`,"x":`+strings.Repeat(`{"a":`, 20000)+"1"+strings.Repeat("}", 20000)) + "]", 400, "invalid_body", "depth"},
		{"nested object in an event", "[" + ev(`,"x":`+strings.Repeat(`{"a":`, 500)+"1"+strings.Repeat("}", 500)) + "]", 202, "", ""},
		{"huge exponent", "[" + ev(`,"deliveryTimeMs":1e999`) + "]", 400, "no_valid_events", "deliveryTimeMs"},
		{"10,000 digits", "[" + ev(`,"messageSize":`+strings.Repeat("9", 10000)) + "]", 400, "no_valid_events", "messageSize"},
		{"invalid UTF-8", "[" + ev(`,"statusMessage":"caf`+"\xe9\xff"+`"`) + "]", 400, "no_valid_events", "UTF-8"},
		{"10,000 nulls", nulls, 400, "no_valid_events", "JSON object"},
		{"duplicate keys", `[{"time":"` + now + `","eventType":"delivered","eventType":"bounced"}]`, 400, "no_valid_events", "more than once"},
		{"wrong types", `[{"time":true,"eventType":5,"statusCode":"abc","spamScore":[]}]`, 400, "no_valid_events", "eventType"},
		{"not JSON", "\x00\x01\x02garbage", 400, "invalid_body", "JSON"},
		{"empty", "", 400, "invalid_body", ""},
		{"unterminated", `[{"time":"` + now, 400, "invalid_body", ""},
		{"good beside bad", "[" + good + `,{"eventType":"delivered","eventType":"x"},` + ev(`,"deliveryTimeMs":-5`) + "]", 202, "", "more than once"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := post(t, s.url("/api/v1/events/ingest"), ingest, []byte(c.body))
			if status != c.status || !strings.Contains(string(body), c.detail) {
				t.Fatalf("%d %.300s; want %d mentioning %q", status, body, c.status, c.detail)
			}
			var ans struct {
				Error            struct{ Code, Message string } `json:"error"`
				Queued, Rejected int
			}
			if err := json.Unmarshal(body, &ans); err != nil {
				t.Fatalf("answer is not JSON: %v: %.300s", err, body)
			}
			if c.code != "" && ans.Error.Code != c.code {
				t.Fatalf("code %q, want %q: %.300s", ans.Error.Code, c.code, body)
			}
			if c.name == "good beside bad" && (ans.Queued != 1 || ans.Rejected != 2) {
				t.Fatalf("queued %d rejected %d, want 1 and 2", ans.Queued, ans.Rejected)
			}
			if st, _, _ := get(t, s.url("/healthz"), ""); st != 200 {
				t.Fatalf("healthz %d after %s", st, c.name)
			}
		})
	}
	// Only the good event of the mixed body and the merely nested one
	// (an unknown field, ignored) were stored.
	var page struct {
		Events []struct{ MessageID string } `json:"events"`
	}
	eventually(t, 10*time.Second, "the two accepted events", func() bool {
		getJSON(t, s.url("/api/v1/email/events?range=1h"), read, &page)
		return len(page.Events) == 2
	})
	if ids := []string{page.Events[0].MessageID, page.Events[1].MessageID}; ids[0] != "<good@x>" && ids[1] != "<good@x>" {
		t.Fatalf("stored %v", ids)
	}
}

// TestHostileConnections: headers too large, and a client that sends its
// headers a byte at a time. Both are cut off, and others are served meanwhile.
func TestHostileConnections(t *testing.T) {
	s := startServer(t)

	req, _ := http.NewRequest("GET", s.url("/healthz"), nil)
	req.Header.Set("X-Junk", strings.Repeat("a", 100<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("100 KB header: %d, want 431", resp.StatusCode)
	}

	// Slowloris: one header byte every 500 ms, never finishing. The server
	// must hang up after its 10 s header timeout.
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		line := "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 1000)
		for i := 0; i < len(line); i++ {
			if _, err := conn.Write([]byte{line[i]}); err != nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	go func() {
		_, _ = bufio.NewReader(conn).ReadString('\n') // returns when the server hangs up
		closed <- time.Since(start)
	}()
	for i := 0; i < 5; i++ {
		if st, _, _ := get(t, s.url("/healthz"), ""); st != 200 {
			t.Fatalf("healthz %d while a slow client holds a connection", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	select {
	case d := <-closed:
		if d < 9*time.Second {
			t.Fatalf("slow connection closed after %v, before the header timeout", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server still holds a connection that has sent headers for 20 s")
	}
}
