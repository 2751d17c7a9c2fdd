package e2e

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// loader posts batches of events with unique message ids from several
// workers and remembers which ids the server accepted (202).
type loader struct {
	url, key string
	pause    time.Duration // between one worker's requests
	mu       sync.Mutex
	accepted map[string]bool
	failed   atomic.Int64
	stop     chan struct{}
	haltOnce sync.Once
	wg       sync.WaitGroup
}

func startLoader(url, key string, workers, batch int) *loader {
	return startNamedLoader("", url, key, workers, batch)
}

// startNamedLoader is startLoader with a prefix that keeps the ids of
// several loaders apart.
func startNamedLoader(prefix, url, key string, workers, batch int) *loader {
	return startPacedLoader(prefix, url, key, workers, batch, 0)
}

// startPacedLoader is startNamedLoader with a pause between the requests of
// each worker, for a steady rate rather than the most the server takes.
func startPacedLoader(prefix, url, key string, workers, batch int, pause time.Duration) *loader {
	l := &loader{url: url, key: key, pause: pause, accepted: map[string]bool{}, stop: make(chan struct{})}
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < workers; w++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := 0; ; n++ {
				select {
				case <-l.stop:
					return
				case <-time.After(l.pause):
				}
				ids := make([]string, batch)
				var body bytes.Buffer
				body.WriteByte('[')
				for i := range ids {
					ids[i] = fmt.Sprintf("%sw%d-%d-%d", prefix, w, n, i)
					if i > 0 {
						body.WriteByte(',')
					}
					typ := "delivered"
					if i%10 == 0 {
						typ = "bounced"
					}
					fmt.Fprintf(&body, `{"time":%q,"eventType":%q,"messageId":%q,"toAddress":"x@gmail.com","deliveryTimeMs":%d}`,
						time.Now().UTC().Format(time.RFC3339Nano), typ, ids[i], i*10)
				}
				body.WriteByte(']')
				req, _ := http.NewRequest("POST", l.url, &body)
				req.Header.Set("x-api-key", l.key)
				resp, err := client.Do(req)
				if err != nil {
					l.failed.Add(1)
					time.Sleep(20 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 202 {
					l.failed.Add(1)
					continue
				}
				l.mu.Lock()
				for _, id := range ids {
					l.accepted[id] = true
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func (l *loader) halt() {
	l.haltOnce.Do(func() { close(l.stop) })
	l.wg.Wait()
}

// TestKill9ExactlyOnce kills the server with SIGKILL twice under load and
// checks that every accepted event is stored exactly once, and that the
// rollups, written in the same transactions, agree with the raw rows.
func TestKill9ExactlyOnce(t *testing.T) {
	s := startServer(t, "--batch-size", "300", "--batch-wait", "20ms")
	key := s.key("load", "ingest")
	l := startLoader(s.url("/api/v1/events/ingest"), key, 4, 50)
	for round := 0; round < 2; round++ {
		time.Sleep(1500 * time.Millisecond)
		s.kill()
		time.Sleep(200 * time.Millisecond)
		s.start()
	}
	time.Sleep(time.Second)
	l.halt()
	// Messages the killed server held come back after the ack wait (15s).
	eventually(t, 60*time.Second, "the queue to drain", func() bool {
		_, _, body := get(t, s.url("/metrics"), "")
		return regexp.MustCompile(`(?m)^tinomail_queue_messages 0$`).Match(body)
	})
	s.stop()

	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.dataDir, "tinomail.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT message_id, count(*) FROM email_events GROUP BY message_id")
	if err != nil {
		t.Fatal(err)
	}
	stored, total := countRows(t, rows)
	rows.Close()
	var dups []string
	for id, n := range stored {
		if n > 1 {
			dups = append(dups, id)
		}
	}
	var missing []string
	for id := range l.accepted {
		if stored[id] != 1 {
			missing = append(missing, id)
		}
	}
	t.Logf("accepted %d events, stored %d, %d requests failed during the kills", len(l.accepted), total, l.failed.Load())
	if len(l.accepted) < 1000 {
		t.Fatalf("only %d events accepted: the load did not run", len(l.accepted))
	}
	if len(dups) > 0 || len(missing) > 0 {
		t.Fatalf("%d duplicated (e.g. %v), %d accepted but missing (e.g. %v)", len(dups), head(dups), len(missing), head(missing))
	}
	var rolled int
	if err := db.QueryRow("SELECT sum(count) FROM rollup_counts WHERE res = 300 AND dim = ''").Scan(&rolled); err != nil {
		t.Fatal(err)
	}
	if rolled != total {
		t.Fatalf("5m rollups count %d events, raw table %d", rolled, total)
	}
	if strings.Contains(s.log.String(), "level=ERROR") {
		t.Fatalf("errors in the server log:\n%s", s.log)
	}
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

// countRows reads (message_id, count) rows into a map and their total.
func countRows(t *testing.T, rows interface {
	Next() bool
	Scan(...any) error
}) (map[string]int, int) {
	t.Helper()
	stored, total := map[string]int{}, 0
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		stored[id] = n
		total += n
	}
	return stored, total
}
