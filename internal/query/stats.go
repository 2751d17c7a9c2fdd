package query

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

// Stats limits.
const (
	DefaultStatsLimit = 50
	MaxStatsLimit     = 1000
)

// AllKey is the key of the row over everything: the totals row, and the
// only row when stats are not grouped.
const AllKey = "(all)"

// StatsResult is the answer of /email/stats.
type StatsResult struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Step string    `json:"step"`
	By   string    `json:"by"` // empty when not grouped
	Sort string    `json:"sort"`
	// TotalRows is how many keys had events, of which Rows holds the first
	// limit, so a client can tell when the list was cut.
	TotalRows int        `json:"totalRows"`
	Rows      []StatsRow `json:"rows"`
	Totals    StatsRow   `json:"totals"`
}

// StatsRow sums the events of one key over the window.
type StatsRow struct {
	Key    string               `json:"key"`
	Total  int64                `json:"total"`
	Counts map[event.Type]int64 `json:"counts"` // every event type, zeros included
	// BounceRate is bounced/(delivered+bounced), a fraction to 4 decimals;
	// 0 when nothing was either.
	BounceRate float64 `json:"bounceRate"`
	// DeferralRate is deferred/(delivered+bounced+deferred), likewise.
	DeferralRate float64 `json:"deferralRate"`
	// AvgDeliveryTimeMs is the sum of delivery times over their count, for
	// every event of the key that reported one, to 2 decimals: a true
	// average over the window, never an average of per-bucket averages.
	// Null when no event reported one.
	AvgDeliveryTimeMs *float64 `json:"avgDeliveryTimeMs"`

	dtSum, dtCount int64
}

// sortKeys are the accepted values of stats' "sort", each with how it
// orders two rows. Every metric sorts largest first; key sorts by name.
var sortKeys = newSortKeys()

func newSortKeys() map[string]func(a, b *StatsRow) int {
	m := map[string]func(a, b *StatsRow) int{
		"total":             func(a, b *StatsRow) int { return cmp.Compare(b.Total, a.Total) },
		"bounce_rate":       func(a, b *StatsRow) int { return cmp.Compare(b.BounceRate, a.BounceRate) },
		"deferral_rate":     func(a, b *StatsRow) int { return cmp.Compare(b.DeferralRate, a.DeferralRate) },
		"avg_delivery_time": func(a, b *StatsRow) int { return compareAvg(b.AvgDeliveryTimeMs, a.AvgDeliveryTimeMs) },
		"key":               func(a, b *StatsRow) int { return 0 }, // the tie-break does it
	}
	for _, t := range event.Types {
		m[string(t)] = func(a, b *StatsRow) int { return cmp.Compare(b.Counts[t], a.Counts[t]) }
	}
	return m
}

// compareAvg orders a missing average below every present one.
func compareAvg(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Compare(*a, *b)
}

func parseSort(v url.Values) (string, error) {
	s, err := single(v, "sort")
	if err != nil || s == "" {
		return "total", err
	}
	if sortKeys[s] == nil {
		names := []string{"total", "bounce_rate", "deferral_rate", "avg_delivery_time", "key"}
		for _, t := range event.Types {
			names = append(names, string(t))
		}
		return "", paramErr("sort", "must be one of %s, not %q", strings.Join(names, ", "), s)
	}
	return s, nil
}

// Stats sums events per key over a window. Parameters: range/from/to/step
// (see ParseWindow); by=from_domain, to_domain, mta_node, sending_ip or
// event_type (default: one row over everything); direction=inbound|outbound;
// limit (default 50, at most 1000); sort=total (default), bounce_rate,
// deferral_rate, avg_delivery_time, key or an event type. Ties sort by key.
// Totals always cover every key, not only the rows returned.
func (s *Service) Stats(ctx context.Context, v url.Values) (*StatsResult, error) {
	w, err := ParseWindow(v, s.now())
	if err != nil {
		return nil, err
	}
	by, err := parseBy(v, statsGroupings)
	if err != nil {
		return nil, err
	}
	dir, err := parseDirection(v)
	if err != nil {
		return nil, err
	}
	limit, err := parseLimit(v, DefaultStatsLimit, MaxStatsLimit)
	if err != nil {
		return nil, err
	}
	sortBy, err := parseSort(v)
	if err != nil {
		return nil, err
	}
	dim := rollup.DimTotal
	if by.name != "" {
		dim = by.dim
	}
	rows, err := s.rollups(ctx, store.RollupQuery{Res: w.Step, From: w.From, To: w.To, Dim: dim, Direction: dir})
	if err != nil {
		return nil, fmt.Errorf("query: stats by %q: %w", by.name, err)
	}
	res := &StatsResult{From: w.From, To: w.To, Step: w.StepName(), By: by.name, Sort: sortBy}
	res.Totals, res.Rows = statsRows(rows, by.name)
	res.TotalRows = len(res.Rows)
	sortStats(res.Rows, sortBy)
	if len(res.Rows) > limit {
		res.Rows = res.Rows[:limit]
	}
	return res, nil
}

// statsRows sums rollup rows into the totals and one row per key of by;
// ungrouped, the only row is the totals.
func statsRows(rows []store.RollupRow, by string) (StatsRow, []StatsRow) {
	totals := newStatsRow(AllKey)
	keyed := make(map[string]*StatsRow)
	for _, r := range rows {
		totals.add(r)
		if by == "" {
			continue
		}
		k := valueName(r.Value)
		if by == byEventType {
			k = string(r.EventType)
		}
		if keyed[k] == nil {
			keyed[k] = newStatsRow(k)
		}
		keyed[k].add(r)
	}
	totals.finish()
	if by == "" {
		return *totals, []StatsRow{*totals}
	}
	out := make([]StatsRow, 0, len(keyed))
	for _, row := range keyed {
		row.finish()
		out = append(out, *row)
	}
	return *totals, out
}

func sortStats(rows []StatsRow, by string) {
	less := sortKeys[by]
	slices.SortFunc(rows, func(a, b StatsRow) int {
		return cmp.Or(less(&a, &b), cmp.Compare(a.Key, b.Key))
	})
}

func newStatsRow(key string) *StatsRow {
	r := &StatsRow{Key: key, Counts: make(map[event.Type]int64, len(event.Types))}
	for _, t := range event.Types {
		r.Counts[t] = 0
	}
	return r
}

func (r *StatsRow) add(row store.RollupRow) {
	r.Total += row.Count
	if row.EventType.Valid() {
		r.Counts[row.EventType] += row.Count
	}
	r.dtSum += row.DtSum
	r.dtCount += row.DtCount
}

// finish derives the rates and the average from the summed counts.
func (r *StatsRow) finish() {
	c := r.Counts
	r.BounceRate = round(ratio(c[event.Bounced], c[event.Delivered]+c[event.Bounced]), 4)
	r.DeferralRate = round(ratio(c[event.Deferred], c[event.Delivered]+c[event.Bounced]+c[event.Deferred]), 4)
	r.AvgDeliveryTimeMs = nil
	if r.dtCount > 0 {
		avg := round(float64(r.dtSum)/float64(r.dtCount), 2)
		r.AvgDeliveryTimeMs = &avg
	}
}
