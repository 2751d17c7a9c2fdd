package query

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

// A sum over a range does not need the range's finest buckets: its whole
// days can come from the daily rollups and its whole hours from the hourly
// ones, with the finer resolution left for the ragged ends. Every event is
// counted at every resolution, so the sums are the same; the rows read are
// far fewer (a 7-day breakdown by recipient domain at 1h reads 168 rows per
// domain, split it reads at most 46 + 6).

// span is a part of a range and the resolution it is read at.
type span struct {
	res      time.Duration
	from, to time.Time
}

// splitSpans cuts [from, to), whose ends are aligned to res, into spans read
// at res and at the coarser resolutions that fit whole.
func splitSpans(res time.Duration, from, to time.Time) []span {
	i := slices.Index(rollup.Resolutions, res)
	if i < 0 || i == len(rollup.Resolutions)-1 {
		return []span{{res, from, to}}
	}
	coarse := rollup.Resolutions[i+1]
	a, b := ceilTo(from, coarse), to.Truncate(coarse)
	if !a.Before(b) {
		return []span{{res, from, to}}
	}
	var out []span
	if from.Before(a) {
		out = append(out, span{res, from, a})
	}
	out = append(out, splitSpans(coarse, a, b)...)
	if b.Before(to) {
		out = append(out, span{res, b, to})
	}
	return out
}

// ceilTo rounds t up to a multiple of d since the Unix epoch (UTC days for
// 24h, as the rollup buckets are).
func ceilTo(t time.Time, d time.Duration) time.Time {
	if f := t.Truncate(d); f.Before(t) {
		return f.Add(d)
	}
	return t
}

// rollups is Store.Rollups, summed over spans of coarser resolutions when
// the query wants one row per value rather than per bucket.
func (s *Service) rollups(ctx context.Context, q store.RollupQuery) ([]store.RollupRow, error) {
	spans := splitSpans(q.Res, q.From, q.To)
	if q.ByBucket || len(spans) == 1 {
		return s.Store.Rollups(ctx, q)
	}
	type key struct {
		value string
		dir   event.Direction
		typ   event.Type
	}
	sums := map[key]*store.RollupRow{}
	for _, sp := range spans {
		part := q
		part.Res, part.From, part.To = sp.res, sp.from, sp.to
		rows, err := s.Store.Rollups(ctx, part)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			k := key{r.Value, r.Direction, r.EventType}
			if p := sums[k]; p != nil {
				p.Counts.Add(r.Counts)
			} else {
				sums[k] = &r
			}
		}
	}
	out := make([]store.RollupRow, 0, len(sums))
	for _, r := range sums {
		out = append(out, *r)
	}
	// The stores' order: value, direction, event type, by bytes.
	slices.SortFunc(out, func(a, b store.RollupRow) int {
		return cmp.Or(cmp.Compare(a.Value, b.Value), cmp.Compare(a.Direction, b.Direction), cmp.Compare(a.EventType, b.EventType))
	})
	return out, nil
}

// histogram is one histogram of q, summed over spans of coarser resolutions.
func (s *Service) histogram(ctx context.Context, q store.HistQuery) ([]rollup.BinCount, error) {
	q.Values, q.ByBucket = nil, false
	rows, err := s.histograms(ctx, q)
	return store.Bins(rows), err
}

// histograms is Store.Histograms, summed over spans of coarser resolutions
// when the query wants one histogram per value rather than per bucket.
func (s *Service) histograms(ctx context.Context, q store.HistQuery) ([]store.HistRow, error) {
	spans := splitSpans(q.Res, q.From, q.To)
	if q.ByBucket || len(spans) == 1 || !rollup.HistByDim(q.Dim, int64(q.Res/time.Second)) {
		return s.Store.Histograms(ctx, q)
	}
	type key struct {
		value string
		bin   int
	}
	sums := map[key]int64{}
	for _, sp := range spans {
		part := q
		part.Res, part.From, part.To = sp.res, sp.from, sp.to
		rows, err := s.Store.Histograms(ctx, part)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			sums[key{r.Value, r.Bin}] += r.Count
		}
	}
	out := make([]store.HistRow, 0, len(sums))
	for k, n := range sums {
		out = append(out, store.HistRow{Value: k.value, BinCount: rollup.BinCount{Bin: k.bin, Count: n}})
	}
	slices.SortFunc(out, func(a, b store.HistRow) int { return cmp.Or(cmp.Compare(a.Value, b.Value), cmp.Compare(a.Bin, b.Bin)) })
	return out, nil
}
