package zonemta

import (
	"context"
	"errors"
	"time"
)

// DefaultSampleSize is how many deliveries of each zone and type a poll
// lists for the age distribution (the pageSize of /queued).
const DefaultSampleSize = 500

// pollNode reads one node's queue: its zones, their counters, the oldest
// deliveries of each zone and type, and the last reply of the oldest one.
func pollNode(ctx context.Context, c *Client, now time.Time, sampleSize int) (*Snapshot, error) {
	zones, err := c.Zones(ctx)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Time: now, Zones: make([]ZoneCount, 0, len(zones))}
	var oldest *Entry
	var oldestType string
	for _, z := range zones {
		cnt, err := c.Counter(ctx, z.Name)
		if err != nil {
			return nil, err
		}
		snap.Zones = append(snap.Zones, ZoneCount{Name: z.Name, Active: cnt.Active, Deferred: cnt.Deferred})
		snap.Active += cnt.Active
		snap.Deferred += cnt.Deferred
		for _, typ := range []string{TypeQueued, TypeDeferred} {
			n := cnt.Active
			if typ == TypeDeferred {
				n = cnt.Deferred
			}
			if n == 0 {
				continue // nothing to list; saves a request per empty zone
			}
			entries, err := c.Queued(ctx, typ, z.Name, sampleSize)
			if err != nil {
				return nil, err
			}
			for i := range entries {
				e := &entries[i]
				snap.Ages[ageBucket(now.Sub(e.Created))]++
				if oldest == nil || e.Created.Before(oldest.Created) {
					oldest, oldestType = e, typ
				}
			}
			snap.Sample += int64(len(entries))
		}
	}
	if oldest != nil {
		o, err := describeOldest(ctx, c, oldest, oldestType)
		if err != nil {
			return nil, err
		}
		snap.Oldest = o
	}
	return snap, nil
}

// describeOldest completes the oldest delivery with its deferral record
// from /message/<id>. A message gone by then is not an error: it was
// delivered in between.
func describeOldest(ctx context.Context, c *Client, e *Entry, typ string) (*Oldest, error) {
	o := &Oldest{ID: e.ID, Seq: e.Seq, Zone: e.Zone, RecipientDomain: domainOf(e.Recipient), Created: e.Created, Type: typ}
	d := e.Deferred
	recipients, err := c.Message(ctx, e.ID)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, err
	default:
		if r := matchRecipient(recipients, e); r != nil && r.Deferred != nil {
			d = r.Deferred
		}
	}
	if d != nil {
		o.LastResponse, o.Attempts, o.NextAttempt = d.Response, d.Count, d.Next
	}
	return o, nil
}

// matchRecipient finds the delivery of e among a message's deliveries: by
// sequence number when the listing gave one, else by recipient address.
func matchRecipient(rs []Recipient, e *Entry) *Recipient {
	for i := range rs {
		if e.Seq != "" && rs[i].Seq == e.Seq {
			return &rs[i]
		}
	}
	for i := range rs {
		if rs[i].Recipient == e.Recipient {
			return &rs[i]
		}
	}
	return nil
}
