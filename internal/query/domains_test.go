package query

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tinomail/tinomail/internal/event"
)

func TestDeliveryTimeDomains(t *testing.T) {
	f := newFixture(t)
	samples := deliverySamples(t)
	writeDeliverySamples(f, samples)
	perDomain := map[string]exact{}
	for _, d := range []string{"gmail.com", "outlook.com", "a.example", "b.example"} {
		perDomain[d] = exactOf(filter(samples, func(s sample) bool { return s.domain == d }))
	}
	tests := []struct {
		query   string
		domains []string
	}{
		{"", []string{"gmail.com", "outlook.com", "a.example", "b.example"}},
		{"domainSort=count", []string{"gmail.com", "outlook.com", "a.example", "b.example"}},
		{"domainSort=domain", []string{"a.example", "b.example", "gmail.com", "outlook.com"}},
		{"domainSort=avg", []string{"outlook.com", "gmail.com", "b.example", "a.example"}},
		{"domainSort=p95", []string{"gmail.com", "outlook.com", "b.example", "a.example"}}, // 902500 and 900601 ms
		{"domainLimit=2", []string{"gmail.com", "outlook.com"}},
		{"domainLimit=2&domainOffset=1", []string{"outlook.com", "a.example"}},
		{"domainSort=domain&domainOffset=3", []string{"outlook.com"}},
		{"domainOffset=4", nil},
		{"domainOffset=500", nil},
		{"domainSort=p95&domainLimit=1&domainOffset=2", []string{"b.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res, err := f.svc.DeliveryTime(t.Context(), query(t, tt.query))
			if err != nil {
				t.Fatal(err)
			}
			d := res.Domains
			if d.Total != 4 || d.Rows == nil {
				t.Errorf("total %d rows %v, want 4 and a non-nil page", d.Total, d.Rows)
			}
			var got []string
			for _, r := range d.Rows {
				got = append(got, r.Domain)
				want := perDomain[r.Domain]
				if r.Count != want.count || r.AvgMs == nil || *r.AvgMs != want.avg {
					t.Errorf("%s: count %d avg %v, want %d %v", r.Domain, r.Count, fmtPtr(r.AvgMs), want.count, want.avg)
				}
				near(t, r.Domain+" p95", r.P95Ms, want.p95)
			}
			if !slices.Equal(got, tt.domains) {
				t.Errorf("domains %v, want %v", got, tt.domains)
			}
		})
	}
}

func TestDeliveryTimeP95SortCap(t *testing.T) {
	f := newFixture(t)
	// MaxP95SortDomains+2 domains: d000 has the most deliveries and the
	// fastest; the two least busy, beyond the cap, are the slowest.
	n := MaxP95SortDomains + 2
	var evs []event.Event
	for i := range n {
		d := fmt.Sprintf("d%03d.com", i)
		evs = append(evs, ev(at(t, "10:00:00"), event.Delivered, d, dt(int64(10+i))))
		if i < MaxP95SortDomains {
			evs = append(evs, ev(at(t, "10:00:00"), event.Delivered, d, dt(int64(10+i))))
		}
	}
	f.write(evs...)
	res, err := f.svc.DeliveryTime(t.Context(), query(t, "domainSort=p95&domainLimit=3&domainOffset=499"))
	if err != nil {
		t.Fatal(err)
	}
	d := res.Domains
	var got []string
	for _, r := range d.Rows {
		got = append(got, r.Domain)
	}
	// Ranked by p95 among the 500 busiest, d000 (fastest) comes last; the
	// other two follow by count, then name, whatever their p95.
	if want := []string{"d000.com", "d500.com", "d501.com"}; !slices.Equal(got, want) || !d.P95Partial || d.Total != n {
		t.Errorf("rows %v partial %v total %d, want %v, true, %d", got, d.P95Partial, d.Total, want, n)
	}
	for _, r := range d.Rows {
		if r.P95Ms == nil {
			t.Errorf("%s: no p95 on the page", r.Domain)
		}
	}
}
