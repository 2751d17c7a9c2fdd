package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// TestAPIKeyLifecycle creates, lists and revokes keys with the CLI while the
// server runs, and checks the server sees each change on the next request.
func TestAPIKeyLifecycle(t *testing.T) {
	s := startServer(t)
	out, _, code := run(t, nil, "apikey", "create", "--name", "zonemta", "--scope", "ingest", "--data-dir", s.dataDir)
	if code != 0 || !regexp.MustCompile(`^tm_[a-z2-7]{52}\n$`).MatchString(out) {
		t.Fatalf("create: exit %d, stdout %q: want the key and nothing else", code, out)
	}
	key := strings.TrimSpace(out)
	body := []byte(evJSON(time.Now(), "delivered", ""))
	if st, _, b := post(t, s.url("/api/v1/events/ingest"), key, body); st != 202 {
		t.Fatalf("new key: %d %s", st, b)
	}
	list := s.cli("apikey", "list")
	if !strings.Contains(list, "zonemta") || !strings.Contains(list, key[:11]) || !strings.Contains(list, "ingest") || strings.Contains(list, key) {
		t.Fatalf("list:\n%s", list)
	}
	if _, _, code := run(t, nil, "apikey", "create", "--name", "zonemta", "--scope", "read", "--data-dir", s.dataDir); code != 1 {
		t.Fatalf("duplicate name: exit %d", code)
	}
	s.cli("apikey", "revoke", "zonemta")
	if st, _, _ := post(t, s.url("/api/v1/events/ingest"), key, body); st != 401 {
		t.Fatalf("revoked key: %d, want 401", st)
	}
	if !strings.Contains(s.cli("apikey", "list"), "revoked") {
		t.Fatal("list does not show the revocation")
	}
	if _, stderr, code := run(t, nil, "apikey", "revoke", "nosuchkey", "--data-dir", s.dataDir); code != 1 || !strings.Contains(stderr, "nosuchkey") {
		t.Fatalf("revoke unknown: exit %d %s", code, stderr)
	}
}

func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name   string
		env    []string
		args   []string
		code   int
		stderr string
	}{
		{"unknown command", nil, []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"bad scope", nil, []string{"apikey", "create", "--name", "x", "--scope", "admin", "--data-dir", dir}, 1, `unknown scope "admin"`},
		{"missing name", nil, []string{"apikey", "create", "--scope", "read", "--data-dir", dir}, 2, "--name and --scope are required"},
		{"bad flag", nil, []string{"serve", "--batch-size", "many"}, 2, "invalid value"},
		{"bad batch size", nil, []string{"serve", "--batch-size", "0"}, 2, "--batch-size must be between 1 and 100000"},
		{"bad env", []string{"TINOMAIL_BATCH_WAIT=soon"}, []string{"serve"}, 2, "TINOMAIL_BATCH_WAIT"},
		{"bad listen", nil, []string{"serve", "--listen", "nowhere"}, 2, "--listen"},
		{"bad size", nil, []string{"serve", "--max-body", "lots"}, 2, "want a size"},
		{"replicas without cluster", nil, []string{"serve", "--queue-replicas", "3"}, 2, "--queue-replicas above 1 needs --nats-url"},
		{"bad retention", nil, []string{"serve", "--retention-events", "a while"}, 2, "want a period"},
		{"silent-after too short", nil, []string{"serve", "--silent-after", "500ms"}, 2, "--silent-after must be between 1s and 168h, not 500ms"},
		{"silent-after too long", []string{"TINOMAIL_SILENT_AFTER=169h"}, []string{"serve"}, 2, "--silent-after must be between 1s and 168h, not 169h0m0s"},
		{"silent-after not a duration", nil, []string{"serve", "--silent-after", "soon"}, 2, "invalid value"},
		{"bad database url", nil, []string{"serve", "--data-dir", dir, "--database-url", "mysql://root:secret@db/x"}, 1, `want postgres://… or postgresql://…, got "mysql://root:***@db/x"`},
		{"simulate without key", nil, []string{"simulate"}, 2, "--api-key is required"},
		{"simulate bad batch", nil, []string{"simulate", "--api-key", "k", "--batch", "0"}, 2, "--batch must be between"},
		{"simulate store without direct", nil, []string{"simulate", "--api-key", "k", "--data-dir", dir}, 2, "--data-dir and --database-url go with --direct"},
		{"direct without count", nil, []string{"simulate", "--direct", "--backfill", "1h", "--data-dir", dir}, 2, "--direct needs --count"},
		{"direct without backfill", nil, []string{"simulate", "--direct", "--count", "10", "--data-dir", dir}, 2, "--direct needs --backfill"},
		{"direct with url", nil, []string{"simulate", "--direct", "--count", "10", "--backfill", "1h", "--url", "http://x"}, 2, "--url does not apply to --direct"},
		{"direct bad concurrency", nil, []string{"simulate", "--direct", "--count", "10", "--backfill", "1h", "--concurrency", "65"}, 2, "--concurrency must be between 1 and 64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := run(t, c.env, c.args...)
			if code != c.code || !strings.Contains(stderr, c.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, c.code, c.stderr)
			}
		})
	}
}

// TestSimulateDirect fills a data dir with history through the CLI, without
// a server, then finds every event in the server's answers.
func TestSimulateDirect(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := run(t, nil, "simulate", "--direct", "--backfill", "24h", "--count", "3000", "--batch", "700", "--seed", "7", "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(out, "wrote 3000 events over the last 24h0m0s") {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, stderr)
	}
	s := startServerIn(t, dir)
	key := s.key("r", "read")
	var stats struct {
		Totals struct{ Total int } `json:"totals"`
	}
	getJSON(t, s.url("/api/v1/email/stats?range=24h"), key, &stats)
	if stats.Totals.Total != 3000 {
		t.Fatalf("stats over 24h: %d events, want 3000", stats.Totals.Total)
	}
	getJSON(t, s.url("/api/v1/email/stats?range=1h"), key, &stats)
	if stats.Totals.Total < 50 || stats.Totals.Total > 250 {
		t.Fatalf("stats over the last hour: %d events, want about 3000/24", stats.Totals.Total)
	}
}

func TestServeHelpDocumentsEveryOption(t *testing.T) {
	_, stderr, code := run(t, nil, "serve", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, opt := range []string{"--listen", "--data-dir", "--nats-url", "--nats-listen", "--queue-max-bytes", "--min-free-disk", "--zonemta-nodes", "--zonemta-interval", "--queue-replicas", "--database-url", "--batch-size",
		"--batch-wait", "--max-body", "--max-events", "--rate-limit", "--rate-burst", "--bounce-rules", "--demo", "--demo-rate",
		"--log-level", "--log-format", "--shutdown-timeout", "--retention-events", "--retention-5m", "--retention-1h", "--retention-1d", "--tls-cert", "--tls-key", "--trusted-proxies", "--session-idle-timeout", "--session-lifetime", "--silent-after", "TINOMAIL_SILENT_AFTER", "TINOMAIL_DATA_DIR", "127.0.0.1:8080", "./data"} {
		if !strings.Contains(stderr, opt) {
			t.Errorf("serve --help does not mention %s", opt)
		}
	}
}

// TestGracefulShutdownDrains stops the server with SIGTERM right after
// ingesting, restarts it, and finds every event stored once.
func TestGracefulShutdownDrains(t *testing.T) {
	s := startServer(t, "--batch-wait", "1s", "--batch-size", "100000")
	key := s.key("k", "ingest")
	var evs []string
	for i := 0; i < 500; i++ {
		evs = append(evs, evJSON(time.Now(), "delivered", ""))
	}
	if st, _, b := post(t, s.url("/api/v1/events/ingest"), key, []byte("["+strings.Join(evs, ",")+"]")); st != 202 {
		t.Fatalf("%d %s", st, b)
	}
	s.stop()
	if strings.Contains(s.log.String(), "level=ERROR") {
		t.Fatalf("errors at shutdown:\n%s", s.log)
	}
	s.start()
	readKey := s.key("r", "read")
	var stats struct {
		Totals struct{ Total int } `json:"totals"`
	}
	eventually(t, 10*time.Second, "500 events", func() bool {
		getJSON(t, s.url("/api/v1/email/stats?range=1h"), readKey, &stats)
		return stats.Totals.Total == 500
	})
	time.Sleep(300 * time.Millisecond)
	getJSON(t, s.url("/api/v1/email/stats?range=1h"), readKey, &stats)
	if stats.Totals.Total != 500 {
		t.Fatalf("%d events stored, want 500", stats.Totals.Total)
	}
}
