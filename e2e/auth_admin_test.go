package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

type userView struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	Role        string     `json:"role"`
	Disabled    bool       `json:"disabled"`
	CreatedAt   time.Time  `json:"createdAt"`
	LastLoginAt *time.Time `json:"lastLoginAt"`
}

// TestAdminUsers: create, role change, password reset, disable, delete, the
// last admin, and the audit trail of it all, on both stores.
func TestAdminUsers(t *testing.T) {
	backends(t, func(t *testing.T, storeArgs ...string) {
		s, admin := startWithAdmin(t, storeArgs...)
		var dave userView
		if st := doJSON(t, "POST", s.url("/api/v1/admin/users"), admin,
			map[string]string{"username": "Dave", "password": "dave password 1", "role": "viewer"}, &dave); st != 201 ||
			dave.Username != "dave" || dave.Role != "viewer" || dave.Disabled || dave.LastLoginAt != nil {
			t.Fatalf("create dave: %d %+v", st, dave)
		}
		for _, tc := range []struct {
			body string
			want int
		}{
			{`{"username":"dave","password":"another password","role":"viewer"}`, 409},
			{`{"username":"eve","password":"short","role":"viewer"}`, 400},
			{`{"username":"eve","password":"long enough password","role":"owner"}`, 400},
			{`{"username":"eve","password":"long enough password","role":"viewer","extra":1}`, 400},
			{`not json`, 400},
		} {
			if st, _, b := do(t, "POST", s.url("/api/v1/admin/users"), admin, []byte(tc.body)); st != tc.want {
				t.Errorf("create %s: %d %s, want %d", tc.body, st, b, tc.want)
			}
		}
		viewer := login(t, s, "dave", "dave password 1")
		if st, _, _ := do(t, "GET", s.url("/api/v1/admin/users"), viewer, nil); st != 403 {
			t.Errorf("viewer on the admin API: %d", st)
		}
		// A role change applies to the running session at once.
		path := s.url("/api/v1/admin/users/" + strconv.FormatInt(dave.ID, 10))
		if st := doJSON(t, "PATCH", path, admin, map[string]any{"role": "admin"}, &dave); st != 200 || dave.Role != "admin" {
			t.Fatalf("promote: %d %+v", st, dave)
		}
		if st, _, _ := do(t, "GET", s.url("/api/v1/admin/users"), viewer, nil); st != 200 {
			t.Errorf("promoted session on the admin API: %d, want 200", st)
		}
		// A password reset ends dave's sessions; the new password works.
		if st := doJSON(t, "PATCH", path, admin, map[string]any{"password": "new dave password"}, &dave); st != 200 {
			t.Fatalf("reset: %d", st)
		}
		if st, _, _ := do(t, "GET", s.url("/api/v1/auth/me"), viewer, nil); st != 401 {
			t.Errorf("session after a password reset: %d, want 401", st)
		}
		if st, _, _ := loginStatus(t, s, "dave", "dave password 1"); st != 401 {
			t.Errorf("old password: %d", st)
		}
		dave2 := login(t, s, "dave", "new dave password")
		// An admin changing their own password stays logged in.
		if st := doJSON(t, "PATCH", s.url("/api/v1/admin/users/"+strconv.FormatInt(dave.ID, 10)), dave2,
			map[string]any{"password": "dave's third password"}, nil); st != 200 {
			t.Fatalf("own password: %d", st)
		}
		if st, _, _ := do(t, "GET", s.url("/api/v1/auth/me"), dave2, nil); st != 200 {
			t.Errorf("own session after changing own password: %d, want 200", st)
		}
		// Disabling ends the sessions and refuses logins like a wrong password.
		if st := doJSON(t, "PATCH", path, admin, map[string]any{"disabled": true}, &dave); st != 200 || !dave.Disabled {
			t.Fatalf("disable: %d %+v", st, dave)
		}
		if st, _, _ := do(t, "GET", s.url("/api/v1/auth/me"), dave2, nil); st != 401 {
			t.Errorf("session of a disabled user: %d", st)
		}
		if st, _, b := loginStatus(t, s, "dave", "dave's third password"); st != 401 || !strings.Contains(string(b), "invalid_credentials") {
			t.Errorf("disabled login: %d %s", st, b)
		}
		// root is now the only active admin.
		var users struct {
			Users []userView `json:"users"`
		}
		doJSON(t, "GET", s.url("/api/v1/admin/users"), admin, nil, &users)
		if len(users.Users) != 2 || users.Users[0].Username != "root" || users.Users[0].LastLoginAt == nil {
			t.Fatalf("users = %+v", users.Users)
		}
		root := s.url("/api/v1/admin/users/" + strconv.FormatInt(users.Users[0].ID, 10))
		for _, tc := range []struct{ method, body string }{{"DELETE", ""}, {"PATCH", `{"role":"viewer"}`}, {"PATCH", `{"disabled":true}`}} {
			st, _, b := do(t, tc.method, root, admin, []byte(tc.body))
			if st != 409 || !strings.Contains(string(b), `"code":"last_admin"`) {
				t.Errorf("%s %s on the last admin: %d %s, want 409 last_admin", tc.method, tc.body, st, b)
			}
		}
		if st, _, _ := do(t, "DELETE", path, admin, nil); st != 204 {
			t.Errorf("delete dave: %d", st)
		}
		for _, p := range []string{path, s.url("/api/v1/admin/users/999999")} {
			if st, _, _ := do(t, "PATCH", p, admin, []byte(`{"role":"viewer"}`)); st != 404 {
				t.Errorf("PATCH gone user: %d", st)
			}
		}
		if st, _, _ := do(t, "DELETE", s.url("/api/v1/admin/users/abc"), admin, nil); st != 400 {
			t.Errorf("DELETE bad id: %d", st)
		}
		checkAudit(t, s, admin)
	})
}

// checkAudit pages through the audit log two entries at a time and finds
// the user changes of TestAdminUsers, newest first, with who and where.
func checkAudit(t *testing.T, s *server, admin cred) {
	t.Helper()
	type entry struct {
		ID         int64     `json:"id"`
		Time       time.Time `json:"time"`
		Actor      string    `json:"actor"`
		Action     string    `json:"action"`
		Target     string    `json:"target"`
		Detail     string    `json:"detail"`
		RemoteAddr string    `json:"remoteAddr"`
	}
	var all []entry
	cursor := ""
	for pages := 0; ; pages++ {
		var page struct {
			Entries    []entry `json:"entries"`
			NextCursor *string `json:"nextCursor"`
		}
		if st := doJSON(t, "GET", s.url("/api/v1/admin/audit-log?limit=2&cursor="+cursor), admin, nil, &page); st != 200 || len(page.Entries) > 2 {
			t.Fatalf("audit page: %d %+v", st, page)
		}
		all = append(all, page.Entries...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
		if pages > 100 {
			t.Fatal("audit log does not end")
		}
	}
	var actions []string
	for i, e := range all {
		if i > 0 && e.ID >= all[i-1].ID {
			t.Fatalf("audit log not newest first: %+v", all)
		}
		if e.Target == "user:dave" {
			actions = append(actions, e.Actor+" "+e.Action+" "+e.Detail)
			if e.RemoteAddr != "127.0.0.1" || time.Since(e.Time) > time.Minute {
				t.Errorf("audit entry %+v: want remote 127.0.0.1, recent time", e)
			}
		}
	}
	want := []string{"root user.delete ", "root user.update disabled=true", "dave user.update password=reset",
		"dave auth.login ", "root user.update password=reset", "root user.update role=admin", "dave auth.login ", "root user.create role=viewer"}
	if strings.Join(actions, "|") != strings.Join(want, "|") {
		t.Errorf("audit of dave:\n%s\nwant\n%s", strings.Join(actions, "\n"), strings.Join(want, "\n"))
	}
	if last := all[len(all)-1]; last.Action != "user.create" || last.Target != "user:root" || !strings.HasPrefix(last.Actor, "cli") {
		t.Errorf("first audit entry = %+v, want the CLI creating root", last)
	}
	if st, _, _ := do(t, "GET", s.url("/api/v1/admin/audit-log?limit=0"), admin, nil); st != 400 {
		t.Errorf("limit=0: %d", st)
	}
	if st, _, _ := do(t, "GET", s.url("/api/v1/admin/audit-log?cursor=x"), admin, nil); st != 400 {
		t.Errorf("bad cursor: %d", st)
	}
}

// TestAdminNodesAndSettings: nodes CRUD with validation, and retention
// settings that survive a restart.
func TestAdminNodesAndSettings(t *testing.T) {
	s, admin := startWithAdmin(t)
	type node struct {
		ID     int64  `json:"id"`
		Name   string `json:"name"`
		Role   string `json:"role"`
		APIURL string `json:"apiUrl"`
	}
	var n node
	if st := doJSON(t, "POST", s.url("/api/v1/admin/nodes"), admin, map[string]string{"name": "mta-1", "role": "outbound", "apiUrl": "http://10.0.0.5:12080"}, &n); st != 201 || n.APIURL != "http://10.0.0.5:12080" {
		t.Fatalf("create node: %d %+v", st, n)
	}
	for body, want := range map[string]int{
		`{"name":"mta-1","role":"mx"}`:                           409,
		`{"name":"","role":"mx"}`:                                400,
		`{"name":"x","apiUrl":"ftp://10.0.0.5"}`:                 400,
		`{"name":"x","apiUrl":"http://user:pw@10.0.0.5:12080"}`:  400,
		`{"name":"x","apiUrl":"javascript:alert(1)"}`:            400,
		`{"name":"mta-2","role":"inbound","apiUrl":""}`:          201,
		`{"name":"mta-3","apiUrl":"https://mta-3.example:8443"}`: 201,
	} {
		if st, _, b := do(t, "POST", s.url("/api/v1/admin/nodes"), admin, []byte(body)); st != want {
			t.Errorf("node %s: %d %s, want %d", body, st, b, want)
		}
	}
	p := s.url("/api/v1/admin/nodes/" + strconv.FormatInt(n.ID, 10))
	if st := doJSON(t, "PATCH", p, admin, map[string]string{"role": "mx"}, &n); st != 200 || n.Role != "mx" || n.Name != "mta-1" || n.APIURL == "" {
		t.Errorf("patch node: %d %+v", st, n)
	}
	if st, _, _ := do(t, "PATCH", p, admin, []byte(`{"name":"mta-2"}`)); st != 409 {
		t.Errorf("rename onto mta-2: %d", st)
	}
	if st, _, _ := do(t, "DELETE", p, admin, nil); st != 204 {
		t.Errorf("delete node: %d", st)
	}
	var nodes struct {
		Nodes []node `json:"nodes"`
	}
	if doJSON(t, "GET", s.url("/api/v1/admin/nodes"), admin, nil, &nodes); len(nodes.Nodes) != 2 {
		t.Errorf("nodes = %+v", nodes.Nodes)
	}

	type ret struct {
		Retention map[string]string `json:"retention"`
	}
	var r ret
	if st := doJSON(t, "GET", s.url("/api/v1/admin/settings"), admin, nil, &r); st != 200 ||
		r.Retention["events"] != "30d" || r.Retention["rollup5m"] != "35d" || r.Retention["rollup1h"] != "400d" || r.Retention["rollup1d"] != "0" {
		t.Fatalf("default settings: %d %+v", st, r)
	}
	for _, bad := range []string{`{"retention":{"events":"30m"}}`, `{"retention":{"events":"soon"}}`, `{"retention":{"events":"-1d"}}`, `{"retention":7}`} {
		if st, _, b := do(t, "PUT", s.url("/api/v1/admin/settings"), admin, []byte(bad)); st != 400 {
			t.Errorf("settings %s: %d %s, want 400", bad, st, b)
		}
	}
	if st := doJSON(t, "PUT", s.url("/api/v1/admin/settings"), admin, map[string]any{"retention": map[string]string{"events": "7d", "rollup5m": "12h"}}, &r); st != 200 ||
		r.Retention["events"] != "7d" || r.Retention["rollup5m"] != "12h" || r.Retention["rollup1h"] != "400d" {
		t.Fatalf("put settings: %d %+v", st, r)
	}
	s.stop()
	s.start()
	admin = login(t, s, "root", adminPW)
	if st := doJSON(t, "GET", s.url("/api/v1/admin/settings"), admin, nil, &r); st != 200 || r.Retention["events"] != "7d" || r.Retention["rollup5m"] != "12h" {
		t.Errorf("settings after restart: %d %+v", st, r)
	}
}

// TestServingSafely: security headers everywhere, Secure cookies over TLS
// or behind a trusted proxy that says https, and no secret in the log.
func TestServingSafely(t *testing.T) {
	s, admin := startWithAdmin(t, "--trusted-proxies", "127.0.0.1/32", "--log-level", "debug")
	for _, p := range []string{"/", "/healthz", "/api/v1/email/stats", "/nope", "/api/v1/admin/users"} {
		_, h, _ := do(t, "GET", s.url(p), cred{}, nil)
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(csp, "script-src 'self';") || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s headers: %v", p, h)
		}
	}
	_, h, _ := loginStatus(t, s, "root", adminPW, "X-Forwarded-Proto", "https")
	if c := sessionCookie(t, h); !c.Secure {
		t.Errorf("behind a proxy saying https: cookie %+v, want Secure", c)
	}
	// Secrets never reach the log.
	_, secret := createKey(t, s, admin, "logged?", []string{"ingest", "read"}, nil)
	post(t, s.url("/api/v1/events/ingest"), secret, []byte(evJSON(time.Now(), "delivered", "")))
	loginStatus(t, s, "root", "a wrong password 42")
	s.stop()
	for _, sec := range []string{adminPW, "a wrong password 42", secret, admin.cookie.Value, admin.csrf} {
		if strings.Contains(s.log.String(), sec) {
			t.Errorf("the log contains a secret %q:\n%s", sec, s.log)
		}
	}
	if !strings.Contains(s.log.String(), "login failed") {
		t.Errorf("failed login not logged:\n%s", s.log)
	}

	// A server of its own, over TLS.
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	addr := freeAddr(t)
	cmd := exec.Command(binary, "serve", "--listen", addr, "--data-dir", dir, "--tls-cert", cert, "--tls-key", key, "--log-level", "warn")
	var tlsLog strings.Builder
	cmd.Stderr = &tlsLog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
		}
	}
	defer stop()
	user := exec.Command(binary, "user", "add", "--username", "tls", "--role", "viewer", "--data-dir", dir)
	user.Stdin = strings.NewReader("tls password 12\n")
	if out, err := user.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	var resp *http.Response
	eventually(t, 30*time.Second, "the TLS server", func() bool {
		r, err := client.Post("https://"+addr+"/api/v1/auth/login", "application/json",
			strings.NewReader(`{"username":"tls","password":"tls password 12"}`))
		if err != nil {
			return false
		}
		r.Body.Close()
		resp = r
		return true
	})
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("TLS login: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	if c := sessionCookie(t, resp.Header); !c.Secure || !c.HttpOnly {
		t.Errorf("cookie over TLS = %+v, want Secure and HttpOnly", c)
	}
	if r, err := http.Get("http://" + addr + "/healthz"); err == nil {
		r.Body.Close()
		if r.StatusCode == 200 {
			t.Error("plain HTTP answered 200 on the TLS port")
		}
	}
	stop() // before reading its log
	if strings.Contains(tlsLog.String(), "tls password 12") {
		t.Errorf("the TLS server logged the password:\n%s", tlsLog.String())
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// TestUserCLI: passwords come from stdin, are checked, and never from a flag.
func TestUserCLI(t *testing.T) {
	dir := t.TempDir()
	add := func(stdin string, args ...string) (string, int) {
		cmd := exec.Command(binary, append([]string{"user"}, append(args, "--data-dir", dir)...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	if out, code := add("first admin pw\n", "add", "--username", "first", "--role", "admin"); code != 0 || !strings.Contains(out, "created admin user first") {
		t.Fatalf("add: %d %s", code, out)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		code  int
		msg   string
	}{
		{"short\n", []string{"add", "--username", "x", "--role", "viewer"}, 1, "12 to 1024"},
		{"", []string{"add", "--username", "x", "--role", "viewer"}, 1, "stdin"},
		{"long enough pw\n", []string{"add", "--username", "first", "--role", "viewer"}, 1, "exists already"},
		{"long enough pw\n", []string{"add", "--username", "x", "--role", "root"}, 2, "admin or viewer"},
		{"long enough pw\n", []string{"add", "--username", "x", "--role", "viewer", "--password", "p"}, 2, "not defined"},
		{"long enough pw\n", []string{"add", "--role", "viewer"}, 2, "--username"},
		{"long enough pw\n", []string{"passwd", "--username", "ghost"}, 1, "no user"},
	} {
		if out, code := add(tc.stdin, tc.args...); code != tc.code || !strings.Contains(out, tc.msg) {
			t.Errorf("user %v: exit %d %q, want %d with %q", tc.args, code, out, tc.code, tc.msg)
		}
	}
	if out, code := add("second password\n", "passwd", "--username", "FIRST"); code != 0 {
		t.Errorf("passwd: %d %s", code, out)
	}
	out, _ := add("", "list")
	if !strings.Contains(out, "first") || !strings.Contains(out, "admin") || strings.Contains(out, "argon2") {
		t.Errorf("list:\n%s", out)
	}
}
