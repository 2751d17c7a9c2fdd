package event

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeBody checks that no body crashes the decoder, that counts add
// up, and that every accepted event is valid and survives the queue encoding.
func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte(`{"time":"2026-11-26T10:00:00Z","eventType":"delivered","toAddress":"a@B.com"}`))
	f.Add([]byte(`[{"time":"2026-11-26T10:00:00Z","eventType":"bounced","statusCode":"550"},null,1]`))
	f.Add([]byte("{\"time\":1795600000000,\"eventType\":\"sent\"}\n{\"x\":"))
	f.Add([]byte(`[[[[[[[[[]]]]]]]]]`))
	f.Add([]byte(` [ "a,]" , {"b":"\\\"]"} ,[1,[2]], null ] `))
	f.Add([]byte(`{"time":"2026-11-26T10:00:00Z","eventType":"received","spamScore":1e999,"messageSize":99999999999999999999}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var raws []json.RawMessage
		if json.Unmarshal(body, &raws) == nil {
			items := splitArray(trimSpace(body))
			if len(items) != len(raws) {
				t.Fatalf("splitArray found %d elements, encoding/json %d", len(items), len(raws))
			}
			for i := range items {
				if string(items[i]) != string(raws[i]) {
					t.Fatalf("element %d: %q vs %q", i, items[i], raws[i])
				}
			}
		}
		d, err := DecodeBody(body, 1000, testNow)
		if err != nil {
			return
		}
		if len(d.Events) > d.Total {
			t.Fatalf("%d valid of %d", len(d.Events), d.Total)
		}
		for _, e := range d.Events {
			if !e.EventType.Valid() || !e.Direction.Valid() || e.Time.IsZero() {
				t.Fatalf("invalid event accepted: %+v", e)
			}
			if e.StatusCode < 0 || e.StatusCode > 999 || !utf8.ValidString(e.StatusMessage) {
				t.Fatalf("bad field accepted: %+v", e)
			}
			if len([]rune(e.BounceMessage)) > MaxTextLen {
				t.Fatal("text not truncated")
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			var back Event
			if err := json.Unmarshal(b, &back); err != nil || !back.Time.Equal(e.Time) || back.EventType != e.EventType {
				t.Fatalf("queue round trip: %v", err)
			}
		}
	})
}
