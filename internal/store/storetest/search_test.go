package storetest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/storetest/gen"
)

// searchEvents returns generated events made to exercise search and trace:
// equal times (so the id breaks ties), shared message and queue ids, an
// event whose message and queue id are the same, mixed-case texts and
// status codes of 0 (stored as NULL).
func searchEvents() []event.Event {
	events := gen.Events(23, 3000, t0, 30*time.Hour)
	for i := range events {
		e := &events[i]
		if i%5 == 0 && i > 0 {
			e.Time = events[i-1].Time
		}
		if i%10 == 3 {
			e.MessageID = fmt.Sprintf("<trace-%d@gen.test>", i%7)
		}
		if i%10 == 7 {
			e.QueueID = fmt.Sprintf("qshared%d", i%3)
		}
		if i%13 == 0 {
			e.StatusCode = 0
		}
		switch i % 11 {
		case 1:
			e.StatusMessage = "452 4.2.2 Mailbox FULL, try later"
		case 2:
			e.BounceMessage = "550 5.7.1 mailbox full and Blocked"
		case 3:
			e.StatusMessage = "Schön: ÄRGER"
		}
	}
	// Traced by "both-ids": once as a message id, once as a queue id, once as
	// both, which must come back once.
	events[100].MessageID = "both-ids"
	events[200].QueueID = "both-ids"
	events[300].MessageID, events[300].QueueID = "both-ids", "both-ids"
	return events
}

// stored gives events the ids the stores assign: 1, 2, ... in write order.
func stored(events []event.Event) []store.StoredEvent {
	out := make([]store.StoredEvent, len(events))
	for i, e := range events {
		out[i] = store.StoredEvent{ID: int64(i + 1), Event: e}
	}
	return out
}

// matches is EventFilter applied in Go, the reference the stores must meet.
func matches(e event.Event, f store.EventFilter) bool {
	ms := e.Time.UnixMilli()
	if ms < f.From.UnixMilli() || ms >= f.To.UnixMilli() {
		return false
	}
	if len(f.Types) > 0 && !slices.Contains(f.Types, e.EventType) {
		return false
	}
	for _, c := range [][2]string{
		{string(f.Direction), string(e.Direction)}, {f.MTANode, e.MTANode}, {f.FromDomain, e.FromDomain},
		{f.ToDomain, e.ToDomain}, {f.SendingIP, e.SendingIP}, {f.MessageID, e.MessageID},
		{f.QueueID, e.QueueID}, {f.BounceCategory, e.BounceCategory}, {f.MXHost, e.MXHost},
		{f.FromAddress, e.FromAddress}, {f.ToAddress, e.ToAddress},
	} {
		if c[0] != "" && c[0] != c[1] {
			return false
		}
	}
	if f.StatusCode != 0 && f.StatusCode != e.StatusCode {
		return false
	}
	if f.Address != "" && f.Address != e.FromAddress && f.Address != e.ToAddress {
		return false
	}
	if f.Text != "" {
		needle := asciiLower(f.Text)
		if !strings.Contains(asciiLower(e.StatusMessage), needle) && !strings.Contains(asciiLower(e.BounceMessage), needle) {
			return false
		}
	}
	return true
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// expectSearch returns the events matching f, newest first.
func expectSearch(all []store.StoredEvent, f store.EventFilter) []store.StoredEvent {
	out := []store.StoredEvent{}
	for _, e := range all {
		if matches(e.Event, f) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b store.StoredEvent) int {
		return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(b.ID, a.ID))
	})
	return out
}

// expectTrace returns the events with id as message or queue id, oldest first.
func expectTrace(all []store.StoredEvent, id string) []store.StoredEvent {
	out := []store.StoredEvent{}
	for _, e := range all {
		if e.MessageID == id || e.QueueID == id {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b store.StoredEvent) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func searcher(t *testing.T, s store.Store) store.Searcher {
	t.Helper()
	ss, ok := s.(store.Searcher)
	if !ok {
		t.Fatalf("%T does not implement store.Searcher", s)
	}
	return ss
}

// searchFilters is a spread of filters over searchEvents, each with a name.
func searchFilters(events []event.Event) map[string]store.EventFilter {
	from, to := t0, t0.Add(31*time.Hour)
	cut := store.EventFilter{From: t0.Add(3*time.Hour + 500*time.Microsecond), To: t0.Add(20*time.Hour + 1)}
	with := func(mod func(*store.EventFilter)) store.EventFilter {
		f := store.EventFilter{From: from, To: to}
		mod(&f)
		return f
	}
	return map[string]store.EventFilter{
		"all":            {From: from, To: to},
		"cut range":      cut,
		"empty range":    {From: t0.Add(-time.Hour), To: t0},
		"types":          with(func(f *store.EventFilter) { f.Types = []event.Type{event.Bounced, event.Deferred} }),
		"direction":      with(func(f *store.EventFilter) { f.Direction = event.Inbound }),
		"node":           with(func(f *store.EventFilter) { f.MTANode = "mta-2" }),
		"from domain":    with(func(f *store.EventFilter) { f.FromDomain = "from3.test" }),
		"to domain":      with(func(f *store.EventFilter) { f.ToDomain = "to7.test" }),
		"sending ip":     with(func(f *store.EventFilter) { f.SendingIP = "192.0.2.4" }),
		"message id":     with(func(f *store.EventFilter) { f.MessageID = "<trace-3@gen.test>" }),
		"queue id":       with(func(f *store.EventFilter) { f.QueueID = "qshared1" }),
		"to address":     with(func(f *store.EventFilter) { f.Address = events[5].ToAddress }),
		"from address":   with(func(f *store.EventFilter) { f.Address = events[8].FromAddress }),
		"text any case":  with(func(f *store.EventFilter) { f.Text = "MAILBOX full" }),
		"text bounce":    with(func(f *store.EventFilter) { f.Text = "blocked" }),
		"text non-ascii": with(func(f *store.EventFilter) { f.Text = "schön: Ärger" }),
		"bounce cat":     with(func(f *store.EventFilter) { f.BounceCategory = "spam" }),
		"mx host": with(func(f *store.EventFilter) {
			f.MXHost = firstWith(events, func(e event.Event) bool { return e.MXHost != "" }).MXHost
		}),
		"status code": with(func(f *store.EventFilter) {
			f.StatusCode = firstWith(events, func(e event.Event) bool { return e.StatusCode >= 400 }).StatusCode
		}),
		"only from": with(func(f *store.EventFilter) { f.FromAddress = events[8].FromAddress }),
		"only to":   with(func(f *store.EventFilter) { f.ToAddress = events[5].ToAddress }),
		"combined": {From: cut.From, To: cut.To, Types: []event.Type{event.Delivered, event.Deferred},
			Direction: event.Outbound, MTANode: "mta-1", Text: "ok"},
	}
}

// firstWith returns the first event that has what a filter looks for.
func firstWith(events []event.Event, ok func(event.Event) bool) event.Event {
	for _, e := range events {
		if ok(e) {
			return e
		}
	}
	panic("storetest: no generated event fits")
}

func TestSearchEventsMatchesFilters(t *testing.T) {
	events := searchEvents()
	all := stored(events)
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		writeAll(t, s, "s", events)
		ss := searcher(t, s)
		for name, f := range searchFilters(events) {
			t.Run(name, func(t *testing.T) {
				want := expectSearch(all, f)
				if len(want) == 0 && name != "empty range" {
					t.Fatal("filter selects nothing: the test data does not exercise it")
				}
				got, err := ss.SearchEvents(context.Background(), f, nil, store.MaxSearchLimit)
				if err != nil {
					t.Fatal(err)
				}
				want = want[:min(len(want), store.MaxSearchLimit)]
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("got %d events, want %d; first difference: %s", len(got), len(want), firstEventDiff(got, want))
				}
			})
		}
	})
}

func TestSearchEventsPages(t *testing.T) {
	events := searchEvents()
	all := stored(events)
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		writeAll(t, s, "s", events)
		ss := searcher(t, s)
		filters := searchFilters(events)
		for _, name := range []string{"all", "cut range", "types", "text any case", "combined"} {
			t.Run(name, func(t *testing.T) {
				f := filters[name]
				want := expectSearch(all, f)
				var got []store.StoredEvent
				var after *store.Cursor
				for pages := 0; ; pages++ {
					if pages > len(want)/37+2 {
						t.Fatal("paging does not end")
					}
					page, err := ss.SearchEvents(context.Background(), f, after, 37)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, page...)
					if len(page) < 37 {
						break
					}
					last := page[len(page)-1]
					after = &store.Cursor{Time: last.Time.UnixMilli(), ID: last.ID}
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("pages hold %d events, want %d; first difference: %s", len(got), len(want), firstEventDiff(got, want))
				}
			})
		}
	})
}

func TestSearchEventsLimits(t *testing.T) {
	events := searchEvents()
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		writeAll(t, s, "s", events)
		ss := searcher(t, s)
		f := store.EventFilter{From: t0, To: t0.Add(31 * time.Hour)}
		for limit, want := range map[int]int{0: 0, -1: 0, 1: 1, 1000: 1000, 5000: store.MaxSearchLimit} {
			got, err := ss.SearchEvents(context.Background(), f, nil, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != want {
				t.Errorf("limit %d: got %d events, want %d", limit, len(got), want)
			}
		}
	})
}

// TestSearchEventsInjection checks that quotes and LIKE wildcards are taken
// literally: none occurs in the data, so each probe matches nothing.
func TestSearchEventsInjection(t *testing.T) {
	events := searchEvents()
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		writeAll(t, s, "s", events)
		ss := searcher(t, s)
		for _, probe := range []string{`' OR 1=1 --`, `" OR ""="`, `%`, `_`, `\`, `%'; DROP TABLE email_events; --`} {
			for _, f := range []store.EventFilter{{Text: probe}, {Address: probe}, {MTANode: probe}, {MessageID: probe}} {
				f.From, f.To = t0, t0.Add(31*time.Hour)
				got, err := ss.SearchEvents(context.Background(), f, nil, 10)
				if err != nil {
					t.Fatalf("%+v: %v", f, err)
				}
				if len(got) != 0 {
					t.Errorf("%+v matched %d events", f, len(got))
				}
			}
			got, err := ss.TraceEvents(context.Background(), probe, 10)
			if err != nil || len(got) != 0 {
				t.Errorf("trace %q: %d events, %v", probe, len(got), err)
			}
		}
		n, err := s.CountEvents(context.Background(), t0, t0.Add(31*time.Hour))
		if err != nil || n != int64(len(events)) {
			t.Fatalf("after probes: %d events (%v), want %d", n, err, len(events))
		}
	})
}

func TestTraceEvents(t *testing.T) {
	events := searchEvents()
	all := stored(events)
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		writeAll(t, s, "s", events)
		ss := searcher(t, s)
		ids := []string{"<trace-0@gen.test>", "<trace-6@gen.test>", "qshared0", "qshared2",
			"both-ids", events[42].MessageID, events[43].QueueID}
		for _, id := range ids {
			t.Run(id, func(t *testing.T) {
				want := expectTrace(all, id)
				if len(want) == 0 {
					t.Fatal("id traces nothing: the test data does not exercise it")
				}
				got, err := ss.TraceEvents(context.Background(), id, store.MaxSearchLimit)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("got %d events, want %d; first difference: %s", len(got), len(want), firstEventDiff(got, want))
				}
			})
		}
		if got := expectTrace(all, "both-ids"); len(got) != 3 {
			t.Fatalf("both-ids: reference traces %d events, want 3", len(got))
		}
		for _, id := range []string{"", "<nobody@gen.test>"} {
			got, err := ss.TraceEvents(context.Background(), id, 10)
			if err != nil || len(got) != 0 {
				t.Errorf("trace %q: %d events, %v; want none", id, len(got), err)
			}
		}
		got, err := ss.TraceEvents(context.Background(), "qshared0", 2)
		if err != nil || !reflect.DeepEqual(got, expectTrace(all, "qshared0")[:2]) {
			t.Errorf("trace with limit 2: %d events, %v", len(got), err)
		}
	})
}

// TestSearchAnswersAlike requires byte-identical JSON from both stores for
// the same searches and traces.
func TestSearchAnswersAlike(t *testing.T) {
	ctx := context.Background()
	events := searchEvents()
	backends := []*Backend{SQLite(t), Postgres(t)}
	for _, b := range backends {
		writeAll(t, b.Store, "s", events)
	}
	answer := func(b *Backend, f store.EventFilter, traceID string) string {
		ss := searcher(t, b.Store)
		var res []store.StoredEvent
		var err error
		if traceID != "" {
			res, err = ss.TraceEvents(ctx, traceID, 500)
		} else {
			res, err = ss.SearchEvents(ctx, f, &store.Cursor{Time: t0.Add(25 * time.Hour).UnixMilli(), ID: 1 << 40}, 500)
		}
		if err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
		j, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		return string(j)
	}
	cases := map[string]store.EventFilter{}
	for name, f := range searchFilters(events) {
		cases[name] = f
	}
	cases["trace qshared1"] = store.EventFilter{}
	cases["trace both-ids"] = store.EventFilter{}
	for name, f := range cases {
		id := strings.TrimPrefix(name, "trace ")
		if id == name {
			id = ""
		}
		a, b := answer(backends[0], f, id), answer(backends[1], f, id)
		if a != b {
			t.Errorf("%s: sqlite and postgres answers differ:\n%.300s\n%.300s", name, a, b)
		}
		if a == "[]" && name != "empty range" {
			t.Errorf("%s: selects nothing", name)
		}
	}
}

func firstEventDiff(got, want []store.StoredEvent) string {
	for i := range max(len(got), len(want)) {
		if i >= len(got) || i >= len(want) || !reflect.DeepEqual(got[i], want[i]) {
			g, w := "none", "none"
			if i < len(got) {
				b, _ := json.Marshal(got[i])
				g = string(b)
			}
			if i < len(want) {
				b, _ := json.Marshal(want[i])
				w = string(b)
			}
			return fmt.Sprintf("at %d: got %s, want %s", i, g, w)
		}
	}
	return "none"
}

// BenchmarkTraceEvents traces random message ids among 1,000,000 events
// spread over a week, on each store. Loading the rows takes minutes, mostly
// the PostgreSQL rollup upserts: run it alone, with a fixed -benchtime such
// as 2000x so that the load happens once.
func BenchmarkTraceEvents(b *testing.B) {
	const n = 1_000_000
	events := gen.Events(5, n, t0, 7*24*time.Hour)
	msgs := gen.Msgs("s", 1, events, 100)
	for _, open := range []func(testing.TB) *Backend{SQLite, Postgres} {
		be := open(b)
		b.Run(be.Name, func(b *testing.B) {
			ctx := context.Background()
			for i := 0; i < len(msgs); i += 100 {
				if _, err := be.Store.WriteBatch(ctx, msgs[i:min(i+100, len(msgs))]); err != nil {
					b.Fatal(err)
				}
			}
			ss := be.Store.(store.Searcher)
			i := 0
			for b.Loop() {
				id := events[(i*7919)%n].MessageID
				i++
				got, err := ss.TraceEvents(ctx, id, store.MaxSearchLimit)
				if err != nil || len(got) != 1 {
					b.Fatalf("trace %s: %d events, %v", id, len(got), err)
				}
			}
		})
	}
}
