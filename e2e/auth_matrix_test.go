package e2e

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/webui"
)

// The credentials of the authorization matrix, in column order.
const (
	credNone = iota
	credViewer
	credAdmin
	credIngest
	credRead
)

var credNames = []string{"none", "viewer session", "admin session", "ingest key", "read key"}

// matrixRow is one route and the exact status each credential gets.
type matrixRow struct {
	pattern string // as registered in internal/httpapi
	// request returns the path and body of one call; it may create what the
	// call needs (a user to delete…) with the admin credential.
	request func(t *testing.T, f *matrixFixture) (path string, body string)
	want    [5]int // none, viewer, admin, ingest key, read key
}

// matrixFixture is a server with one user or key of each kind.
type matrixFixture struct {
	s                  *server
	ingestKey, readKey string
	admin              cred
	n                  atomic.Int64
}

func (f *matrixFixture) unique(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, f.n.Add(1))
}

func fixed(path, body string) func(*testing.T, *matrixFixture) (string, string) {
	return func(*testing.T, *matrixFixture) (string, string) { return path, body }
}

// created makes a record with the admin API and returns the path of it.
func created(collection, body string) func(*testing.T, *matrixFixture) (string, string) {
	return func(t *testing.T, f *matrixFixture) (string, string) {
		var res struct {
			ID  int64 `json:"id"`
			Key struct {
				ID int64 `json:"id"`
			} `json:"key"`
		}
		b := strings.ReplaceAll(body, "NAME", f.unique("m"))
		status, _, raw := do(t, "POST", f.s.url("/api/v1/admin/"+collection), f.admin, []byte(b))
		if status != 201 {
			t.Fatalf("create %s: %d %s", collection, status, raw)
		}
		if err := jsonUnmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		id := max(res.ID, res.Key.ID)
		return "/api/v1/admin/" + collection + "/" + strconv.FormatInt(id, 10), patchBody(collection, f)
	}
}

func patchBody(collection string, f *matrixFixture) string {
	switch collection {
	case "users":
		return `{"role":"viewer"}`
	case "nodes":
		return fmt.Sprintf(`{"name":%q,"role":"inbound"}`, f.unique("renamed"))
	}
	return ""
}

// newBody returns a creation body with a fresh name on each call.
func newBody(body string) func(*testing.T, *matrixFixture) (string, string) {
	return func(t *testing.T, f *matrixFixture) (string, string) {
		path, b, _ := strings.Cut(body, " ")
		return path, strings.ReplaceAll(b, "NAME", f.unique("n"))
	}
}

var (
	read200  = [5]int{401, 200, 200, 403, 200}
	admin200 = [5]int{401, 403, 200, 403, 403}
	admin201 = [5]int{401, 403, 201, 403, 403}
	admin204 = [5]int{401, 403, 204, 403, 403}
	public   = [5]int{200, 200, 200, 200, 200}
)

// authMatrix has one row per route of internal/httpapi. TestRoutesInMatrix
// fails when a route is added there without a row here.
var authMatrix = []matrixRow{
	{"POST /api/v1/events/ingest", func(t *testing.T, f *matrixFixture) (string, string) {
		return "/api/v1/events/ingest", evJSON(time.Now(), "delivered", `,"messageId":"<matrix@x>"`)
	}, [5]int{401, 401, 401, 202, 403}},
	{"GET /api/v1/email/throughput", fixed("/api/v1/email/throughput?range=1h", ""), read200},
	{"GET /api/v1/email/stats", fixed("/api/v1/email/stats?range=1h", ""), read200},
	{"GET /api/v1/email/bounce-analysis", fixed("/api/v1/email/bounce-analysis?range=1h", ""), read200},
	{"GET /api/v1/email/delivery-time", fixed("/api/v1/email/delivery-time?range=1h", ""), read200},
	{"GET /api/v1/email/message-size", fixed("/api/v1/email/message-size?range=1h", ""), read200},
	{"GET /api/v1/email/events", fixed("/api/v1/email/events?range=1h", ""), read200},
	{"GET /api/v1/email/events/export", fixed("/api/v1/email/events/export?range=1h&format=ndjson", ""), read200},
	{"GET /api/v1/email/inbound", fixed("/api/v1/email/inbound?range=1h", ""), read200},
	{"GET /api/v1/sources", fixed("/api/v1/sources", ""), read200},
	{"GET /api/v1/email/queue", fixed("/api/v1/email/queue?range=1h", ""), read200},
	{"GET /api/v1/email/trace/{id}", fixed("/api/v1/email/trace/"+url.PathEscape("<matrix-seed@x>"), ""), read200},
	{"GET /api/v1/live", fixed("/api/v1/live", ""), read200},

	{"POST /api/v1/auth/login", fixed("/api/v1/auth/login", `{"username":"matrix-viewer","password":"viewer password 1"}`), public},
	{"POST /api/v1/auth/logout", fixed("/api/v1/auth/logout", ""), [5]int{401, 204, 204, 401, 401}},
	{"GET /api/v1/auth/me", fixed("/api/v1/auth/me", ""), [5]int{401, 200, 200, 401, 401}},

	{"GET /api/v1/admin/users", fixed("/api/v1/admin/users", ""), admin200},
	{"POST /api/v1/admin/users", newBody(`/api/v1/admin/users {"username":"NAME","password":"a long password","role":"viewer"}`), admin201},
	{"PATCH /api/v1/admin/users/{id}", created("users", `{"username":"NAME","password":"a long password","role":"admin"}`), admin200},
	{"DELETE /api/v1/admin/users/{id}", created("users", `{"username":"NAME","password":"a long password","role":"viewer"}`), admin204},
	{"GET /api/v1/admin/api-keys", fixed("/api/v1/admin/api-keys", ""), admin200},
	{"POST /api/v1/admin/api-keys", newBody(`/api/v1/admin/api-keys {"name":"NAME","scopes":["read"]}`), admin201},
	{"DELETE /api/v1/admin/api-keys/{id}", created("api-keys", `{"name":"NAME","scopes":["ingest"]}`), admin204},
	{"GET /api/v1/admin/nodes", fixed("/api/v1/admin/nodes", ""), admin200},
	{"POST /api/v1/admin/nodes", newBody(`/api/v1/admin/nodes {"name":"NAME","role":"outbound","apiUrl":"http://10.0.0.1:12080"}`), admin201},
	{"PATCH /api/v1/admin/nodes/{id}", created("nodes", `{"name":"NAME","role":"outbound"}`), admin200},
	{"DELETE /api/v1/admin/nodes/{id}", created("nodes", `{"name":"NAME","role":"mx"}`), admin204},
	{"GET /api/v1/admin/settings", fixed("/api/v1/admin/settings", ""), admin200},
	{"PUT /api/v1/admin/settings", fixed("/api/v1/admin/settings", `{"retention":{"events":"30d","rollup5m":"35d","rollup1h":"400d","rollup1d":"0"}}`), admin200},
	{"GET /api/v1/admin/audit-log", fixed("/api/v1/admin/audit-log?limit=5", ""), admin200},

	{"GET /api/v1/openapi.json", fixed("/api/v1/openapi.json", ""), public},
	{"GET /healthz", fixed("/healthz", ""), public},
	{"GET /readyz", fixed("/readyz", ""), public},
	{"GET /metrics", fixed("/metrics", ""), public},
}

// dashboardPaths are served by internal/webui to everyone: the app shell and
// its assets hold no data; the app then calls the API above as the person
// who logged in.
var dashboardPaths = append(append([]string{}, webui.Routes...), webui.TracePrefix+"abc")

// TestRoutesInMatrix reads the routes registered in internal/httpapi and
// fails unless each has exactly one row in authMatrix: a new route must
// say who may call it.
func TestRoutesInMatrix(t *testing.T) {
	routes := registeredRoutes(t)
	var rows []string
	for _, r := range authMatrix {
		if slices.Contains(rows, r.pattern) {
			t.Errorf("route %q has two rows in authMatrix", r.pattern)
		}
		rows = append(rows, r.pattern)
	}
	for _, r := range routes {
		if !slices.Contains(rows, r) {
			t.Errorf("route %q is registered in internal/httpapi but has no row in authMatrix (e2e/auth_matrix_test.go)", r)
		}
	}
	for _, r := range rows {
		if !slices.Contains(routes, r) {
			t.Errorf("authMatrix row %q matches no route registered in internal/httpapi", r)
		}
	}
}

// registeredRoutes parses internal/httpapi for mux.Handle and
// mux.HandleFunc calls and returns their patterns. A pattern that is not a
// string literal fails the test: the matrix must be able to see it.
func registeredRoutes(t *testing.T) []string {
	fset := token.NewFileSet()
	files, err := filepath.Glob("../internal/httpapi/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sources of internal/httpapi: %v", err)
	}
	var routes []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") || len(call.Args) != 2 {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "mux" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: a route pattern that is not a string literal; the authorization matrix cannot check it", fset.Position(call.Pos()))
				return true
			}
			p, _ := strconv.Unquote(lit.Value)
			routes = append(routes, p)
			return true
		})
	}
	if len(routes) < 10 {
		t.Fatalf("found only %d routes in internal/httpapi: %v", len(routes), routes)
	}
	return routes
}

// TestAuthorizationMatrix calls every route with every kind of credential
// and checks the exact status, on both stores.
func TestAuthorizationMatrix(t *testing.T) {
	backends(t, func(t *testing.T, storeArgs ...string) {
		f := &matrixFixture{s: startServer(t, storeArgs...)}
		f.s.addUser(t, "matrix-admin", "admin", "admin password 1")
		f.s.addUser(t, "matrix-viewer", "viewer", "viewer password 1")
		f.ingestKey = f.s.cliKey(t, "matrix-ingest", "ingest", storeArgs)
		f.readKey = f.s.cliKey(t, "matrix-read", "read", storeArgs)
		f.admin = login(t, f.s, "matrix-admin", "admin password 1")
		// An event to trace, so that the trace route answers 200.
		if st, _, b := post(t, f.s.url("/api/v1/events/ingest"), f.ingestKey,
			[]byte(evJSON(time.Now(), "delivered", `,"messageId":"<matrix-seed@x>"`))); st != 202 {
			t.Fatalf("seed: %d %s", st, b)
		}
		eventually(t, 10*time.Second, "the seed event to be stored", func() bool {
			st, _, _ := get(t, f.s.url("/api/v1/email/trace/"+url.PathEscape("<matrix-seed@x>")), f.readKey)
			return st == 200
		})
		for _, p := range dashboardPaths {
			for c := range public {
				if got, b := matrixCall(t, f, "GET", p, "", c); got != 200 || !strings.Contains(b, "<!doctype html>") {
					t.Errorf("dashboard %s as %s: %d, want the app shell", p, credNames[c], got)
				}
			}
		}
		for _, row := range authMatrix {
			for c, want := range row.want {
				path, body := row.request(t, f)
				method, _, _ := strings.Cut(row.pattern, " ")
				got, b := matrixCall(t, f, method, path, body, c)
				if got != want {
					t.Errorf("%s as %s: %d, want %d: %s", row.pattern, credNames[c], got, want, b)
				}
			}
		}
	})
}

// matrixCall makes one call of the matrix; sessions are fresh each time,
// since login and logout end them.
func matrixCall(t *testing.T, f *matrixFixture, method, path, body string, c int) (int, string) {
	var cr cred
	switch c {
	case credViewer:
		cr = login(t, f.s, "matrix-viewer", "viewer password 1")
	case credAdmin:
		cr = login(t, f.s, "matrix-admin", "admin password 1")
	case credIngest:
		cr.key = f.ingestKey
	case credRead:
		cr.key = f.readKey
	}
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	if path == "/api/v1/live" {
		return liveStatus(t, f.s.url(path), cr), ""
	}
	status, _, raw := do(t, method, f.s.url(path), cr, b)
	if len(raw) > 300 {
		raw = raw[:300]
	}
	return status, string(raw)
}

// liveStatus opens the live stream, returns the status and hangs up.
func liveStatus(t *testing.T, u string, c cred) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("live: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
