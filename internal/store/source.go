package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"
)

// Kinds of sources of events: the MTA node an event names and the API key
// that sent it.
const (
	SourceNode = "node"
	SourceKey  = "key"
)

// SourceMinuteWindow is how long per-minute source counts are kept: enough
// for the rate window and the last 24 hours of /api/v1/sources.
const SourceMinuteWindow = 25 * time.Hour

// SourceDelta is what some events add to one source in one minute. Times
// are zero when the delta has none of that kind.
type SourceDelta struct {
	Kind, Name string
	Minute     time.Time // start of the UTC minute the events were received in
	Events     int64     // events accepted and stored
	Rejected   int64     // events refused by validation at ingest
	// LastSeen is when the newest of Events was received (the queue's
	// timestamp); LastEvent the newest event time they carried.
	LastSeen, LastEvent time.Time
	LastRejected        time.Time
}

// SourceStat is one source as stored: all-time counts and times, plus the
// counts of two recent spans asked for in Sources.
type SourceStat struct {
	Kind, Name                        string
	Events, Rejected                  int64
	LastSeen, LastEvent, LastRejected time.Time // zero: never
	WindowEvents, WindowRejected      int64     // minutes starting at or after windowFrom
	DayEvents, DayRejected            int64     // minutes starting at or after dayFrom
}

// SourceStore keeps per-source counts for pipeline completeness. Increments
// are added, never set, so several servers on one database sum up.
type SourceStore interface {
	// AddSourceCounts adds deltas in one transaction (ingest's rejections).
	AddSourceCounts(ctx context.Context, deltas []SourceDelta) error
	// Sources returns every source, ordered by kind and name.
	Sources(ctx context.Context, windowFrom, dayFrom time.Time) ([]SourceStat, error)
}

// MsgSourceDeltas sums what stored messages add to their sources: each event
// counts for the node it names (events without mtaNode for none) and, when
// the message carries one, for the API key that sent it. A message without
// a receive time counts as received at now.
func MsgSourceDeltas(msgs []Msg, now time.Time) []SourceDelta {
	if len(msgs) == 0 {
		return nil
	}
	acc := newSourceAcc()
	for i := range msgs {
		m := &msgs[i]
		received := m.Received
		if received.IsZero() {
			received = now
		}
		minute := received.UTC().Truncate(time.Minute)
		var newest time.Time
		var last *SourceDelta
		for j := range m.Events {
			e := &m.Events[j]
			if e.Time.After(newest) {
				newest = e.Time
			}
			if e.MTANode == "" {
				continue
			}
			if last == nil || last.Name != e.MTANode {
				last = acc.get(SourceNode, e.MTANode, minute)
			}
			last.Events++
			last.LastSeen = later(last.LastSeen, received)
			last.LastEvent = later(last.LastEvent, e.Time)
		}
		if m.KeyID > 0 && len(m.Events) > 0 {
			d := acc.get(SourceKey, strconv.FormatInt(m.KeyID, 10), minute)
			d.Events += int64(len(m.Events))
			d.LastSeen = later(d.LastSeen, received)
			d.LastEvent = later(d.LastEvent, newest)
		}
	}
	return acc.list()
}

// SourceTotals merges deltas across minutes: one per source, Minute zero.
func SourceTotals(deltas []SourceDelta) []SourceDelta {
	acc := newSourceAcc()
	for _, d := range deltas {
		acc.add(d, time.Time{})
	}
	return acc.list()
}

// MergeSourceDeltas adds b to a, one delta per source and minute.
func MergeSourceDeltas(a, b []SourceDelta) []SourceDelta {
	acc := newSourceAcc()
	for _, d := range a {
		acc.add(d, d.Minute)
	}
	for _, d := range b {
		acc.add(d, d.Minute)
	}
	return acc.list()
}

type sourceKey struct {
	kind, name string
	minute     int64
}

type sourceAcc map[sourceKey]*SourceDelta

func newSourceAcc() sourceAcc { return sourceAcc{} }

func (a sourceAcc) get(kind, name string, minute time.Time) *SourceDelta {
	k := sourceKey{kind, name, minute.UnixMilli()}
	d := a[k]
	if d == nil {
		d = &SourceDelta{Kind: kind, Name: name, Minute: minute}
		a[k] = d
	}
	return d
}

func (a sourceAcc) add(d SourceDelta, minute time.Time) {
	t := a.get(d.Kind, d.Name, minute)
	t.Events += d.Events
	t.Rejected += d.Rejected
	t.LastSeen = later(t.LastSeen, d.LastSeen)
	t.LastEvent = later(t.LastEvent, d.LastEvent)
	t.LastRejected = later(t.LastRejected, d.LastRejected)
}

// list returns the deltas in key order, so that concurrent writers on
// PostgreSQL lock the rows in the same order and cannot deadlock.
func (a sourceAcc) list() []SourceDelta {
	out := make([]SourceDelta, 0, len(a))
	for _, d := range a {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(x, y SourceDelta) int {
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Name, y.Name), x.Minute.Compare(y.Minute))
	})
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// UnixMilliOrZero is t in Unix milliseconds, 0 for the zero time: how the
// stores keep "never".
func UnixMilliOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// TimeOrZero reverses UnixMilliOrZero.
func TimeOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
