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

// Greylisted names the inbound events our receiving side greylisted: those
// with spamAction "greylist", whatever their event type.
const Greylisted = "greylisted"

// inboundSeries are the counters and trend lines of the inbound flow, in
// the order they are shown. Greylisted comes from the spam action; the
// others are event types.
var inboundSeries = []string{string(event.Received), string(event.Delivered), string(event.Rejected), string(event.Deferred), Greylisted}

// The verdict values, in the order the answer lists them; the ingest
// contract accepts no others.
var (
	spamActions  = []string{"accept", "greylist", "soft_reject", "reject"}
	spfResults   = []string{"pass", "fail", "softfail", "neutral", "none"}
	dkimResults  = []string{"pass", "fail", "none", "policy"}
	dmarcResults = []string{"pass", "fail", "none"}
)

// InboundResult is the answer of /email/inbound: mail our MX nodes received.
// Every figure counts inbound events only. Percentages are of Total, to 2
// decimals.
type InboundResult struct {
	From    time.Time   `json:"from"`
	To      time.Time   `json:"to"`
	Step    string      `json:"step"`
	Total   int64       `json:"total"` // inbound events of every type
	Buckets []time.Time `json:"buckets"`
	// Counters are the totals of the trend series: received, delivered (to a
	// mailbox), rejected, deferred and greylisted.
	Counters map[string]int64 `json:"counters"`
	Trend    []Series         `json:"trend"`
	// SpamActions lists every action, then Unknown for events without one;
	// SpamActionTrend has a series for each action that occurred.
	SpamActions     []VerdictShare `json:"spamActions"`
	SpamActionTrend []Series       `json:"spamActionTrend"`
	// SpamScores is the score distribution: bins one point wide, Score
	// standing for [Score, Score+1), only the non-empty ones. The first
	// and last possible bins (rollup.MinSpamBin, rollup.MaxSpamBin) also
	// hold every score below or above.
	SpamScores []ScoreBin `json:"spamScores"`
	SPF        AuthCheck  `json:"spf"`
	DKIM       AuthCheck  `json:"dkim"`
	DMARC      AuthCheck  `json:"dmarc"`
}

// VerdictShare is how many inbound events got one verdict.
type VerdictShare struct {
	Value   string  `json:"value"`
	Count   int64   `json:"count"`
	Percent float64 `json:"percent"`
}

// ScoreBin is one bin of the spam score distribution.
type ScoreBin struct {
	Score int   `json:"score"`
	Count int64 `json:"count"`
}

// AuthCheck is one authentication check (SPF, DKIM or DMARC) of inbound
// mail. PassRate is pass as a percentage of the events that reported a
// result for the check, to 2 decimals; null when none did. PassRateTrend
// has one such rate per bucket.
type AuthCheck struct {
	Results       []VerdictShare `json:"results"`
	PassRate      *float64       `json:"passRate"`
	PassRateTrend []*float64     `json:"passRateTrend"`
}

// Inbound answers /email/inbound. Parameters: range/from/to/step (see
// ParseWindow).
func (s *Service) Inbound(ctx context.Context, v url.Values) (*InboundResult, error) {
	w, err := ParseWindow(v, s.now())
	if err != nil {
		return nil, err
	}
	q := store.RollupQuery{Res: w.Step, From: w.From, To: w.To, Direction: event.Inbound, ByBucket: true}
	read := func(dim string) ([]store.RollupRow, error) {
		q.Dim = dim
		rows, err := s.rollups(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("query: inbound by %q: %w", dim, err)
		}
		return rows, nil
	}
	totals, err := read(rollup.DimTotal)
	if err != nil {
		return nil, err
	}
	actions, err := read(rollup.DimSpamAction)
	if err != nil {
		return nil, err
	}
	res := &InboundResult{From: w.From, To: w.To, Step: w.StepName(), Buckets: w.Buckets()}
	byType := accumulate(w, totals, func(r store.RollupRow) string { return string(r.EventType) })
	for _, s := range byType {
		res.Total += s.Total
	}
	byAction := accumulate(w, actions, func(r store.RollupRow) string { return valueName(r.Value) })
	byType[Greylisted] = byAction["greylist"]
	res.Counters = make(map[string]int64, len(inboundSeries))
	for _, name := range inboundSeries {
		s := Series{Values: make([]int64, w.Len())}
		if p := byType[name]; p != nil {
			s = *p
		}
		s.Name = name // greylisted is the action greylist's series
		res.Counters[name] = s.Total
		res.Trend = append(res.Trend, s)
	}
	res.SpamActions = verdictShares(byAction, spamActions, res.Total)
	res.SpamActionTrend = []Series{}
	for _, a := range spamActions {
		if s := byAction[a]; s != nil {
			res.SpamActionTrend = append(res.SpamActionTrend, *s)
		}
	}
	checks := []struct {
		dim    string
		values []string
		dst    *AuthCheck
	}{
		{rollup.DimSPF, spfResults, &res.SPF},
		{rollup.DimDKIM, dkimResults, &res.DKIM},
		{rollup.DimDMARC, dmarcResults, &res.DMARC},
	}
	for _, c := range checks {
		rows, err := read(c.dim)
		if err != nil {
			return nil, err
		}
		*c.dst = authCheck(w, rows, c.values, res.Total)
	}
	if res.SpamScores, err = s.spamScores(ctx, w); err != nil {
		return nil, err
	}
	return res, nil
}

// verdictShares lists every known value, then Unknown when some events had
// none, with shares of total.
func verdictShares(series map[string]*Series, values []string, total int64) []VerdictShare {
	out := make([]VerdictShare, 0, len(values)+1)
	for _, v := range append(values[:len(values):len(values)], Unknown) {
		var n int64
		if s := series[v]; s != nil {
			n = s.Total
		}
		if v == Unknown && n == 0 {
			continue
		}
		out = append(out, VerdictShare{Value: v, Count: n, Percent: percent(n, total)})
	}
	return out
}

func authCheck(w Window, rows []store.RollupRow, values []string, total int64) AuthCheck {
	series := accumulate(w, rows, func(r store.RollupRow) string { return valueName(r.Value) })
	c := AuthCheck{Results: verdictShares(series, values, total), PassRateTrend: make([]*float64, w.Len())}
	pass, reported := series["pass"], make([]int64, w.Len())
	for name, s := range series {
		if name == Unknown {
			continue
		}
		for i, n := range s.Values {
			reported[i] += n
		}
	}
	var passTotal, reportedTotal int64
	for i, n := range reported {
		reportedTotal += n
		if n == 0 {
			continue
		}
		var p int64
		if pass != nil {
			p = pass.Values[i]
		}
		passTotal += p
		rate := percent(p, n)
		c.PassRateTrend[i] = &rate
	}
	if reportedTotal > 0 {
		rate := percent(passTotal, reportedTotal)
		c.PassRate = &rate
	}
	return c
}

func (s *Service) spamScores(ctx context.Context, w Window) ([]ScoreBin, error) {
	bins, err := s.histogram(ctx, store.HistQuery{Res: w.Step, From: w.From, To: w.To, Dim: rollup.DimTotal,
		Metric: rollup.MetricSpamScore, Direction: event.Inbound})
	if err != nil {
		return nil, fmt.Errorf("query: inbound spam scores: %w", err)
	}
	out := make([]ScoreBin, len(bins))
	for i, b := range bins {
		out[i] = ScoreBin{Score: b.Bin, Count: b.Count}
	}
	return out, nil
}
