package e2e

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
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
	// Probes without a message id are not the loader's.
	rows, err := db.Query("SELECT message_id, count(*) FROM email_events WHERE message_id <> '' GROUP BY message_id")
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

// TestDiskFull runs the server on a small file system of its own and fills
// it, with and without the free-space floor. With it, ingest answers 507
// with a clear message instead of taking events it could not keep. Without
// it, the disk fills under JetStream and SQLite: the writer waits instead of
// dead-lettering, and the embedded JetStream, which stops acknowledging
// after a failed write, is restarted. Either way another program then fills
// the rest, nothing is corrupted, and once space is back ingestion resumes
// and every accepted event is stored exactly once.
func TestDiskFull(t *testing.T) {
	needRoot(t, "mount a small tmpfs as the data dir")
	t.Run("floor", func(t *testing.T) { testDiskFull(t, "12MB") })
	t.Run("no floor", func(t *testing.T) { testDiskFull(t, "0") })
}

func testDiskFull(t *testing.T, floor string) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	s := startServerIn(t, dir, "--queue-max-bytes", "4MB", "--min-free-disk", floor, "--batch-wait", "20ms")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", s.log)
		}
	})
	key := s.key("load", "ingest")
	l := startPacedLoader("", s.url("/api/v1/events/ingest"), key, 2, 100, 10*time.Millisecond)
	defer l.halt()

	eventually(t, 120*time.Second, "ingest to refuse for want of space", func() bool {
		st, _, body := post(t, s.url("/api/v1/events/ingest"), key, []byte(evJSON(time.Now(), "delivered", "")))
		switch {
		case st == 202:
			return false
		case floor != "0" && (st != 507 || !strings.Contains(string(body), "disk_full") || !strings.Contains(string(body), "--min-free-disk")):
			t.Fatalf("with the disk filling up: %d %s", st, body)
		case floor == "0" && st != 503:
			t.Fatalf("with the disk full: %d %s", st, body)
		}
		return true
	})
	// Fill what is left behind the server's back, as another program would.
	filler := filepath.Join(dir, "filler")
	_ = exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=1M", "count=64").Run() // until ENOSPC
	time.Sleep(3 * time.Second)
	if st, _, _ := get(t, s.url("/healthz"), ""); st != 200 {
		t.Fatalf("healthz %d with the disk full", st)
	}
	if floor != "0" {
		if st, _, body := get(t, s.url("/readyz"), ""); st != 503 {
			t.Fatalf("readyz %d %s with the disk full; want 503", st, body)
		}
	}
	acceptedFull := l.acceptedCount()

	// Space comes back.
	os.Remove(filler)
	if out, err := exec.Command("mount", "-o", "remount,size=512m", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	eventually(t, 90*time.Second, "ingest to resume", func() bool { return l.acceptedCount() > acceptedFull+2000 })
	l.halt()
	eventually(t, 90*time.Second, "every accepted event to be written", func() bool {
		return metric(t, s, "tinomail_writer_events_written_total") >= float64(l.acceptedCount())
	})
	time.Sleep(500 * time.Millisecond)
	if n := metric(t, s, "tinomail_queue_dead_letter_messages"); n != 0 {
		t.Fatalf("%v messages dead-lettered: a full disk is nobody's poison", n)
	}
	s.stop()
	stored, _ := storedSQLite(t, s)
	checkExactlyOnce(t, stored, l)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "tinomail.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	t.Logf("%d requests refused meanwhile; server log:\n%s", l.failed.Load(), s.log)
}
