package rollup

import (
	"math"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
)

func TestBinErrorBound(t *testing.T) {
	for v := int64(1); v < 1e9; v = v*3/2 + 1 {
		mid := BinMid(Bin(v))
		if rel := math.Abs(mid-float64(v)) / float64(v); rel > 0.049 {
			t.Fatalf("value %d → bin %d mid %.1f: error %.3f", v, Bin(v), mid, rel)
		}
		if low := BinLow(Bin(v)); low > float64(v)*1.0000001 {
			t.Fatalf("value %d below its bin's low %.1f", v, low)
		}
	}
	if Bin(0) != 0 || BinMid(0) != 0 {
		t.Fatal("zero must be bin 0")
	}
}

func TestQuantile(t *testing.T) {
	var bins []BinCount
	counts := map[int]int64{}
	for v := int64(1); v <= 1000; v++ { // uniform 1..1000 ms
		counts[Bin(v)]++
	}
	for k := 0; k < 200; k++ {
		if counts[k] > 0 {
			bins = append(bins, BinCount{Bin: k, Count: counts[k]})
		}
	}
	for q, exact := range map[float64]float64{0.5: 500, 0.95: 950, 0.99: 990} {
		got := Quantile(bins, q)
		if math.Abs(got-exact)/exact > 0.05 {
			t.Errorf("q%.2f = %.1f, exact %.0f", q, got, exact)
		}
	}
	if Quantile(nil, 0.5) != 0 {
		t.Error("empty histogram")
	}
}

func TestBuild(t *testing.T) {
	ms := func(n int64) *int64 { return &n }
	t0 := time.Date(2026, 11, 26, 10, 7, 0, 0, time.UTC)
	events := []event.Event{
		{Time: t0, EventType: event.Delivered, Direction: event.Outbound, MTANode: "a", ToDomain: "gmail.com", DeliveryTimeMs: ms(100), MessageSize: ms(1000)},
		{Time: t0.Add(time.Minute), EventType: event.Delivered, Direction: event.Outbound, MTANode: "b", ToDomain: "gmail.com", DeliveryTimeMs: ms(300)},
		{Time: t0.Add(10 * time.Minute), EventType: event.Bounced, Direction: event.Outbound, MTANode: "a", BounceCategory: "invalid_recipient", BounceType: "hard"},
	}
	d := Build(events)
	key := func(res int64, bucket time.Time, dim, value string, typ event.Type) Key {
		return Key{Res: res, Bucket: bucket.Unix(), Dim: dim, Value: value, Direction: event.Outbound, EventType: typ}
	}
	b5 := time.Date(2026, 11, 26, 10, 5, 0, 0, time.UTC)
	h := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	day := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	checks := []struct {
		k    Key
		want Counts
	}{
		{key(300, b5, DimTotal, "", event.Delivered), Counts{Count: 2, DtSum: 400, DtCount: 2, SizeSum: 1000, SizeCount: 1}},
		{key(3600, h, DimMTANode, "a", event.Delivered), Counts{Count: 1, DtSum: 100, DtCount: 1, SizeSum: 1000, SizeCount: 1}},
		{key(86400, day, DimToDomain, "gmail.com", event.Delivered), Counts{Count: 2, DtSum: 400, DtCount: 2, SizeSum: 1000, SizeCount: 1}},
		{key(300, b5.Add(10*time.Minute), DimBounceCategory, "invalid_recipient", event.Bounced), Counts{Count: 1}},
		{key(86400, day, DimBounceType, "hard", event.Bounced), Counts{Count: 1}},
	}
	for _, c := range checks {
		got := d.Counts[c.k]
		if got == nil || *got != c.want {
			t.Errorf("%+v = %+v, want %+v", c.k, got, c.want)
		}
	}
	if _, ok := d.Counts[key(300, b5, DimBounceCategory, "", event.Delivered)]; ok {
		t.Error("delivered events must not count in bounce dimensions")
	}
	hk := HistKey{Key: key(300, b5, DimTotal, "", event.Delivered), Metric: MetricDeliveryTime, Bin: Bin(300)}
	if d.Hist[hk] != 1 {
		t.Errorf("hist bin = %d", d.Hist[hk])
	}
}

func TestBuildFailureAndInboundDims(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 10, 7, 0, 0, time.UTC)
	score := func(f float64) *float64 { return &f }
	events := []event.Event{
		{Time: t0, EventType: event.Bounced, Direction: event.Outbound, ToDomain: "x.com", MXHost: "mx1.x.com",
			StatusMessage: "550 5.1.1 <bob@x.com>: Recipient address rejected: User unknown"},
		{Time: t0, EventType: event.Bounced, Direction: event.Outbound, ToDomain: "y.org", MXHost: "mx.y.org",
			StatusMessage: "550 5.1.1 <ann@y.org>: Recipient address rejected: User unknown"},
		{Time: t0, EventType: event.Deferred, Direction: event.Outbound, ToDomain: "y.org", BounceMessage: "451 4.7.1 Greylisted for 300 seconds"},
		{Time: t0, EventType: event.Delivered, Direction: event.Outbound, ToDomain: "y.org", MXHost: "mx.y.org", StatusMessage: "250 2.0.0 OK id=1a2b3c4d5e6f"},
		{Time: t0, EventType: event.Received, Direction: event.Inbound, SPFResult: "pass", DKIMResult: "fail", SpamAction: "accept", SpamScore: score(-0.5)},
		{Time: t0, EventType: event.Deferred, Direction: event.Inbound, SPFResult: "pass", SpamAction: "greylist", SpamScore: score(7.9),
			StatusMessage: "451 4.7.1 Greylisted, please try again in 300 seconds"},
	}
	d := Build(events)
	key := func(dim, value string, dir event.Direction, typ event.Type) Key {
		return Key{Res: 3600, Bucket: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC).Unix(), Dim: dim, Value: value, Direction: dir, EventType: typ}
	}
	out, in := event.Outbound, event.Inbound
	want := map[Key]int64{
		key(DimResponse, "550 5.1.1 <email>: Recipient address rejected: User unknown", out, event.Bounced): 2,
		key(DimResponse, "451 4.7.1 Greylisted for 300 seconds", out, event.Deferred):                       1,
		key(DimResponse, "451 4.7.1 Greylisted, please try again in 300 seconds", in, event.Deferred):       1,
		key(DimMXHost, "mx.y.org", out, event.Bounced):                                                      1,
		key(DimMXHost, "mx.y.org", out, event.Delivered):                                                    1,
		key(DimMXHost, "", out, event.Deferred):                                                             1,
		key(DimMXHost, "", in, event.Received):                                                              1,
		key(DimSPF, "pass", in, event.Received):                                                             1,
		key(DimSPF, "pass", in, event.Deferred):                                                             1,
		key(DimDKIM, "fail", in, event.Received):                                                            1,
		key(DimDKIM, "", in, event.Deferred):                                                                1,
		key(DimDMARC, "", in, event.Received):                                                               1,
		key(DimSpamAction, "greylist", in, event.Deferred):                                                  1,
		key(DimSpamAction, "accept", in, event.Received):                                                    1,
	}
	for k, n := range want {
		if got := d.Counts[k]; got == nil || got.Count != n {
			t.Errorf("%s=%q %s/%s: %+v, want count %d", k.Dim, k.Value, k.Direction, k.EventType, got, n)
		}
	}
	for k := range d.Counts {
		if k.Dim == DimResponse && k.EventType == event.Delivered {
			t.Errorf("a delivery counted in the response dimension: %+v", k)
		}
		if (k.Dim == DimSPF || k.Dim == DimDKIM || k.Dim == DimDMARC || k.Dim == DimSpamAction) && k.Direction != event.Inbound {
			t.Errorf("an outbound event counted in an inbound verdict dimension: %+v", k)
		}
	}
	total := key(DimTotal, "", in, event.Received)
	if n := d.Hist[HistKey{Key: total, Metric: MetricSpamScore, Bin: -1}]; n != 1 {
		t.Errorf("spam score -0.5 in bin -1: %d", n)
	}
	total.EventType = event.Deferred
	if n := d.Hist[HistKey{Key: total, Metric: MetricSpamScore, Bin: 7}]; n != 1 {
		t.Errorf("spam score 7.9 in bin 7: %d", n)
	}
}

func TestSpamBin(t *testing.T) {
	for score, want := range map[float64]int{0: 0, 0.99: 0, -0.01: -1, 15.2: 15, -1000: MinSpamBin, 1e9: MaxSpamBin, 50: MaxSpamBin, math.NaN(): MinSpamBin} {
		if got := SpamBin(score); got != want {
			t.Errorf("SpamBin(%v) = %d, want %d", score, got, want)
		}
	}
}
