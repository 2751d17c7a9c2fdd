package e2e

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresOutage is how long PostgreSQL stays down in TestPostgresOutage:
// the issue asks for a minute, longer than any retry backoff.
const postgresOutage = 60 * time.Second

// TestPostgresOutage stops PostgreSQL for a minute under steady load. Ingest
// keeps answering 202 (the queue holds the events), the writer retries, and
// when PostgreSQL is back every accepted event is stored exactly once.
func TestPostgresOutage(t *testing.T) {
	pg := startPrivatePostgres(t)
	args := []string{"--database-url", pg.url(), "--batch-wait", "20ms"}
	s := startServer(t, args...)
	key := s.cliKey(t, "load", "ingest", args)
	// 2 workers × 50 events every 50 ms: about 2,000 events/s.
	l := startPacedLoader("", s.url("/api/v1/events/ingest"), key, 2, 50, 50*time.Millisecond)
	time.Sleep(2 * time.Second)
	before := l.acceptedCount()
	pg.stop()
	down := time.Now()
	time.Sleep(postgresOutage)
	during := l.acceptedCount() - before
	pg.start()
	t.Logf("PostgreSQL down for %v; %d events accepted meanwhile, %d requests failed", time.Since(down).Round(time.Second), during, l.failed.Load())
	time.Sleep(2 * time.Second)
	l.halt()
	if during < 50_000 {
		t.Errorf("only %d events accepted while PostgreSQL was down: ingest must keep answering 202", during)
	}
	if f := l.failed.Load(); f != 0 {
		t.Errorf("%d ingest requests failed: the queue had room, every one should have been accepted", f)
	}
	eventually(t, 90*time.Second, "the queue to drain", func() bool {
		return metric(t, s, "tinomail_queue_messages") == 0
	})

	ctx := context.Background()
	db, err := pgx.Connect(ctx, pg.url())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	rows, err := db.Query(ctx, "SELECT message_id, count(*) FROM email_events GROUP BY message_id")
	if err != nil {
		t.Fatal(err)
	}
	stored, total := countRows(t, rows)
	rows.Close()
	checkExactlyOnce(t, stored, l)
	var rolled int
	if err := db.QueryRow(ctx, "SELECT sum(count) FROM rollup_counts WHERE res = 300 AND dim = ''").Scan(&rolled); err != nil {
		t.Fatal(err)
	}
	if rolled != total {
		t.Fatalf("5m rollups count %d events, raw rows %d", rolled, total)
	}
	if !strings.Contains(s.log.String(), "pipeline: write batch") {
		t.Fatalf("the writer never reported a failed write: was PostgreSQL really down?\n%s", s.log)
	}
}

// TestExternalNATSRestart restarts the operator's NATS server (SIGTERM, as
// systemd does) under load. Requests during the restart may fail and are
// the client's to retry; every event answered 202 is stored exactly once.
func TestExternalNATSRestart(t *testing.T) {
	n := startNATS(t)
	s := startServer(t, "--nats-url", "nats://"+n.addr, "--batch-wait", "20ms")
	key := s.key("load", "ingest")
	l := startPacedLoader("", s.url("/api/v1/events/ingest"), key, 2, 50, 20*time.Millisecond)
	time.Sleep(2 * time.Second)
	n.stop()
	time.Sleep(3 * time.Second)
	n.start()
	restarted := l.acceptedCount()
	time.Sleep(3 * time.Second)
	l.halt()
	if l.acceptedCount()-restarted < 1000 {
		t.Fatalf("only %d events accepted in the 3 s after NATS came back", l.acceptedCount()-restarted)
	}
	eventually(t, 60*time.Second, "the queue to drain", func() bool {
		return metric(t, s, "tinomail_queue_messages") == 0
	})
	s.stop()
	stored, _ := storedSQLite(t, s)
	checkExactlyOnce(t, stored, l)
	t.Logf("%d requests failed around the restart", l.failed.Load())
}

// storedSQLite counts the stored events of a stopped server per message id.
func storedSQLite(t *testing.T, s *server) (map[string]int, int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.dataDir, "tinomail.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT message_id, count(*) FROM email_events GROUP BY message_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	return countRows(t, rows)
}

// checkExactlyOnce fails unless every event the loaders got a 202 for is
// stored once and no event is stored twice.
func checkExactlyOnce(t *testing.T, stored map[string]int, loaders ...*loader) {
	t.Helper()
	var dups, missing []string
	for id, n := range stored {
		if n > 1 {
			dups = append(dups, id)
		}
	}
	accepted := 0
	for _, l := range loaders {
		l.mu.Lock()
		for id := range l.accepted {
			accepted++
			if stored[id] != 1 {
				missing = append(missing, id)
			}
		}
		l.mu.Unlock()
	}
	t.Logf("accepted %d events, %d distinct ids stored", accepted, len(stored))
	if accepted < 1000 {
		t.Fatalf("only %d events accepted: the load did not run", accepted)
	}
	if len(dups) > 0 || len(missing) > 0 {
		t.Fatalf("%d duplicated (e.g. %v), %d accepted but missing (e.g. %v)", len(dups), head(dups), len(missing), head(missing))
	}
}

func (l *loader) acceptedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.accepted)
}
