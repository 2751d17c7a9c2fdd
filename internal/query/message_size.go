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

// sizeTypes are the event types whose message sizes are counted: the
// outcomes that end a message's passage through an MTA, one per recipient.
// Deferrals are left out because a message is deferred any number of times
// before its outcome, and big messages more often than small ones, which
// would skew the distribution toward them; sent is left out because, where
// an MTA reports it, the delivery or bounce that follows reports the same
// message again.
var sizeTypes = []event.Type{event.Delivered, event.Bounced, event.Rejected, event.Received}

// kb is a kilobyte as mail operators count it: 1024 bytes.
const kb = 1024

// sizeClasses are the classes of the message-size histogram, in bytes.
var sizeClasses = []class{
	{"<10KB", 10 * kb},
	{"10–100KB", 100 * kb},
	{"100KB–1MB", kb * kb},
	{"1–10MB", 10 * kb * kb},
	{"10–25MB", 25 * kb * kb},
	{">25MB", inf},
}

// MessageSizeResult is the answer of /email/message-size. Every figure
// counts delivered, bounced, rejected and received events that reported a
// size. AvgBytes is a true average; the percentiles come from the rollup
// histograms and are within ErrorBound of the exact value. Figures over no
// events are null.
type MessageSizeResult struct {
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Step       string    `json:"step"`
	Count      int64     `json:"count"`
	AvgBytes   *float64  `json:"avgBytes"`
	P50Bytes   *float64  `json:"p50Bytes"`
	P95Bytes   *float64  `json:"p95Bytes"`
	ErrorBound float64   `json:"errorBound"`
	// Histogram shares Count out into sizeClasses' ranges; see distribute
	// for how it treats the class boundaries.
	Histogram []Share            `json:"histogram"`
	Trend     []MessageSizePoint `json:"trend"`
}

// MessageSizePoint is one bucket of the message-size trend.
type MessageSizePoint struct {
	Time     time.Time `json:"time"`
	Count    int64     `json:"count"`
	AvgBytes *float64  `json:"avgBytes"`
}

// MessageSize reports the sizes of messages: count, average, percentiles,
// a histogram by size class and a per-bucket trend. Parameters:
// range/from/to/step (see ParseWindow) and direction=inbound|outbound.
func (s *Service) MessageSize(ctx context.Context, v url.Values) (*MessageSizeResult, error) {
	w, err := ParseWindow(v, s.now())
	if err != nil {
		return nil, err
	}
	dir, err := parseDirection(v)
	if err != nil {
		return nil, err
	}
	rows, err := s.rollups(ctx, store.RollupQuery{Res: w.Step, From: w.From, To: w.To,
		Dim: rollup.DimTotal, Direction: dir, EventTypes: sizeTypes, ByBucket: true})
	if err != nil {
		return nil, fmt.Errorf("query: message size: rollups: %w", err)
	}
	bins, err := s.histogram(ctx, store.HistQuery{Res: w.Step, From: w.From, To: w.To,
		Dim: rollup.DimTotal, Metric: rollup.MetricMessageSize, Direction: dir, EventTypes: sizeTypes})
	if err != nil {
		return nil, fmt.Errorf("query: message size: histogram: %w", err)
	}
	res := &MessageSizeResult{From: w.From, To: w.To, Step: w.StepName(), ErrorBound: ErrorBound,
		P50Bytes: quantile(bins, 0.50), P95Bytes: quantile(bins, 0.95), Histogram: distribute(bins, sizeClasses)}
	var total rollup.Counts
	res.Trend = make([]MessageSizePoint, w.Len())
	for i, c := range bucketSums(w, rows) {
		total.Add(c)
		res.Trend[i] = MessageSizePoint{Time: w.From.Add(time.Duration(i) * w.Step),
			Count: c.SizeCount, AvgBytes: average(c.SizeSum, c.SizeCount)}
	}
	res.Count, res.AvgBytes = total.SizeCount, average(total.SizeSum, total.SizeCount)
	return res, nil
}
