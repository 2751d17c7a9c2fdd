package e2e

import (
	"mime"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// openAPIFile is the document as committed; the binary embeds it.
const openAPIFile = "../internal/httpapi/openapi.json"

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func loadOpenAPI(t *testing.T) *schemaDoc {
	t.Helper()
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := newSchemaDoc(b)
	if err != nil {
		t.Fatalf("%s: %v", openAPIFile, err)
	}
	return d
}

// operations returns the document's operations as "METHOD /path" patterns,
// the form routes.go registers them in.
func (d *schemaDoc) operations(t *testing.T) map[string]map[string]any {
	t.Helper()
	paths, ok := d.root.(map[string]any)["paths"].(map[string]any)
	if !ok {
		t.Fatal("the document has no paths")
	}
	ops := map[string]map[string]any{}
	for p, item := range paths {
		for m, op := range item.(map[string]any) {
			if !slices.Contains(httpMethods, m) {
				continue
			}
			ops[strings.ToUpper(m)+" "+p] = op.(map[string]any)
		}
	}
	return ops
}

// TestOpenAPIRoutes fails unless the document describes exactly the routes
// registered in internal/httpapi, each with its security and responses, and
// every reference in it resolves.
func TestOpenAPIRoutes(t *testing.T) {
	d := loadOpenAPI(t)
	ops := d.operations(t)
	routes := registeredRoutes(t)
	for _, r := range routes {
		if ops[r] == nil {
			t.Errorf("route %q is registered in internal/httpapi but not in %s", r, openAPIFile)
		}
	}
	ids := map[string]string{}
	for pattern, op := range ops {
		if !slices.Contains(routes, pattern) {
			t.Errorf("%s describes %q, which internal/httpapi does not register", openAPIFile, pattern)
		}
		id, _ := op["operationId"].(string)
		if id == "" || ids[id] != "" {
			t.Errorf("%s: operationId %q missing or also used by %s", pattern, id, ids[id])
		}
		ids[id] = pattern
		if _, ok := op["security"].([]any); !ok {
			t.Errorf("%s: no security (use [] for a public route)", pattern)
		}
		// A session changes nothing without its CSRF token; reads need none.
		sec, _ := op["security"].([]any)
		for _, r := range sec {
			_, session := r.(map[string]any)["session"]
			_, csrf := r.(map[string]any)["csrf"]
			if session && csrf != !strings.HasPrefix(pattern, "GET ") {
				t.Errorf("%s: a session requirement with csrf=%v", pattern, csrf)
			}
		}
		if resp, _ := op["responses"].(map[string]any); len(resp) == 0 {
			t.Errorf("%s: no responses", pattern)
		}
	}
	for _, row := range authMatrix {
		if op := ops[row.pattern]; op != nil {
			if got, want := securityClass(op["security"]), matrixClass(row.want); got != want {
				t.Errorf("%s: the document's security says %s, the authorization matrix %s", row.pattern, got, want)
			}
		}
	}
	walkRefs(d.root, func(ref string) {
		if _, err := d.resolve(ref); err != nil {
			t.Errorf("dangling reference: %v", err)
		}
	})
}

// securityClass sums up an operation's security requirements as who may
// call it: public, ingest (key), read (key or any session), session (any
// session only) or admin (admin session only).
func securityClass(sec any) string {
	reqs, _ := sec.([]any)
	if len(reqs) == 0 {
		return "public"
	}
	var parts []string
	for _, r := range reqs {
		for scheme, roles := range r.(map[string]any) {
			if scheme == "csrf" {
				continue
			}
			for _, role := range roles.([]any) {
				scheme += ":" + role.(string)
			}
			parts = append(parts, scheme)
		}
	}
	sort.Strings(parts)
	switch strings.Join(parts, " ") {
	case "apiKey:ingest bearer:ingest":
		return "ingest"
	case "apiKey:read bearer:read session":
		return "read"
	case "session":
		return "session"
	case "session:admin":
		return "admin"
	}
	return "unknown (" + strings.Join(parts, " ") + ")"
}

// matrixClass is securityClass from the statuses of an authMatrix row.
func matrixClass(want [5]int) string {
	ok := func(c int) bool { return want[c] < 300 }
	switch {
	case ok(credNone):
		return "public"
	case ok(credIngest):
		return "ingest"
	case ok(credRead):
		return "read"
	case ok(credViewer):
		return "session"
	case ok(credAdmin):
		return "admin"
	}
	return "nobody"
}

func walkRefs(v any, fn func(string)) {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok {
			fn(ref)
		}
		for _, c := range x {
			walkRefs(c, fn)
		}
	case []any:
		for _, c := range x {
			walkRefs(c, fn)
		}
	}
}

// checkAnswer fails unless the document declares the answer's status for
// the operation, its content type, and (for JSON) a schema the body
// validates against.
func (d *schemaDoc) checkAnswer(t *testing.T, pattern string, status int, h http.Header, body []byte) {
	t.Helper()
	op := d.operations(t)[pattern]
	if op == nil {
		t.Errorf("%s: not in the document", pattern)
		return
	}
	rawResp, ok := op["responses"].(map[string]any)[strconv.Itoa(status)]
	if !ok {
		t.Errorf("%s answered %d, which the document does not declare: %.300s", pattern, status, body)
		return
	}
	resp, err := d.deref(rawResp)
	if err != nil {
		t.Errorf("%s %d: %v", pattern, status, err)
		return
	}
	content, _ := resp["content"].(map[string]any)
	ct := h.Get("Content-Type")
	if len(body) == 0 && ct == "" {
		if len(content) > 0 {
			t.Errorf("%s %d: empty body, the document declares %v", pattern, status, keys(content))
		}
		return
	}
	mt, _, _ := mime.ParseMediaType(ct)
	media, ok := content[mt].(map[string]any)
	if !ok {
		t.Errorf("%s %d: content type %q, the document declares %v", pattern, status, mt, keys(content))
		return
	}
	if mt != "application/json" {
		return
	}
	inst, err := decodeJSONNumbers(body)
	if err != nil {
		t.Errorf("%s %d: body is not JSON: %v", pattern, status, err)
		return
	}
	for _, e := range d.validate(media["schema"], inst, "$") {
		t.Errorf("%s %d: %s", pattern, status, e)
	}
}

// checkRequestBody fails unless a JSON body the server took validates
// against the operation's request schema: the document must not refuse
// what the server accepts.
func (d *schemaDoc) checkRequestBody(t *testing.T, pattern string, body []byte) {
	t.Helper()
	rb, _ := d.operations(t)[pattern]["requestBody"].(map[string]any)
	content, _ := rb["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	if media == nil {
		t.Errorf("%s: the server took a JSON body, the document declares none", pattern)
		return
	}
	inst, err := decodeJSONNumbers(body)
	if err != nil {
		t.Fatalf("%s: request body: %v", pattern, err)
	}
	for _, e := range d.validate(media["schema"], inst, "body") {
		t.Errorf("%s: accepted request %s", pattern, e)
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// schemaAt returns the document's schema of that name.
func (d *schemaDoc) schemaAt(t *testing.T, name string) any {
	t.Helper()
	s, err := d.resolve("#/components/schemas/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
