package zonemta

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/tinomail/tinomail/internal/query"
	"github.com/tinomail/tinomail/internal/store"
)

// View answers GET /api/v1/email/queue from the poller's snapshots, the
// stored samples and the rollups.
type View struct {
	Poller  *Poller // nil: no node configured
	Samples store.QueueStore
	Query   *query.Service // for the deferral reasons
	Now     func() time.Time
}

// QueueAnswer is the answer of /email/queue. Totals add up the last good
// snapshot of every node, stale ones included (their figures are the last
// known, not zero); StaleNodes says how many those are.
type QueueAnswer struct {
	Time            time.Time              `json:"time"`
	Active          int64                  `json:"active"`
	Deferred        int64                  `json:"deferred"`
	StaleNodes      int                    `json:"staleNodes"`
	NodeSourceError string                 `json:"nodeSourceError,omitempty"`
	Nodes           []NodeAnswer           `json:"nodes"`
	Ages            AgeDistribution        `json:"ageDistribution"`
	Oldest          *OldestAnswer          `json:"oldest"`
	Trend           Trend                  `json:"trend"`
	DeferredReasons *query.DeferralReasons `json:"deferredReasons"`
}

// NodeAnswer is one node's part.
type NodeAnswer struct {
	Name        string      `json:"name"`
	Active      int64       `json:"active"`
	Deferred    int64       `json:"deferred"`
	Stale       bool        `json:"stale"`
	PolledAt    *time.Time  `json:"polledAt"`    // when the figures were taken
	LastSuccess *time.Time  `json:"lastSuccess"` // null: never answered
	LastError   string      `json:"lastError"`
	LastErrorAt *time.Time  `json:"lastErrorAt"`
	Zones       []ZoneCount `json:"zones"`
}

// AgeDistribution counts queued and deferred deliveries by age. When
// Sampled, Buckets count SampleSize deliveries out of Total: the oldest ones
// of each zone and type, as listed by ZoneMTA; the others are younger than
// the youngest listed.
type AgeDistribution struct {
	Buckets    []AgeBucket `json:"buckets"`
	SampleSize int64       `json:"sampleSize"`
	Total      int64       `json:"total"`
	Sampled    bool        `json:"sampled"`
}

// AgeBucket is one bucket of the distribution.
type AgeBucket struct {
	Label string `json:"label"`
	Count int64  `json:"count"`
}

// OldestAnswer is the longest-queued delivery of all nodes.
type OldestAnswer struct {
	Node            string     `json:"node"`
	QueueID         string     `json:"queueId"`
	Zone            string     `json:"zone"`
	Type            string     `json:"type"` // queued or deferred
	Created         time.Time  `json:"created"`
	AgeSeconds      int64      `json:"ageSeconds"`
	RecipientDomain string     `json:"recipientDomain"`
	LastResponse    string     `json:"lastResponse"`
	Attempts        int64      `json:"attempts"`
	NextAttempt     *time.Time `json:"nextAttempt"`
	Stale           bool       `json:"stale"` // from a node that no longer answers
}

// Trend is the queue size over the requested range: for each bucket with
// samples, the sum over nodes of each node's average. Buckets without a
// sample are left out: no data is not an empty queue.
type Trend struct {
	From   time.Time    `json:"from"`
	To     time.Time    `json:"to"`
	Step   string       `json:"step"`
	Points []TrendPoint `json:"points"`
}

// TrendPoint is one bucket of the trend.
type TrendPoint struct {
	Time     time.Time `json:"time"`
	Active   int64     `json:"active"`
	Deferred int64     `json:"deferred"`
	Nodes    int       `json:"nodes"` // nodes with samples in the bucket
}

// Answer builds the answer. Parameters: range/from/to/step of the trend,
// as every other endpoint reads them (query.ParseWindow).
func (v *View) Answer(ctx context.Context, params url.Values) (*QueueAnswer, error) {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	w, err := query.ParseWindow(params, now)
	if err != nil {
		return nil, err
	}
	a := &QueueAnswer{Time: now.UTC(), Nodes: []NodeAnswer{}, NodeSourceError: v.Poller.SourceError()}
	a.Ages.Buckets = make([]AgeBucket, len(AgeBuckets))
	for i, b := range AgeBuckets {
		a.Ages.Buckets[i].Label = b.Label
	}
	for _, st := range v.Poller.Status(now) {
		a.addNode(st, now)
	}
	a.Ages.Sampled = a.Ages.SampleSize < a.Ages.Total
	if a.Trend, err = v.trend(ctx, w); err != nil {
		return nil, err
	}
	if a.DeferredReasons, err = v.Query.RecentDeferrals(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *QueueAnswer) addNode(st NodeStatus, now time.Time) {
	n := NodeAnswer{Name: st.Node.Name, Stale: st.Stale, LastError: st.LastError,
		LastSuccess: timePtr(st.LastSuccess), LastErrorAt: timePtr(st.LastErrorAt), Zones: []ZoneCount{}}
	if st.Stale {
		a.StaleNodes++
	}
	if s := st.Snapshot; s != nil {
		n.Active, n.Deferred, n.Zones, n.PolledAt = s.Active, s.Deferred, s.Zones, timePtr(s.Time)
		a.Active += s.Active
		a.Deferred += s.Deferred
		for i, c := range s.Ages {
			a.Ages.Buckets[i].Count += c
		}
		a.Ages.SampleSize += s.Sample
		a.Ages.Total += s.Active + s.Deferred
		if o := s.Oldest; o != nil && (a.Oldest == nil || o.Created.Before(a.Oldest.Created)) {
			a.Oldest = &OldestAnswer{Node: st.Node.Name, QueueID: o.ID, Zone: o.Zone, Type: o.Type,
				Created: o.Created, AgeSeconds: int64(max(now.Sub(o.Created), 0) / time.Second),
				RecipientDomain: o.RecipientDomain, LastResponse: o.LastResponse, Attempts: o.Attempts,
				NextAttempt: timePtr(o.NextAttempt), Stale: st.Stale}
		}
	}
	a.Nodes = append(a.Nodes, n)
}

// trend reads the stored samples of the window and adds up the nodes'
// averages per bucket.
func (v *View) trend(ctx context.Context, w query.Window) (Trend, error) {
	t := Trend{From: w.From, To: w.To, Step: w.StepName(), Points: []TrendPoint{}}
	if v.Samples == nil {
		return t, nil
	}
	rows, err := v.Samples.QueueTrend(ctx, store.QueueTrendQuery{From: w.From, To: w.To, Step: w.Step})
	if err != nil {
		return t, fmt.Errorf("zonemta: queue trend: %w", err)
	}
	// Rows come by bucket, then node.
	var sums [][2]float64
	for _, r := range rows {
		if n := len(t.Points); n == 0 || !t.Points[n-1].Time.Equal(r.Bucket) {
			t.Points = append(t.Points, TrendPoint{Time: r.Bucket})
			sums = append(sums, [2]float64{})
		}
		i := len(t.Points) - 1
		sums[i][0] += float64(r.ActiveSum) / float64(r.Samples)
		sums[i][1] += float64(r.DeferredSum) / float64(r.Samples)
		t.Points[i].Nodes++
	}
	for i := range t.Points {
		t.Points[i].Active, t.Points[i].Deferred = int64(math.Round(sums[i][0])), int64(math.Round(sums[i][1]))
	}
	return t, nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
