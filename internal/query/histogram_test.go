package query

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
)

// logNormal returns n delivery times in ms, log-normal around 2 s with a
// long tail (σ = 1.5: a p99 about 30 times the median), as real delivery
// times are.
func logNormal(seed uint64, n int) []int64 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(math.Round(math.Exp(math.Log(2000) + 1.5*r.NormFloat64())))
	}
	return out
}

// TestQuantileErrorBound checks that every percentile read from the
// histogram of 20,000 log-normal delivery times is within ErrorBound of the
// exact nearest-rank value.
func TestQuantileErrorBound(t *testing.T) {
	values := logNormal(3, 20_000)
	counts := map[int]int64{}
	for _, v := range values {
		counts[rollup.Bin(v)]++
	}
	var bins []rollup.BinCount
	for b, n := range counts {
		bins = append(bins, rollup.BinCount{Bin: b, Count: n})
	}
	slices.SortFunc(bins, func(a, b rollup.BinCount) int { return a.Bin - b.Bin })
	slices.Sort(values)
	worst := 0.0
	for k := 1; k <= 1000; k++ {
		q := float64(k) / 1000
		exact := float64(values[int(math.Ceil(q*float64(len(values))))-1])
		got := quantile(bins, q)
		if got == nil {
			t.Fatalf("q=%v: null", q)
		}
		rel := math.Abs(*got-exact) / exact
		worst = max(worst, rel)
		if rel > ErrorBound {
			t.Errorf("q=%.3f: %v, exact %v: off by %.2f%%", q, *got, exact, rel*100)
		}
	}
	t.Logf("worst relative error over 1000 quantiles: %.2f%%", worst*100)
}

// TestDeliveryTimeLogNormal runs the same check through the store and the
// endpoint, total and per node.
func TestDeliveryTimeLogNormal(t *testing.T) {
	f := newFixture(t)
	values := logNormal(4, 20_000)
	var samples []sample
	evs := make([]event.Event, len(values))
	for i, ms := range values {
		s := sample{at: at(t, "02:00:00").Add(time.Duration(i) * time.Second), ms: ms, node: []string{"a", "b"}[i%2], domain: "x.com"}
		samples = append(samples, s)
		evs[i] = ev(s.at, event.Delivered, s.domain, dt(ms), node(s.node))
	}
	f.write(evs...)
	res, err := f.svc.DeliveryTime(t.Context(), query(t, "range=24h"))
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, res, exactOf(samples))
	res, err = f.svc.DeliveryTime(t.Context(), query(t, "range=24h&node=b"))
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, res, exactOf(filter(samples, func(s sample) bool { return s.node == "b" })))
	if d := res.Domains.Rows; len(d) != 1 || d[0].Count != 20_000 {
		t.Errorf("domains %+v, want x.com with all 20000", d)
	}
	near(t, "x.com p95", res.Domains.Rows[0].P95Ms, exactOf(samples).p95)
}
