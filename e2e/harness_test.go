// Package e2e starts the real tinomail binary and talks to it over HTTP.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tinomail-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "tinomail")
	build := exec.Command("go", "build", "-o", binary, "../cmd/tinomail")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one running tinomail serve process.
type server struct {
	t       testing.TB
	dataDir string
	addr    string
	args    []string
	cmd     *exec.Cmd
	log     *bytes.Buffer
	done    chan struct{}
}

// startServer runs tinomail serve on a free port with a fresh data dir.
func startServer(t testing.TB, args ...string) *server {
	t.Helper()
	return startServerIn(t, t.TempDir(), args...)
}

// startServerIn is startServer with a data dir of the caller's.
func startServerIn(t testing.TB, dataDir string, args ...string) *server {
	t.Helper()
	s := &server{t: t, dataDir: dataDir, args: args}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (s *server) start() {
	s.t.Helper()
	if s.addr == "" {
		s.addr = freeAddr(s.t) // kept across restarts so clients can reconnect
	}
	args := append([]string{"serve", "--listen", s.addr, "--data-dir", s.dataDir, "--log-level", "warn"}, s.args...)
	s.cmd = exec.Command(binary, args...)
	s.log = &bytes.Buffer{}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.url("/readyz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-s.done:
			s.t.Fatalf("server exited at start:\n%s", s.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
	s.t.Fatalf("server not ready within 30s:\n%s", s.log)
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

// kill stops the server with SIGKILL: no shutdown code runs.
func (s *server) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop shuts the server down gracefully and fails on errors in its log.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.t.Errorf("server did not stop within 30s on SIGTERM")
		s.kill()
	}
}

// cli runs a tinomail command against the server's data dir and returns stdout.
func (s *server) cli(args ...string) string {
	s.t.Helper()
	args = append(args, "--data-dir", s.dataDir)
	cmd := exec.Command(binary, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("tinomail %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// key creates an API key with the CLI while the server runs.
func (s *server) key(name, scope string) string {
	s.t.Helper()
	return strings.TrimSpace(s.cli("apikey", "create", "--name", name, "--scope", scope))
}

// post sends body to path with the key and returns status and body.
func post(t *testing.T, url, key string, body []byte, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// getJSON fetches path with a bearer key into v and returns the status.
func getJSON(t *testing.T, url, key string, v any) int {
	t.Helper()
	status, _, b := get(t, url, key)
	if status == 200 && v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, b)
		}
	}
	return status
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		if cond() {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// get fetches path with a bearer key and returns status, headers and body.
func get(t *testing.T, url, key string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// cliKey creates an API key against the store the server was started with:
// the --database-url among its args, or its data dir.
func (s *server) cliKey(tb testing.TB, name, scope string, serveArgs []string) string {
	tb.Helper()
	args := []string{"apikey", "create", "--name", name, "--scope", scope, "--data-dir", s.dataDir}
	for i, a := range serveArgs {
		if a == "--database-url" && i+1 < len(serveArgs) {
			args = append(args, a, serveArgs[i+1])
		}
	}
	out, err := exec.Command(binary, args...).Output()
	if err != nil {
		tb.Fatalf("apikey create: %v", err)
	}
	return strings.TrimSpace(string(out))
}
