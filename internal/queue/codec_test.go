package queue

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/simulate"
)

func TestCodecRoundTrip(t *testing.T) {
	gen := simulate.NewGenerator(simulate.GenConfig{}, 7)
	var events []event.Event
	now := time.Now()
	for i := 0; i < 2000; i++ {
		e := gen.Event(now.Add(time.Duration(i) * time.Millisecond))
		event.Normalize(&e)
		events = append(events, e)
	}
	zero, score := int64(0), -2.5
	events = append(events,
		event.Event{Time: time.Unix(0, 1).UTC(), EventType: event.Sent, Direction: event.Outbound},
		event.Event{Time: now.UTC(), EventType: event.Received, Direction: event.Inbound, DeliveryTimeMs: &zero,
			SpamScore: &score, StatusMessage: strings.Repeat("é", 500), StatusCode: 999})
	chunks := encodeChunks(events)
	var back []event.Event
	for _, c := range chunks {
		if len(c) > maxChunk+1000 {
			t.Fatalf("chunk of %d bytes", len(c))
		}
		evs, err := Decode(c)
		if err != nil {
			t.Fatal(err)
		}
		back = append(back, evs...)
	}
	if len(back) != len(events) {
		t.Fatalf("%d events back of %d", len(back), len(events))
	}
	for i := range events {
		want := events[i]
		want.Time = want.Time.UTC()
		if !reflect.DeepEqual(back[i], want) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, back[i], want)
		}
	}
}

func TestChunking(t *testing.T) {
	big := strings.Repeat("x", 400)
	events := make([]event.Event, 3000)
	for i := range events {
		events[i] = event.Event{Time: time.Now(), EventType: event.Delivered, Direction: event.Outbound, StatusMessage: big}
	}
	chunks := encodeChunks(events)
	if len(chunks) < 2 {
		t.Fatalf("%d chunks for ~1.2 MB", len(chunks))
	}
	n := 0
	for _, c := range chunks {
		evs, err := Decode(c)
		if err != nil {
			t.Fatal(err)
		}
		n += len(evs)
	}
	if n != len(events) {
		t.Fatalf("%d events in chunks, want %d", n, len(events))
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	good := encodeChunks([]event.Event{{Time: time.Now(), EventType: event.Bounced, Direction: event.Outbound, MessageID: "m"}})[0]
	for name, data := range map[string][]byte{
		"empty":      nil,
		"json":       []byte(`[{"time":"2026-11-26T10:00:00Z"}]`),
		"truncated":  good[:len(good)-3],
		"trailing":   append(append([]byte{}, good...), 0),
		"huge count": {codecVersion, 0xff, 0xff, 0xff, 0x0f},
		"bad type":   {codecVersion, 1, 0, 99, 1, 0},
	} {
		if _, err := Decode(data); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(encodeChunks([]event.Event{{Time: time.Now(), EventType: event.Delivered, Direction: event.Outbound, MTANode: "a"}})[0])
	f.Add([]byte{codecVersion, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := Decode(data)
		if err != nil || len(events) == 0 {
			return
		}
		again, err := Decode(encodeChunks(events)[0])
		if err != nil || len(again) != len(events) {
			t.Fatalf("re-encode: %v", err)
		}
	})
}
