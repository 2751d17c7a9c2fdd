package zonemta

import (
	"reflect"
	"testing"
)

// FuzzDecodeEntry feeds arbitrary JSON to the decoder of queue listings:
// it must never panic, and what it accepts must have what the poller uses.
func FuzzDecodeEntry(f *testing.F) {
	for _, seed := range []string{
		`{"id":"18f0a","seq":"001","zone":"default","recipient":"a@b.c","created":"2026-11-26T10:00:00.000Z","queued":"2026-11-26T10:00:00.000Z"}`,
		`{"id":"18f0a","recipient":"a@b.c","created":1764150000000,"deferred":{"first":1,"last":2,"next":3,"count":1,"response":"421"}}`,
		`{"id":"x","recipient":"","created":0,"deferred":false}`,
		`{"id":"x","recipient":"r","created":"soon","deferred":"yes"}`,
		`{"id":5}`, `[]`, `null`, `{"id":"x","recipient":"r","created":1e300}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(b, "default")
		if err != nil {
			return
		}
		if e.ID == "" || e.Zone == "" {
			t.Errorf("accepted %q without an id or zone: %+v", b, e)
		}
	})
}

// FuzzParseNodes: whatever --zonemta-nodes accepts prints back to a value
// that parses to the same list.
func FuzzParseNodes(f *testing.F) {
	for _, seed := range []string{"mta1=http://10.0.0.1:12080", "a=http://x,b=https://u:p@y:1/api/", "", "a=", "=,", "a=http://%zz"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		nodes, err := ParseNodes(s)
		if err != nil {
			return
		}
		again, err := ParseNodes(nodes.String())
		if err != nil || !reflect.DeepEqual(again, nodes) {
			t.Errorf("%q parsed to %+v, which prints as %q and parses to %+v, %v", s, nodes, nodes.String(), again, err)
		}
	})
}
