package query

import (
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/sqlite"
)

// fixture is a Service over a fresh SQLite store whose clock reads testNow.
type fixture struct {
	t   *testing.T
	db  *sqlite.Store
	svc *Service
	seq uint64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "tinomail.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return &fixture{t: t, db: db, svc: &Service{Store: db, Now: func() time.Time { return testNow }}}
}

// write normalizes events, as ingest does, and stores them in one batch.
func (f *fixture) write(evs ...event.Event) {
	f.t.Helper()
	for i := range evs {
		event.Normalize(&evs[i])
	}
	f.seq++
	res, err := f.db.WriteBatch(f.t.Context(), []store.Msg{{Stream: "s", Seq: f.seq, Events: evs}})
	if err != nil {
		f.t.Fatalf("write batch: %v", err)
	}
	if res.Events != len(evs) {
		f.t.Fatalf("wrote %d events, want %d", res.Events, len(evs))
	}
}

// at returns the time of testNow's day at hh:mm:ss, or of another day given
// as a whole RFC 3339 time.
func at(t *testing.T, clock string) time.Time {
	t.Helper()
	if len(clock) > 8 {
		return mustTime(t, clock)
	}
	return mustTime(t, "2024-05-10T"+clock+"Z")
}

// ev is an event of type typ at time tm, to a recipient at toDomain when
// given; opts adjust the rest.
func ev(tm time.Time, typ event.Type, toDomain string, opts ...func(*event.Event)) event.Event {
	e := event.Event{Time: tm, EventType: typ, FromAddress: "news@Sender.example"}
	if toDomain != "" {
		e.ToAddress = "user@" + toDomain
	}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func node(n string) func(*event.Event) { return func(e *event.Event) { e.MTANode = n } }

func inbound(e *event.Event) { e.Direction = event.Inbound }

func dt(ms int64) func(*event.Event) { return func(e *event.Event) { e.DeliveryTimeMs = &ms } }

func bounce(category, kind string) func(*event.Event) {
	return func(e *event.Event) { e.BounceCategory, e.BounceType = category, kind }
}

func repeat(n int, e event.Event) []event.Event {
	evs := make([]event.Event, n)
	for i := range evs {
		evs[i] = e
	}
	return evs
}

func query(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestServiceParamErrors checks that every endpoint refuses each bad
// parameter with a ParamError naming it, before touching the store.
func TestServiceParamErrors(t *testing.T) {
	f := newFixture(t)
	type endpoint func(*Service, url.Values) error
	throughput := func(s *Service, v url.Values) error { _, err := s.Throughput(t.Context(), v); return err }
	stats := func(s *Service, v url.Values) error { _, err := s.Stats(t.Context(), v); return err }
	bounces := func(s *Service, v url.Values) error { _, err := s.BounceAnalysis(t.Context(), v); return err }
	deliveryTime := func(s *Service, v url.Values) error { _, err := s.DeliveryTime(t.Context(), v); return err }
	messageSize := func(s *Service, v url.Values) error { _, err := s.MessageSize(t.Context(), v); return err }
	inbound := func(s *Service, v url.Values) error { _, err := s.Inbound(t.Context(), v); return err }
	export := func(s *Service, v url.Values) error { _, err := s.NewExport(v); return err }
	search := func(s *Service, v url.Values) error { _, err := s.Search(t.Context(), v); return err }
	all := map[string]endpoint{"throughput": throughput, "stats": stats, "bounces": bounces,
		"deliveryTime": deliveryTime, "messageSize": messageSize, "inbound": inbound}

	common := []struct{ query, param, contains string }{
		{"range=90d", "range", "must be one of 1h, 6h, 24h, 7d, 30d"},
		{"from=last+week", "from", "must be an RFC 3339 time"},
		{"from=2024-05-01T00:00:00Z&to=05/02/2024", "to", "must be an RFC 3339 time"},
		{"from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z", "from", `must be before "to"`},
		{"from=2020-01-01T00:00:00Z&to=2024-01-01T00:00:00Z", "from", "at most 400 days"},
		{"range=1h&from=2024-05-10T00:00:00Z", "range", `cannot be combined with "from"`},
		{"step=1w", "step", "must be one of 5m, 1h, 1d"},
		{"range=7d&step=5m", "step", "more than 2000"},
		{"direction=sideways", "direction", `must be inbound or outbound, not "sideways"`},
		{"direction=inbound&direction=outbound", "direction", "at most once"},
	}
	for name, call := range all {
		for _, tt := range common {
			if name == "inbound" && tt.param == "direction" {
				continue // inbound is its direction; it reads no direction parameter
			}
			t.Run(name+"/"+tt.query, func(t *testing.T) {
				checkParamError(t, call(f.svc, query(t, tt.query)), tt.param, tt.contains)
			})
		}
	}
	specific := []struct {
		name                   string
		call                   endpoint
		query, param, contains string
	}{
		{"throughput", throughput, "by=mta_node", "by", "must be one of event_type, node, domain"},
		{"throughput", throughput, "by=", "", ""}, // empty is the default
		{"throughput", throughput, "eventType=delivered,clicked", "eventType", `unknown event type "clicked"`},
		{"stats", stats, "by=node", "by", "must be one of from_domain, to_domain, mta_node, sending_ip, event_type"},
		{"stats", stats, "limit=0", "limit", "must be an integer from 1 to 1000"},
		{"stats", stats, "limit=5000", "limit", "must be an integer from 1 to 1000"},
		{"stats", stats, "limit=many", "limit", `not "many"`},
		{"stats", stats, "sort=bounceRate", "sort", "must be one of total, bounce_rate"},
		{"stats", stats, "sort=total&sort=key", "sort", "at most once"},
		{"deliveryTime", deliveryTime, "domainSort=p99", "domainSort", `must be one of count, avg, p95, domain, not "p99"`},
		{"deliveryTime", deliveryTime, "domainSort=Count", "domainSort", `not "Count"`},
		{"deliveryTime", deliveryTime, "domainLimit=0", "domainLimit", "must be an integer from 1 to 500"},
		{"deliveryTime", deliveryTime, "domainLimit=501", "domainLimit", "must be an integer from 1 to 500"},
		{"deliveryTime", deliveryTime, "domainLimit=abc", "domainLimit", `not "abc"`},
		{"deliveryTime", deliveryTime, "domainOffset=-1", "domainOffset", `must be an integer from 0 to 1000000, not "-1"`},
		{"deliveryTime", deliveryTime, "domainOffset=x", "domainOffset", `not "x"`},
		{"deliveryTime", deliveryTime, "node=a&node=b", "node", "at most once"},
		{"deliveryTime", deliveryTime, "node=mta-1&step=5m", "step", `with "node" the delivery-time histograms are kept hourly and daily, so the step must be 1h or 1d, not 5m`},
		{"deliveryTime", deliveryTime, "sendingIp=192.0.2.1&step=5m", "step", `with "sendingIp" the delivery-time histograms are kept hourly and daily`},
		{"deliveryTime", deliveryTime, "node=mta-1&fromDomain=x.example", "fromDomain", `cannot be combined with "node"`},
		{"deliveryTime", deliveryTime, "fromDomain=a&fromDomain=b", "fromDomain", "at most once"},
		{"deliveryTime", deliveryTime, "node=mta-1&range=6h&step=5m", "step", `must be 1h or 1d, not 5m`},
		{"deliveryTime", deliveryTime, "node=mta-1&range=1h", "", ""}, // an automatic 5m becomes 1h
		{"deliveryTime", deliveryTime, "domainLimit=500&domainOffset=0&domainSort=p95", "", ""},
		{"deliveryTime", deliveryTime, "domainLimit=&domainOffset=&domainSort=&node=", "", ""}, // empty is absent
		{"messageSize", messageSize, "direction=both", "direction", "must be inbound or outbound"},
		{"bounces", bounces, "limit=0", "limit", `must be an integer from 1 to 100, not "0"`},
		{"bounces", bounces, "limit=101", "limit", `must be an integer from 1 to 100, not "101"`},
		{"bounces", bounces, "limit=ten", "limit", `not "ten"`},
		{"bounces", bounces, "limit=1&limit=2", "limit", "at most once"},
		{"bounces", bounces, "limit=100&direction=inbound", "", ""},
		{"inbound", inbound, "range=30d&step=1h", "", ""},
		{"inbound", inbound, "step=", "", ""},              // empty is absent
		{"inbound", inbound, "direction=sideways", "", ""}, // not read
		{"export", export, "", "format", `must be csv or ndjson, not ""`},
		{"export", export, "format=CSV", "format", `must be csv or ndjson, not "CSV"`},
		{"export", export, "format=csv&format=csv", "format", "at most once"},
		{"export", export, "format=csv&limit=0", "limit", "must be an integer from 1 to 1000000"},
		{"export", export, "format=csv&limit=1000001", "limit", "must be an integer from 1 to 1000000"},
		{"export", export, "format=ndjson&range=90d", "range", "must be one of 1h, 6h, 24h, 7d, 30d"},
		{"export", export, "format=ndjson&eventType=clicked", "eventType", `unknown event type "clicked"`},
		{"export", export, "format=ndjson&node=a&node=b", "node", "at most once"},
		{"export", export, "format=ndjson&direction=up", "direction", `must be inbound or outbound, not "up"`},
		{"export", export, "format=ndjson&from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z", "from", `must be before "to"`},
		{"export", export, "format=ndjson&limit=1000000&q=x&cursor=ignored", "", ""},
		{"search", search, "statusCode=abc", "statusCode", `must be an integer from 100 to 999, not "abc"`},
		{"search", search, "statusCode=99", "statusCode", `not "99"`},
		{"search", search, "statusCode=1000", "statusCode", `not "1000"`},
		{"search", search, "statusCode=550&statusCode=551", "statusCode", "at most once"},
		{"search", search, "mxHost=a&mxHost=b", "mxHost", "at most once"},
	}
	for _, tt := range specific {
		t.Run(tt.name+"/"+tt.query, func(t *testing.T) {
			err := tt.call(f.svc, query(t, tt.query))
			if tt.param == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			checkParamError(t, err, tt.param, tt.contains)
		})
	}
}
