package zonemta

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/query"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/storetest"
	"github.com/tinomail/tinomail/internal/zonemta/zonemtatest"
)

// fleet is three fakes: mta1 with two zones and a delivery in every age
// bucket, mta2 with more deliveries than the sample size, and mta3, which
// answers 500 from the start.
type fleet struct {
	now              time.Time
	mta1, mta2, mta3 *zonemtatest.Server
}

func newFleet(t *testing.T) *fleet {
	now := time.Now().UTC().Truncate(time.Second)
	deferral := func(count int, response string) *zonemtatest.Deferral {
		return &zonemtatest.Deferral{First: now.Add(-time.Hour), Last: now.Add(-time.Minute), Next: now.Add(time.Hour),
			Count: count, Response: response}
	}
	f := &fleet{now: now}
	f.mta1 = zonemtatest.New([]string{"default", "bulk"}, []zonemtatest.Delivery{
		{ID: "A1", Seq: "001", Zone: "default", Recipient: "a@gmail.com", Created: now.Add(-2 * time.Minute)},
		{ID: "A2", Seq: "001", Zone: "default", Recipient: "b@yahoo.com", Created: now.Add(-10 * time.Minute),
			Deferred: deferral(2, "421 4.7.0 [TSS04] Messages temporarily deferred")},
		{ID: "A3", Seq: "001", Zone: "default", Recipient: "c@outlook.com", Created: now.Add(-45 * time.Minute)},
		{ID: "A4", Seq: "001", Zone: "default", Recipient: "d@mail.ru", Created: now.Add(-3 * time.Hour),
			Deferred: deferral(4, "451 greylisted")},
		{ID: "B1", Seq: "001", Zone: "bulk", Recipient: "e@gmx.de", Created: now.Add(-13 * time.Hour)},
		{ID: "B1", Seq: "002", Zone: "bulk", Recipient: "f.g@Example.ORG", Created: now.Add(-30 * time.Hour),
			Deferred: deferral(7, "452 4.2.2 Mailbox full")},
	})
	f.mta2 = zonemtatest.New([]string{"default"}, []zonemtatest.Delivery{
		{ID: "C1", Seq: "001", Zone: "default", Recipient: "x@gmail.com", Created: now.Add(-time.Minute)},
		{ID: "C2", Seq: "001", Zone: "default", Recipient: "y@gmail.com", Created: now.Add(-6 * time.Minute)},
		{ID: "C3", Seq: "001", Zone: "default", Recipient: "z@gmail.com", Created: now.Add(-40 * time.Minute)},
	})
	f.mta3 = zonemtatest.New(nil, nil)
	f.mta3.SetFaults(zonemtatest.Fault{Status: 500, Body: `{"error":"Service not yet started"}`})
	t.Cleanup(func() { f.mta1.Close(); f.mta2.Close(); f.mta3.Close() })
	return f
}

func (f *fleet) nodes() StaticNodes {
	return StaticNodes{{"mta1", f.mta1.URL}, {"mta2", f.mta2.URL}, {"mta3", f.mta3.URL}}
}

func TestPollerFigures(t *testing.T) {
	f := newFleet(t)
	st := storetest.SQLite(t).Store
	clock := f.now
	p := NewPoller(Config{Nodes: f.nodes(), Interval: time.Second, Timeout: 500 * time.Millisecond,
		SampleSize: 2, Samples: st, Now: func() time.Time { return clock }})
	ctx := context.Background()
	p.Poll(ctx)

	status := p.Status(clock)
	if len(status) != 3 {
		t.Fatalf("%d nodes, want 3", len(status))
	}
	s1 := status[0].Snapshot
	if status[0].Stale || s1 == nil {
		t.Fatalf("mta1: %+v", status[0])
	}
	wantZones := []ZoneCount{{"default", 2, 2}, {"bulk", 1, 1}}
	if s1.Active != 3 || s1.Deferred != 3 || !reflect.DeepEqual(s1.Zones, wantZones) {
		t.Errorf("mta1 queue: active %d deferred %d zones %+v; want 3, 3, %+v", s1.Active, s1.Deferred, s1.Zones, wantZones)
	}
	if s1.Ages != (Ages{1, 1, 1, 1, 1, 1}) || s1.Sample != 6 {
		t.Errorf("mta1 ages %v of %d, want one in each bucket, 6 listed", s1.Ages, s1.Sample)
	}
	wantOldest := &Oldest{ID: "B1", Seq: "002", Zone: "bulk", RecipientDomain: "example.org", Created: f.now.Add(-30 * time.Hour),
		Type: TypeDeferred, LastResponse: "452 4.2.2 Mailbox full", Attempts: 7, NextAttempt: f.now.Add(time.Hour)}
	if !reflect.DeepEqual(s1.Oldest, wantOldest) {
		t.Errorf("mta1 oldest\n got %+v\nwant %+v", s1.Oldest, wantOldest)
	}
	if !slices.Contains(f.mta1.Requests(), "/message/B1") {
		t.Errorf("the oldest message was not looked up: %q", f.mta1.Requests())
	}
	// mta2 has 3 active deliveries and the sample size is 2: the two oldest.
	s2 := status[1].Snapshot
	if s2 == nil || s2.Active != 3 || s2.Sample != 2 || s2.Ages != (Ages{0, 1, 1, 0, 0, 0}) || s2.Oldest.ID != "C3" || s2.Oldest.LastResponse != "" {
		t.Errorf("mta2: %+v (oldest %+v)", s2, s2.Oldest)
	}
	if st3 := status[2]; !st3.Stale || st3.Snapshot != nil || !st3.LastSuccess.IsZero() ||
		st3.LastError != "GET /zones: status 500: Service not yet started" || !st3.LastErrorAt.Equal(clock) {
		t.Errorf("mta3: %+v", st3)
	}

	// mta1 starts failing: its last figures stay, marked stale with the
	// error; the next sample of mta2 is not due before a minute.
	f.mta1.SetFaults(zonemtatest.Fault{Status: 500, Body: "boom"})
	clock = f.now.Add(10 * time.Second)
	p.Poll(ctx)
	status = p.Status(clock)
	if st1 := status[0]; !st1.Stale || st1.Snapshot != s1 || !st1.LastSuccess.Equal(f.now) ||
		st1.LastError != "GET /zones: status 500: boom" {
		t.Errorf("mta1 after failing: stale %v, snapshot kept %v, last success %s, error %q",
			st1.Stale, st1.Snapshot == s1, st1.LastSuccess, st1.LastError)
	}
	// Slow: the request times out.
	f.mta1.SetFaults(zonemtatest.Fault{Prefix: "/counter/", Delay: 5 * time.Second})
	clock = f.now.Add(20 * time.Second)
	start := time.Now()
	p.Poll(ctx)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("a round with a slow node took %s", took)
	}
	if st1 := p.Status(clock)[0]; !st1.Stale || st1.LastError != "GET /counter/zone/default: no answer within 500ms" {
		t.Errorf("mta1 when slow: stale %v, error %q", st1.Stale, st1.LastError)
	}
	// Malformed.
	f.mta1.SetFaults(zonemtatest.Fault{Prefix: "/counter/", Body: `{"active":{"rows":"3"},"deferred":{"rows":3}}`})
	p.Poll(ctx)
	if st1 := p.Status(clock)[0]; !st1.Stale ||
		st1.LastError != "GET /counter/zone/default: malformed answer: active.rows is a JSON string, want a whole number" {
		t.Errorf("mta1 when malformed: stale %v, error %q", st1.Stale, st1.LastError)
	}
	// Back to health a minute later: fresh again, and a new sample is due.
	f.mta1.SetFaults()
	clock = f.now.Add(70 * time.Second)
	p.Poll(ctx)
	if st1 := p.Status(clock)[0]; st1.Stale || st1.LastError != "" || !st1.LastSuccess.Equal(clock) {
		t.Errorf("mta1 recovered: %+v", st1)
	}
	// Fresh figures go stale when no poll succeeds for three rounds.
	if p.Status(clock.Add(4500 * time.Millisecond))[1].Stale {
		t.Error("mta2 stale within three rounds of its last poll")
	}
	if st2 := p.Status(clock.Add(4500*time.Millisecond + time.Millisecond))[1]; !st2.Stale {
		t.Error("mta2 not stale three rounds after its last poll")
	}

	trend, err := st.QueueTrend(ctx, store.QueueTrendQuery{From: f.now.Add(-time.Hour), To: f.now.Add(time.Hour), Step: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range trend {
		got = append(got, r.Bucket.Sub(f.now).String()+" "+r.Node+" "+itoa(r.ActiveSum)+"/"+itoa(r.DeferredSum))
	}
	want := []string{"0s mta1 3/3", "0s mta2 3/0", "1m10s mta1 3/3", "1m10s mta2 3/0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored samples %q, want %q", got, want)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestViewAnswer(t *testing.T) {
	f := newFleet(t)
	st := storetest.SQLite(t).Store
	clock := f.now
	p := NewPoller(Config{Nodes: f.nodes(), Interval: time.Minute, Timeout: 500 * time.Millisecond,
		SampleSize: 2, Samples: st, Now: func() time.Time { return clock }})
	ctx := context.Background()
	p.Poll(ctx)
	// Deferrals of the last hour, as the ZoneMTA plugin reports them; an
	// older one and a bounce do not count.
	var evs []event.Event
	for i, cat := range []string{"rate_limited", "rate_limited", "greylisted", ""} {
		evs = append(evs, event.Event{Time: f.now.Add(-time.Duration(i+1) * time.Minute), EventType: event.Deferred,
			Direction: event.Outbound, BounceCategory: cat, MTANode: "mta1"})
	}
	evs = append(evs, event.Event{Time: f.now.Add(-3 * time.Hour), EventType: event.Deferred, Direction: event.Outbound, BounceCategory: "tls"},
		event.Event{Time: f.now.Add(-time.Minute), EventType: event.Bounced, Direction: event.Outbound, BounceCategory: "invalid_recipient"})
	if _, err := st.WriteBatch(ctx, []store.Msg{{Stream: "s", Seq: 1, Events: evs}}); err != nil {
		t.Fatal(err)
	}
	later := f.now.Add(90 * time.Second)
	v := &View{Poller: p, Samples: st, Query: &query.Service{Store: st, Now: func() time.Time { return later }},
		Now: func() time.Time { return later }}
	a, err := v.Answer(ctx, url.Values{"range": {"1h"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Active != 6 || a.Deferred != 3 || a.StaleNodes != 1 || len(a.Nodes) != 3 {
		t.Errorf("totals: active %d deferred %d stale %d nodes %d; want 6, 3, 1, 3", a.Active, a.Deferred, a.StaleNodes, len(a.Nodes))
	}
	n3 := a.Nodes[2]
	if n3.Name != "mta3" || !n3.Stale || n3.LastSuccess != nil || n3.PolledAt != nil || n3.LastError == "" || len(n3.Zones) != 0 {
		t.Errorf("mta3: %+v", n3)
	}
	if n1 := a.Nodes[0]; n1.Stale || n1.Active != 3 || n1.Deferred != 3 || !n1.LastSuccess.Equal(f.now) || n1.LastErrorAt != nil {
		t.Errorf("mta1: %+v", n1)
	}
	wantAges := AgeDistribution{Buckets: []AgeBucket{{"<5m", 1}, {"5m-30m", 2}, {"30m-2h", 2}, {"2h-12h", 1}, {"12h-24h", 1}, {">24h", 1}},
		SampleSize: 8, Total: 9, Sampled: true}
	if !reflect.DeepEqual(a.Ages, wantAges) {
		t.Errorf("ages\n got %+v\nwant %+v", a.Ages, wantAges)
	}
	next := f.now.Add(time.Hour)
	wantOldest := &OldestAnswer{Node: "mta1", QueueID: "B1", Zone: "bulk", Type: "deferred", Created: f.now.Add(-30 * time.Hour),
		AgeSeconds: 30*3600 + 90, RecipientDomain: "example.org", LastResponse: "452 4.2.2 Mailbox full", Attempts: 7, NextAttempt: &next}
	if !reflect.DeepEqual(a.Oldest, wantOldest) {
		t.Errorf("oldest\n got %+v\nwant %+v", a.Oldest, wantOldest)
	}
	if len(a.Trend.Points) != 1 || a.Trend.Step != "5m" {
		t.Fatalf("trend %+v", a.Trend)
	}
	if pt := a.Trend.Points[0]; pt.Active != 6 || pt.Deferred != 3 || pt.Nodes != 2 || pt.Time.After(f.now) || f.now.Sub(pt.Time) >= 5*time.Minute {
		t.Errorf("trend point %+v", pt)
	}
	r := a.DeferredReasons
	wantReasons := []query.DeferralReason{{Category: "rate_limited", Count: 2, Percent: 50},
		{Category: "(uncategorized)", Count: 1, Percent: 25}, {Category: "greylisted", Count: 1, Percent: 25}}
	if r.Total != 4 || !reflect.DeepEqual(r.Reasons, wantReasons) {
		t.Errorf("deferred reasons %d %+v, want 4 %+v", r.Total, r.Reasons, wantReasons)
	}
	if _, err := v.Answer(ctx, url.Values{"range": {"2y"}}); err == nil || !strings.Contains(err.Error(), `invalid "range"`) {
		t.Errorf("bad range: %v", err)
	}
}

// TestViewWithoutNodes: no node configured is an empty answer, not an error.
func TestViewWithoutNodes(t *testing.T) {
	st := storetest.SQLite(t).Store
	v := &View{Poller: NewPoller(Config{}), Samples: st, Query: &query.Service{Store: st}}
	a, err := v.Answer(context.Background(), url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Active != 0 || a.Deferred != 0 || len(a.Nodes) != 0 || a.Nodes == nil || a.Oldest != nil ||
		a.Ages.Total != 0 || a.Ages.Sampled || len(a.Ages.Buckets) != 6 || len(a.Trend.Points) != 0 || a.DeferredReasons.Total != 0 {
		t.Errorf("answer without nodes: %+v", a)
	}
}

func TestParseNodes(t *testing.T) {
	got, err := ParseNodes(" mta1=http://10.0.0.1:12080/ , mta-2.eu=https://user:pw@mta2.example.com")
	want := NodeList{{"mta1", "http://10.0.0.1:12080"}, {"mta-2.eu", "https://user:pw@mta2.example.com"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseNodes = %+v, %v", got, err)
	}
	if got, err := ParseNodes(""); err != nil || len(got) != 0 {
		t.Errorf("empty list: %+v, %v", got, err)
	}
	for in, msg := range map[string]string{
		"mta1":                                  `entry 1 "mta1": want name=http://host:12080`,
		"mta1=http://a,":                        "entry 2 is empty",
		"=http://a":                             `entry 1: node name "" must be`,
		"m a=http://a":                          `entry 1: node name "m a" must be`,
		"a=http://x,a=http://y":                 `entry 2: node name "a" is given twice`,
		"a=ftp://x":                             `entry 1 (a): API URL "ftp://x" must start with http:// or https://`,
		"a=http://":                             `entry 1 (a): API URL "http://" has no host`,
		"a=http://x:12080/?q=1":                 `entry 1 (a): API URL "http://x:12080/?q=1" must not have a query`,
		"a=10.0.0.1:12080":                      `entry 1 (a): API URL "10.0.0.1:12080"`,
		"ok=http://x,b=http://y:1,c=http://%zz": `entry 3 (c): API URL "http://%zz" does not parse`,
	} {
		if _, err := ParseNodes(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseNodes(%q) = %v, want an error with %q", in, err, msg)
		}
	}
}

// TestPollerRounds: nodes are polled at once, a round ends at its deadline
// whatever the nodes do, and a failing node source keeps the last list.
func TestPollerRounds(t *testing.T) {
	slow := func() *zonemtatest.Server {
		s := zonemtatest.New([]string{"a", "b", "c", "d"}, nil)
		s.SetFaults(zonemtatest.Fault{Prefix: "/counter/", Delay: 400 * time.Millisecond})
		t.Cleanup(s.Close)
		return s
	}
	s1, s2 := slow(), slow()
	src := &flakySource{nodes: []Node{{"n1", s1.URL}, {"n2", s2.URL}}}
	p := NewPoller(Config{Nodes: src, Interval: 100 * time.Millisecond, Timeout: time.Second})
	start := time.Now()
	p.Poll(context.Background())
	took := time.Since(start)
	// Each node needs 4 × 400 ms, each request well within its timeout;
	// the round ends after 100 ms + 1 s.
	if took < 1090*time.Millisecond || took > 1500*time.Millisecond {
		t.Errorf("round took %s, want about 1.1s", took)
	}
	for _, st := range p.Status(time.Now()) {
		if !st.Stale || !strings.Contains(st.LastError, "poll round not done within 1.1s") {
			t.Errorf("%s: stale %v, error %q", st.Node.Name, st.Stale, st.LastError)
		}
	}
	s1.SetFaults()
	src.err = errors.New("node table unreachable")
	p.Poll(context.Background())
	st := p.Status(time.Now())
	if len(st) != 2 || st[0].Stale || st[1].LastError == "" || p.SourceError() != "node table unreachable" {
		t.Errorf("with the source failing: %+v, source error %q", st, p.SourceError())
	}
	// A node removed from the source is forgotten.
	src.err, src.nodes = nil, src.nodes[:1]
	p.Poll(context.Background())
	if st := p.Status(time.Now()); len(st) != 1 || st[0].Node.Name != "n1" || p.SourceError() != "" {
		t.Errorf("after removing n2: %+v", st)
	}
}

type flakySource struct {
	nodes []Node
	err   error
}

func (f *flakySource) Nodes(context.Context) ([]Node, error) { return f.nodes, f.err }
