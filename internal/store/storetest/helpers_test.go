package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/classify"
	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/postgres"
	"github.com/tinomail/tinomail/internal/store/sqlite"
	"github.com/tinomail/tinomail/internal/store/storetest/gen"
)

var t0 = gen.T0

type rowKey struct {
	bucket int64
	value  string
	dir    event.Direction
	typ    event.Type
}

// isDuplicate reports whether err is either backend's duplicate sentinel.
func isDuplicate(err error) bool {
	return errors.Is(err, sqlite.ErrDuplicate) || errors.Is(err, postgres.ErrDuplicate)
}

// expectCounts aggregates events by hand, without rollup.Build, the way the
// dashboard expects one dimension to read.
func expectCounts(events []event.Event, res time.Duration, dim string) map[rowKey]rollup.Counts {
	out := make(map[rowKey]rollup.Counts)
	for _, e := range events {
		var v string
		switch dim {
		case rollup.DimTotal:
		case rollup.DimToDomain:
			v = e.ToDomain
		case rollup.DimMTANode:
			v = e.MTANode
		case rollup.DimSendingIP:
			v = e.SendingIP + e.SendingIPv6 // the generator sets one or the other
		case rollup.DimBounceCategory:
			if e.EventType != event.Bounced && e.EventType != event.Rejected && e.EventType != event.Deferred {
				continue
			}
			v = e.BounceCategory
		case rollup.DimMXHost:
			v = e.MXHost
		case rollup.DimResponse:
			if !e.EventType.Urgent() {
				continue
			}
			text := cmp.Or(e.StatusMessage, e.BounceMessage)
			v = classify.Template(text, e.ToDomain, e.FromDomain, e.MXHost)
		case rollup.DimSpamAction, rollup.DimSPF, rollup.DimDKIM, rollup.DimDMARC:
			if e.Direction != event.Inbound {
				continue
			}
			v = map[string]string{rollup.DimSpamAction: e.SpamAction, rollup.DimSPF: e.SPFResult,
				rollup.DimDKIM: e.DKIMResult, rollup.DimDMARC: e.DMARCResult}[dim]
		default:
			panic(dim)
		}
		k := rowKey{e.Time.Truncate(res).Unix(), v, e.Direction, e.EventType}
		c := out[k]
		c.Count++
		if e.DeliveryTimeMs != nil {
			c.DtSum += *e.DeliveryTimeMs
			c.DtCount++
		}
		if e.MessageSize != nil {
			c.SizeSum += *e.MessageSize
			c.SizeCount++
		}
		out[k] = c
	}
	return out
}

func gotCounts(t *testing.T, s store.Store, q store.RollupQuery) map[rowKey]rollup.Counts {
	t.Helper()
	rows, err := s.Rollups(context.Background(), q)
	if err != nil {
		t.Fatalf("Rollups(%+v): %v", q, err)
	}
	out := make(map[rowKey]rollup.Counts)
	for i, r := range rows {
		if q.ByBucket && r.Bucket.Location() != time.UTC {
			t.Errorf("bucket %v not in UTC", r.Bucket)
		}
		if !q.ByBucket && !r.Bucket.IsZero() {
			t.Errorf("bucket %v set without ByBucket", r.Bucket)
		}
		if i > 0 && !rowLess(rows[i-1], r) {
			t.Errorf("rows %d and %d out of order: %+v, %+v", i-1, i, rows[i-1], r)
		}
		var b int64
		if q.ByBucket {
			b = r.Bucket.Unix()
		}
		out[rowKey{b, r.Value, r.Direction, r.EventType}] = r.Counts
	}
	return out
}

func rowLess(a, b store.RollupRow) bool {
	if !a.Bucket.Equal(b.Bucket) {
		return a.Bucket.Before(b.Bucket)
	}
	return slices.Compare([]string{a.Value, string(a.Direction), string(a.EventType)},
		[]string{b.Value, string(b.Direction), string(b.EventType)}) < 0
}

func firstDiff(got, want map[rowKey]rollup.Counts) string {
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			return fmt.Sprintf("%+v: got %+v (present %v), want %+v", k, g, ok, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			return fmt.Sprintf("%+v: got %+v, want nothing", k, g)
		}
	}
	return "none"
}

// writeAll writes events in batches of 500 messages of 3 events each.
func writeAll(t *testing.T, s store.Store, stream string, events []event.Event) {
	t.Helper()
	msgs := gen.Msgs(stream, 1, events, 3)
	for i := 0; i < len(msgs); i += 500 {
		res, err := s.WriteBatch(context.Background(), msgs[i:min(i+500, len(msgs))])
		if err != nil {
			t.Fatalf("WriteBatch: %v", err)
		}
		if res.Duplicates != 0 {
			t.Fatalf("WriteBatch: %d duplicates in fresh messages", res.Duplicates)
		}
	}
}

func deref(p *int64) (int64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

func count(t *testing.T, b *Backend, query string) int64 {
	t.Helper()
	var n int64
	if err := b.QueryRow(context.Background(), query, &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
