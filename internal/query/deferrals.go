package query

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

// DeferralReasons is the breakdown of recent outbound deferrals by bounce
// category, for the Queue view: why mail is waiting.
type DeferralReasons struct {
	From    time.Time        `json:"from"`
	To      time.Time        `json:"to"`
	Total   int64            `json:"total"`
	Reasons []DeferralReason `json:"reasons"`
}

// DeferralReason is the part of deferrals of one bounce category.
type DeferralReason struct {
	Category string  `json:"category"`
	Count    int64   `json:"count"`
	Percent  float64 `json:"percent"`
}

// RecentDeferrals counts the outbound deferred events of the last hour
// (whole 5-minute buckets, as range=1h reads them) by bounce category, from
// the same rollups as bounce analysis; Uncategorized names those without one.
// Largest first, ties by name.
func (s *Service) RecentDeferrals(ctx context.Context) (*DeferralReasons, error) {
	w, err := ParseWindow(url.Values{"range": {"1h"}}, s.now())
	if err != nil {
		return nil, err
	}
	rows, err := s.rollups(ctx, store.RollupQuery{Res: w.Step, From: w.From, To: w.To,
		Dim: rollup.DimBounceCategory, Direction: event.Outbound, EventTypes: []event.Type{event.Deferred}})
	if err != nil {
		return nil, fmt.Errorf("query: recent deferrals: %w", err)
	}
	_, cats, total := byCategory(rows)
	res := &DeferralReasons{From: w.From, To: w.To, Total: total, Reasons: make([]DeferralReason, len(cats))}
	for i, c := range cats {
		res.Reasons[i] = DeferralReason{Category: c.Category, Count: c.Count, Percent: c.Percent}
	}
	return res, nil
}
