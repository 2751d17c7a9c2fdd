package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/tinomail/tinomail/internal/store/storetest"
)

// cred is how a request authenticates: nothing, a dashboard session (cookie
// plus its CSRF token) or an API key.
type cred struct {
	name   string
	cookie *http.Cookie
	csrf   string
	key    string
}

// noRedirect is a client that hands back whatever the server answers.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends a request with c's credentials and extra header pairs, and
// returns status, headers and body.
func do(t testing.TB, method, url string, c cred, body []byte, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// doJSON is do with a JSON body, decoding a JSON answer into out (if not nil).
func doJSON(t testing.TB, method, url string, c cred, in, out any, headers ...string) int {
	t.Helper()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			t.Fatal(err)
		}
	}
	status, _, b := do(t, method, url, c, body, headers...)
	if out != nil && status < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
	return status
}

// login logs in and returns the session credential.
func login(t testing.TB, s *server, username, password string) cred {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	status, h, b := do(t, "POST", s.url("/api/v1/auth/login"), cred{}, body)
	if status != 200 {
		t.Fatalf("login %s: %d %s", username, status, b)
	}
	var res struct {
		CSRFToken string `json:"csrfToken"`
	}
	if err := json.Unmarshal(b, &res); err != nil || res.CSRFToken == "" {
		t.Fatalf("login %s: %v %s", username, err, b)
	}
	return cred{name: username, cookie: sessionCookie(t, h), csrf: res.CSRFToken}
}

// sessionCookie returns the tinomail_session cookie an answer sets.
func sessionCookie(t testing.TB, h http.Header) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "tinomail_session" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", h.Values("Set-Cookie"))
	return nil
}

// addUser creates a dashboard user with the CLI, the password on stdin, in
// the store the server was started with.
func (s *server) addUser(t testing.TB, username, role, password string) {
	t.Helper()
	args := append([]string{"user", "add", "--username", username, "--role", role}, s.storeArgs()...)
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("user add %s: %v\n%s", username, err, out)
	}
}

// storeArgs are the CLI options that reach the server's store.
func (s *server) storeArgs() []string {
	args := []string{"--data-dir", s.dataDir}
	for i, a := range s.args {
		if a == "--database-url" && i+1 < len(s.args) {
			args = append(args, a, s.args[i+1])
		}
	}
	return args
}

// backends runs fn against a server on SQLite and one on PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, storeArgs ...string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t) })
	t.Run("postgres", func(t *testing.T) { fn(t, "--database-url", storetest.PostgresURL(t)) })
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
