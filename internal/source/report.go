package source

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/store"
)

// Defaults of Report.
const (
	DefaultSilentAfter = 15 * time.Minute
	// RateWindow is the span of eventsPerMinute: the current minute and the
	// 14 before it.
	RateWindow = 15 * time.Minute
)

// Store is what the report reads.
type Store interface {
	store.SourceStore
	ListAPIKeys(ctx context.Context) ([]store.APIKey, error)
	ListNodes(ctx context.Context) ([]store.Node, error)
}

// Report builds the answer of GET /api/v1/sources.
type Report struct {
	Store       Store
	SilentAfter time.Duration
	Now         func() time.Time // nil: time.Now
}

// Answer is the body of GET /api/v1/sources.
type Answer struct {
	AsOf               time.Time `json:"asOf"`
	SilentAfterSeconds float64   `json:"silentAfterSeconds"`
	RateWindow         Window    `json:"rateWindow"`
	Silent             struct {
		Nodes int `json:"nodes"`
		Keys  int `json:"keys"`
	} `json:"silent"`
	Nodes []Source `json:"nodes"`
	Keys  []Source `json:"keys"`
}

// Window is the span the rate and the window counts cover: whole minutes of
// receipt from From, up to AsOf.
type Window struct {
	From    time.Time `json:"from"`
	Seconds float64   `json:"seconds"`
}

// Counts are events over the rate window, the last 24 hours (the current
// minute and the 1439 before it) and all time.
type Counts struct {
	Window  int64 `json:"window"`
	Last24h int64 `json:"last24h"`
	Total   int64 `json:"total"`
}

// Statuses of a source.
const (
	StatusReporting = "reporting"
	StatusSilent    = "silent"
	StatusNever     = "never"   // has sent nothing (yet)
	StatusRevoked   = "revoked" // an API key revoked since: expected to stop
)

// Source is one MTA node or API key.
type Source struct {
	Name       string `json:"name"`
	KeyID      int64  `json:"keyId,omitempty"`
	KeyPrefix  string `json:"keyPrefix,omitempty"`
	Revoked    bool   `json:"revoked,omitempty"`
	Registered bool   `json:"registered,omitempty"` // a node of /api/v1/admin/nodes
	// LastSeenAt is when the newest stored event was received; LastEventTime
	// the newest event time stored (the MTA's clock).
	LastSeenAt      *time.Time `json:"lastSeenAt"`
	LastEventTime   *time.Time `json:"lastEventTime"`
	LastRejectedAt  *time.Time `json:"lastRejectedAt"`
	Events          Counts     `json:"events"`
	Rejected        Counts     `json:"rejected"`
	EventsPerMinute float64    `json:"eventsPerMinute"`
	Silent          bool       `json:"silent"`
	// SilentForSeconds is how long nothing was stored from it, when known.
	SilentForSeconds float64 `json:"silentForSeconds,omitempty"`
	Status           string  `json:"status"`
}

func (r *Report) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

// Build answers GET /api/v1/sources.
func (r *Report) Build(ctx context.Context) (*Answer, error) {
	now := r.now().UTC()
	minute := now.Truncate(time.Minute)
	windowFrom := minute.Add(-RateWindow + time.Minute)
	dayFrom := minute.Add(-24*time.Hour + time.Minute)
	stats, err := r.Store.Sources(ctx, windowFrom, dayFrom)
	if err != nil {
		return nil, err
	}
	keys, err := r.Store.ListAPIKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("sources: api keys: %w", err)
	}
	nodes, err := r.Store.ListNodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("sources: nodes: %w", err)
	}
	a := &Answer{AsOf: now, SilentAfterSeconds: r.SilentAfter.Seconds(),
		RateWindow: Window{From: windowFrom, Seconds: now.Sub(windowFrom).Seconds()},
		Nodes:      []Source{}, Keys: []Source{}}
	b := builder{now: now, silentAfter: r.SilentAfter, span: now.Sub(windowFrom)}
	byKind := map[string]map[string]store.SourceStat{store.SourceNode: {}, store.SourceKey: {}}
	for _, st := range stats {
		if m := byKind[st.Kind]; m != nil {
			m[st.Name] = st
		}
	}
	a.Nodes = b.nodes(byKind[store.SourceNode], nodes)
	a.Keys = b.keys(byKind[store.SourceKey], keys)
	for _, s := range a.Nodes {
		if s.Silent {
			a.Silent.Nodes++
		}
	}
	for _, s := range a.Keys {
		if s.Silent {
			a.Silent.Keys++
		}
	}
	return a, nil
}

type builder struct {
	now         time.Time
	silentAfter time.Duration
	span        time.Duration
}

// nodes lists every node that sent or was registered, by name.
func (b builder) nodes(stats map[string]store.SourceStat, registered []store.Node) []Source {
	out := []Source{}
	seen := map[string]bool{}
	for _, n := range registered {
		st, ok := stats[n.Name]
		s := b.source(n.Name, st, ok, n.CreatedAt)
		s.Registered = true
		out = append(out, s)
		seen[n.Name] = true
	}
	for name, st := range stats {
		if !seen[name] {
			out = append(out, b.source(name, st, true, time.Time{}))
		}
	}
	slices.SortFunc(out, func(x, y Source) int { return cmp.Compare(x.Name, y.Name) })
	return out
}

// keys lists every unrevoked ingest key, and revoked ones that sent, by id.
func (b builder) keys(stats map[string]store.SourceStat, keys []store.APIKey) []Source {
	out := []Source{}
	seen := map[string]bool{}
	for _, k := range keys {
		id := strconv.FormatInt(k.ID, 10)
		st, ok := stats[id]
		revoked := !k.RevokedAt.IsZero()
		if !ok && (revoked || !slices.Contains(k.Scopes, auth.ScopeIngest)) {
			continue
		}
		seen[id] = true
		s := b.source(k.Name, st, ok, time.Time{})
		s.KeyID, s.KeyPrefix, s.Revoked = k.ID, k.Prefix, revoked
		if revoked { // a revoked key is expected to stop
			s.Silent, s.SilentForSeconds, s.Status = false, 0, StatusRevoked
		}
		out = append(out, s)
	}
	for id, st := range stats {
		if !seen[id] { // a key no longer in the key table
			n, _ := strconv.ParseInt(id, 10, 64)
			s := b.source("key "+id, st, true, time.Time{})
			s.KeyID = n
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(x, y Source) int { return cmp.Compare(x.KeyID, y.KeyID) })
	return out
}

// source fills one entry. A source is expected to send when it ever sent
// (valid or not) or, for a node, once it was registered (expectedSince); it
// is silent when expected to send and nothing of it was stored for the
// silent-after time.
func (b builder) source(name string, st store.SourceStat, known bool, expectedSince time.Time) Source {
	s := Source{Name: name, Status: StatusNever,
		Events:   Counts{Window: st.WindowEvents, Last24h: st.DayEvents, Total: st.Events},
		Rejected: Counts{Window: st.WindowRejected, Last24h: st.DayRejected, Total: st.Rejected}}
	s.LastSeenAt, s.LastEventTime, s.LastRejectedAt = timePtr(st.LastSeen), timePtr(st.LastEvent), timePtr(st.LastRejected)
	if b.span > 0 {
		s.EventsPerMinute = round2(float64(st.WindowEvents) / b.span.Minutes())
	}
	switch {
	case known && !st.LastSeen.IsZero():
		quiet := b.now.Sub(st.LastSeen)
		s.Silent = quiet >= b.silentAfter
		if s.Silent {
			s.SilentForSeconds = quiet.Seconds()
		}
	case known && st.Rejected > 0: // sends, but nothing valid ever arrived
		s.Silent = true
	case !expectedSince.IsZero(): // registered, never sent: silent once given the time
		quiet := b.now.Sub(expectedSince)
		if quiet < b.silentAfter {
			return s
		}
		s.Silent, s.SilentForSeconds = true, quiet.Seconds()
	default:
		return s
	}
	s.Status = StatusReporting
	if s.Silent {
		s.Status = StatusSilent
	}
	return s
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func round2(x float64) float64 {
	return float64(int64(x*100+0.5)) / 100
}
