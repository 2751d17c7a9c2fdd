package query

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store/storetest"
	"github.com/tinomail/tinomail/internal/store/storetest/gen"
)

// TestEndpointsAnswerAlikeOnBothStores writes one generated data set into
// SQLite and PostgreSQL and requires byte-identical answers from every
// endpoint for a spread of parameters.
func TestEndpointsAnswerAlikeOnBothStores(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	events := gen.Events(42, 6000, now.Add(-9*24*time.Hour), 9*24*time.Hour)
	withProviders(events)
	msgs := gen.Msgs("s", 1, events, 100)
	services := map[string]*Service{}
	for _, b := range []*storetest.Backend{storetest.SQLite(t), storetest.Postgres(t)} {
		if _, err := b.Store.WriteBatch(t.Context(), msgs); err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
		services[b.Name] = &Service{Store: b.Store, Now: func() time.Time { return now }}
	}
	type call func(*Service, url.Values) (any, error)
	endpoints := map[string]call{
		"throughput":   func(s *Service, v url.Values) (any, error) { return s.Throughput(t.Context(), v) },
		"stats":        func(s *Service, v url.Values) (any, error) { return s.Stats(t.Context(), v) },
		"bounces":      func(s *Service, v url.Values) (any, error) { return s.BounceAnalysis(t.Context(), v) },
		"deliveryTime": func(s *Service, v url.Values) (any, error) { return s.DeliveryTime(t.Context(), v) },
		"messageSize":  func(s *Service, v url.Values) (any, error) { return s.MessageSize(t.Context(), v) },
		"inbound":      func(s *Service, v url.Values) (any, error) { return s.Inbound(t.Context(), v) },
		"export":       func(s *Service, v url.Values) (any, error) { return exportString(t, s, v) },
	}
	params := map[string][]string{
		"throughput": {"range=1h", "range=7d&by=provider", "range=24h&by=node", "range=7d&by=domain", "range=30d&step=1d&by=sending_ip",
			"from=2026-11-20T03:07:00Z&to=2026-11-21T00:00:00Z&direction=outbound&eventType=bounced,deferred"},
		"stats": {"range=24h", "range=7d&by=to_domain&sort=bounce_rate", "range=30d&by=mta_node&direction=inbound",
			"range=6h&by=event_type", "range=7d&by=from_domain&limit=3&sort=avg_delivery_time",
			"range=30d&by=provider&sort=bounce_rate"},
		"bounces": {"range=24h", "range=7d&direction=outbound", "range=30d", "range=30d&limit=100", "range=7d&step=1h&limit=3&direction=inbound"},
		"inbound": {"range=1h", "range=24h", "range=7d", "range=30d", "from=2026-11-20T03:07:00Z&to=2026-11-21T00:00:00Z&step=5m"},
		"export": {"format=csv", "format=ndjson&range=7d&eventType=bounced,deferred", "format=csv&range=30d&limit=1500",
			"format=ndjson&range=7d&q=spamhaus&direction=outbound", "format=csv&range=30d&node=mta-1&toDomain=to3.test"},
		"deliveryTime": {"range=1h", "range=24h", "range=7d&domainSort=p95&domainLimit=7&domainOffset=3",
			"range=30d&domainSort=avg", "range=6h&node=mta-2&domainSort=domain", "range=7d&node=mta-0&direction=outbound",
			"from=2026-11-20T03:07:00Z&to=2026-11-21T00:00:00Z&step=1h&domainLimit=500",
			"range=7d&by=provider&domainSort=p95", "range=30d&by=provider&node=mta-1"},
		"messageSize": {"range=1h", "range=24h&direction=inbound", "range=7d&direction=outbound", "range=30d",
			"from=2026-11-20T03:07:00Z&to=2026-11-21T00:00:00Z&step=5m"},
	}
	for name, fn := range endpoints {
		for _, p := range params[name] {
			v, err := url.ParseQuery(p)
			if err != nil {
				t.Fatal(err)
			}
			answers := map[string]string{}
			for backend, svc := range services {
				res, err := fn(svc, v)
				if err != nil {
					t.Fatalf("%s %s on %s: %v", name, p, backend, err)
				}
				b, _ := json.Marshal(res)
				answers[backend] = string(b)
			}
			if strings.Contains(p, "provider") && !strings.Contains(answers["sqlite"], `"google"`) {
				t.Errorf("%s?%s: no Google in %s", name, p, answers["sqlite"])
			}
			if answers["sqlite"] != answers["postgres"] {
				t.Errorf("%s?%s differs:\nsqlite   %s\npostgres %s", name, p, answers["sqlite"], answers["postgres"])
			}
			if len(answers["sqlite"]) < 100 {
				t.Errorf("%s?%s: suspiciously small answer %s", name, p, answers["sqlite"])
			}
		}
	}
}

// withProviders sends some of the generated mail to big providers, by
// their own domains or, for company domains, by their MX hosts, so that
// by=provider has more than "other" to show.
func withProviders(events []event.Event) {
	mx := []string{"", "aspmx.l.google.com", "acme.mail.protection.outlook.com", "mta5.am0.yahoodns.net", "mx01.mail.icloud.com"}
	for i := range events {
		e := &events[i]
		if e.Direction != event.Outbound {
			continue
		}
		switch i % 7 {
		case 1, 2, 3, 4:
			e.MXHost = mx[i%7]
		case 5:
			e.ToDomain, e.MXHost = "gmail.com", "gmail-smtp-in.l.google.com"
		}
	}
}

// exportString runs an export into a string, for comparing whole downloads.
func exportString(t *testing.T, s *Service, v url.Values) (string, error) {
	exp, err := s.NewExport(v)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	st, err := exp.WriteTo(t.Context(), &b, func() error { return nil })
	return fmt.Sprintf("%d rows, truncated %v\n%s", st.Rows, st.Truncated, b.String()), err
}
