package query

import (
	"slices"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
)

func reply(ip, mx, text string) func(*event.Event) {
	return func(e *event.Event) { e.SendingIP, e.MXHost, e.StatusMessage = ip, mx, text }
}

func TestBounceAnalysisBreakdowns(t *testing.T) {
	f := newFixture(t)
	const (
		unknownUser = "550 5.1.1 <email>: Recipient address rejected: User unknown"
		greylisted  = "451 4.7.1 Greylisted, please try again in <n> seconds"
		spamhaus    = "554 5.7.1 Client host [<ip>] blocked using zen.spamhaus.org"
	)
	var evs []event.Event
	// a.com: 3 bounces to different users, 1 deferral, 4 deliveries.
	for _, u := range []string{"ann", "bob", "cy"} {
		evs = append(evs, ev(at(t, "10:00:00"), event.Bounced, "a.com", node("mta-1"),
			reply("192.0.2.1", "mx1.a.com", "550 5.1.1 <"+u+"@a.com>: Recipient address rejected: User unknown")))
	}
	evs = append(evs, ev(at(t, "10:05:00"), event.Deferred, "a.com", node("mta-2"),
		reply("192.0.2.2", "mx1.a.com", "451 4.7.1 Greylisted, please try again in 3000 seconds")))
	evs = append(evs, repeat(4, ev(at(t, "10:10:00"), event.Delivered, "a.com", node("mta-1"), reply("192.0.2.1", "mx1.a.com", "250 ok")))...)
	// b.org: 2 deferrals from different IPs, 1 rejection, no MX reported on one.
	evs = append(evs, ev(at(t, "11:00:00"), event.Deferred, "b.org", node("mta-2"),
		reply("192.0.2.2", "mx.b.org", "451 4.7.1 Greylisted, please try again in 6000 seconds")))
	evs = append(evs, ev(at(t, "11:00:00"), event.Deferred, "b.org", node("mta-1"),
		reply("192.0.2.1", "", "451 4.7.1 Greylisted, please try again in 1200 seconds")))
	evs = append(evs, ev(at(t, "11:30:00"), event.Rejected, "b.org", node("mta-2"),
		reply("192.0.2.2", "mx.b.org", "554 5.7.1 Client host [192.0.2.2] blocked using zen.spamhaus.org")))
	evs = append(evs, ev(at(t, "11:30:00"), event.Delivered, "b.org", node("mta-2"), reply("192.0.2.2", "mx.b.org", "250 ok")))
	f.write(evs...)

	res, err := f.svc.BounceAnalysis(t.Context(), query(t, "range=24h&step=1h"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 7 {
		t.Fatalf("total %d, want 7", res.Total)
	}
	wantResp := []ResponseShare{
		{Response: greylisted, Count: 3, Percent: 42.86, Deferred: 3}, // a tie: by name
		{Response: unknownUser, Count: 3, Percent: 42.86, Bounced: 3},
		{Response: spamhaus, Count: 1, Percent: 14.29, Rejected: 1},
	}
	if !slices.Equal(res.TopResponses, wantResp) {
		t.Errorf("topResponses\n got %+v\nwant %+v", res.TopResponses, wantResp)
	}
	wantDomains := []FailureShare{
		{Name: "a.com", Failures: 4, Bounced: 3, Deferred: 1, Percent: 57.14, Events: 8, FailureRate: 50},
		{Name: "b.org", Failures: 3, Deferred: 2, Rejected: 1, Percent: 42.86, Events: 4, FailureRate: 75},
	}
	if !slices.Equal(res.ByDomain, wantDomains) {
		t.Errorf("byDomain\n got %+v\nwant %+v", res.ByDomain, wantDomains)
	}
	wantMX := []FailureShare{
		{Name: "mx1.a.com", Failures: 4, Bounced: 3, Deferred: 1, Percent: 57.14, Events: 8, FailureRate: 50},
		{Name: "mx.b.org", Failures: 2, Deferred: 1, Rejected: 1, Percent: 28.57, Events: 3, FailureRate: 66.67},
		{Name: Unknown, Failures: 1, Deferred: 1, Percent: 14.29, Events: 1, FailureRate: 100},
	}
	if !slices.Equal(res.ByMX, wantMX) {
		t.Errorf("byMx\n got %+v\nwant %+v", res.ByMX, wantMX)
	}
	wantIPs := []FailureShare{
		{Name: "192.0.2.1", Failures: 4, Bounced: 3, Deferred: 1, Percent: 57.14, Events: 8, FailureRate: 50},
		{Name: "192.0.2.2", Failures: 3, Deferred: 2, Rejected: 1, Percent: 42.86, Events: 4, FailureRate: 75},
	}
	if !slices.Equal(res.BySendingIP, wantIPs) {
		t.Errorf("bySendingIp\n got %+v\nwant %+v", res.BySendingIP, wantIPs)
	}
	wantNodes := []FailureShare{
		{Name: "mta-1", Failures: 4, Bounced: 3, Deferred: 1, Percent: 57.14, Events: 8, FailureRate: 50},
		{Name: "mta-2", Failures: 3, Deferred: 2, Rejected: 1, Percent: 42.86, Events: 4, FailureRate: 75},
	}
	if !slices.Equal(res.ByNode, wantNodes) {
		t.Errorf("byNode\n got %+v\nwant %+v", res.ByNode, wantNodes)
	}
	// The fixture's classifier is not run (events are written directly):
	// the deferrals are uncategorized.
	if d := res.Deferred; d.Total != 3 || !slices.Equal(d.ByCategory, []ReasonShare{{Uncategorized, 3, 100}}) ||
		!slices.Equal(d.TopResponses, []ResponseShare{{Response: greylisted, Count: 3, Percent: 100, Deferred: 3}}) {
		t.Errorf("deferred %+v", d)
	}

	// limit cuts every list; the rates of what is left are unchanged.
	res, err = f.svc.BounceAnalysis(t.Context(), query(t, "range=24h&limit=1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.TopResponses) != 1 || len(res.ByDomain) != 1 || len(res.ByMX) != 1 || res.ByMX[0] != wantMX[0] ||
		len(res.BySendingIP) != 1 || len(res.ByNode) != 1 || len(res.Deferred.TopResponses) != 1 {
		t.Errorf("limit=1: %+v", res)
	}
}

// TestBounceAnalysisFromRollupsOnly: the breakdowns come from the rollups,
// so they still answer when the raw events are gone.
func TestBounceAnalysisFromRollupsOnly(t *testing.T) {
	f := newFixture(t)
	f.write(ev(at(t, "10:00:00"), event.Bounced, "a.com", node("mta-1"), reply("192.0.2.1", "mx1.a.com", "550 5.1.1 <x@a.com>: User unknown")))
	if rm, err := f.db.Retain(t.Context(), testNow, store.Retention{Events: time.Hour}); err != nil || rm.Events != 1 {
		t.Fatalf("retain: %+v, %v", rm, err)
	}
	res, err := f.svc.BounceAnalysis(t.Context(), query(t, "range=24h"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.TopResponses) != 1 || res.TopResponses[0].Response != "550 5.1.1 <email>: User unknown" || res.ByMX[0].Name != "mx1.a.com" {
		t.Errorf("after deleting raw events: %+v", res)
	}
}
