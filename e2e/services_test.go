package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The fault tests stop and start their own PostgreSQL and NATS servers, so
// that the machine's shared ones, which other tests use, stay up.

// needRoot skips a test that needs root (to run a server as another user, or
// to mount a file system), except under CI=true where it fails.
func needRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("needs root to %s", why)
	}
	t.Skipf("needs root to %s", why)
}

// lookPath finds a server binary, failing under CI=true when it is missing.
func lookPath(t *testing.T, candidates ...string) string {
	t.Helper()
	for _, c := range candidates {
		if matches, _ := filepath.Glob(c); len(matches) > 0 {
			return matches[len(matches)-1]
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("none of %v is installed", candidates)
	}
	t.Skipf("none of %v is installed", candidates)
	return ""
}

// privatePostgres is a PostgreSQL cluster of the test's own, run as the
// postgres user (PostgreSQL refuses to run as root) on a free port.
type privatePostgres struct {
	t    *testing.T
	bin  string
	dir  string
	port int
}

func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	needRoot(t, "run a PostgreSQL server as the postgres user")
	bin := filepath.Dir(lookPath(t, "/usr/lib/postgresql/*/bin/initdb"))
	dir, err := os.MkdirTemp("", "tinomail-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	_, port, _ := net.SplitHostPort(freeAddr(t))
	p := &privatePostgres{t: t, bin: bin, dir: dir}
	p.port, _ = strconv.Atoi(port)
	p.asPostgres(filepath.Join(bin, "initdb"), "-D", p.data(), "-A", "trust", "-U", "postgres", "--no-sync")
	p.start()
	t.Cleanup(func() { p.pgctl("stop", "-m", "immediate") })
	return p
}

func (p *privatePostgres) data() string { return filepath.Join(p.dir, "data") }

func (p *privatePostgres) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

func (p *privatePostgres) asPostgres(args ...string) {
	p.t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		p.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (p *privatePostgres) pgctl(args ...string) {
	p.t.Helper()
	p.asPostgres(append([]string{filepath.Join(p.bin, "pg_ctl"), "-D", p.data(), "-w"}, args...)...)
}

func (p *privatePostgres) start() {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off", p.port, p.dir)
	p.pgctl("start", "-l", filepath.Join(p.dir, "log"), "-o", opts)
}

// stop shuts the server down the way an operator's restart does: sessions
// are cut at once.
func (p *privatePostgres) stop() { p.pgctl("stop", "-m", "fast") }

// natsServer is an external NATS server with JetStream on a free port, as an
// operator's cluster would be.
type natsServer struct {
	t    *testing.T
	bin  string
	addr string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	n := &natsServer{t: t, bin: lookPath(t, "nats-server"), addr: freeAddr(t), dir: t.TempDir()}
	n.start()
	t.Cleanup(n.stop)
	return n
}

func (n *natsServer) start() {
	n.t.Helper()
	host, port, _ := net.SplitHostPort(n.addr)
	n.cmd = exec.Command(n.bin, "-a", host, "-p", port, "-js", "-sd", n.dir)
	if err := n.cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.done = make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(n.done) }()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", n.addr); err == nil {
			c.Close()
			return
		}
	}
	n.t.Fatal("nats-server did not listen within 10s")
}

// stop ends the server gracefully (SIGTERM), as a restart by systemd does.
func (n *natsServer) stop() {
	if n.cmd == nil || n.cmd.ProcessState != nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}
