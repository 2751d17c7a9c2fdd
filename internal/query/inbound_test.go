package query

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/tinomail/tinomail/internal/event"
)

func verdicts(spf, dkim, dmarc, action string, score float64) func(*event.Event) {
	return func(e *event.Event) {
		e.Direction = event.Inbound
		e.SPFResult, e.DKIMResult, e.DMARCResult, e.SpamAction, e.SpamScore = spf, dkim, dmarc, action, &score
	}
}

func TestInbound(t *testing.T) {
	f := newFixture(t)
	var evs []event.Event
	// 12:00 bucket: 3 received (2 SPF pass), 1 rejected as spam, 1 greylisted.
	evs = append(evs, repeat(2, ev(at(t, "12:00:00"), event.Received, "our.example", verdicts("pass", "pass", "pass", "accept", 0.5)))...)
	evs = append(evs, ev(at(t, "12:01:00"), event.Received, "our.example", verdicts("softfail", "none", "", "accept", 2.25)))
	evs = append(evs, ev(at(t, "12:02:00"), event.Rejected, "our.example", verdicts("fail", "fail", "fail", "reject", 17)))
	evs = append(evs, ev(at(t, "12:03:00"), event.Deferred, "our.example", verdicts("pass", "pass", "none", "greylist", 7.5)))
	// 13:00 bucket: 1 delivered to a mailbox without verdicts, 1 received with a negative score.
	evs = append(evs, ev(at(t, "13:00:00"), event.Delivered, "our.example", inbound))
	evs = append(evs, ev(at(t, "13:10:00"), event.Received, "our.example", verdicts("pass", "", "pass", "", -3.5)))
	// Outbound mail never counts, verdicts or not.
	evs = append(evs, ev(at(t, "12:00:00"), event.Delivered, "gmail.com", func(e *event.Event) { e.SPFResult, e.SpamAction = "fail", "reject" }))
	f.write(evs...)

	res, err := f.svc.Inbound(t.Context(), query(t, "from=2024-05-10T12:00:00Z&to=2024-05-10T14:00:00Z&step=1h"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 7 || len(res.Buckets) != 2 {
		t.Fatalf("total %d, buckets %v", res.Total, res.Buckets)
	}
	wantCounters := map[string]int64{"received": 4, "delivered": 1, "rejected": 1, "deferred": 1, "greylisted": 1}
	for k, n := range wantCounters {
		if res.Counters[k] != n {
			t.Errorf("counters[%s] = %d, want %d (all: %v)", k, res.Counters[k], n, res.Counters)
		}
	}
	wantTrend := map[string][]int64{"received": {3, 1}, "delivered": {0, 1}, "rejected": {1, 0}, "deferred": {1, 0}, "greylisted": {1, 0}}
	for i, s := range res.Trend {
		if s.Name != inboundSeries[i] || !slices.Equal(s.Values, wantTrend[s.Name]) {
			t.Errorf("trend %d: %s %v, want %s %v", i, s.Name, s.Values, inboundSeries[i], wantTrend[inboundSeries[i]])
		}
	}
	wantActions := []VerdictShare{{"accept", 3, 42.86}, {"greylist", 1, 14.29}, {"soft_reject", 0, 0}, {"reject", 1, 14.29}, {Unknown, 2, 28.57}}
	if !slices.Equal(res.SpamActions, wantActions) {
		t.Errorf("spamActions\n got %v\nwant %v", res.SpamActions, wantActions)
	}
	if len(res.SpamActionTrend) != 3 || res.SpamActionTrend[0].Name != "accept" || !slices.Equal(res.SpamActionTrend[0].Values, []int64{3, 0}) {
		t.Errorf("spamActionTrend %+v", res.SpamActionTrend)
	}
	wantScores := []ScoreBin{{-4, 1}, {0, 2}, {2, 1}, {7, 1}, {17, 1}}
	if !slices.Equal(res.SpamScores, wantScores) {
		t.Errorf("spamScores %v, want %v", res.SpamScores, wantScores)
	}
	// SPF: 6 of the 7 reported one; the delivery to a mailbox did not.
	wantSPF := []VerdictShare{{"pass", 4, 57.14}, {"fail", 1, 14.29}, {"softfail", 1, 14.29}, {"neutral", 0, 0}, {"none", 0, 0}, {Unknown, 1, 14.29}}
	if !slices.Equal(res.SPF.Results, wantSPF) {
		t.Errorf("spf results\n got %v\nwant %v", res.SPF.Results, wantSPF)
	}
	rate := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	checks := []struct {
		name  string
		check AuthCheck
		total any
		trend []any
	}{
		{"spf", res.SPF, 66.67, []any{60.0, 100.0}},    // 3 of 5, 1 of 1
		{"dkim", res.DKIM, 60.0, []any{60.0, nil}},     // 3 of 5, none reported
		{"dmarc", res.DMARC, 60.0, []any{50.0, 100.0}}, // 2 of 4 (a fail, a none), 1 of 1
	}
	for _, c := range checks {
		var trend []any
		for _, p := range c.check.PassRateTrend {
			trend = append(trend, rate(p))
		}
		if rate(c.check.PassRate) != c.total || !slices.Equal(trend, c.trend) {
			t.Errorf("%s: pass rate %v, trend %v; want %v, %v", c.name, rate(c.check.PassRate), trend, c.total, c.trend)
		}
	}
}

func TestInboundEmpty(t *testing.T) {
	f := newFixture(t)
	res, err := f.svc.Inbound(t.Context(), query(t, "range=1h"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["total"] != 0.0 || got["spf"].(map[string]any)["passRate"] != nil || len(got["spamScores"].([]any)) != 0 ||
		len(got["spamActionTrend"].([]any)) != 0 || len(got["trend"].([]any)) != 5 {
		t.Errorf("empty answer %s", b)
	}
}
