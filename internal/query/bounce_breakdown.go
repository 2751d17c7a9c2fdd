package query

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

// Bounce analysis list lengths: limit=N shows the N largest entries of each
// breakdown.
const (
	DefaultBounceLimit = 10
	MaxBounceLimit     = 100
)

// FailureShare is the failures of one destination domain, MX host, sending
// IP or node. Percent is of all failures in the result; FailureRate is
// Failures as a percentage of every event with that value (deliveries
// included), both to 2 decimals.
type FailureShare struct {
	Name        string  `json:"name"`
	Failures    int64   `json:"failures"`
	Bounced     int64   `json:"bounced"`
	Deferred    int64   `json:"deferred"`
	Rejected    int64   `json:"rejected"`
	Percent     float64 `json:"percent"`
	Events      int64   `json:"events"`
	FailureRate float64 `json:"failureRate"`
}

// ResponseShare is one SMTP reply, normalized so that replies to different
// recipients or from different hosts are one entry (see classify.Template),
// with how many failures got it. Percent is of the failures of the list.
type ResponseShare struct {
	Response string  `json:"response"`
	Count    int64   `json:"count"`
	Percent  float64 `json:"percent"`
	Bounced  int64   `json:"bounced"`
	Deferred int64   `json:"deferred"`
	Rejected int64   `json:"rejected"`
}

// ReasonShare is a category's part of the deferrals.
type ReasonShare struct {
	Category string  `json:"category"`
	Count    int64   `json:"count"`
	Percent  float64 `json:"percent"`
}

// DeferredReasons is why mail waits in the queues: the deferrals only, by
// category and by normalized reply, percentages of Total.
type DeferredReasons struct {
	Total        int64           `json:"total"`
	ByCategory   []ReasonShare   `json:"byCategory"`
	TopResponses []ResponseShare `json:"topResponses"`
}

// failureBreakdowns are the per-value lists of the bounce analysis and the
// rollup dimension each reads.
var failureBreakdowns = []struct {
	dim string
	set func(*BounceResult, []FailureShare)
}{
	{rollup.DimToDomain, func(r *BounceResult, l []FailureShare) { r.ByDomain = l }},
	{rollup.DimMXHost, func(r *BounceResult, l []FailureShare) { r.ByMX = l }},
	{rollup.DimSendingIP, func(r *BounceResult, l []FailureShare) { r.BySendingIP = l }},
	{rollup.DimMTANode, func(r *BounceResult, l []FailureShare) { r.ByNode = l }},
	{rollup.DimProvider, func(r *BounceResult, l []FailureShare) { r.ByProvider = l }},
}

// addBreakdowns reads the failures by category, bounce type, reply and
// each of failureBreakdowns, and fills in res.
func (s *Service) addBreakdowns(ctx context.Context, res *BounceResult, q store.RollupQuery, limit int) error {
	// The reads are independent, each a few tens of milliseconds over 30
	// days of a busy fleet: run them side by side, leaving the store's other
	// connections to the writer and to other requests.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(readConcurrency)
	read := func(dim, what string, into *[]store.RollupRow) {
		g.Go(func() error {
			rq := q
			rq.Dim = dim
			var err error
			if *into, err = s.rollups(gctx, rq); err != nil {
				return fmt.Errorf("query: bounce analysis by %s: %w", what, err)
			}
			return nil
		})
	}
	var cats, kinds, responses []store.RollupRow
	read(rollup.DimBounceCategory, "category", &cats)
	read(rollup.DimBounceType, "bounce type", &kinds)
	read(rollup.DimResponse, "response", &responses)
	lists := make([][]FailureShare, len(failureBreakdowns))
	for i, b := range failureBreakdowns {
		g.Go(func() error {
			var err error
			lists[i], err = s.failureShares(gctx, q, b.dim, limit)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	res.ByType, res.ByCategory, res.Total = byCategory(cats)
	res.ByBounceType = byBounceType(kinds, res.Total)
	res.TopResponses = topResponses(responses, nil, res.Total, limit)
	for i, b := range failureBreakdowns {
		for j := range lists[i] {
			lists[i][j].Percent = percent(lists[i][j].Failures, res.Total)
		}
		b.set(res, lists[i])
	}
	deferred := []event.Type{event.Deferred}
	d := &res.Deferred
	perCat := make(map[string]int64)
	for _, r := range cats {
		if r.EventType == event.Deferred {
			perCat[cmp.Or(r.Value, Uncategorized)] += r.Count
			d.Total += r.Count
		}
	}
	d.ByCategory = make([]ReasonShare, 0, len(perCat))
	for c, n := range perCat {
		d.ByCategory = append(d.ByCategory, ReasonShare{Category: c, Count: n, Percent: percent(n, d.Total)})
	}
	slices.SortFunc(d.ByCategory, func(a, b ReasonShare) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Category, b.Category))
	})
	d.TopResponses = topResponses(responses, deferred, d.Total, limit)
	return nil
}

// failureShares reads the events by one dimension, failures and the rest
// in one read (the rest gives each value's failure rate), and keeps the
// limit values with the most failures of q's event types. Their Percent
// of all failures is the caller's to set.
func (s *Service) failureShares(ctx context.Context, q store.RollupQuery, dim string, limit int) ([]FailureShare, error) {
	failures := q.EventTypes
	q.Dim, q.EventTypes = dim, nil
	rows, err := s.rollups(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("query: bounce analysis by %s: %w", dim, err)
	}
	per := make(map[string]*FailureShare)
	events := make(map[string]int64)
	for _, r := range rows {
		events[r.Value] += r.Count
		if !slices.Contains(failures, r.EventType) {
			continue
		}
		f := per[r.Value]
		if f == nil {
			f = &FailureShare{Name: r.Value}
			per[r.Value] = f
		}
		f.Failures += r.Count
		*typeCount(&f.Bounced, &f.Deferred, &f.Rejected, r.EventType) += r.Count
	}
	list := make([]FailureShare, 0, len(per))
	for _, f := range per {
		list = append(list, *f)
	}
	slices.SortFunc(list, func(a, b FailureShare) int {
		return cmp.Or(cmp.Compare(b.Failures, a.Failures), cmp.Compare(a.Name, b.Name))
	})
	list = list[:min(limit, len(list))]
	for i := range list {
		f := &list[i]
		f.Events = events[f.Name]
		f.FailureRate = percent(f.Failures, f.Events)
		f.Name = valueName(f.Name)
	}
	return list, nil
}

// topResponses sums response rows of the given event types (nil: all) and
// returns the limit largest, with percentages of total.
func topResponses(rows []store.RollupRow, types []event.Type, total int64, limit int) []ResponseShare {
	per := make(map[string]*ResponseShare)
	for _, r := range rows {
		if types != nil && !slices.Contains(types, r.EventType) {
			continue
		}
		name := valueName(r.Value)
		p := per[name]
		if p == nil {
			p = &ResponseShare{Response: name}
			per[name] = p
		}
		p.Count += r.Count
		*typeCount(&p.Bounced, &p.Deferred, &p.Rejected, r.EventType) += r.Count
	}
	list := make([]ResponseShare, 0, len(per))
	for _, p := range per {
		p.Percent = percent(p.Count, total)
		list = append(list, *p)
	}
	slices.SortFunc(list, func(a, b ResponseShare) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Response, b.Response))
	})
	return list[:min(limit, len(list))]
}

// typeCount picks the counter of a failure type. Rows of other types do not
// reach it: the queries ask for failure types only.
func typeCount(bounced, deferred, rejected *int64, t event.Type) *int64 {
	switch t {
	case event.Bounced:
		return bounced
	case event.Deferred:
		return deferred
	}
	return rejected
}
