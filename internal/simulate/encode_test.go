package simulate

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
)

// appendEvent must write what encoding/json writes for event.Event, field for
// field, except that it leaves out an empty direction.
func TestAppendEventMatchesEncodingJSON(t *testing.T) {
	events := generate(21, 3000)
	score := -0.5
	events = append(events, event.Event{
		Time:          time.Date(2026, 1, 2, 3, 4, 5, 123_000_000, time.UTC),
		EventType:     event.Bounced,
		StatusMessage: "quote \" backslash \\ newline \n tab \t nul \x00 bell \x07 <html> & ünïcödé \xff end",
		SpamScore:     &score,
		MessageSize:   ptr(int64(0)),
	})
	for i, e := range events {
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got := appendEvent(nil, &e)
		var gm, wm map[string]any
		if err := json.Unmarshal(got, &gm); err != nil {
			t.Fatalf("event %d: appendEvent wrote invalid JSON: %v\n%s", i, err, got)
		}
		if err := json.Unmarshal(want, &wm); err != nil {
			t.Fatal(err)
		}
		if wm["direction"] == "" {
			delete(wm, "direction")
		}
		if !reflect.DeepEqual(gm, wm) {
			t.Fatalf("event %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestAppendEventOmitsEmptyDirectionOnly(t *testing.T) {
	e := event.Event{Time: t0, EventType: event.Rejected}
	var m map[string]any
	if err := json.Unmarshal(appendEvent(nil, &e), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["direction"]; ok {
		t.Errorf("empty direction written: %v", m)
	}
	e.Direction = event.Inbound
	if err := json.Unmarshal(appendEvent(nil, &e), &m); err != nil {
		t.Fatal(err)
	}
	if m["direction"] != "inbound" {
		t.Errorf("direction = %v, want inbound", m["direction"])
	}
}
