package e2e

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/zonemta/zonemtatest"
)

// queueAnswer is /api/v1/email/queue as documented in the README.
type queueAnswer struct {
	Active     int64 `json:"active"`
	Deferred   int64 `json:"deferred"`
	StaleNodes int   `json:"staleNodes"`
	Nodes      []struct {
		Name        string     `json:"name"`
		Active      int64      `json:"active"`
		Deferred    int64      `json:"deferred"`
		Stale       bool       `json:"stale"`
		LastSuccess *time.Time `json:"lastSuccess"`
		LastError   string     `json:"lastError"`
		Zones       []struct {
			Name     string `json:"name"`
			Active   int64  `json:"active"`
			Deferred int64  `json:"deferred"`
		} `json:"zones"`
	} `json:"nodes"`
	AgeDistribution struct {
		Buckets []struct {
			Label string `json:"label"`
			Count int64  `json:"count"`
		} `json:"buckets"`
		SampleSize int64 `json:"sampleSize"`
		Total      int64 `json:"total"`
		Sampled    bool  `json:"sampled"`
	} `json:"ageDistribution"`
	Oldest *struct {
		Node            string    `json:"node"`
		QueueID         string    `json:"queueId"`
		Zone            string    `json:"zone"`
		Type            string    `json:"type"`
		Created         time.Time `json:"created"`
		AgeSeconds      int64     `json:"ageSeconds"`
		RecipientDomain string    `json:"recipientDomain"`
		LastResponse    string    `json:"lastResponse"`
		Attempts        int64     `json:"attempts"`
	} `json:"oldest"`
	Trend struct {
		Step   string `json:"step"`
		Points []struct {
			Time     time.Time `json:"time"`
			Active   int64     `json:"active"`
			Deferred int64     `json:"deferred"`
			Nodes    int       `json:"nodes"`
		} `json:"points"`
	} `json:"trend"`
	DeferredReasons struct {
		Total   int64 `json:"total"`
		Reasons []struct {
			Category string  `json:"category"`
			Count    int64   `json:"count"`
			Percent  float64 `json:"percent"`
		} `json:"reasons"`
	} `json:"deferredReasons"`
}

// TestQueueView polls a fake ZoneMTA API through the real binary and checks
// the exact figures of /api/v1/email/queue, then the staleness of a node
// that fails, times out, and recovers.
func TestQueueView(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	deferral := func(count int, response string) *zonemtatest.Deferral {
		return &zonemtatest.Deferral{First: now.Add(-time.Hour), Last: now.Add(-time.Minute), Next: now.Add(time.Hour), Count: count, Response: response}
	}
	fake := zonemtatest.New([]string{"default", "bulk"}, []zonemtatest.Delivery{
		{ID: "A1", Seq: "001", Zone: "default", Recipient: "a@gmail.com", Created: now.Add(-2 * time.Minute)},
		{ID: "A2", Seq: "001", Zone: "default", Recipient: "b@yahoo.com", Created: now.Add(-10 * time.Minute), Deferred: deferral(2, "421 4.7.0 [TSS04] try later")},
		{ID: "A3", Seq: "001", Zone: "default", Recipient: "c@outlook.com", Created: now.Add(-45 * time.Minute)},
		{ID: "A4", Seq: "001", Zone: "default", Recipient: "d@mail.ru", Created: now.Add(-3 * time.Hour), Deferred: deferral(4, "451 greylisted")},
		{ID: "B1", Seq: "001", Zone: "bulk", Recipient: "e@gmx.de", Created: now.Add(-13 * time.Hour)},
		{ID: "B1", Seq: "002", Zone: "bulk", Recipient: "f@Example.ORG", Created: now.Add(-30 * time.Hour), Deferred: deferral(7, "452 4.2.2 Mailbox full")},
	})
	defer fake.Close()
	dead := freeAddr(t) // nothing listens there
	s := startServer(t, "--zonemta-nodes", "mta1="+fake.URL+",mta2=http://"+dead,
		"--zonemta-interval", "300ms", "--zonemta-timeout", "1s")
	ingestKey := s.key("plugin", "ingest")
	readKey := s.key("dashboard", "read")

	// Deferrals of the last hour as the ZoneMTA plugin reports them.
	var evs []string
	for _, cat := range []string{"rate_limited", "rate_limited", "rate_limited", "greylisted"} {
		evs = append(evs, evJSON(now.Add(-2*time.Minute), "deferred", fmt.Sprintf(`,"mtaNode":"mta1","toAddress":"x@yahoo.com","statusCode":421,"bounceCategory":%q`, cat)))
	}
	if status, _, body := post(t, s.url("/api/v1/events/ingest"), ingestKey, []byte("["+strings.Join(evs, ",")+"]")); status != 202 {
		t.Fatalf("ingest: %d %s", status, body)
	}

	var a queueAnswer
	fetch := func() queueAnswer {
		t.Helper()
		var a queueAnswer
		if status := getJSON(t, s.url("/api/v1/email/queue?range=1h"), readKey, &a); status != 200 {
			t.Fatalf("queue: status %d", status)
		}
		return a
	}
	eventually(t, 20*time.Second, "mta1 polled and the deferrals stored", func() bool {
		a = fetch()
		return len(a.Nodes) == 2 && !a.Nodes[0].Stale && a.DeferredReasons.Total == 4 && len(a.Trend.Points) > 0
	})
	if a.Active != 3 || a.Deferred != 3 || a.StaleNodes != 1 {
		t.Errorf("totals: active %d, deferred %d, stale nodes %d; want 3, 3, 1", a.Active, a.Deferred, a.StaleNodes)
	}
	n1, n2 := a.Nodes[0], a.Nodes[1]
	zones, _ := json.Marshal(n1.Zones)
	if n1.Name != "mta1" || n1.Active != 3 || n1.Deferred != 3 || n1.LastError != "" || n1.LastSuccess == nil ||
		string(zones) != `[{"name":"default","active":2,"deferred":2},{"name":"bulk","active":1,"deferred":1}]` {
		t.Errorf("mta1: %+v", n1)
	}
	if n2.Name != "mta2" || !n2.Stale || n2.LastSuccess != nil || !strings.Contains(n2.LastError, "GET /zones: ") ||
		!strings.Contains(n2.LastError, "connection refused") {
		t.Errorf("mta2: %+v", n2)
	}
	ages, _ := json.Marshal(a.AgeDistribution)
	wantAges := `{"buckets":[{"label":"\u003c5m","count":1},{"label":"5m-30m","count":1},{"label":"30m-2h","count":1},` +
		`{"label":"2h-12h","count":1},{"label":"12h-24h","count":1},{"label":"\u003e24h","count":1}],"sampleSize":6,"total":6,"sampled":false}`
	if string(ages) != wantAges {
		t.Errorf("ages\n got %s\nwant %s", ages, wantAges)
	}
	o := a.Oldest
	if o == nil || o.Node != "mta1" || o.QueueID != "B1" || o.Zone != "bulk" || o.Type != "deferred" || !o.Created.Equal(now.Add(-30*time.Hour)) ||
		o.RecipientDomain != "example.org" || o.LastResponse != "452 4.2.2 Mailbox full" || o.Attempts != 7 ||
		o.AgeSeconds < 30*3600 || o.AgeSeconds > 30*3600+60 {
		t.Errorf("oldest: %+v", o)
	}
	if a.Trend.Step != "5m" {
		t.Errorf("trend step %q", a.Trend.Step)
	}
	for _, p := range a.Trend.Points {
		if p.Active != 3 || p.Deferred != 3 || p.Nodes != 1 {
			t.Errorf("trend point %+v, want 3 active and 3 deferred of 1 node", p)
		}
	}
	reasons, _ := json.Marshal(a.DeferredReasons.Reasons)
	if want := `[{"category":"rate_limited","count":3,"percent":75},{"category":"greylisted","count":1,"percent":25}]`; string(reasons) != want {
		t.Errorf("deferred reasons %s, want %s", reasons, want)
	}

	// mta1 fails: stale, its last figures kept, the error shown.
	last := *n1.LastSuccess
	for _, tc := range []struct {
		fault   zonemtatest.Fault
		wantErr string
	}{
		{zonemtatest.Fault{Status: 500, Body: `{"error":"Service not yet started"}`}, "GET /zones: status 500: Service not yet started"},
		{zonemtatest.Fault{Prefix: "/counter/", Delay: 3 * time.Second}, "GET /counter/zone/default: no answer within 1s"},
		{zonemtatest.Fault{Prefix: "/queued/", Body: `{"list":[{"id":"A1","recipient":"a@gmail.com","created":"soon"}]}`},
			`GET /queued/queued/default?order=asc&pageSize=500&sort=created: malformed answer: list[0].created: time "soon" is not ISO 8601`},
	} {
		fake.SetFaults(tc.fault)
		eventually(t, 10*time.Second, "mta1 stale with "+tc.wantErr, func() bool {
			a = fetch()
			return a.Nodes[0].Stale && strings.HasPrefix(a.Nodes[0].LastError, tc.wantErr)
		})
		if a.Active != 3 || a.Deferred != 3 || a.StaleNodes != 2 || a.Nodes[0].Active != 3 || !a.Nodes[0].LastSuccess.Before(last.Add(time.Second)) {
			t.Errorf("while mta1 fails: active %d deferred %d stale nodes %d, mta1 %+v", a.Active, a.Deferred, a.StaleNodes, a.Nodes[0])
		}
		last = *a.Nodes[0].LastSuccess
	}
	fake.SetFaults()
	eventually(t, 10*time.Second, "mta1 fresh again", func() bool {
		a = fetch()
		return !a.Nodes[0].Stale && a.Nodes[0].LastError == "" && a.Nodes[0].LastSuccess.After(last)
	})

	// Bad parameters and missing credentials are answered like every endpoint's.
	status, _, body := get(t, s.url("/api/v1/email/queue?range=2y"), readKey)
	if status != 400 || !strings.Contains(string(body), `"code":"invalid_parameter"`) || !strings.Contains(string(body), `invalid \"range\"`) {
		t.Errorf("bad range: %d %s", status, body)
	}
	if status, _, _ := get(t, s.url("/api/v1/email/queue"), ""); status != 401 {
		t.Errorf("no key: %d", status)
	}
	if status, _, _ := get(t, s.url("/api/v1/email/queue"), ingestKey); status != 403 {
		t.Errorf("ingest key: %d", status)
	}
}

// TestQueueViewWithoutNodes: no node configured answers zeros, not an error.
func TestQueueViewWithoutNodes(t *testing.T) {
	s := startServer(t)
	readKey := s.key("dashboard", "read")
	status, _, body := get(t, s.url("/api/v1/email/queue"), readKey)
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); status != 200 || err != nil {
		t.Fatalf("%d %s", status, body)
	}
	got := map[string]any{"active": raw["active"], "deferred": raw["deferred"], "nodes": raw["nodes"], "oldest": raw["oldest"]}
	want := map[string]any{"active": 0.0, "deferred": 0.0, "nodes": []any{}, "oldest": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v (%s)", got, want, body)
	}
}

func TestZoneMTANodesFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"--zonemta-nodes", "mta1=localhost:12080"}, `invalid value "mta1=localhost:12080" for flag -zonemta-nodes: entry 1 (mta1): API URL "localhost:12080" must start with http:// or https://`},
		{[]string{"TINOMAIL_ZONEMTA_NODES=a=http://x,a=http://y"}, nil, `invalid value "a=http://x,a=http://y" for TINOMAIL_ZONEMTA_NODES: entry 2: node name "a" is given twice`},
		{nil, []string{"--zonemta-interval", "10ms"}, "--zonemta-interval must be between 100ms and 1h"},
	} {
		_, stderr, code := run(t, tc.env, append([]string{"serve", "--data-dir", t.TempDir()}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("serve %v %v: exit %d, stderr %q; want exit 2 and %q", tc.env, tc.args, code, stderr, tc.want)
		}
	}
}
