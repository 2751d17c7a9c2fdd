package query

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

// delivered is the event type whose delivery times the endpoint measures:
// a bounce or a deferral also reports how long the attempt took, but that
// is not how long mail took to arrive.
var delivered = []event.Type{event.Delivered}

// deliveryClasses are the classes of the delivery-time distribution, in ms.
var deliveryClasses = []class{
	{"<1s", 1_000},
	{"1–3s", 3_000},
	{"3–10s", 10_000},
	{"10–30s", 30_000},
	{"30s–1m", 60_000},
	{"1–5m", 300_000},
	{">5m", inf},
}

// DeliveryTimeResult is the answer of /email/delivery-time. Every figure
// counts delivered events that reported a delivery time, narrowed by the one
// filter that is set (Node, FromDomain, SendingIP or Provider), if any. Averages are true averages (sum over count); percentiles come
// from the rollup histograms and are within ErrorBound of the exact value.
// Figures over no events are null.
type DeliveryTimeResult struct {
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Step       string    `json:"step"`
	Node       string    `json:"node,omitempty"`
	FromDomain string    `json:"fromDomain,omitempty"`
	SendingIP  string    `json:"sendingIp,omitempty"`
	Provider   string    `json:"provider,omitempty"`
	Count      int64     `json:"count"`
	AvgMs      *float64  `json:"avgMs"`
	P50Ms      *float64  `json:"p50Ms"`
	P95Ms      *float64  `json:"p95Ms"`
	P99Ms      *float64  `json:"p99Ms"`
	// ErrorBound is the relative error the percentiles may have: 0.049.
	ErrorBound float64 `json:"errorBound"`
	// Distribution shares Count out into deliveryClasses' ranges; see
	// distribute for how it treats the class boundaries.
	Distribution []Share             `json:"distribution"`
	Trend        []DeliveryTimePoint `json:"trend"`
	Domains      DomainTable         `json:"domains"`
}

// DeliveryTimePoint is one bucket of the delivery-time trend. P95Ms is null
// for every bucket when the window has more than MaxTrendHistBuckets.
type DeliveryTimePoint struct {
	Time  time.Time `json:"time"`
	Count int64     `json:"count"`
	AvgMs *float64  `json:"avgMs"`
	P95Ms *float64  `json:"p95Ms"`
}

// DeliveryTime reports delivery times of delivered events: count, average,
// percentiles, their distribution, a per-bucket trend and a per-destination
// table (see DomainTable).
//
// Parameters: range/from/to/step (see ParseWindow); direction; at most one
// of node, fromDomain, sendingIp and provider (see deliveryFilters) to
// restrict every figure but the domain table; domainSort=count (default),
// avg, p95 or domain; by=domain (default) or provider to make the table's
// rows recipient domains or mailbox providers; domainLimit (default 20, at
// most 500) and domainOffset (default 0) to page the domain table.
//
// The filtered histograms are kept at hourly and daily resolution only, so
// with a filter the step is at least 1h: an automatic 5m step becomes 1h,
// and an explicit step=5m is refused.
func (s *Service) DeliveryTime(ctx context.Context, v url.Values) (*DeliveryTimeResult, error) {
	f, err := parseDeliveryFilter(v)
	if err != nil {
		return nil, err
	}
	w, err := deliveryWindow(v, s.now(), f)
	if err != nil {
		return nil, err
	}
	dir, err := parseDirection(v)
	if err != nil {
		return nil, err
	}
	page, err := parseDomainPage(v)
	if err != nil {
		return nil, err
	}
	res := &DeliveryTimeResult{From: w.From, To: w.To, Step: w.StepName(), ErrorBound: ErrorBound}
	if f.param != "" {
		*f.field(res) = f.value
	}
	// The figures and the domain table are independent reads.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.deliverySummary(gctx, res, w, dir, f) })
	g.Go(func() (err error) {
		res.Domains, err = s.domainTable(gctx, w, dir, page)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return res, nil
}

// deliveryFilter is one of deliveryFilters with its value; the zero value
// is no filter.
type deliveryFilter struct {
	param, dim string
	field      func(*DeliveryTimeResult) *string
	value      string
}

// deliveryFilters are the parameters that narrow the delivery-time figures:
// the dimensions that keep delivery-time histograms (rollup.HistByDim).
// One at a time, since rollups are kept per dimension, not per combination.
var deliveryFilters = []deliveryFilter{
	{param: "node", dim: rollup.DimMTANode, field: func(r *DeliveryTimeResult) *string { return &r.Node }},
	{param: "fromDomain", dim: rollup.DimFromDomain, field: func(r *DeliveryTimeResult) *string { return &r.FromDomain }},
	{param: "sendingIp", dim: rollup.DimSendingIP, field: func(r *DeliveryTimeResult) *string { return &r.SendingIP }},
	{param: "provider", dim: rollup.DimProvider, field: func(r *DeliveryTimeResult) *string { return &r.Provider }},
}

func parseDeliveryFilter(v url.Values) (deliveryFilter, error) {
	var got deliveryFilter
	for _, f := range deliveryFilters {
		val, err := single(v, f.param)
		if err != nil || val == "" {
			if err != nil {
				return got, err
			}
			continue
		}
		if got.param != "" {
			return got, paramErr(f.param, "cannot be combined with %q: delivery-time figures are kept per dimension, "+
				"so they narrow by one of node, fromDomain, sendingIp and provider at a time", got.param)
		}
		got, got.value = f, val
		if f.dim == rollup.DimFromDomain {
			got.value = strings.ToLower(strings.TrimSuffix(val, ".")) // as ingest normalizes domains
		}
	}
	return got, nil
}

// deliveryWindow is ParseWindow, but at least hourly with a filter.
func deliveryWindow(v url.Values, now time.Time, f deliveryFilter) (Window, error) {
	w, err := ParseWindow(v, now)
	if err != nil || f.param == "" || rollup.HistByDim(f.dim, int64(w.Step/time.Second)) {
		return w, err
	}
	if step, _ := single(v, "step"); step != "" {
		return Window{}, paramErr("step", "with %q the delivery-time histograms are kept hourly and daily, "+
			"so the step must be 1h or 1d, not %s", f.param, step)
	}
	hourly := maps.Clone(v)
	hourly.Set("step", "1h")
	return ParseWindow(hourly, now)
}

// deliverySummary fills in res's totals, percentiles, distribution and
// trend, from the total rollups or, with a filter, from its dimension's.
func (s *Service) deliverySummary(ctx context.Context, res *DeliveryTimeResult, w Window, dir event.Direction, f deliveryFilter) error {
	rq := store.RollupQuery{Res: w.Step, From: w.From, To: w.To, Dim: rollup.DimTotal,
		Direction: dir, EventTypes: delivered, ByBucket: true}
	hq := store.HistQuery{Res: w.Step, From: w.From, To: w.To, Dim: rollup.DimTotal,
		Metric: rollup.MetricDeliveryTime, Direction: dir, EventTypes: delivered}
	if f.param != "" {
		rq.Dim, rq.Values = f.dim, []string{f.value}
		hq.Dim, hq.Value = f.dim, f.value
	}
	rows, err := s.rollups(ctx, rq)
	if err != nil {
		return fmt.Errorf("query: delivery time: rollups: %w", err)
	}
	bins, err := s.histogram(ctx, hq)
	if err != nil {
		return fmt.Errorf("query: delivery time: histogram: %w", err)
	}
	sums := bucketSums(w, rows)
	var total rollup.Counts
	for _, c := range sums {
		total.Add(c)
	}
	p95s, err := s.bucketQuantiles(ctx, hq, w, 0.95)
	if err != nil {
		return fmt.Errorf("query: delivery time trend: %w", err)
	}
	res.Count, res.AvgMs = total.DtCount, average(total.DtSum, total.DtCount)
	res.P50Ms, res.P95Ms, res.P99Ms = quantile(bins, 0.50), quantile(bins, 0.95), quantile(bins, 0.99)
	res.Distribution = distribute(bins, deliveryClasses)
	res.Trend = make([]DeliveryTimePoint, len(sums))
	for i, start := range w.Buckets() {
		c := sums[i]
		res.Trend[i] = DeliveryTimePoint{Time: start, Count: c.DtCount, AvgMs: average(c.DtSum, c.DtCount), P95Ms: p95s[i]}
	}
	return nil
}

// bucketSums sums rollup rows per bucket of w, over whatever else they
// are split by.
func bucketSums(w Window, rows []store.RollupRow) []rollup.Counts {
	sums := make([]rollup.Counts, w.Len())
	for _, r := range rows {
		if i := w.index(r.Bucket); i >= 0 {
			sums[i].Add(r.Counts)
		}
	}
	return sums
}
