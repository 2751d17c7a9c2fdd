package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/zonemta/zonemtatest"
)

// openAPIFixture is a running server with data behind every answer: events
// of each kind, a polled ZoneMTA node, users, keys and nodes.
type openAPIFixture struct {
	s                  *server
	doc                *schemaDoc
	ingestKey, readKey string
	admin, viewer      cred
}

func newOpenAPIFixture(t *testing.T, storeArgs ...string) *openAPIFixture {
	now := time.Now().UTC().Truncate(time.Second)
	fake := zonemtatest.New([]string{"default"}, []zonemtatest.Delivery{
		{ID: "Q1", Seq: "001", Zone: "default", Recipient: "a@gmail.com", Created: now.Add(-3 * time.Minute)},
		{ID: "Q2", Seq: "001", Zone: "default", Recipient: "b@yahoo.com", Created: now.Add(-2 * time.Hour),
			Deferred: &zonemtatest.Deferral{First: now.Add(-time.Hour), Last: now.Add(-time.Minute), Next: now.Add(time.Hour), Count: 2, Response: "421 4.7.0 try later"}},
	})
	t.Cleanup(fake.Close)
	args := append([]string{"--zonemta-nodes", "mta1=" + fake.URL, "--zonemta-interval", "200ms"}, storeArgs...)
	f := &openAPIFixture{s: startServer(t, args...), doc: loadOpenAPI(t)}
	f.s.addUser(t, "oa-admin", "admin", "admin password 1")
	f.s.addUser(t, "oa-viewer", "viewer", "viewer password 1")
	f.ingestKey = f.s.cliKey(t, "oa-ingest", "ingest", storeArgs)
	f.readKey = f.s.cliKey(t, "oa-read", "read", storeArgs)
	f.admin = login(t, f.s, "oa-admin", "admin password 1")
	f.viewer = login(t, f.s, "oa-viewer", "viewer password 1")

	at := now.Add(-30 * time.Minute)
	events := []string{
		evJSON(at, "delivered", `,"messageId":"<oa-1@x>","queueId":"Q1","fromAddress":"news@shop.example","toAddress":"a@gmail.com","mtaNode":"mta1","sendingIp":"192.0.2.1","mxHost":"gmail-smtp-in.l.google.com","statusCode":250,"statusMessage":"250 2.0.0 OK","deliveryTimeMs":1200,"queueTimeMs":30,"totalTimeMs":1230,"messageSize":20480`),
		evJSON(at.Add(time.Second), "deferred", `,"messageId":"<oa-2@x>","fromAddress":"news@shop.example","toAddress":"b@yahoo.com","mtaNode":"mta1","statusCode":421,"statusMessage":"421 4.7.0 [TSS04] Messages temporarily deferred"`),
		evJSON(at.Add(2*time.Second), "bounced", `,"messageId":"<oa-2@x>","fromAddress":"news@shop.example","toAddress":"c@outlook.com","mtaNode":"mta2","sendingIp":"192.0.2.2","statusCode":550,"statusMessage":"550 5.1.1 User unknown","messageSize":1000`),
		evJSON(at.Add(3*time.Second), "received", `,"messageId":"<oa-3@x>","fromAddress":"bob@remote.example","toAddress":"me@our.example","spfResult":"pass","dkimResult":"fail","dmarcResult":"none","spamScore":3.5,"spamAction":"greylist","messageSize":5000`),
		evJSON(at.Add(4*time.Second), "rejected", `,"fromAddress":"spam@bad.example","toAddress":"me@our.example","spfResult":"fail","spamAction":"reject","spamScore":12`),
		evJSON(at.Add(5*time.Second), "sent", `,"messageId":"<oa-4@x>","fromAddress":"a@shop.example","toAddress":"d@gmx.de"`),
	}
	if st, _, b := post(t, f.s.url("/api/v1/events/ingest"), f.ingestKey, []byte("["+strings.Join(events, ",")+"]")); st != 202 {
		t.Fatalf("seed: %d %s", st, b)
	}
	eventually(t, 10*time.Second, "the seed events to be stored", func() bool {
		var r struct{ Events []json.RawMessage }
		return getJSON(t, f.s.url("/api/v1/email/events?range=1h"), f.readKey, &r) == 200 && len(r.Events) == len(events)
	})
	eventually(t, 10*time.Second, "the ZoneMTA node to be polled", func() bool {
		var q struct{ Active, Deferred int64 }
		return getJSON(t, f.s.url("/api/v1/email/queue?range=1h"), f.readKey, &q) == 200 && q.Active+q.Deferred == 2
	})
	return f
}

// openAPICall is one request of TestOpenAPIAnswers.
type openAPICall struct {
	pattern string // the route, as in routes.go
	path    string // with the query; "" means the pattern's path
	cred    cred
	body    string
	status  int
	headers []string // extra header pairs
}

// TestOpenAPIAnswers calls every route of the running binary, on both
// stores, in success and in the errors it documents, and validates each
// answer against the document the binary serves.
func TestOpenAPIAnswers(t *testing.T) {
	backends(t, func(t *testing.T, storeArgs ...string) {
		f := newOpenAPIFixture(t, storeArgs...)
		status, h, served := do(t, "GET", f.s.url("/api/v1/openapi.json"), cred{}, nil)
		if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Fatalf("GET /api/v1/openapi.json: %d %s", status, h.Get("Content-Type"))
		}
		if file, _ := os.ReadFile(openAPIFile); string(served) != string(file) {
			t.Fatalf("the served document differs from %s", openAPIFile)
		}
		if st, _, b := do(t, "GET", f.s.url("/api/v1/openapi.json"), cred{}, nil, "If-None-Match", h.Get("ETag")); st != 304 || len(b) != 0 {
			t.Errorf("revalidation: %d %q, want 304 without a body", st, b)
		}
		f.doc.checkAnswer(t, "GET /api/v1/openapi.json", status, h, served)
		for i, c := range openAPICalls(t, f) {
			path := c.path
			if path == "" {
				_, path, _ = strings.Cut(c.pattern, " ")
			}
			method, _, _ := strings.Cut(c.pattern, " ")
			var body []byte
			if c.body != "" {
				body = []byte(c.body)
			}
			headers := slices.Clone(c.headers)
			if c.cred.key != "" && i%2 == 0 { // half the calls send x-api-key, the rest Bearer
				headers = append(headers, "x-api-key", c.cred.key)
				c.cred.key = ""
			}
			got, h, b := do(t, method, f.s.url(path), c.cred, body, headers...)
			if got != c.status {
				t.Errorf("%s %s: %d, want %d: %.300s", method, path, got, c.status, b)
			}
			f.doc.checkAnswer(t, c.pattern, got, h, b)
			// Ingest keeps the valid events of a body with invalid ones: only
			// a body with none rejected is all valid.
			taken := got < 300 && body != nil
			if taken && strings.Contains(string(b), `"rejected":`) {
				taken = strings.Contains(string(b), `"rejected":0,`)
			}
			if taken {
				f.doc.checkRequestBody(t, c.pattern, body)
			}
		}
		checkLive(t, f)
	})
}

func openAPICalls(t *testing.T, f *openAPIFixture) []openAPICall {
	read, ingest := cred{key: f.readKey}, cred{key: f.ingestKey}
	var user struct{ ID int64 }
	if st := doJSON(t, "POST", f.s.url("/api/v1/admin/users"), f.admin,
		map[string]string{"username": "oa-temp", "password": "a long password", "role": "viewer"}, &user); st != 201 {
		t.Fatalf("create user: %d", st)
	}
	var node struct{ ID int64 }
	if st := doJSON(t, "POST", f.s.url("/api/v1/admin/nodes"), f.admin, map[string]string{"name": "oa-temp"}, &node); st != 201 {
		t.Fatalf("create node: %d", st)
	}
	var key struct{ Key struct{ ID int64 } }
	if st := doJSON(t, "POST", f.s.url("/api/v1/admin/api-keys"), f.admin, map[string]any{"name": "oa-temp", "scopes": []string{"read"}}, &key); st != 201 {
		t.Fatalf("create key: %d", st)
	}
	userPath := fmt.Sprintf("/api/v1/admin/users/%d", user.ID)
	nodePath := fmt.Sprintf("/api/v1/admin/nodes/%d", node.ID)
	now := time.Now().UTC()
	return []openAPICall{
		{"POST /api/v1/events/ingest", "", ingest, evJSON(now, "delivered", `,"messageId":"<oa-5@x>"`), 202, nil},
		{"POST /api/v1/events/ingest", "", ingest, "[" + evJSON(now, "sent", "") + `,{"eventType":"nope"}]`, 202, nil},
		{"POST /api/v1/events/ingest", "", ingest, `[{"eventType":"nope"}]`, 400, nil},
		{"POST /api/v1/events/ingest", "", ingest, `{not json`, 400, nil},
		{"POST /api/v1/events/ingest", "", read, evJSON(now, "sent", ""), 403, nil},
		{"POST /api/v1/events/ingest", "", cred{}, evJSON(now, "sent", ""), 401, nil},
		{"POST /api/v1/events/ingest", "", ingest, evJSON(now, "sent", ""), 415, []string{"Content-Encoding", "br"}},

		{"GET /api/v1/email/throughput", "/api/v1/email/throughput?range=1h", read, "", 200, nil},
		{"GET /api/v1/email/throughput", "/api/v1/email/throughput?range=6h&by=node&eventType=delivered,bounced", f.viewer, "", 200, nil},
		{"GET /api/v1/email/throughput", "/api/v1/email/throughput?range=2d", read, "", 400, nil},
		{"GET /api/v1/email/throughput", "/api/v1/email/throughput", cred{}, "", 401, nil},
		{"GET /api/v1/email/throughput", "/api/v1/email/throughput", ingest, "", 403, nil},
		{"GET /api/v1/email/stats", "/api/v1/email/stats?range=1h", read, "", 200, nil},
		{"GET /api/v1/email/stats", "/api/v1/email/stats?range=1h&by=to_domain&sort=avg_delivery_time&limit=2", read, "", 200, nil},
		{"GET /api/v1/email/stats", "/api/v1/email/stats?by=event_type&direction=inbound", read, "", 200, nil},
		{"GET /api/v1/email/stats", "/api/v1/email/stats?limit=0", read, "", 400, nil},
		{"GET /api/v1/email/bounce-analysis", "/api/v1/email/bounce-analysis?range=1h", read, "", 200, nil},
		{"GET /api/v1/email/bounce-analysis", "/api/v1/email/bounce-analysis?limit=1&direction=outbound", read, "", 200, nil},
		{"GET /api/v1/email/delivery-time", "/api/v1/email/delivery-time?range=1h", read, "", 200, nil},
		{"GET /api/v1/email/delivery-time", "/api/v1/email/delivery-time?node=mta1&domainSort=p95", read, "", 200, nil},
		{"GET /api/v1/email/delivery-time", "/api/v1/email/delivery-time?node=mta1&step=5m", read, "", 400, nil},
		{"GET /api/v1/email/message-size", "/api/v1/email/message-size?range=1h", read, "", 200, nil},
		{"GET /api/v1/email/message-size", "/api/v1/email/message-size?range=7d&direction=inbound", read, "", 200, nil},
		{"GET /api/v1/email/inbound", "/api/v1/email/inbound?range=1h", read, "", 200, nil},
		{"GET /api/v1/email/inbound", "/api/v1/email/inbound?from=" + url.QueryEscape(now.Add(-3*time.Hour).Format(time.RFC3339)), read, "", 200, nil},
		{"GET /api/v1/email/events", "/api/v1/email/events?range=1h", read, "", 200, nil},
		{"GET /api/v1/email/events", "/api/v1/email/events?range=1h&limit=1", read, "", 200, nil},
		{"GET /api/v1/email/events", "/api/v1/email/events?eventType=received&address=me%40our.example", read, "", 200, nil},
		{"GET /api/v1/email/events", "/api/v1/email/events?format=csv&range=1h", read, "", 200, nil},
		{"GET /api/v1/email/events", "/api/v1/email/events?cursor=nope", read, "", 400, nil},
		{"GET /api/v1/email/events/export", "/api/v1/email/events/export?format=ndjson", read, "", 200, nil},
		{"GET /api/v1/email/events/export", "/api/v1/email/events/export?format=csv&eventType=bounced", read, "", 200, nil},
		{"GET /api/v1/email/events/export", "/api/v1/email/events/export", read, "", 400, nil},
		{"GET /api/v1/email/trace/{id}", "/api/v1/email/trace/" + url.PathEscape("<oa-2@x>"), read, "", 200, nil},
		{"GET /api/v1/email/trace/{id}", "/api/v1/email/trace/Q1", read, "", 200, nil},
		{"GET /api/v1/email/trace/{id}", "/api/v1/email/trace/nothing-here", read, "", 404, nil},
		{"GET /api/v1/email/queue", "/api/v1/email/queue?range=1h", read, "", 200, nil},
		{"GET /api/v1/email/queue", "/api/v1/email/queue?step=1d", read, "", 200, nil},
		{"GET /api/v1/email/queue", "/api/v1/email/queue?from=yesterday", read, "", 400, nil},

		{"POST /api/v1/auth/login", "", cred{}, `{"username":"oa-viewer","password":"viewer password 1"}`, 200, nil},
		{"POST /api/v1/auth/login", "", cred{}, `{"username":"oa-viewer","password":"wrong password!"}`, 401, nil},
		{"POST /api/v1/auth/login", "", cred{}, `{"username":"oa-viewer"`, 400, nil},
		{"POST /api/v1/auth/login", "", cred{}, `{"username":"oa-viewer","password":"viewer password 1"}`, 403, []string{"Origin", "http://elsewhere.example"}},
		{"POST /api/v1/auth/login", "", cred{}, `{"username":"oa-nobody","password":"wrong password 1"}`, 401, nil},
		{"POST /api/v1/auth/login", "", cred{}, `{"username":"oa-nobody","password":"wrong password 2"}`, 401, nil},
		{"POST /api/v1/auth/login", "", cred{}, `{"username":"oa-nobody","password":"wrong password 3"}`, 401, nil},
		{"POST /api/v1/auth/login", "", cred{}, `{"username":"oa-nobody","password":"wrong password 4"}`, 401, nil},
		{"POST /api/v1/auth/login", "", cred{}, `{"username":"oa-nobody","password":"wrong password 5"}`, 401, nil},
		{"POST /api/v1/auth/login", "", cred{}, `{"username":"oa-nobody","password":"wrong password 6"}`, 429, nil},
		{"GET /api/v1/auth/me", "", f.viewer, "", 200, nil},
		{"GET /api/v1/auth/me", "", read, "", 401, nil},
		{"POST /api/v1/auth/logout", "", cred{cookie: f.viewer.cookie}, "", 403, nil},

		{"GET /api/v1/admin/users", "", f.admin, "", 200, nil},
		{"GET /api/v1/admin/users", "", f.viewer, "", 403, nil},
		{"GET /api/v1/admin/users", "", read, "", 403, nil},
		{"GET /api/v1/admin/users", "", cred{}, "", 401, nil},
		{"POST /api/v1/admin/users", "", f.admin, `{"username":"oa-new","password":"a long password","role":"admin"}`, 201, nil},
		{"POST /api/v1/admin/users", "", f.admin, `{"username":"oa-new","password":"a long password","role":"admin"}`, 409, nil},
		{"POST /api/v1/admin/users", "", f.admin, `{"username":"oa new","password":"a long password","role":"admin"}`, 400, nil},
		{"PATCH /api/v1/admin/users/{id}", userPath, f.admin, `{"role":"admin","disabled":true}`, 200, nil},
		{"PATCH /api/v1/admin/users/{id}", "/api/v1/admin/users/999999", f.admin, `{"disabled":true}`, 404, nil},
		{"PATCH /api/v1/admin/users/{id}", userPath, f.admin, `{}`, 400, nil},
		{"DELETE /api/v1/admin/users/{id}", userPath, f.admin, "", 204, nil},
		{"DELETE /api/v1/admin/users/{id}", "/api/v1/admin/users/x", f.admin, "", 400, nil},
		{"GET /api/v1/admin/api-keys", "", f.admin, "", 200, nil},
		{"POST /api/v1/admin/api-keys", "", f.admin, `{"name":"oa-edge","scopes":["ingest"],"allowedCidrs":["10.0.0.0/8"]}`, 201, nil},
		{"POST /api/v1/admin/api-keys", "", f.admin, `{"name":"oa-edge","scopes":[]}`, 400, nil},
		{"DELETE /api/v1/admin/api-keys/{id}", fmt.Sprintf("/api/v1/admin/api-keys/%d", key.Key.ID), f.admin, "", 204, nil},
		{"DELETE /api/v1/admin/api-keys/{id}", fmt.Sprintf("/api/v1/admin/api-keys/%d", key.Key.ID), f.admin, "", 404, nil},
		{"GET /api/v1/admin/nodes", "", f.admin, "", 200, nil},
		{"POST /api/v1/admin/nodes", "", f.admin, `{"name":"oa-mx","role":"mx","apiUrl":"http://10.0.0.2:12080"}`, 201, nil},
		{"POST /api/v1/admin/nodes", "", f.admin, `{"name":"oa-mx"}`, 409, nil},
		{"PATCH /api/v1/admin/nodes/{id}", nodePath, f.admin, `{"role":"outbound"}`, 200, nil},
		{"PATCH /api/v1/admin/nodes/{id}", nodePath, f.admin, `{"apiUrl":"ftp://x"}`, 400, nil},
		{"DELETE /api/v1/admin/nodes/{id}", nodePath, f.admin, "", 204, nil},
		{"GET /api/v1/admin/settings", "", f.admin, "", 200, nil},
		{"PUT /api/v1/admin/settings", "", f.admin, `{"retention":{"events":"20d"}}`, 200, nil},
		{"PUT /api/v1/admin/settings", "", f.admin, `{"retention":{"events":"5m"}}`, 400, nil},
		{"GET /api/v1/admin/audit-log", "", f.admin, "", 200, nil},
		{"GET /api/v1/admin/audit-log", "/api/v1/admin/audit-log?limit=2", f.admin, "", 200, nil},
		{"GET /api/v1/admin/audit-log", "/api/v1/admin/audit-log?limit=501", f.admin, "", 400, nil},

		{"GET /healthz", "", cred{}, "", 200, nil},
		{"GET /readyz", "", cred{}, "", 200, nil},
		{"GET /metrics", "", cred{}, "", 200, nil},
		{"GET /api/v1/live", "", cred{}, "", 401, nil},
		// Last: it ends the viewer's session.
		{"POST /api/v1/auth/logout", "", f.viewer, "", 204, nil},
	}
}

// checkLive validates the data of the live stream's hello and of a
// counters frame against the document's LiveHello and LiveFrame.
func checkLive(t *testing.T, f *openAPIFixture) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.s.url("/api/v1/live"), nil)
	req.Header.Set("Authorization", "Bearer "+f.readKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	f.doc.checkAnswer(t, "GET /api/v1/live", resp.StatusCode, resp.Header, []byte("-"))
	sc := bufio.NewScanner(resp.Body)
	frame := func(name string) []byte {
		t.Helper()
		var ev string
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				ev = v
			}
			if v, ok := strings.CutPrefix(line, "data: "); ok && ev == name {
				return []byte(v)
			}
		}
		t.Fatalf("live: no %s frame: %v", name, sc.Err())
		return nil
	}
	validate := func(schema string, b []byte) {
		inst, err := decodeJSONNumbers(b)
		if err != nil {
			t.Fatalf("live %s: %v: %s", schema, err, b)
		}
		for _, e := range f.doc.validate(f.doc.schemaAt(t, schema), inst, "$") {
			t.Errorf("live %s: %s", schema, e)
		}
	}
	validate("LiveHello", frame("hello"))
	if st, _, b := post(t, f.s.url("/api/v1/events/ingest"), f.ingestKey,
		[]byte("["+evJSON(time.Now(), "delivered", "")+","+evJSON(time.Now(), "received", "")+"]")); st != 202 {
		t.Fatalf("ingest: %d %s", st, b)
	}
	validate("LiveFrame", frame("counters"))
}
