package e2e

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// paramBase holds the parameters an operation needs besides the one under
// test.
var paramBase = map[string]url.Values{
	"GET /api/v1/email/events/export": {"format": {"ndjson"}},
}

// paramCase is one value of a parameter and whether the server must take it.
type paramCase struct {
	value string
	ok    bool
}

// TestOpenAPIParameters holds the document's parameter schemas to what the
// parsers enforce: for every query parameter of every GET operation, each
// value of an enum is accepted and a value outside it refused; integer
// bounds are accepted and one past them refused; likewise date-times and
// maximum lengths; and a parameter given twice is refused. Every accepted
// answer is also validated against its schema.
func TestOpenAPIParameters(t *testing.T) {
	s := startServer(t)
	s.addUser(t, "params-admin", "admin", "admin password 1")
	admin := login(t, s, "params-admin", "admin password 1")
	d := loadOpenAPI(t)
	checked := 0
	for pattern, op := range d.operations(t) {
		method, path, _ := strings.Cut(pattern, " ")
		params, _ := op["parameters"].([]any)
		if method != "GET" || len(params) == 0 {
			continue
		}
		for _, raw := range params {
			p, err := d.deref(raw)
			if err != nil {
				t.Fatalf("%s: %v", pattern, err)
			}
			if p["in"] != "query" {
				continue
			}
			name := p["name"].(string)
			cases := d.paramCases(t, pattern, name, p["schema"])
			if len(cases) == 0 {
				continue
			}
			for _, c := range cases {
				q := url.Values{}
				for k, v := range paramBase[pattern] {
					q[k] = v
				}
				q.Set(name, c.value)
				checkParam(t, d, s, admin, pattern, path+"?"+q.Encode(), name, c.ok)
				checked++
			}
			// The query endpoints refuse a parameter given twice, except a
			// list (eventType), which may be repeated; the audit log takes
			// the first.
			if !strings.HasPrefix(path, "/api/v1/email/") || p["explode"] == false {
				continue
			}
			q := url.Values{}
			for k, v := range paramBase[pattern] {
				q[k] = v
			}
			q[name] = []string{cases[0].value, cases[0].value}
			checkParam(t, d, s, admin, pattern, path+"?"+q.Encode(), name, false)
		}
	}
	t.Logf("%d parameter values checked", checked)
	if checked < 100 {
		t.Errorf("only %d parameter values checked; is the document's parameter list readable?", checked)
	}
}

func checkParam(t *testing.T, d *schemaDoc, s *server, c cred, pattern, path, name string, ok bool) {
	t.Helper()
	status, h, body := do(t, "GET", s.url(path), c, nil)
	switch {
	case ok && status != 200:
		t.Errorf("GET %s: %d, the document says it is accepted: %.300s", path, status, body)
	case !ok && status != 400:
		t.Errorf("GET %s: %d, the document says it is refused", path, status)
	case !ok:
		var e struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != "invalid_parameter" || !strings.Contains(e.Error.Message, name) {
			t.Errorf("GET %s: error %+v, want invalid_parameter naming %q", path, e.Error, name)
		}
	}
	d.checkAnswer(t, pattern, status, h, body)
}

// paramCases returns values the schema accepts and refuses, from its enum,
// bounds, format and length.
func (d *schemaDoc) paramCases(t *testing.T, pattern, name string, schema any) []paramCase {
	t.Helper()
	s, err := d.deref(schema)
	if err != nil {
		t.Fatalf("%s %s: %v", pattern, name, err)
	}
	if s["type"] == "array" {
		if s, err = d.deref(s["items"]); err != nil {
			t.Fatalf("%s %s items: %v", pattern, name, err)
		}
	}
	var cases []paramCase
	if enum, ok := s["enum"].([]any); ok {
		for _, v := range enum {
			cases = append(cases, paramCase{v.(string), true})
		}
		cases = append(cases, paramCase{"no-such-value", false})
	}
	if s["type"] == "integer" {
		if n, ok := s["minimum"].(json.Number); ok {
			v, _ := n.Int64()
			cases = append(cases, paramCase{strconv.FormatInt(v, 10), true}, paramCase{strconv.FormatInt(v-1, 10), false})
		}
		if n, ok := s["maximum"].(json.Number); ok {
			v, _ := n.Int64()
			cases = append(cases, paramCase{strconv.FormatInt(v, 10), true}, paramCase{strconv.FormatInt(v+1, 10), false})
		}
		cases = append(cases, paramCase{"1.5", false})
	}
	if s["format"] == "date-time" {
		ago := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
		cases = append(cases, paramCase{ago, true}, paramCase{"yesterday", false}, paramCase{"1960-01-01T00:00:00Z", false})
	}
	if n, ok := s["maxLength"].(json.Number); ok {
		v, _ := n.Int64()
		cases = append(cases, paramCase{strings.Repeat("x", int(v)), true}, paramCase{strings.Repeat("x", int(v)+1), false})
	}
	if len(cases) > 0 && !cases[0].ok {
		t.Fatalf("%s %s: the first case must be an accepted value", pattern, name)
	}
	return cases
}
