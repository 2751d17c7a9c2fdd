package query

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
)

// Uncategorized names failures that reported no bounce category.
const Uncategorized = "(uncategorized)"

// failureTypes are the event types bounce analysis counts, in the order it
// shows them; the bounce dimensions of the rollups count only these.
var failureTypes = []event.Type{event.Bounced, event.Deferred, event.Rejected}

// BounceResult is the answer of /email/bounce-analysis. Percentages are of
// Total, to 2 decimals.
type BounceResult struct {
	From         time.Time         `json:"from"`
	To           time.Time         `json:"to"`
	Step         string            `json:"step"`
	Total        int64             `json:"total"` // bounced + deferred + rejected
	ByType       []TypeShare       `json:"byType"`
	ByCategory   []CategoryShare   `json:"byCategory"`
	ByBounceType []BounceTypeShare `json:"byBounceType"`
	// The limit largest of each breakdown, from the rollups (so that they
	// cover ranges older than raw retention): normalized SMTP replies,
	// destination domains, MX hosts, sending IPs and nodes.
	TopResponses []ResponseShare `json:"topResponses"`
	ByDomain     []FailureShare  `json:"byDomain"`
	ByMX         []FailureShare  `json:"byMx"`
	BySendingIP  []FailureShare  `json:"bySendingIp"`
	ByNode       []FailureShare  `json:"byNode"`
	// ByProvider is by recipient mailbox provider (outbound failures only).
	ByProvider []FailureShare `json:"byProvider"`
	// Deferred is the deferrals alone: what keeps mail in the queues.
	Deferred DeferredReasons `json:"deferred"`
}

// TypeShare is the part of failures of one event type.
type TypeShare struct {
	Type    event.Type `json:"type"`
	Count   int64      `json:"count"`
	Percent float64    `json:"percent"`
}

// CategoryShare is the part of failures of one bounce category.
//
// Hard and Soft split the category by event type: a deferral is a temporary
// failure (soft); a bounce or a rejection is a permanent one (hard). The
// rollups keep bounce category and bounce type as separate dimensions, so
// the bounceType field itself cannot be crossed with the category.
type CategoryShare struct {
	Category string  `json:"category"`
	Count    int64   `json:"count"`
	Percent  float64 `json:"percent"`
	Hard     int64   `json:"hard"`
	Soft     int64   `json:"soft"`
}

// BounceTypeShare is the part of failures with one reported bounceType.
type BounceTypeShare struct {
	BounceType string  `json:"bounceType"`
	Count      int64   `json:"count"`
	Percent    float64 `json:"percent"`
}

// BounceAnalysis breaks bounced, deferred and rejected events down by type,
// bounce category, bounce type, normalized SMTP reply, destination domain,
// MX host, sending IP and node, and the deferrals alone by category and
// reply. Parameters: range/from/to/step (see ParseWindow),
// direction=inbound|outbound and limit (entries per breakdown, default 10,
// at most 100). byType always lists the three types; the other lists are
// sorted by count, largest first, ties by name, and name failures without
// the field Uncategorized (category) and Unknown (the rest).
func (s *Service) BounceAnalysis(ctx context.Context, v url.Values) (*BounceResult, error) {
	w, err := ParseWindow(v, s.now())
	if err != nil {
		return nil, err
	}
	dir, err := parseDirection(v)
	if err != nil {
		return nil, err
	}
	limit, err := parseLimit(v, DefaultBounceLimit, MaxBounceLimit)
	if err != nil {
		return nil, err
	}
	q := store.RollupQuery{Res: w.Step, From: w.From, To: w.To, Direction: dir, EventTypes: failureTypes}
	res := &BounceResult{From: w.From, To: w.To, Step: w.StepName()}
	if err := s.addBreakdowns(ctx, res, q, limit); err != nil {
		return nil, err
	}
	return res, nil
}

func byCategory(rows []store.RollupRow) ([]TypeShare, []CategoryShare, int64) {
	perType := make(map[event.Type]int64)
	perCat := make(map[string]*CategoryShare)
	var total int64
	for _, r := range rows {
		if !slices.Contains(failureTypes, r.EventType) {
			continue
		}
		name := r.Value
		if name == "" {
			name = Uncategorized
		}
		c := perCat[name]
		if c == nil {
			c = &CategoryShare{Category: name}
			perCat[name] = c
		}
		c.Count += r.Count
		if r.EventType == event.Deferred {
			c.Soft += r.Count
		} else {
			c.Hard += r.Count
		}
		perType[r.EventType] += r.Count
		total += r.Count
	}
	types := make([]TypeShare, len(failureTypes))
	for i, t := range failureTypes {
		types[i] = TypeShare{Type: t, Count: perType[t], Percent: percent(perType[t], total)}
	}
	cats := make([]CategoryShare, 0, len(perCat))
	for _, c := range perCat {
		c.Percent = percent(c.Count, total)
		cats = append(cats, *c)
	}
	slices.SortFunc(cats, func(a, b CategoryShare) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Category, b.Category))
	})
	return types, cats, total
}

// byBounceType shares out total by reported bounce type. Both bounce
// dimensions count every failure once, so their totals agree.
func byBounceType(rows []store.RollupRow, total int64) []BounceTypeShare {
	perKind := make(map[string]int64)
	for _, r := range rows {
		if slices.Contains(failureTypes, r.EventType) {
			perKind[valueName(r.Value)] += r.Count
		}
	}
	out := make([]BounceTypeShare, 0, len(perKind))
	for k, n := range perKind {
		out = append(out, BounceTypeShare{BounceType: k, Count: n, Percent: percent(n, total)})
	}
	slices.SortFunc(out, func(a, b BounceTypeShare) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.BounceType, b.BounceType))
	})
	return out
}
