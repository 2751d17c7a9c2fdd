package zonemta

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// DefaultInterval is how often every node is polled.
const DefaultInterval = 10 * time.Second

// DefaultSampleEvery is how often a node's queue size is stored for the
// trend. Coarser than the poll: the trend is read at 5-minute resolution or
// coarser, and 50 nodes polled every 10 s would add 430,000 rows a day.
const DefaultSampleEvery = time.Minute

// Config configures a Poller. Zero values take the defaults.
type Config struct {
	Nodes       NodeSource
	Interval    time.Duration // between rounds
	Timeout     time.Duration // per request
	SampleSize  int           // deliveries listed per zone and type
	SampleEvery time.Duration // least time between two stored samples of a node
	MaxBody     int64         // largest answer read
	Samples     store.QueueStore
	HTTP        *http.Client
	Log         *slog.Logger
	Now         func() time.Time
}

// Poller polls every node of its source, all at once, every Interval.
type Poller struct {
	cfg Config

	mu    sync.Mutex
	nodes map[string]*nodeState // by name
	// sourceErr is the last failure to list the nodes; the previous list
	// stays in use meanwhile.
	sourceErr string
}

type nodeState struct {
	node        Node
	snap        *Snapshot // last good one
	lastSuccess time.Time
	lastAttempt time.Time
	lastError   string
	lastErrorAt time.Time
	lastSample  time.Time // last stored sample
}

// NewPoller returns a poller; Run starts it.
func NewPoller(cfg Config) *Poller {
	if cfg.Nodes == nil {
		cfg.Nodes = StaticNodes(nil)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.SampleSize <= 0 {
		cfg.SampleSize = DefaultSampleSize
	}
	if cfg.SampleEvery <= 0 {
		cfg.SampleEvery = DefaultSampleEvery
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Poller{cfg: cfg, nodes: map[string]*nodeState{}}
}

// Interval returns the time between rounds.
func (p *Poller) Interval() time.Duration { return p.cfg.Interval }

// Run polls at once, then every Interval, until ctx ends.
func (p *Poller) Run(ctx context.Context) {
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	for {
		p.Poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll runs one round: every node concurrently, all within the round's
// deadline of Interval + Timeout, so that a node answering each of its
// requests just in time cannot hold up the next round of the others.
func (p *Poller) Poll(ctx context.Context) {
	nodes := p.currentNodes(ctx)
	parent := ctx
	round := p.cfg.Interval + p.cfg.Timeout
	ctx, cancel := context.WithTimeoutCause(ctx, round, fmt.Errorf("poll round not done within %s", round))
	defer cancel()
	now := p.cfg.Now()
	type result struct {
		node Node
		snap *Snapshot
		err  error
	}
	results := make(chan result, len(nodes))
	for _, n := range nodes {
		go func() {
			c, err := NewClient(n.APIURL, p.cfg.HTTP, p.cfg.Timeout, p.cfg.MaxBody)
			var snap *Snapshot
			if err == nil {
				snap, err = pollNode(ctx, c, now, p.cfg.SampleSize)
			}
			results <- result{n, snap, err}
		}()
	}
	var samples []store.QueueSample
	for range nodes {
		r := <-results
		if s, ok := p.record(r.node, r.snap, r.err, now); ok {
			samples = append(samples, s)
		}
	}
	p.store(parent, samples)
}

// currentNodes asks the source for the nodes and updates the state to
// match. When the source fails, the last list stays in use.
func (p *Poller) currentNodes(ctx context.Context) []Node {
	nodes, err := p.cfg.Nodes.Nodes(ctx)
	if err == nil {
		p.setNodes(nodes)
		return nodes
	}
	p.cfg.Log.Warn("zonemta: list nodes", "err", err)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sourceErr = err.Error()
	nodes = make([]Node, 0, len(p.nodes))
	for _, st := range p.nodes {
		nodes = append(nodes, st.node)
	}
	return nodes
}

// setNodes makes the state follow the source: new nodes start empty, nodes
// gone are forgotten, and a node whose URL changed starts over.
func (p *Poller) setNodes(nodes []Node) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sourceErr = ""
	keep := make(map[string]*nodeState, len(nodes))
	for _, n := range nodes {
		st := p.nodes[n.Name]
		if st == nil || st.node != n {
			st = &nodeState{node: n}
		}
		keep[n.Name] = st
	}
	p.nodes = keep
}

// record updates a node's state with a poll's outcome and returns the
// sample to store, if one is due.
func (p *Poller) record(n Node, snap *Snapshot, err error, now time.Time) (store.QueueSample, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.nodes[n.Name]
	if st == nil || st.node != n {
		return store.QueueSample{}, false // removed from the source meanwhile
	}
	st.lastAttempt = now
	if err != nil {
		if st.lastError == "" {
			p.cfg.Log.Warn("zonemta: node unreachable, its queue figures are now stale", "node", n.Name, "err", err)
		}
		st.lastError, st.lastErrorAt = err.Error(), now
		return store.QueueSample{}, false
	}
	if st.lastError != "" {
		p.cfg.Log.Info("zonemta: node answers again", "node", n.Name)
	}
	st.snap, st.lastSuccess, st.lastError, st.lastErrorAt = snap, now, "", time.Time{}
	if !st.lastSample.IsZero() && now.Sub(st.lastSample) < p.cfg.SampleEvery {
		return store.QueueSample{}, false
	}
	st.lastSample = now
	return store.QueueSample{Node: n.Name, Time: now, Active: snap.Active, Deferred: snap.Deferred}, true
}

func (p *Poller) store(ctx context.Context, samples []store.QueueSample) {
	// Not after shutdown began: the store may be closing.
	if p.cfg.Samples == nil || len(samples) == 0 || ctx.Err() != nil {
		return
	}
	if err := p.cfg.Samples.AddQueueSamples(ctx, samples); err != nil {
		p.cfg.Log.Error("zonemta: store queue samples", "err", err)
	}
}

// NodeStatus is the state of one node as the poller knows it.
type NodeStatus struct {
	Node        Node
	Snapshot    *Snapshot // last good one; nil before the first success
	LastSuccess time.Time
	LastError   string // of the last poll; empty when it succeeded
	LastErrorAt time.Time
	// Stale: the figures are not current, because the last poll failed,
	// none succeeded yet, or none succeeded for three rounds (a round lasts
	// up to Interval + Timeout).
	Stale bool
}

// Status returns every node's state, by name.
func (p *Poller) Status(now time.Time) []NodeStatus {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]NodeStatus, 0, len(p.nodes))
	for _, st := range p.nodes {
		out = append(out, NodeStatus{
			Node: st.node, Snapshot: st.snap, LastSuccess: st.lastSuccess,
			LastError: st.lastError, LastErrorAt: st.lastErrorAt,
			Stale: st.snap == nil || st.lastError != "" || now.Sub(st.lastSuccess) > 3*(p.cfg.Interval+p.cfg.Timeout),
		})
	}
	slices.SortFunc(out, func(a, b NodeStatus) int { return cmp.Compare(a.Node.Name, b.Node.Name) })
	return out
}

// SourceError returns why the node list could not be read in the last
// round, or "" when it could.
func (p *Poller) SourceError() string {
	if p == nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sourceErr
}
