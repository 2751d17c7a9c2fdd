package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

// sample is one delivered event of the delivery-time data set, kept raw so
// that tests compute the exact answers to compare with.
type sample struct {
	at     time.Time
	ms     int64
	node   string
	domain string
	from   string // sender domain; "" is sender.example
	ip     string
}

// deliverySamples returns 1003 delivered events in the default 24h window of
// testNow: i = 1..1000 takes i² ms (1 ms to 16.7 min, across every class of
// the distribution) in hour 09+i%4, from node mta-0..2 by i%3, to gmail.com
// (i%5 < 3) or outlook.com, from shop.example (even i) or news.example,
// sent from 192.0.2.(1+i%7); three more, without a node, go to two small
// domains.
func deliverySamples(t *testing.T) []sample {
	var out []sample
	for i := 1; i <= 1000; i++ {
		s := sample{
			at:     at(t, "09:00:00").Add(time.Duration(i%4)*time.Hour + time.Duration(i%60)*time.Minute),
			ms:     int64(i * i),
			node:   []string{"mta-0", "mta-1", "mta-2"}[i%3],
			domain: "outlook.com",
			from:   []string{"shop.example", "news.example"}[i%2],
			ip:     fmt.Sprintf("192.0.2.%d", 1+i%7),
		}
		if i%5 < 3 {
			s.domain = "gmail.com"
		}
		out = append(out, s)
	}
	return append(out,
		sample{at: at(t, "13:10:00"), ms: 100, domain: "a.example"},
		sample{at: at(t, "13:20:00"), ms: 300, domain: "a.example"},
		sample{at: at(t, "13:30:00"), ms: 50_000, domain: "b.example"},
	)
}

// writeDeliverySamples stores the samples and events that must not count:
// failures with delivery times, a delivery without one, one outside the
// window.
func writeDeliverySamples(f *fixture, samples []sample) {
	t := f.t
	var evs []event.Event
	for _, s := range samples {
		e := ev(s.at, event.Delivered, s.domain, dt(s.ms), node(s.node))
		if s.from != "" {
			e.FromAddress = "sender@" + s.from
		}
		e.SendingIP = s.ip
		evs = append(evs, e)
	}
	evs = append(evs,
		ev(at(t, "10:00:00"), event.Bounced, "gmail.com", dt(5), node("mta-0")),
		ev(at(t, "10:00:00"), event.Deferred, "gmail.com", dt(7_000_000), node("mta-0")),
		ev(at(t, "11:00:00"), event.Delivered, "gmail.com", node("mta-0")),
		ev(at(t, "2024-05-08T11:00:00Z"), event.Delivered, "gmail.com", dt(1), node("mta-0")),
	)
	f.write(evs...)
}

// exact is what the raw samples say: count, true average (2 decimals) and
// nearest-rank percentiles.
type exact struct {
	count         int64
	avg           float64
	p50, p95, p99 float64
}

func exactOf(samples []sample) exact {
	if len(samples) == 0 {
		return exact{}
	}
	ms := make([]int64, len(samples))
	var sum int64
	for i, s := range samples {
		ms[i], sum = s.ms, sum+s.ms
	}
	slices.Sort(ms)
	rank := func(q float64) float64 { return float64(ms[int(math.Ceil(q*float64(len(ms))))-1]) }
	return exact{int64(len(ms)), round(float64(sum)/float64(len(ms)), 2), rank(0.5), rank(0.95), rank(0.99)}
}

func filter(samples []sample, keep func(sample) bool) []sample {
	var out []sample
	for _, s := range samples {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// near checks that got is within ErrorBound of want, relative.
func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = null, want ≈ %v", what, want)
		return
	}
	if math.Abs(*got-want) > ErrorBound*want {
		t.Errorf("%s = %v, want %v within %.1f%%", what, *got, want, ErrorBound*100)
	}
}

func checkSummary(t *testing.T, res *DeliveryTimeResult, want exact) {
	t.Helper()
	if res.Count != want.count {
		t.Errorf("count %d, want %d", res.Count, want.count)
	}
	var trendCount int64
	for _, p := range res.Trend {
		trendCount += p.Count
	}
	if trendCount != want.count {
		t.Errorf("trend counts sum to %d, want %d", trendCount, want.count)
	}
	if res.AvgMs == nil || *res.AvgMs != want.avg {
		t.Errorf("avgMs %v, want exactly %v", fmtPtr(res.AvgMs), want.avg)
	}
	near(t, "p50Ms", res.P50Ms, want.p50)
	near(t, "p95Ms", res.P95Ms, want.p95)
	near(t, "p99Ms", res.P99Ms, want.p99)
}

func fmtPtr(p *float64) any {
	if p == nil {
		return "null"
	}
	return *p
}

func TestDeliveryTime(t *testing.T) {
	f := newFixture(t)
	samples := deliverySamples(t)
	writeDeliverySamples(f, samples)

	res, err := f.svc.DeliveryTime(t.Context(), query(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if res.Step != "1h" || len(res.Trend) != 25 || res.ErrorBound != 0.049 {
		t.Fatalf("step %s, %d trend points, error bound %v", res.Step, len(res.Trend), res.ErrorBound)
	}
	checkSummary(t, res, exactOf(samples))

	// Trend: one point per hour, exact counts and averages, p95 per hour.
	for i, p := range res.Trend {
		in := filter(samples, func(s sample) bool { return !s.at.Before(p.Time) && s.at.Before(p.Time.Add(time.Hour)) })
		want := exactOf(in)
		if p.Count != want.count {
			t.Errorf("trend[%d] %s: count %d, want %d", i, p.Time, p.Count, want.count)
		}
		if want.count == 0 {
			if p.AvgMs != nil || p.P95Ms != nil {
				t.Errorf("trend[%d]: empty bucket has avg %v p95 %v, want nulls", i, fmtPtr(p.AvgMs), fmtPtr(p.P95Ms))
			}
			continue
		}
		if p.AvgMs == nil || *p.AvgMs != want.avg {
			t.Errorf("trend[%d]: avg %v, want %v", i, fmtPtr(p.AvgMs), want.avg)
		}
		near(t, "trend p95", p.P95Ms, want.p95)
	}
	if got := res.Trend[19].Time; !got.Equal(at(t, "09:00:00")) || res.Trend[19].Count != 250 {
		t.Errorf("trend[19] = %+v, want 09:00 with 250", res.Trend[19])
	}
}

func TestDeliveryTimeDistribution(t *testing.T) {
	f := newFixture(t)
	samples := deliverySamples(t)
	writeDeliverySamples(f, samples)
	res, err := f.svc.DeliveryTime(t.Context(), query(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	// Whole bins go to the class of their midpoint, so the expected counts
	// classify each raw value by its bin's midpoint; and they may differ
	// from the counts of the raw values themselves only by values within
	// one bin's width of a boundary.
	var byMid, byValue [7]int64
	var nearBound [6]int64 // values within a bin's width of each boundary
	classOf := func(v float64) int {
		return slices.IndexFunc(deliveryClasses, func(c class) bool { return v < c.upper })
	}
	for _, s := range samples {
		byMid[classOf(rollup.BinMid(rollup.Bin(s.ms)))]++
		byValue[classOf(float64(s.ms))]++
		for b, c := range deliveryClasses[:6] {
			if math.Abs(float64(s.ms)-c.upper) <= (rollup.Growth-1)*c.upper {
				nearBound[b]++
			}
		}
	}
	for i, got := range res.Distribution {
		if got.Label != deliveryClasses[i].label || got.Count != byMid[i] || got.Percent != percent(byMid[i], res.Count) {
			t.Errorf("class %d = %+v, want %s with %d", i, got, deliveryClasses[i].label, byMid[i])
		}
		var slack int64
		if i > 0 {
			slack += nearBound[i-1]
		}
		if i < 6 {
			slack += nearBound[i]
		}
		if diff := got.Count - byValue[i]; max(diff, -diff) > slack {
			t.Errorf("%s: %d, but %d values fall in it: off by more than the %d near its bounds", got.Label, got.Count, byValue[i], slack)
		}
	}
	wantCounts := []int64{32, 24, 47, 70, 69, 300, 461} // 33, 23, 45, 74, 72, 303, 453 by raw value
	for i, c := range wantCounts {
		if res.Distribution[i].Count != c {
			t.Errorf("%s: %d, want %d", res.Distribution[i].Label, res.Distribution[i].Count, c)
		}
	}
	var sum int64
	for _, s := range res.Distribution {
		sum += s.Count
	}
	if sum != res.Count {
		t.Errorf("distribution sums to %d, count is %d", sum, res.Count)
	}
}

func TestDistributeBoundaries(t *testing.T) {
	// Each bin goes wholly to the class of its midpoint, so values in the
	// same bin never split, whichever side of a boundary they are on.
	b := rollup.Bin(1000)
	lo, hi := int64(math.Ceil(rollup.BinLow(b))), int64(math.Ceil(rollup.BinLow(b+1)))-1
	bins := []rollup.BinCount{{Bin: rollup.Bin(lo), Count: 1}, {Bin: rollup.Bin(hi), Count: 1}}
	got := distribute(bins, deliveryClasses)
	wantClass := 0
	if rollup.BinMid(b) >= 1000 {
		wantClass = 1
	}
	if got[wantClass].Count != 2 || got[wantClass].Percent != 100 {
		t.Errorf("bin [%d, %d] (mid %.1f) split or misplaced: %v", lo, hi, rollup.BinMid(b), got)
	}
	if got := distribute(nil, deliveryClasses); len(got) != 7 || got[6].Label != ">5m" || got[0].Percent != 0 {
		t.Errorf("empty distribution %v", got)
	}
}

func TestDeliveryTimeNode(t *testing.T) {
	f := newFixture(t)
	samples := deliverySamples(t)
	writeDeliverySamples(f, samples)
	mta1 := exactOf(filter(samples, func(s sample) bool { return s.node == "mta-1" }))
	for _, q := range []string{"node=mta-1", "node=mta-1&step=1h", "node=mta-1&range=6h", "node=mta-1&range=30d"} {
		t.Run(q, func(t *testing.T) {
			res, err := f.svc.DeliveryTime(t.Context(), query(t, q))
			if err != nil {
				t.Fatal(err)
			}
			wantStep := "1h"
			if strings.Contains(q, "30d") {
				wantStep = "1d"
			}
			if res.Step != wantStep || res.Node != "mta-1" {
				t.Errorf("step %s node %q, want %s mta-1", res.Step, res.Node, wantStep)
			}
			want := mta1
			if strings.Contains(q, "6h") { // 08:00 to 15:00 at 1h: all but nothing
				want = exactOf(filter(samples, func(s sample) bool { return s.node == "mta-1" && !s.at.Before(at(t, "08:00:00")) }))
			}
			checkSummary(t, res, want)
			// The domain table is never filtered by node.
			if d := res.Domains; d.Total != 4 || d.Rows[0].Domain != "gmail.com" || d.Rows[0].Count < 600 {
				t.Errorf("domains %+v, want all four, gmail.com with at least 600", d)
			}
		})
	}
	res, err := f.svc.DeliveryTime(t.Context(), query(t, "node=nowhere"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 0 || res.AvgMs != nil || res.P50Ms != nil || res.P99Ms != nil || res.Distribution[0].Count != 0 {
		t.Errorf("unknown node: %+v, want zero count and null figures", res)
	}
}

// TestDeliveryTimeFilters narrows the figures by sender domain, sending IP
// and provider, each compared with the exact answer of the raw samples.
func TestDeliveryTimeFilters(t *testing.T) {
	f := newFixture(t)
	samples := deliverySamples(t)
	writeDeliverySamples(f, samples)
	for _, c := range []struct {
		query string
		keep  func(sample) bool
		field func(*DeliveryTimeResult) string
		value string
	}{
		{"fromDomain=Shop.Example.", func(s sample) bool { return s.from == "shop.example" },
			func(r *DeliveryTimeResult) string { return r.FromDomain }, "shop.example"},
		{"sendingIp=192.0.2.3", func(s sample) bool { return s.ip == "192.0.2.3" },
			func(r *DeliveryTimeResult) string { return r.SendingIP }, "192.0.2.3"},
		{"provider=google", func(s sample) bool { return s.domain == "gmail.com" },
			func(r *DeliveryTimeResult) string { return r.Provider }, "google"},
	} {
		t.Run(c.query, func(t *testing.T) {
			res, err := f.svc.DeliveryTime(t.Context(), query(t, c.query))
			if err != nil {
				t.Fatal(err)
			}
			if c.field(res) != c.value || res.Node != "" {
				t.Errorf("filter echoed as %q (node %q), want %q", c.field(res), res.Node, c.value)
			}
			want := exactOf(filter(samples, c.keep))
			if want.count < 100 {
				t.Fatalf("only %d samples: the test data no longer exercises the filter", want.count)
			}
			checkSummary(t, res, want)
		})
	}
}

func TestDeliveryTimeFineStep(t *testing.T) {
	f := newFixture(t)
	samples := deliverySamples(t)
	writeDeliverySamples(f, samples)
	res, err := f.svc.DeliveryTime(t.Context(), query(t, "range=6h"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Step != "5m" || len(res.Trend) != 73 {
		t.Fatalf("step %s with %d points, want 5m with 73", res.Step, len(res.Trend))
	}
	in := filter(samples, func(s sample) bool { return !s.at.Before(res.From) })
	checkSummary(t, res, exactOf(in))
	for _, p := range res.Trend {
		want := exactOf(filter(in, func(s sample) bool { return !s.at.Before(p.Time) && s.at.Before(p.Time.Add(5*time.Minute)) }))
		if p.Count != want.count {
			t.Errorf("%s: count %d, want %d", p.Time, p.Count, want.count)
		}
		if want.count > 0 {
			near(t, "5m p95 at "+p.Time.Format("15:04"), p.P95Ms, want.p95)
		}
	}
	// The domain table reads hourly rollups: its window is widened to hours.
	if d := res.Domains; !d.From.Equal(at(t, "08:00:00")) || !d.To.Equal(at(t, "15:00:00")) {
		t.Errorf("domain window [%s, %s), want [08:00, 15:00)", d.From, d.To)
	}
}

func TestDeliveryTimeEmpty(t *testing.T) {
	f := newFixture(t)
	res, err := f.svc.DeliveryTime(t.Context(), query(t, "range=1h&node=x"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"from":"2024-05-10T13:00:00Z","to":"2024-05-10T15:00:00Z","step":"1h","node":"x","count":0,` +
		`"avgMs":null,"p50Ms":null,"p95Ms":null,"p99Ms":null,"errorBound":0.049,"distribution":[` +
		`{"label":"\u003c1s","count":0,"percent":0},{"label":"1–3s","count":0,"percent":0},{"label":"3–10s","count":0,"percent":0},` +
		`{"label":"10–30s","count":0,"percent":0},{"label":"30s–1m","count":0,"percent":0},{"label":"1–5m","count":0,"percent":0},` +
		`{"label":"\u003e5m","count":0,"percent":0}],"trend":[` +
		`{"time":"2024-05-10T13:00:00Z","count":0,"avgMs":null,"p95Ms":null},{"time":"2024-05-10T14:00:00Z","count":0,"avgMs":null,"p95Ms":null}],` +
		`"domains":{"by":"domain","from":"2024-05-10T13:00:00Z","to":"2024-05-10T15:00:00Z","sort":"count","offset":0,"limit":20,"total":0,"rows":[]}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
}

func TestDeliveryTimeTrendTooLongForPercentiles(t *testing.T) {
	f := newFixture(t)
	f.write(ev(at(t, "10:00:00"), event.Delivered, "a.com", dt(100)))
	res, err := f.svc.DeliveryTime(t.Context(), query(t, "from=2024-04-01T00:00:00Z&to=2024-05-10T14:00:00Z&step=1h"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trend) <= MaxTrendHistBuckets {
		t.Fatalf("%d buckets; the test needs more than %d", len(res.Trend), MaxTrendHistBuckets)
	}
	for _, p := range res.Trend {
		if p.P95Ms != nil {
			t.Fatalf("%s: p95 %v, want null beyond %d buckets", p.Time, *p.P95Ms, MaxTrendHistBuckets)
		}
		if p.Time.Equal(at(t, "10:00:00")) && (p.Count != 1 || p.AvgMs == nil || *p.AvgMs != 100) {
			t.Errorf("10:00 point %+v, want count 1 avg 100", p)
		}
	}
	near(t, "p95Ms", res.P95Ms, 100) // the window's own percentiles are still there
}

// failingStore fails every histogram query after the first ok ones.
type failingStore struct {
	store.Reader
	ok atomic.Int32
}

func (s *failingStore) Histograms(ctx context.Context, q store.HistQuery) ([]store.HistRow, error) {
	if s.ok.Add(-1) < 0 {
		return nil, errors.New("disk on fire")
	}
	return s.Reader.Histograms(ctx, q)
}

func TestDeliveryTimeStoreErrors(t *testing.T) {
	f := newFixture(t)
	writeDeliverySamples(f, deliverySamples(t))
	// The window's histogram, the trend's, the domains'.
	for _, ok := range []int32{0, 1, 2} {
		fs := &failingStore{Reader: f.db}
		fs.ok.Store(ok)
		svc := &Service{Store: fs, Now: f.svc.Now}
		_, err := svc.DeliveryTime(t.Context(), query(t, ""))
		if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.HasPrefix(err.Error(), "query: delivery time") {
			t.Errorf("after %d good queries: error %v, want the store's, wrapped", ok, err)
		}
	}
}
