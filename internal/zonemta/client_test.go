package zonemta

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/zonemta/zonemtatest"
)

func TestClientDecodesZoneMTAAnswers(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	fake := zonemtatest.New([]string{"default", "bulk"}, []zonemtatest.Delivery{
		{ID: "18f0a", Seq: "001", Zone: "default", Recipient: "a@Gmail.com", Created: now.Add(-time.Hour)},
		{ID: "18f0a", Seq: "002", Zone: "default", Recipient: "b@yahoo.com", Created: now.Add(-time.Hour),
			Deferred: &zonemtatest.Deferral{First: now.Add(-50 * time.Minute), Last: now.Add(-10 * time.Minute),
				Next: now.Add(20 * time.Minute), Count: 3, Response: "421 4.7.0 Try again later"}},
		{ID: "18f0b", Seq: "001", Zone: "bulk", Recipient: "c@outlook.com", Created: now.Add(-time.Minute)},
	})
	defer fake.Close()
	c, err := NewClient(fake.URL+"/", nil, time.Second, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	zones, err := c.Zones(ctx)
	if err != nil || len(zones) != 2 || zones[0].Name != "default" || zones[1].Name != "bulk" {
		t.Fatalf("Zones = %+v, %v", zones, err)
	}
	cnt, err := c.Counter(ctx, "default")
	if err != nil || cnt != (Counter{Active: 1, Deferred: 1}) {
		t.Fatalf("Counter = %+v, %v", cnt, err)
	}
	list, err := c.Queued(ctx, TypeDeferred, "default", 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("Queued = %+v, %v", list, err)
	}
	e := list[0]
	if e.ID != "18f0a" || e.Seq != "002" || e.Recipient != "b@yahoo.com" || !e.Created.Equal(now.Add(-time.Hour)) ||
		!e.Queued.Equal(now.Add(20*time.Minute)) || e.Deferred == nil || e.Deferred.Count != 3 ||
		!e.Deferred.Last.Equal(now.Add(-10*time.Minute)) || e.Deferred.Response != "421 4.7.0 Try again later" {
		t.Errorf("deferred entry = %+v %+v", e, e.Deferred)
	}
	list, err = c.Queued(ctx, TypeQueued, "default", 10)
	if err != nil || len(list) != 1 || list[0].Seq != "001" || list[0].Deferred != nil {
		t.Errorf("queued entries = %+v, %v", list, err)
	}
	rs, err := c.Message(ctx, "18f0a")
	if err != nil || len(rs) != 2 || rs[0].Status != "QUEUED" || rs[1].Status != "DEFERRED" ||
		rs[1].Deferred == nil || rs[1].Deferred.Count != 3 || !rs[1].Deferred.Next.Equal(now.Add(20*time.Minute)) {
		t.Errorf("Message = %+v, %v", rs, err)
	}
	if _, err := c.Message(ctx, "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Message of a missing id: %v, want ErrNotFound", err)
	}
	size, err := c.QueueSize(ctx)
	if err != nil || size != (Counter{Active: 2, Deferred: 1}) {
		t.Errorf("QueueSize = %+v, %v", size, err)
	}
	wantReq := "/queued/deferred/default?order=asc&pageSize=10&sort=created"
	found := false
	for _, r := range fake.Requests() {
		found = found || r == wantReq
	}
	if !found {
		t.Errorf("no request %s among %q", wantReq, fake.Requests())
	}
}

// TestClientReportsBadAnswers checks that every failure names the request
// and what was wrong with the answer.
func TestClientReportsBadAnswers(t *testing.T) {
	fake := zonemtatest.New([]string{"default"}, nil)
	defer fake.Close()
	c, err := NewClient(fake.URL, nil, 200*time.Millisecond, 4096)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	zones := func() error { _, err := c.Zones(ctx); return err }
	counter := func() error { _, err := c.Counter(ctx, "default"); return err }
	queued := func() error { _, err := c.Queued(ctx, TypeQueued, "default", 5); return err }
	message := func() error { _, err := c.Message(ctx, "x1"); return err }
	metrics := func() error { _, err := c.QueueSize(ctx); return err }
	tests := []struct {
		name  string
		fault zonemtatest.Fault
		call  func() error
		want  string
	}{
		{"500 with ZoneMTA's error", zonemtatest.Fault{Status: 500, Body: `{"error":"Service not yet started"}`}, zones,
			"GET /zones: status 500: Service not yet started"},
		{"502 from a proxy", zonemtatest.Fault{Status: 502, Body: "<html>Bad Gateway</html>"}, counter,
			"GET /counter/zone/default: status 502: <html>Bad Gateway</html>"},
		{"slow", zonemtatest.Fault{Delay: 2 * time.Second}, zones, "GET /zones: no answer within 200ms"},
		{"not JSON", zonemtatest.Fault{Body: `<html>`}, zones, "GET /zones: malformed answer: not JSON at byte 1"},
		{"truncated", zonemtatest.Fault{Body: `[{"name":"def`}, zones, "GET /zones: malformed answer: empty or truncated JSON"},
		{"two values", zonemtatest.Fault{Body: `[] []`}, zones, "GET /zones: malformed answer: data after the JSON value"},
		{"zones object", zonemtatest.Fault{Body: `{"name":"default"}`}, zones, "GET /zones: malformed answer: the answer is a JSON object, want an array"},
		{"zone without name", zonemtatest.Fault{Body: `[{"name":"a"},{}]`}, zones, "GET /zones: malformed answer: zone 1 has no name"},
		{"zone name number", zonemtatest.Fault{Body: `[{"name":5}]`}, zones, "GET /zones: malformed answer: name is a JSON number, want a string"},
		{"rows as string", zonemtatest.Fault{Body: `{"active":{"rows":"12"},"deferred":{"rows":0}}`}, counter,
			"GET /counter/zone/default: malformed answer: active.rows is a JSON string, want a whole number"},
		{"rows missing", zonemtatest.Fault{Body: `{"active":{"rows":1},"deferred":{}}`}, counter,
			"GET /counter/zone/default: malformed answer: no deferred.rows"},
		{"rows negative", zonemtatest.Fault{Body: `{"active":{"rows":-1},"deferred":{"rows":0}}`}, counter,
			"GET /counter/zone/default: malformed answer: negative count"},
		{"rows fractional", zonemtatest.Fault{Body: `{"active":{"rows":1.5},"deferred":{"rows":0}}`}, counter,
			"GET /counter/zone/default: malformed answer: active.rows is a JSON number 1.5, want a whole number"},
		{"no list", zonemtatest.Fault{Body: `{"zone":"default"}`}, queued,
			"GET /queued/queued/default?order=asc&pageSize=5&sort=created: malformed answer: no list"},
		{"entry without created", zonemtatest.Fault{Body: `{"list":[{"id":"a1","recipient":"x@y.z"}]}`}, queued,
			"malformed answer: list[0] (a1) has no created time"},
		{"bad created", zonemtatest.Fault{Body: `{"list":[{"id":"a1","recipient":"x@y.z","created":"yesterday"}]}`}, queued,
			`malformed answer: list[0].created: time "yesterday" is not ISO 8601`},
		{"created as bool", zonemtatest.Fault{Body: `{"list":[{"id":"a1","recipient":"x@y.z","created":true}]}`}, queued,
			"malformed answer: list[0].created: time true is neither an ISO 8601 string nor milliseconds"},
		{"deferred as string", zonemtatest.Fault{Body: `{"list":[{"id":"a1","recipient":"x@y.z","created":1764150000000,"deferred":"yes"}]}`}, queued,
			`malformed answer: list[0].deferred: want an object, null or false, not "yes"`},
		{"messages missing", zonemtatest.Fault{Body: `{"meta":{}}`}, message, "GET /message/x1: malformed answer: no messages"},
		{"deferral count string", zonemtatest.Fault{Body: `{"messages":[{"recipient":"a@b.c","deferred":{"count":"3","last":1}}]}`}, message,
			"GET /message/x1: malformed answer: messages[0].deferred: count is a JSON string, want a whole number"},
		{"too large", zonemtatest.Fault{Body: `[` + strings.Repeat(`{"name":"z"},`, 400) + `{"name":"z"}]`}, zones,
			"GET /zones: answer larger than 4096 bytes"},
		{"metrics without gauge", zonemtatest.Fault{Body: "# nothing\nup 1\n"}, metrics,
			`GET /metrics: malformed answer: no zonemta_queue_size{type="queued"} and {type="deferred"}`},
		{"metrics bad value", zonemtatest.Fault{Body: "zonemta_queue_size{type=\"queued\"} lots\n"}, metrics,
			`GET /metrics: malformed answer: zonemta_queue_size value "lots" is not a count`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.SetFaults(tt.fault)
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestClientRefusesBadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://host", "http://", "http://host:12080?x=1", "host:12080"} {
		if _, err := NewClient(u, nil, 0, 0); err == nil {
			t.Errorf("NewClient(%q) accepted", u)
		}
	}
}
