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
