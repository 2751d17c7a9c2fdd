package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tinomail/tinomail/internal/event"
)

// Queue messages use a compact binary encoding rather than JSON: JSON
// encoding at ingest and decoding in the writer took a fifth of the CPU of
// the whole server under load. The layout is private to this package; the
// first byte is a version so that a later layout can be read beside this one.
//
//	version(1) count(uvarint) then per event:
//	time(varint Unix ns) type(1) direction(1) statusCode(uvarint)
//	19 strings (uvarint length + bytes) in stringFields order
//	presence(1) then the present optional numbers (varint, or float64 bits)
const codecVersion = 1

var (
	eventTypes = []event.Type{"", event.Received, event.Delivered, event.Bounced, event.Deferred, event.Rejected, event.Sent}
	directions = []event.Direction{"", event.Outbound, event.Inbound}
)

// stringFields lists the string fields in encoding order.
func stringFields(e *event.Event) []*string {
	return []*string{&e.MessageID, &e.QueueID, &e.FromAddress, &e.FromUser, &e.FromDomain, &e.ToAddress,
		&e.ToDomain, &e.MTANode, &e.SendingIP, &e.SendingIPv6, &e.MXHost, &e.StatusMessage, &e.BounceType,
		&e.BounceCategory, &e.BounceMessage, &e.DKIMResult, &e.SPFResult, &e.DMARCResult, &e.SpamAction}
}

// appendEvent appends the encoding of e to b.
func appendEvent(b []byte, e *event.Event) []byte {
	b = binary.AppendVarint(b, e.Time.UnixNano())
	b = append(b, byte(indexOf(eventTypes, e.EventType)), byte(indexOf(directions, e.Direction)))
	b = binary.AppendUvarint(b, uint64(e.StatusCode))
	for _, s := range stringFields(e) {
		b = binary.AppendUvarint(b, uint64(len(*s)))
		b = append(b, *s...)
	}
	var presence byte
	ints := []*int64{e.DeliveryTimeMs, e.QueueTimeMs, e.TotalTimeMs, e.MessageSize}
	for i, p := range ints {
		if p != nil {
			presence |= 1 << i
		}
	}
	if e.SpamScore != nil {
		presence |= 1 << 4
	}
	b = append(b, presence)
	for _, p := range ints {
		if p != nil {
			b = binary.AppendVarint(b, *p)
		}
	}
	if e.SpamScore != nil {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(*e.SpamScore))
	}
	return b
}

func indexOf[T comparable](list []T, v T) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return 0
}

var errTruncated = errors.New("truncated")

// decoder reads an encoded message. Strings are slices of one string copy of
// the whole message: one allocation per message instead of one per field.
type decoder struct {
	s   string
	off int
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := uvarintString(d.s[d.off:])
	if n <= 0 {
		d.err = errTruncated
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) byte() byte {
	if d.err != nil || d.off >= len(d.s) {
		d.err = errTruncated
		return 0
	}
	d.off++
	return d.s[d.off-1]
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.s)-d.off) {
		d.err = errTruncated
		return ""
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

func uvarintString(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			return x | uint64(c)<<shift, i + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

// decodeEvents decodes a whole message.
func decodeEvents(data []byte) ([]event.Event, error) {
	d := &decoder{s: string(data)}
	if v := d.byte(); v != codecVersion {
		return nil, fmt.Errorf("unknown encoding version %d", v)
	}
	n := d.uvarint()
	if n > uint64(len(data)) { // every event takes more than one byte
		return nil, errTruncated
	}
	events := make([]event.Event, n)
	for i := range events {
		d.event(&events[i])
		if d.err != nil {
			return nil, fmt.Errorf("event %d: %w", i, d.err)
		}
	}
	if d.off != len(d.s) {
		return nil, fmt.Errorf("%d bytes after the last event", len(d.s)-d.off)
	}
	return events, nil
}

func (d *decoder) event(e *event.Event) {
	e.Time = time.Unix(0, d.varint()).UTC()
	t, dir := int(d.byte()), int(d.byte())
	if t >= len(eventTypes) || dir >= len(directions) {
		d.err = errors.New("bad event type or direction")
		return
	}
	e.EventType, e.Direction = eventTypes[t], directions[dir]
	e.StatusCode = int(d.uvarint())
	for _, s := range stringFields(e) {
		*s = d.string()
	}
	presence := d.byte()
	for i, p := range []**int64{&e.DeliveryTimeMs, &e.QueueTimeMs, &e.TotalTimeMs, &e.MessageSize} {
		if presence&(1<<i) != 0 {
			v := d.varint()
			*p = &v
		}
	}
	if presence&(1<<4) != 0 {
		if len(d.s)-d.off < 8 {
			d.err = errTruncated
			return
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64([]byte(d.s[d.off : d.off+8])))
		d.off += 8
		e.SpamScore = &f
	}
}
