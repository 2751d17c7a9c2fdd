package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
)

func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tinomail.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// rawDB opens the file without the Store, to look at or tamper with it.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t testing.TB, db *sql.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

var t0 = time.Date(2025, 3, 10, 22, 47, 13, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// genEvents returns n varied events spread over span from start, with
// deterministic content: some without delivery time or size, bounce fields
// on failures, both directions, a handful of domains, nodes and IPs.
func genEvents(seed uint64, n int, start time.Time, span time.Duration) []event.Event {
	r := rand.New(rand.NewPCG(seed, 7))
	types := event.Types
	out := make([]event.Event, n)
	for i := range out {
		e := &out[i]
		e.Time = start.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Millisecond)
		e.EventType = types[r.IntN(len(types))]
		e.Direction = event.Outbound
		if e.EventType == event.Received || r.IntN(10) == 0 {
			e.Direction = event.Inbound
		}
		e.MessageID = fmt.Sprintf("<%d.%d@gen.test>", seed, i)
		if r.IntN(5) > 0 {
			e.QueueID = fmt.Sprintf("q%x", r.Uint32())
		}
		e.FromUser = fmt.Sprintf("u%d", r.IntN(30))
		e.FromDomain = fmt.Sprintf("from%d.test", r.IntN(20))
		e.FromAddress = e.FromUser + "@" + e.FromDomain
		e.ToDomain = fmt.Sprintf("to%d.test", r.IntN(50))
		e.ToAddress = fmt.Sprintf("r%d@%s", r.IntN(1000), e.ToDomain)
		if r.IntN(20) > 0 {
			e.MTANode = fmt.Sprintf("mta-%d", r.IntN(5))
		}
		switch r.IntN(4) {
		case 0:
			e.SendingIPv6 = fmt.Sprintf("2001:db8::%x", r.IntN(4))
		default:
			e.SendingIP = fmt.Sprintf("192.0.2.%d", r.IntN(10))
		}
		e.MXHost = "mx." + e.ToDomain
		e.StatusCode = 250
		e.StatusMessage = "250 2.0.0 OK"
		if r.IntN(4) > 0 {
			e.DeliveryTimeMs = ptr(r.Int64N(60_000))
		}
		if r.IntN(3) > 0 {
			e.MessageSize = ptr(r.Int64N(10_000_000))
		}
		if r.IntN(2) == 0 {
			e.QueueTimeMs, e.TotalTimeMs = ptr(int64(0)), ptr(r.Int64N(100_000))
		}
		if e.EventType.Urgent() {
			e.StatusCode = 550
			e.BounceType = []string{"hard", "soft", ""}[r.IntN(3)]
			e.BounceCategory = []string{"bad-mailbox", "spam", "policy", ""}[r.IntN(4)]
			e.BounceMessage = "550 5.1.1 no such user"
		}
		e.DKIMResult, e.SPFResult, e.DMARCResult = "pass", "softfail", "none"
		if r.IntN(3) == 0 {
			e.SpamScore, e.SpamAction = ptr(r.Float64()*10), "accept"
		}
	}
	return out
}

// toMsgs packs events into messages of per events each, numbered from seq.
func toMsgs(stream string, seq uint64, events []event.Event, per int) []store.Msg {
	var msgs []store.Msg
	for i := 0; i < len(events); i += per {
		msgs = append(msgs, store.Msg{Stream: stream, Seq: seq, Events: events[i:min(i+per, len(events))]})
		seq++
	}
	return msgs
}
