package query

import (
	"net/url"
	"slices"
	"testing"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
)

func TestParseEventTypes(t *testing.T) {
	tests := []struct {
		query string
		want  []event.Type
	}{
		{"", nil},
		{"eventType=", nil},
		{"eventType=delivered", []event.Type{event.Delivered}},
		// Returned in dashboard order, without duplicates, from either form.
		{"eventType=bounced,delivered,bounced", []event.Type{event.Delivered, event.Bounced}},
		{"eventType=received&eventType=sent,+deferred", []event.Type{event.Sent, event.Deferred, event.Received}},
		{"eventType=delivered,,", []event.Type{event.Delivered}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.query)
			got, err := parseEventTypes(v)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	v, _ := url.ParseQuery("eventType=delivered,opened")
	_, err := parseEventTypes(v)
	checkParamError(t, err, "eventType", `unknown event type "opened"; must be a comma-separated list of sent, delivered, deferred, bounced, rejected, received`)
}

func TestParseBy(t *testing.T) {
	for _, tt := range []struct {
		query string
		list  []grouping
		want  grouping
	}{
		{"", throughputGroupings, grouping{}},
		{"by=node", throughputGroupings, grouping{"node", rollup.DimMTANode}},
		{"by=domain", throughputGroupings, grouping{"domain", rollup.DimToDomain}},
		{"by=event_type", statsGroupings, grouping{byEventType, rollup.DimTotal}},
		{"by=mta_node", statsGroupings, grouping{"mta_node", rollup.DimMTANode}},
	} {
		v, _ := url.ParseQuery(tt.query)
		got, err := parseBy(v, tt.list)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %v, %v; want %v", tt.query, got, err, tt.want)
		}
	}
	_, err := parseBy(url.Values{"by": {"mta_node"}}, throughputGroupings)
	checkParamError(t, err, "by", `must be one of event_type, node, domain, from_domain, to_domain, sending_ip, provider, not "mta_node"`)
	_, err = parseBy(url.Values{"by": {"bounce_category"}}, statsGroupings)
	checkParamError(t, err, "by", `must be one of from_domain, to_domain, mta_node, sending_ip, event_type, provider, not "bounce_category"`)
}

func TestParseLimit(t *testing.T) {
	for q, want := range map[string]int{"": 50, "limit=1": 1, "limit=1000": 1000, "limit=+7": 7} {
		v, _ := url.ParseQuery(q)
		if got, err := parseLimit(v, 50, 1000); err != nil || got != want {
			t.Errorf("%s: got %d, %v; want %d", q, got, err, want)
		}
	}
	for _, q := range []string{"limit=0", "limit=-1", "limit=1001", "limit=ten", "limit=1.5", "limit=99999999999999999999"} {
		v, _ := url.ParseQuery(q)
		_, err := parseLimit(v, 50, 1000)
		checkParamError(t, err, "limit", "must be an integer from 1 to 1000")
	}
}

func TestParseDirection(t *testing.T) {
	for q, want := range map[string]event.Direction{"": "", "direction=inbound": event.Inbound, "direction=outbound": event.Outbound} {
		v, _ := url.ParseQuery(q)
		if got, err := parseDirection(v); err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", q, got, err, want)
		}
	}
	_, err := parseDirection(url.Values{"direction": {"both"}})
	checkParamError(t, err, "direction", `must be inbound or outbound, not "both"`)
}

func TestParseSort(t *testing.T) {
	for _, s := range []string{"total", "bounce_rate", "deferral_rate", "avg_delivery_time", "key", "delivered", "rejected"} {
		if got, err := parseSort(url.Values{"sort": {s}}); err != nil || got != s {
			t.Errorf("%s: got %q, %v", s, got, err)
		}
	}
	if got, err := parseSort(url.Values{}); err != nil || got != "total" {
		t.Errorf("default: got %q, %v; want total", got, err)
	}
	_, err := parseSort(url.Values{"sort": {"bounceRate"}})
	checkParamError(t, err, "sort", `must be one of total, bounce_rate, deferral_rate, avg_delivery_time, key, sent, delivered`)
}
