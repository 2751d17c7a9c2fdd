package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tinomail/tinomail/internal/live"
	"github.com/tinomail/tinomail/internal/store/storetest"
)

// TestTwoNodes runs two tinomail nodes on one PostgreSQL database and one
// NATS JetStream (node A's embedded server, which node B joins with
// --nats-url). Both ingest under load, node B is killed with SIGKILL and
// restarted, and at the end every accepted event is stored exactly once.
// A live client on node A sees events ingested on node B.
func TestTwoNodes(t *testing.T) {
	pgURL := storetest.PostgresURL(t)
	natsAddr := freeAddr(t)
	a := startServer(t, "--database-url", pgURL, "--nats-listen", natsAddr)
	b := startServer(t, "--database-url", pgURL, "--nats-url", "nats://"+natsAddr)
	key, _, code := run(t, nil, "apikey", "create", "--name", "cluster", "--scope", "ingest,read", "--database-url", pgURL)
	if code != 0 {
		t.Fatalf("apikey create: exit %d", code)
	}
	key = strings.TrimSpace(key)

	// Live on A, ingest on B.
	req, _ := http.NewRequest("GET", a.url("/api/v1/live"), nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	frames := make(chan live.Frame, 64)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			var f live.Frame
			if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok && json.Unmarshal([]byte(line), &f) == nil && f.Total > 0 {
				frames <- f
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	if st, _, body := post(t, b.url("/api/v1/events/ingest"), key, []byte(evJSON(time.Now(), "sent", ""))); st != 202 {
		t.Fatalf("ingest on B: %d %s", st, body)
	}
	select {
	case f := <-frames:
		if f.Delta["outbound"]["sent"] != 1 {
			t.Fatalf("live on A shows %v", f.Delta)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("live client on A saw nothing of B's event")
	}
	resp.Body.Close()

	la := startNamedLoader("a", a.url("/api/v1/events/ingest"), key, 2, 50)
	lb := startNamedLoader("b", b.url("/api/v1/events/ingest"), key, 2, 50)
	time.Sleep(2 * time.Second)
	if metric(t, b, "tinomail_writer_events_written_total") == 0 || metric(t, a, "tinomail_writer_events_written_total") == 0 {
		t.Fatal("the two writers do not share the work")
	}
	b.kill()
	time.Sleep(300 * time.Millisecond)
	b.start()
	time.Sleep(1500 * time.Millisecond)
	la.halt()
	lb.halt()
	eventually(t, 60*time.Second, "the shared queue to drain", func() bool {
		return metric(t, a, "tinomail_queue_messages") == 0
	})

	ctx := context.Background()
	db, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	rows, err := db.Query(ctx, "SELECT message_id, count(*) FROM email_events WHERE message_id <> '' GROUP BY message_id")
	if err != nil {
		t.Fatal(err)
	}
	stored, total := countRows(t, rows)
	rows.Close()
	accepted := map[string]bool{}
	for _, l := range []*loader{la, lb} {
		for id := range l.accepted {
			accepted[id] = true
		}
	}
	var dups, missing int
	for _, n := range stored {
		if n > 1 {
			dups++
		}
	}
	for id := range accepted {
		if stored[id] != 1 {
			missing++
		}
	}
	t.Logf("accepted %d events on two nodes, stored %d", len(accepted), total)
	if len(accepted) < 1000 || dups > 0 || missing > 0 {
		t.Fatalf("accepted %d: %d duplicated, %d missing", len(accepted), dups, missing)
	}
	var rolled int64
	if err := db.QueryRow(ctx, "SELECT sum(count) FROM rollup_counts WHERE res = 300 AND dim = ''").Scan(&rolled); err != nil {
		t.Fatal(err)
	}
	if rolled != int64(total)+1 { // +1: the live check's event, which has no message id
		t.Fatalf("5m rollups count %d events, raw rows %d (+1)", rolled, total)
	}
}
