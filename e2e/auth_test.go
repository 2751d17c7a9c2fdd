package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const adminPW = "admin password 1"

// startWithAdmin starts a server with an admin user "root" and logs in.
func startWithAdmin(t *testing.T, args ...string) (*server, cred) {
	t.Helper()
	s := startServer(t, args...)
	s.addUser(t, "root", "admin", adminPW)
	return s, login(t, s, "root", adminPW)
}

func loginStatus(t *testing.T, s *server, username, password string, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	return do(t, "POST", s.url("/api/v1/auth/login"), cred{}, body, headers...)
}

// TestSessionLifecycle: cookie attributes, fixation, logout, and the idle
// and absolute expiry, on both stores.
func TestSessionLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, storeArgs ...string) {
		s, admin := startWithAdmin(t, append(storeArgs, "--session-idle-timeout", "2s", "--session-lifetime", "4s")...)
		c := admin.cookie
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
			t.Errorf("cookie over plain HTTP = %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure", c)
		}
		var me struct {
			User struct {
				ID       int64  `json:"id"`
				Username string `json:"username"`
				Role     string `json:"role"`
			} `json:"user"`
			CSRFToken string `json:"csrfToken"`
		}
		if st := doJSON(t, "GET", s.url("/api/v1/auth/me"), admin, nil, &me); st != 200 ||
			me.User.Username != "root" || me.User.Role != "admin" || me.CSRFToken != admin.csrf || me.User.ID == 0 {
			t.Fatalf("me = %d %+v", st, me)
		}

		// Fixation: logging in with a planted or earlier cookie yields a new
		// token, and the earlier session is over.
		planted := &http.Cookie{Name: "tinomail_session", Value: "attacker-chosen-token"}
		st, h, b := do(t, "POST", s.url("/api/v1/auth/login"), cred{cookie: planted},
			[]byte(`{"username":"root","password":"`+adminPW+`"}`))
		if st != 200 || sessionCookie(t, h).Value == planted.Value {
			t.Fatalf("login with a planted cookie: %d %s, cookie %v", st, b, h.Values("Set-Cookie"))
		}
		st, h, _ = do(t, "POST", s.url("/api/v1/auth/login"), cred{cookie: admin.cookie},
			[]byte(`{"username":"root","password":"`+adminPW+`"}`))
		fresh := sessionCookie(t, h)
		if st != 200 || fresh.Value == admin.cookie.Value {
			t.Fatalf("re-login: %d, same token %v", st, fresh.Value == admin.cookie.Value)
		}
		if st, _, _ := do(t, "GET", s.url("/api/v1/auth/me"), admin, nil); st != 401 {
			t.Errorf("the session replaced at login still works: %d", st)
		}

		// Logout ends the session on the server, not only in the browser.
		u := login(t, s, "root", adminPW)
		st, h, _ = do(t, "POST", s.url("/api/v1/auth/logout"), u, nil)
		if st != 204 || !strings.Contains(h.Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("logout = %d, Set-Cookie %q", st, h.Get("Set-Cookie"))
		}
		for _, p := range []string{"/api/v1/auth/me", "/api/v1/email/stats?range=1h", "/api/v1/admin/users"} {
			if st, _, _ := do(t, "GET", s.url(p), u, nil); st != 401 {
				t.Errorf("GET %s after logout: %d, want 401", p, st)
			}
		}

		// Idle expiry: 2s without a request ends the session.
		idle := login(t, s, "root", adminPW)
		time.Sleep(2200 * time.Millisecond)
		if st, _, _ := do(t, "GET", s.url("/api/v1/auth/me"), idle, nil); st != 401 {
			t.Errorf("after the idle timeout: %d, want 401", st)
		}
		// Absolute expiry: used every 500ms, the session still ends at 4s.
		busy := login(t, s, "root", adminPW)
		start := time.Now()
		for time.Since(start) < 3500*time.Millisecond {
			if st, _, _ := do(t, "GET", s.url("/api/v1/email/stats?range=1h"), busy, nil); st != 200 {
				t.Fatalf("busy session refused after %v: %d", time.Since(start), st)
			}
			time.Sleep(500 * time.Millisecond)
		}
		time.Sleep(time.Until(start.Add(4200 * time.Millisecond)))
		if st, _, _ := do(t, "GET", s.url("/api/v1/auth/me"), busy, nil); st != 401 {
			t.Errorf("after the absolute lifetime: %d, want 401", st)
		}
	})
}

// TestCSRF: changes made with a session need the session's token and, when
// an Origin is sent, this origin; API keys need neither.
func TestCSRF(t *testing.T) {
	s, admin := startWithAdmin(t)
	node := func(name string) []byte { return []byte(`{"name":"` + name + `","role":"mx"}`) }
	noToken := cred{cookie: admin.cookie}
	wrong := cred{cookie: admin.cookie, csrf: "x" + admin.csrf}
	for _, tc := range []struct {
		name    string
		c       cred
		headers []string
		want    int
	}{
		{"no token", noToken, nil, 403},
		{"wrong token", wrong, nil, 403},
		{"other origin", admin, []string{"Origin", "https://evil.example"}, 403},
		{"null origin", admin, []string{"Origin", "null"}, 403},
		{"same origin", admin, []string{"Origin", "http://" + s.addr}, 201},
		{"no origin", admin, nil, 201},
	} {
		st, _, b := do(t, "POST", s.url("/api/v1/admin/nodes"), tc.c, node(strings.ReplaceAll(tc.name, " ", "-")), tc.headers...)
		if st != tc.want || st == 403 && !strings.Contains(string(b), `"code":"csrf"`) {
			t.Errorf("%s: %d %s, want %d", tc.name, st, b, tc.want)
		}
	}
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		path := "/api/v1/admin/settings"
		if m != "PUT" {
			path = "/api/v1/admin/nodes/1"
		}
		if st, _, _ := do(t, m, s.url(path), noToken, []byte(`{}`)); st != 403 {
			t.Errorf("%s without token: %d, want 403", m, st)
		}
	}
	if st, _, _ := do(t, "POST", s.url("/api/v1/auth/logout"), noToken, nil); st != 403 {
		t.Errorf("logout without token: %d, want 403", st)
	}
	if st, _, _ := loginStatus(t, s, "root", adminPW, "Origin", "https://evil.example"); st != 403 {
		t.Errorf("login from another origin: %d, want 403", st)
	}
	if st, _, _ := do(t, "GET", s.url("/api/v1/admin/nodes"), noToken, nil); st != 200 {
		t.Errorf("GET needs no token: %d", st)
	}
	key := s.key("csrf-ingest", "ingest")
	if st, _, b := post(t, s.url("/api/v1/events/ingest"), key, []byte(evJSON(time.Now(), "delivered", "")),
		"Origin", "https://evil.example"); st != 202 {
		t.Errorf("API key with a foreign Origin: %d %s, want 202", st, b)
	}
}

// TestLoginLockout: failures lock a username whether or not it exists,
// with the same answers and similar timing, and lock an address.
func TestLoginLockout(t *testing.T) {
	s, _ := startWithAdmin(t)
	s.addUser(t, "carol", "viewer", "carol password 1")
	var bodies []string
	var known, unknown []time.Duration
	for i := range 5 {
		start := time.Now()
		st1, _, b1 := loginStatus(t, s, "carol", "wrong password "+strconv.Itoa(i))
		known = append(known, time.Since(start))
		start = time.Now()
		st2, _, b2 := loginStatus(t, s, "nobody-here", "wrong password "+strconv.Itoa(i))
		unknown = append(unknown, time.Since(start))
		if st1 != 401 || st2 != 401 {
			t.Fatalf("attempt %d: %d %d, want 401", i, st1, st2)
		}
		bodies = append(bodies, string(b1), string(b2))
	}
	want := `{"error":{"code":"invalid_credentials","message":"invalid username or password"}}` + "\n"
	for _, b := range bodies {
		if b != want {
			t.Errorf("failure answer %q, want %q", b, want)
		}
	}
	mk, mu := median(known), median(unknown)
	if mu < mk/3 || mu > mk*3 {
		t.Errorf("median time: wrong password %v, unknown user %v: the difference gives names away", mk, mu)
	}
	for _, name := range []string{"carol", "nobody-here"} {
		pw := "carol password 1" // right for carol: a locked name stays locked
		st, h, b := loginStatus(t, s, name, pw)
		if st != 429 || h.Get("Retry-After") == "" || !strings.Contains(string(b), "too_many_attempts") {
			t.Errorf("%s after 5 failures: %d %s Retry-After %q, want 429", name, st, b, h.Get("Retry-After"))
		}
		if ra, _ := strconv.Atoi(h.Get("Retry-After")); ra < 60 || ra > 900 {
			t.Errorf("%s: Retry-After %q, want up to 15 minutes", name, h.Get("Retry-After"))
		}
	}
	// Others can still log in, until the address itself is over its limit.
	login(t, s, "root", adminPW)
	for i := range 10 {
		if st, _, _ := loginStatus(t, s, "spray"+strconv.Itoa(i), "wrong password"); st != 401 {
			t.Fatalf("spray %d: %d", i, st)
		}
	}
	if st, _, _ := loginStatus(t, s, "root", adminPW); st != 429 {
		t.Errorf("after 20 failures from one address: %d, want 429", st)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

type keyView struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Prefix       string     `json:"prefix"`
	Scopes       []string   `json:"scopes"`
	AllowedCIDRs []string   `json:"allowedCidrs"`
	LastUsedAt   *time.Time `json:"lastUsedAt"`
	LastUsedAddr string     `json:"lastUsedAddr"`
	RevokedAt    *time.Time `json:"revokedAt"`
}

func createKey(t *testing.T, s *server, admin cred, name string, scopes, cidrs []string) (keyView, string) {
	t.Helper()
	var res struct {
		Key    keyView `json:"key"`
		Secret string  `json:"secret"`
	}
	body := map[string]any{"name": name, "scopes": scopes}
	if cidrs != nil {
		body["allowedCidrs"] = cidrs
	}
	if st := doJSON(t, "POST", s.url("/api/v1/admin/api-keys"), admin, body, &res); st != 201 ||
		!strings.HasPrefix(res.Secret, "tm_") || !strings.HasPrefix(res.Secret, res.Key.Prefix) {
		t.Fatalf("create key: %d %+v", st, res)
	}
	return res.Key, res.Secret
}

// TestKeyRevocationImmediate: a key revoked in the admin API fails on the
// very next request, for ingest and for reads.
func TestKeyRevocationImmediate(t *testing.T) {
	backends(t, func(t *testing.T, storeArgs ...string) {
		s, admin := startWithAdmin(t, storeArgs...)
		k, secret := createKey(t, s, admin, "both", []string{"ingest", "read"}, nil)
		if st, _, b := get(t, s.url("/api/v1/email/stats?range=1h"), secret); st != 200 {
			t.Fatalf("new key: %d %s", st, b)
		}
		if st, _, b := post(t, s.url("/api/v1/events/ingest"), secret, []byte(evJSON(time.Now(), "delivered", ""))); st != 202 {
			t.Fatalf("new key ingest: %d %s", st, b)
		}
		if st, _, _ := do(t, "DELETE", s.url("/api/v1/admin/api-keys/"+strconv.FormatInt(k.ID, 10)), admin, nil); st != 204 {
			t.Fatalf("revoke: %d", st)
		}
		if st, _, _ := get(t, s.url("/api/v1/email/stats?range=1h"), secret); st != 401 {
			t.Errorf("read with the revoked key: %d, want 401", st)
		}
		if st, _, _ := post(t, s.url("/api/v1/events/ingest"), secret, []byte(evJSON(time.Now(), "delivered", ""))); st != 401 {
			t.Errorf("ingest with the revoked key: %d, want 401", st)
		}
		if st, _, _ := do(t, "DELETE", s.url("/api/v1/admin/api-keys/"+strconv.FormatInt(k.ID, 10)), admin, nil); st != 404 {
			t.Errorf("revoke twice: %d, want 404", st)
		}
		var list struct {
			Keys []keyView `json:"keys"`
		}
		doJSON(t, "GET", s.url("/api/v1/admin/api-keys"), admin, nil, &list)
		if len(list.Keys) != 1 || list.Keys[0].RevokedAt == nil || list.Keys[0].LastUsedAt == nil ||
			list.Keys[0].LastUsedAddr != "127.0.0.1" || !slices.Equal(list.Keys[0].Scopes, []string{"ingest", "read"}) {
			t.Errorf("key list = %+v", list.Keys)
		}
		raw, _ := json.Marshal(list)
		if strings.Contains(string(raw), secret) {
			t.Error("the key list shows the secret")
		}
	})
}

// TestKeyCIDRAllowList: a key works only from its networks; the client
// address comes from X-Forwarded-For only behind a trusted proxy.
func TestKeyCIDRAllowList(t *testing.T) {
	s, admin := startWithAdmin(t, "--trusted-proxies", "127.0.0.1/32")
	_, tenNet := createKey(t, s, admin, "ten", []string{"ingest", "read"}, []string{"10.0.0.0/8"})
	_, local := createKey(t, s, admin, "local", []string{"read"}, []string{"127.0.0.1", "2001:db8::/32"})
	if _, _, b := do(t, "POST", s.url("/api/v1/admin/api-keys"), admin, []byte(`{"name":"bad","scopes":["read"],"allowedCidrs":["10.0.0.0/33"]}`)); !strings.Contains(string(b), "invalid_request") {
		t.Errorf("bad CIDR: %s", b)
	}
	ev := []byte(evJSON(time.Now(), "delivered", ""))
	for _, tc := range []struct {
		name, key, xff string
		read, ingest   int
	}{
		{"outside the list", tenNet, "", 403, 403},
		{"inside via trusted proxy", tenNet, "10.1.2.3", 200, 202},
		{"outside via trusted proxy", tenNet, "192.0.2.1", 403, 403},
		{"spoofed hop before the proxy's", tenNet, "10.9.9.9, 192.0.2.1", 403, 403},
		{"local key from localhost", local, "", 200, 403},
	} {
		var h []string
		if tc.xff != "" {
			h = []string{"X-Forwarded-For", tc.xff}
		}
		st, _, b := do(t, "GET", s.url("/api/v1/email/stats?range=1h"), cred{key: tc.key}, nil, h...)
		if st != tc.read || st == 403 && tc.key == tenNet && !strings.Contains(string(b), "address_not_allowed") {
			t.Errorf("%s: read %d %s, want %d", tc.name, st, b, tc.read)
		}
		if st, _, b := do(t, "POST", s.url("/api/v1/events/ingest"), cred{key: tc.key}, ev, h...); st != tc.ingest {
			t.Errorf("%s: ingest %d %s, want %d", tc.name, st, b, tc.ingest)
		}
	}
	// Without a trusted proxy, X-Forwarded-For is nobody's word.
	s2, admin2 := startWithAdmin(t)
	_, key2 := createKey(t, s2, admin2, "ten", []string{"read"}, []string{"10.0.0.0/8"})
	if st, _, _ := do(t, "GET", s2.url("/api/v1/email/stats?range=1h"), cred{key: key2}, nil, "X-Forwarded-For", "10.1.2.3"); st != 403 {
		t.Errorf("forged X-Forwarded-For without --trusted-proxies: %d, want 403", st)
	}
	// The CLI makes restricted keys too.
	cliKey := strings.TrimSpace(s2.cli("apikey", "create", "--name", "cli-ten", "--scope", "read", "--allowed-cidrs", "10.0.0.0/8,192.0.2.7"))
	if st, _, b := get(t, s2.url("/api/v1/email/stats?range=1h"), cliKey); st != 403 || !strings.Contains(string(b), "address_not_allowed") {
		t.Errorf("CLI key with an allow-list from localhost: %d %s", st, b)
	}
	cliLocal := strings.TrimSpace(s2.cli("apikey", "create", "--name", "cli-local", "--scope", "read", "--allowed-cidrs", "127.0.0.0/8"))
	if st, _, b := get(t, s2.url("/api/v1/email/stats?range=1h"), cliLocal); st != 200 {
		t.Errorf("CLI key allowed from localhost: %d %s", st, b)
	}
	if list := s2.cli("apikey", "list"); !strings.Contains(list, "10.0.0.0/8,192.0.2.7/32") || !strings.Contains(list, "127.0.0.1") {
		t.Errorf("apikey list does not show the allow-lists and last address:\n%s", list)
	}
}

// TestInjectionProbes: SQL metacharacters and markup in names and search
// fields are data, stored and returned as given and escaped in JSON.
func TestInjectionProbes(t *testing.T) {
	backends(t, func(t *testing.T, storeArgs ...string) {
		s, admin := startWithAdmin(t, storeArgs...)
		probe := `<script>alert(1)</script>'; DROP TABLE mta_nodes; --`
		var n struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
			Role string `json:"role"`
		}
		if st := doJSON(t, "POST", s.url("/api/v1/admin/nodes"), admin, map[string]string{"name": probe, "role": `" OR 1=1 --`}, &n); st != 201 || n.Name != probe {
			t.Fatalf("node with probe name: %d %+v", st, n)
		}
		st, h, raw := do(t, "GET", s.url("/api/v1/admin/nodes"), admin, nil)
		if st != 200 || bytes.Contains(raw, []byte("<script>")) || !bytes.Contains(raw, []byte(`\u003cscript\u003e`)) ||
			!strings.HasPrefix(h.Get("Content-Type"), "application/json") || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("node list: %d %s %v", st, raw, h)
		}
		var list struct {
			Nodes []struct{ Name, Role string } `json:"nodes"`
		}
		_ = json.Unmarshal(raw, &list)
		if len(list.Nodes) != 1 || list.Nodes[0].Name != probe || list.Nodes[0].Role != `" OR 1=1 --` {
			t.Errorf("nodes after the probe = %+v", list.Nodes)
		}
		// Usernames are restricted; a probe is refused, not run.
		for _, name := range []string{`admin' OR '1'='1`, `<img src=x onerror=alert(1)>`, "root\x00"} {
			st, _, b := do(t, "POST", s.url("/api/v1/admin/users"), admin,
				mustJSON(map[string]string{"username": name, "password": "long enough password", "role": "viewer"}))
			if st != 400 {
				t.Errorf("username %q: %d %s, want 400", name, st, b)
			}
			if st, _, _ := loginStatus(t, s, name, adminPW); st != 401 {
				t.Errorf("login as %q: %d, want 401", name, st)
			}
		}
		if st, _, _ := loginStatus(t, s, `root' --`, "x"); st != 401 {
			t.Errorf("login probe: %d, want 401", st)
		}
		// Search fields: events exist, a probe matches none of them.
		ingest := s.cliKey(t, "probe-ingest", "ingest", storeArgs)
		read := s.cliKey(t, "probe-read", "read", storeArgs)
		post(t, s.url("/api/v1/events/ingest"), ingest, []byte(evJSON(time.Now(), "bounced",
			`,"toAddress":"a@b.example","statusMessage":"550 <b>no</b>"`)))
		eventually(t, 10*time.Second, "the event to be stored", func() bool {
			var r struct{ Events []any }
			return getJSON(t, s.url("/api/v1/email/events?range=1h"), read, &r) == 200 && len(r.Events) == 1
		})
		for _, q := range []string{"address=" + url.QueryEscape(`' OR '1'='1`), "q=" + url.QueryEscape(`%' OR 1=1 --`),
			"toDomain=" + url.QueryEscape(`x" OR ""="`), "q=" + url.QueryEscape(`<script>`)} {
			var r struct{ Events []any }
			if st := getJSON(t, s.url("/api/v1/email/events?range=1h&"+q), read, &r); st != 200 || len(r.Events) != 0 {
				t.Errorf("search %s: %d, %d events, want 200 and none", q, st, len(r.Events))
			}
		}
		for _, p := range []string{"/api/v1/email/events?range=1h&q=%00", "/api/v1/email/events?range=1h&address=a%00b",
			"/api/v1/email/events?range=1h&q=%ff%fe", "/api/v1/email/trace/a%00b"} {
			if st, _, b := get(t, s.url(p), read); st != 400 || !strings.Contains(string(b), "invalid_parameter") {
				t.Errorf("GET %s: %d %s, want 400", p, st, b)
			}
		}
		var r struct {
			Events []struct {
				StatusMessage string `json:"statusMessage"`
			}
		}
		if st := getJSON(t, s.url("/api/v1/email/events?range=1h&q="+url.QueryEscape("<b>no")), read, &r); st != 200 ||
			len(r.Events) != 1 || r.Events[0].StatusMessage != "550 <b>no</b>" {
			t.Errorf("search for markup as text = %d %+v", st, r.Events)
		}
		// And the tables are all there.
		if st, _, _ := do(t, "GET", s.url("/api/v1/admin/users"), admin, nil); st != 200 {
			t.Errorf("users after the probes: %d", st)
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
