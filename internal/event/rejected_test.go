package event

import (
	"reflect"
	"testing"
	"time"
)

// TestRejectedByNode: invalid events are counted per node they named, when
// that field itself was readable; valid events and unreadable ones are not.
func TestRejectedByNode(t *testing.T) {
	body := `{"time":"2026-11-26T10:00:00Z","eventType":"delivered","mtaNode":"mta1"}
{"time":"2026-11-26T10:00:00Z","eventType":"exploded","mtaNode":" mta1 "}
{"time":"soon","eventType":"delivered","mtaNode":"mta2"}
{"time":"2026-11-26T10:00:00Z","eventType":"delivered","mtaNode":{"x":1}}
{"time":"2026-11-26T10:00:00Z","eventType":"nope"}
not json at all`
	d, err := DecodeBody([]byte(body), 0, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Events) != 1 || d.Total != 6 {
		t.Fatalf("%d valid of %d, want 1 of 6", len(d.Events), d.Total)
	}
	if want := map[string]int{"mta1": 1, "mta2": 1}; !reflect.DeepEqual(d.RejectedByNode, want) {
		t.Errorf("RejectedByNode = %v, want %v", d.RejectedByNode, want)
	}
	d, _ = DecodeBody([]byte(`{"time":"2026-11-26T10:00:00Z","eventType":"sent","mtaNode":"a"}`), 0, time.Now())
	if d.RejectedByNode != nil {
		t.Errorf("all valid: RejectedByNode = %v, want nil", d.RejectedByNode)
	}
}
