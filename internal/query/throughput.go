package query

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
)

// TopSeries is how many dimension values throughput shows by name; the rest
// are summed into one series named Other.
const TopSeries = 10

// Other names the series that sums the dimension values beyond TopSeries.
const Other = "other"

// ThroughputResult is the answer of /email/throughput: event counts per
// bucket, one series per event type or dimension value. Every bucket of the
// window is present; a bucket without events counts 0.
type ThroughputResult struct {
	From    time.Time   `json:"from"`
	To      time.Time   `json:"to"`
	Step    string      `json:"step"`
	By      string      `json:"by"`
	Buckets []time.Time `json:"buckets"`
	Series  []Series    `json:"series"`
}

// Series is one line of a throughput chart. Values holds one count per
// bucket of the result, in bucket order.
type Series struct {
	Name   string  `json:"name"`
	Values []int64 `json:"values"`
	Total  int64   `json:"total"`
	// Other marks the series that sums the values beyond the top ones, so a
	// client can tell it from a dimension value that happens to be "other".
	Other bool `json:"other,omitempty"`
}

// Throughput counts events per bucket. Parameters: range/from/to/step (see
// ParseWindow); by=event_type (default), node, domain (= to_domain),
// from_domain, to_domain or sending_ip; direction=inbound|outbound (default
// both); eventType=a,b to count only some event types.
//
// By event type, there is a series for every type with events in the window,
// in event.Types order, plus every type asked for by eventType even if it had
// none. By a dimension, the TopSeries values with the most events come first
// (ties by name), then Other when more values exist; events without the field
// are counted under Unknown.
func (s *Service) Throughput(ctx context.Context, v url.Values) (*ThroughputResult, error) {
	w, err := ParseWindow(v, s.now())
	if err != nil {
		return nil, err
	}
	by, err := parseBy(v, throughputGroupings)
	if err != nil {
		return nil, err
	}
	if by.name == "" {
		by = throughputGroupings[0]
	}
	dir, err := parseDirection(v)
	if err != nil {
		return nil, err
	}
	types, err := parseEventTypes(v)
	if err != nil {
		return nil, err
	}
	rows, err := s.rollups(ctx, store.RollupQuery{
		Res: w.Step, From: w.From, To: w.To, Dim: by.dim,
		Direction: dir, EventTypes: types, ByBucket: true,
	})
	if err != nil {
		return nil, fmt.Errorf("query: throughput by %s: %w", by.name, err)
	}
	res := &ThroughputResult{From: w.From, To: w.To, Step: w.StepName(), By: by.name, Buckets: w.Buckets()}
	if by.name == byEventType {
		res.Series = typeSeries(w, rows, types)
	} else {
		res.Series = topSeries(accumulate(w, rows, func(r store.RollupRow) string { return valueName(r.Value) }), TopSeries)
	}
	return res, nil
}

// accumulate sums rows into one series per key, over directions and
// whatever else the key leaves out.
func accumulate(w Window, rows []store.RollupRow, key func(store.RollupRow) string) map[string]*Series {
	series := make(map[string]*Series)
	n := w.Len()
	for _, r := range rows {
		i := w.index(r.Bucket)
		if i < 0 {
			continue // the store answered outside the window; not ours to show
		}
		k := key(r)
		s := series[k]
		if s == nil {
			s = &Series{Name: k, Values: make([]int64, n)}
			series[k] = s
		}
		s.Values[i] += r.Count
		s.Total += r.Count
	}
	return series
}

func typeSeries(w Window, rows []store.RollupRow, asked []event.Type) []Series {
	byType := accumulate(w, rows, func(r store.RollupRow) string { return string(r.EventType) })
	out := []Series{}
	for _, t := range event.Types {
		s := byType[string(t)]
		if s == nil && slices.Contains(asked, t) {
			s = &Series{Name: string(t), Values: make([]int64, w.Len())}
		}
		if s != nil {
			out = append(out, *s)
		}
	}
	return out
}

// topSeries orders series by total, largest first, and folds all but the
// first top into one Other series.
func topSeries(m map[string]*Series, top int) []Series {
	all := make([]Series, 0, len(m))
	for _, s := range m {
		all = append(all, *s)
	}
	slices.SortFunc(all, func(a, b Series) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Name, b.Name))
	})
	if len(all) <= top {
		return all
	}
	other := Series{Name: Other, Values: make([]int64, len(all[0].Values)), Other: true}
	for _, s := range all[top:] {
		for i, c := range s.Values {
			other.Values[i] += c
		}
		other.Total += s.Total
	}
	return append(all[:top], other)
}
