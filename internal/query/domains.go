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

// Domain table limits.
const (
	DefaultDomainLimit = 20
	MaxDomainLimit     = 500
	MaxDomainOffset    = 1_000_000
	// MaxP95SortDomains is how many domains domainSort=p95 ranks. Sorting by
	// p95 needs every domain's histogram, one query each, so only the
	// busiest domains are ranked; the rest follow them by count.
	MaxP95SortDomains = 500
)

// domainSorts are the accepted values of domainSort, first the default,
// each with how it orders two rows. Metrics sort largest first, missing
// figures last; domain sorts by name.
var domainSorts = []domainSort{
	{"count", func(a, b *DomainRow) int { return cmp.Compare(b.Count, a.Count) }},
	{"avg", func(a, b *DomainRow) int { return compareAvg(b.AvgMs, a.AvgMs) }},
	{"p95", func(a, b *DomainRow) int { return compareAvg(b.P95Ms, a.P95Ms) }},
	{"domain", func(a, b *DomainRow) int { return 0 }}, // the tie-break does it
}

// DomainTable is the per-destination part of a delivery-time answer: one
// row per recipient domain with delivered events that reported a delivery
// time, sorted and paged.
//
// It reads hourly (or, at step 1d, daily) rollups, the finest resolution
// with per-domain histograms, so From and To are the answer's window widened
// to whole hours and may cover up to an hour more on each side. It is never
// restricted to a node: per-node-per-domain histograms are not kept.
type DomainTable struct {
	// By is what a row is: "domain" (the recipient domain, the default) or
	// "provider" (the recipient's mailbox provider, outbound events only).
	By     string    `json:"by"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Sort   string    `json:"sort"`
	Offset int       `json:"offset"`
	Limit  int       `json:"limit"`
	Total  int       `json:"total"` // domains in the table, of which Rows is one page
	// P95Partial is set when domainSort=p95 ranked only the
	// MaxP95SortDomains busiest of more domains.
	P95Partial bool        `json:"p95Partial,omitempty"`
	Rows       []DomainRow `json:"rows"`
}

// DomainRow is the delivery time to one recipient domain. Domains without a
// name are listed as Unknown.
type DomainRow struct {
	Domain string   `json:"domain"`
	Count  int64    `json:"count"`
	AvgMs  *float64 `json:"avgMs"`
	P95Ms  *float64 `json:"p95Ms"`

	value  string // the stored dimension value
	dtSum  int64
	hasP95 bool // P95Ms was looked up, whatever it is
}

type domainSort struct {
	name string
	cmp  func(a, b *DomainRow) int
}

// domainPage is how the domain table was asked to be grouped, sorted and
// paged.
type domainPage struct {
	by            grouping
	sort          string
	limit, offset int
}

// domainGroupings are the accepted values of delivery-time's "by", first
// the default.
var domainGroupings = []grouping{{"domain", rollup.DimToDomain}, {"provider", rollup.DimProvider}}

func parseDomainPage(v url.Values) (domainPage, error) {
	p := domainPage{sort: domainSorts[0].name}
	by, err := parseBy(v, domainGroupings)
	if err != nil {
		return p, err
	}
	p.by = cmp.Or(by, domainGroupings[0])
	s, err := single(v, "domainSort")
	if err != nil {
		return p, err
	}
	if s != "" {
		names := make([]string, len(domainSorts))
		for i, ds := range domainSorts {
			names[i] = ds.name
		}
		if !slices.Contains(names, s) {
			return p, paramErr("domainSort", "must be one of %s, not %q", strings.Join(names, ", "), s)
		}
		p.sort = s
	}
	if p.limit, err = parseInt(v, "domainLimit", DefaultDomainLimit, 1, MaxDomainLimit); err != nil {
		return p, err
	}
	p.offset, err = parseInt(v, "domainOffset", 0, 0, MaxDomainOffset)
	return p, err
}

// domainTable builds the page of the domain table that p asks for.
func (s *Service) domainTable(ctx context.Context, w Window, dir event.Direction, p domainPage) (DomainTable, error) {
	res := max(w.Step, time.Hour)
	t := DomainTable{By: p.by.name, From: floor(w.From, res), To: ceil(w.To, res), Sort: p.sort, Offset: p.offset, Limit: p.limit}
	rows, err := s.rollups(ctx, store.RollupQuery{Res: res, From: t.From, To: t.To,
		Dim: p.by.dim, Direction: dir, EventTypes: delivered})
	if err != nil {
		return t, fmt.Errorf("query: delivery time by domain: %w", err)
	}
	all := domainRows(rows)
	t.Total = len(all)
	hq := store.HistQuery{Res: res, From: t.From, To: t.To, Dim: p.by.dim,
		Metric: rollup.MetricDeliveryTime, Direction: dir, EventTypes: delivered}
	sortDomains(all, "count")
	if p.sort == "p95" {
		ranked := all[:min(len(all), MaxP95SortDomains)]
		if err := s.domainP95s(ctx, hq, ranked); err != nil {
			return t, err
		}
		sortDomains(ranked, p.sort)
		t.P95Partial = len(all) > len(ranked)
	} else {
		sortDomains(all, p.sort)
	}
	t.Rows = all[min(p.offset, len(all)):min(p.offset+p.limit, len(all))]
	if err := s.domainP95s(ctx, hq, t.Rows); err != nil {
		return t, err
	}
	return t, nil
}

// domainRows sums rollup rows per domain, keeping the domains with delivery
// times.
func domainRows(rows []store.RollupRow) []DomainRow {
	byValue := make(map[string]*DomainRow)
	for _, r := range rows {
		d := byValue[r.Value]
		if d == nil {
			d = &DomainRow{Domain: valueName(r.Value), value: r.Value}
			byValue[r.Value] = d
		}
		d.Count += r.DtCount
		d.dtSum += r.DtSum
	}
	out := make([]DomainRow, 0, len(byValue))
	for _, d := range byValue {
		if d.Count > 0 {
			d.AvgMs = average(d.dtSum, d.Count)
			out = append(out, *d)
		}
	}
	return out
}

func sortDomains(rows []DomainRow, by string) {
	i := slices.IndexFunc(domainSorts, func(s domainSort) bool { return s.name == by })
	less := domainSorts[i].cmp
	slices.SortStableFunc(rows, func(a, b DomainRow) int {
		return cmp.Or(less(&a, &b), cmp.Compare(a.Domain, b.Domain))
	})
}

// domainP95s looks up the p95 of the rows that do not have it yet, with
// hq's range and filters, in one read.
func (s *Service) domainP95s(ctx context.Context, hq store.HistQuery, rows []DomainRow) error {
	at := map[string]int{}
	for i, r := range rows {
		if !r.hasP95 {
			at[r.value] = i
			hq.Values = append(hq.Values, r.value)
		}
	}
	if len(hq.Values) == 0 {
		return nil
	}
	hist, err := s.histograms(ctx, hq)
	if err != nil {
		return fmt.Errorf("query: delivery time per %s: %w", hq.Dim, err)
	}
	bins := map[string][]rollup.BinCount{}
	for _, h := range hist {
		bins[h.Value] = append(bins[h.Value], h.BinCount)
	}
	for v, i := range at {
		rows[i].P95Ms, rows[i].hasP95 = quantile(bins[v], 0.95), true
	}
	return nil
}
