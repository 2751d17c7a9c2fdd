package query

import (
	"fmt"
	"testing"

	"github.com/tinomail/tinomail/internal/event"
)

func mx(host string) func(*event.Event) { return func(e *event.Event) { e.MXHost = host } }

// writeProviderData stores, in the default 24h window of testNow:
//
//	google:    gmail.com delivered 100ms twice and bounced once; a company
//	           domain on Google Workspace delivered 300ms
//	microsoft: a Microsoft 365 company domain delivered 1000ms, deferred once
//	other:     example.org delivered 50ms
//	(unknown): one sent event without recipient or MX
//
// and an inbound event to gmail.com, which has no provider.
func writeProviderData(f *fixture) {
	t := f.t
	f.write(
		ev(at(t, "10:00:00"), event.Delivered, "gmail.com", dt(100), mx("gmail-smtp-in.l.google.com")),
		ev(at(t, "10:01:00"), event.Delivered, "gmail.com", dt(100)),
		ev(at(t, "10:02:00"), event.Bounced, "gmail.com"),
		ev(at(t, "11:00:00"), event.Delivered, "acme.example", dt(300), mx("aspmx.l.google.com")),
		ev(at(t, "12:00:00"), event.Delivered, "contoso.example", dt(1000), mx("contoso-example.mail.protection.outlook.com")),
		ev(at(t, "12:30:00"), event.Deferred, "contoso.example", mx("contoso-example.mail.protection.outlook.com")),
		ev(at(t, "13:00:00"), event.Delivered, "example.org", dt(50), mx("mx.example.org")),
		ev(at(t, "13:10:00"), event.Sent, ""),
		ev(at(t, "13:20:00"), event.Received, "gmail.com", inbound),
	)
}

func TestStatsAndThroughputByProvider(t *testing.T) {
	f := newFixture(t)
	writeProviderData(f)
	res, err := f.svc.Stats(t.Context(), query(t, "by=provider"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, fmt.Sprintf("%s:%d:%v", r.Key, r.Total, fmtAvg(r.AvgDeliveryTimeMs)))
	}
	want := "[google:4:166.67 microsoft:2:1000 (unknown):1:- other:1:50]"
	if fmt.Sprint(got) != want || res.By != "provider" {
		t.Errorf("stats by provider = %v (by %q), want %s", got, res.By, want)
	}
	tp, err := f.svc.Throughput(t.Context(), query(t, "by=provider"))
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, s := range tp.Series {
		got = append(got, fmt.Sprintf("%s:%d", s.Name, s.Total))
	}
	if want := "[google:4 microsoft:2 (unknown):1 other:1]"; fmt.Sprint(got) != want {
		t.Errorf("throughput by provider = %v, want %s", got, want)
	}
}

func TestDeliveryTimeAndBouncesByProvider(t *testing.T) {
	f := newFixture(t)
	writeProviderData(f)
	dt, err := f.svc.DeliveryTime(t.Context(), query(t, "by=provider"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	exactP95 := map[string]float64{"google": 300, "microsoft": 1000, "other": 50}
	for _, r := range dt.Domains.Rows {
		got = append(got, fmt.Sprintf("%s:%d:%v", r.Domain, r.Count, fmtAvg(r.AvgMs)))
		// p95 from the histogram bins: within the error bound of the exact one.
		if e := exactP95[r.Domain]; r.P95Ms == nil || *r.P95Ms < e*(1-ErrorBound) || *r.P95Ms > e*(1+ErrorBound) {
			t.Errorf("%s: p95 %v, want within %.1f%% of %v", r.Domain, fmtAvg(r.P95Ms), ErrorBound*100, e)
		}
	}
	if want := "[google:3:166.67 microsoft:1:1000 other:1:50]"; fmt.Sprint(got) != want || dt.Domains.By != "provider" {
		t.Errorf("delivery time by provider = %v (by %q), want %s", got, dt.Domains.By, want)
	}
	if _, err := f.svc.DeliveryTime(t.Context(), query(t, "by=sender")); err == nil {
		t.Error("by=sender accepted")
	}
	b, err := f.svc.BounceAnalysis(t.Context(), query(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, r := range b.ByProvider {
		got = append(got, fmt.Sprintf("%s:%d/%d", r.Name, r.Failures, r.Events))
	}
	if want := "[google:1/4 microsoft:1/2]"; fmt.Sprint(got) != want {
		t.Errorf("bounce analysis by provider = %v, want %s", got, want)
	}
}

func fmtAvg(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(round(*p, 2))
}
