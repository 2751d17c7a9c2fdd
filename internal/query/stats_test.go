package query

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/tinomail/tinomail/internal/event"
)

// writeStatsData stores, in the default 24h window of testNow:
//
//	a.com: delivered 1×100ms at 10h and 3×1000ms at 11h, 1 bounced, 2 deferred
//	b.com: delivered 50ms and 150ms, 2 bounced
//	c.com: 1 inbound rejection
//	(no recipient): 1 received
//
// a.com's hourly averages are 100 and 1000, whose mean 550 is not its true
// average (100+3×1000)/4 = 775; across domains, the mean of the averages
// (775+100)/2 = 437.5 is not the true (3100+200)/6 = 550 either.
func writeStatsData(f *fixture) {
	t := f.t
	var evs []event.Event
	evs = append(evs, ev(at(t, "10:10:00"), event.Delivered, "a.com", dt(100)))
	evs = append(evs, repeat(3, ev(at(t, "11:20:00"), event.Delivered, "a.com", dt(1000)))...)
	evs = append(evs, ev(at(t, "11:30:00"), event.Bounced, "a.com"))
	evs = append(evs, repeat(2, ev(at(t, "12:00:00"), event.Deferred, "a.com"))...)
	evs = append(evs,
		ev(at(t, "2024-05-09T20:00:00Z"), event.Delivered, "B.com", dt(50)),
		ev(at(t, "13:00:00"), event.Delivered, "b.com", dt(150)),
		ev(at(t, "13:01:00"), event.Bounced, "b.com"),
		ev(at(t, "13:02:00"), event.Bounced, "b.com"),
		ev(at(t, "13:03:00"), event.Rejected, "c.com", inbound),
		ev(at(t, "13:04:00"), event.Received, ""),
		// Outside the window: yesterday before 14:00, and long ago.
		ev(at(t, "2024-05-09T13:59:59Z"), event.Delivered, "a.com", dt(999999)),
		ev(at(t, "2024-04-01T00:00:00Z"), event.Bounced, "c.com"),
	)
	f.write(evs...)
}

func counts(sent, delivered, deferred, bounced, rejected, received int64) map[event.Type]int64 {
	return map[event.Type]int64{
		event.Sent: sent, event.Delivered: delivered, event.Deferred: deferred,
		event.Bounced: bounced, event.Rejected: rejected, event.Received: received,
	}
}

func ptr(f float64) *float64 { return &f }

func checkRow(t *testing.T, got StatsRow, want StatsRow) {
	t.Helper()
	if got.Key != want.Key || got.Total != want.Total || !maps.Equal(got.Counts, want.Counts) ||
		got.BounceRate != want.BounceRate || got.DeferralRate != want.DeferralRate ||
		compareAvg(got.AvgDeliveryTimeMs, want.AvgDeliveryTimeMs) != 0 {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Errorf("row\n got %s\nwant %s", gj, wj)
	}
}

var (
	rowA = StatsRow{Key: "a.com", Total: 7, Counts: counts(0, 4, 2, 1, 0, 0),
		BounceRate: 0.2, DeferralRate: 0.2857, AvgDeliveryTimeMs: ptr(775)}
	rowB = StatsRow{Key: "b.com", Total: 4, Counts: counts(0, 2, 0, 2, 0, 0),
		BounceRate: 0.5, AvgDeliveryTimeMs: ptr(100)}
	rowC       = StatsRow{Key: "c.com", Total: 1, Counts: counts(0, 0, 0, 0, 1, 0)}
	rowUnknown = StatsRow{Key: Unknown, Total: 1, Counts: counts(0, 0, 0, 0, 0, 1)}
	rowAll     = StatsRow{Key: AllKey, Total: 13, Counts: counts(0, 6, 2, 3, 1, 1),
		BounceRate: 0.3333, DeferralRate: 0.1818, AvgDeliveryTimeMs: ptr(550)}
)

func TestStatsByDomain(t *testing.T) {
	f := newFixture(t)
	writeStatsData(f)
	res, err := f.svc.Stats(t.Context(), query(t, "by=to_domain"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Step != "1h" || res.By != "to_domain" || res.Sort != "total" || res.TotalRows != 4 || len(res.Rows) != 4 {
		t.Fatalf("step %s by %s sort %s, %d of %d rows", res.Step, res.By, res.Sort, len(res.Rows), res.TotalRows)
	}
	// By total, ties by key: "(unknown)" sorts before "c.com".
	for i, want := range []StatsRow{rowA, rowB, rowUnknown, rowC} {
		checkRow(t, res.Rows[i], want)
	}
	checkRow(t, res.Totals, rowAll)
}

func TestStatsSortAndLimit(t *testing.T) {
	f := newFixture(t)
	writeStatsData(f)
	tests := []struct {
		query string
		keys  []string
	}{
		{"by=to_domain&sort=bounce_rate", []string{"b.com", "a.com", Unknown, "c.com"}},
		{"by=to_domain&sort=bounce_rate&limit=2", []string{"b.com", "a.com"}},
		{"by=to_domain&sort=deferral_rate&limit=1", []string{"a.com"}},
		{"by=to_domain&sort=avg_delivery_time", []string{"a.com", "b.com", Unknown, "c.com"}},
		{"by=to_domain&sort=key", []string{Unknown, "a.com", "b.com", "c.com"}},
		{"by=to_domain&sort=bounced", []string{"b.com", "a.com", Unknown, "c.com"}},
		{"by=to_domain&sort=rejected", []string{"c.com", Unknown, "a.com", "b.com"}},
		{"by=to_domain&direction=inbound", []string{Unknown, "c.com"}},
		{"by=to_domain&direction=outbound", []string{"a.com", "b.com"}},
		{"by=event_type", []string{"delivered", "bounced", "deferred", "received", "rejected"}},
		{"by=from_domain", []string{"sender.example"}},
		{"by=mta_node", []string{Unknown}},
		{"", []string{AllKey}},
		{"range=1h", []string{AllKey}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res, err := f.svc.Stats(t.Context(), query(t, tt.query))
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, r := range res.Rows {
				keys = append(keys, r.Key)
			}
			if !slices.Equal(keys, tt.keys) {
				t.Errorf("keys %v, want %v", keys, tt.keys)
			}
		})
	}
}

func TestStatsTotals(t *testing.T) {
	f := newFixture(t)
	writeStatsData(f)
	// Totals cover every key even when the rows are cut, and are the same
	// whichever dimension splits them.
	for _, q := range []string{"", "by=to_domain&limit=1", "by=event_type", "by=sending_ip", "by=from_domain&sort=key"} {
		res, err := f.svc.Stats(t.Context(), query(t, q))
		if err != nil {
			t.Fatal(err)
		}
		checkRow(t, res.Totals, rowAll)
	}
	res, err := f.svc.Stats(t.Context(), query(t, "by=event_type"))
	if err != nil {
		t.Fatal(err)
	}
	checkRow(t, res.Rows[0], StatsRow{Key: "delivered", Total: 6, Counts: counts(0, 6, 0, 0, 0, 0), AvgDeliveryTimeMs: ptr(550)})

	// Nothing in the window: zero rates and a null average, not NaN.
	res, err = f.svc.Stats(t.Context(), query(t, "from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z&by=to_domain"))
	if err != nil {
		t.Fatal(err)
	}
	checkRow(t, res.Totals, StatsRow{Key: AllKey, Counts: counts(0, 0, 0, 0, 0, 0)})
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"from":"2020-01-01T00:00:00Z","to":"2020-01-02T00:00:00Z","step":"1h","by":"to_domain","sort":"total","totalRows":0,"rows":[],` +
		`"totals":{"key":"(all)","total":0,"counts":{"bounced":0,"deferred":0,"delivered":0,"received":0,"rejected":0,"sent":0},` +
		`"bounceRate":0,"deferralRate":0,"avgDeliveryTimeMs":null}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
}
