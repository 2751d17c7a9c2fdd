// Package gen generates deterministic, varied email events and queue
// messages for store tests and benchmarks. It is a package of its own, not
// part of storetest, so that the sqlite and postgres packages' internal tests
// can use it without an import cycle.
package gen

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
)

// T0 is a fixed start time for generated data, in the middle of a day and of
// an hour so that ranges cut buckets of every resolution.
var T0 = time.Date(2025, 3, 10, 22, 47, 13, 0, time.UTC)

// Ptr returns a pointer to v, for the optional fields of event.Event.
func Ptr[T any](v T) *T { return &v }

// Events returns n varied events spread over span from start, with
// deterministic content: some without delivery time or size, bounce fields
// on failures, both directions, a handful of domains, nodes and IPs.
func Events(seed uint64, n int, start time.Time, span time.Duration) []event.Event {
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
			e.DeliveryTimeMs = Ptr(r.Int64N(60_000))
		}
		if r.IntN(3) > 0 {
			e.MessageSize = Ptr(r.Int64N(10_000_000))
		}
		if r.IntN(2) == 0 {
			e.QueueTimeMs, e.TotalTimeMs = Ptr(int64(0)), Ptr(r.Int64N(100_000))
		}
		if e.EventType.Urgent() {
			e.StatusCode = 550
			e.BounceType = []string{"hard", "soft", ""}[r.IntN(3)]
			e.BounceCategory = []string{"bad-mailbox", "spam", "policy", ""}[r.IntN(4)]
			e.BounceMessage = "550 5.1.1 no such user"
			// Chosen by position, not by r, so that the rest of the data
			// stays what it was before replies were varied.
			e.StatusMessage = ""
			if f := failureReplies[i%len(failureReplies)]; f != "" {
				e.StatusMessage = fmt.Sprintf(f, e.ToAddress, e.SendingIP+e.SendingIPv6, 1_700_000_000+i)
			}
		}
		e.DKIMResult, e.SPFResult, e.DMARCResult = "pass", "softfail", "none"
		if e.Direction == event.Inbound {
			e.SPFResult = []string{"pass", "fail", "softfail", "neutral", "none", ""}[i%6]
			e.DKIMResult = []string{"pass", "fail", "none", "policy", ""}[i%5]
			e.DMARCResult = []string{"pass", "fail", "none", ""}[i%4]
			e.SpamAction = []string{"accept", "reject", "greylist", "soft_reject", ""}[i%5]
		}
		if r.IntN(3) == 0 {
			e.SpamScore = Ptr(r.Float64()*30 - 5)
			if e.Direction == event.Outbound {
				e.SpamAction = "accept"
			}
		}
	}
	return out
}

// failureReplies are the SMTP replies of failures, each with the recipient,
// the sending IP and a number to fill in: the response rollup must group
// them by what they say, not by who they were for.
var failureReplies = []string{
	"550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table [%s] (%d)",
	"452 4.2.2 <%s>: Mailbox is full, try again later; client %s, id %d",
	"421 4.7.0 [TSS04] Messages from %[2]s temporarily deferred due to user complaints - %[1]s %[3]d",
	"554 5.7.1 Service unavailable; Client host [%[2]s] blocked using zen.spamhaus.org (%[1]s, %[3]d)",
	"", // none: the bounce message stands in
}

// Msgs packs events into messages of per events each, numbered from seq.
func Msgs(stream string, seq uint64, events []event.Event, per int) []store.Msg {
	var msgs []store.Msg
	for i := 0; i < len(events); i += per {
		msgs = append(msgs, store.Msg{Stream: stream, Seq: seq, Events: events[i:min(i+per, len(events))]})
		seq++
	}
	return msgs
}
