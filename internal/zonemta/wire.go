package zonemta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The shapes of ZoneMTA's answers. Decoding is strict about what the poller
// uses (a missing or mistyped field is an error that names it) and ignores
// everything else, which ZoneMTA is free to add.

// Zone is an entry of GET /zones.
type Zone struct {
	Name string `json:"name"`
}

// Counter is the answer of GET /counter/zone/<zone>.
type Counter struct {
	Active   int64 // deliveries due now
	Deferred int64 // deliveries waiting for a later attempt
}

// Entry is a delivery (one recipient of one message) of GET /queued/….
type Entry struct {
	ID        string // queue id of the message
	Seq       string // recipient sequence within the message, when given
	Zone      string
	Recipient string
	Created   time.Time // when the message was queued
	Queued    time.Time // next attempt from then on
	Deferred  *Deferral // nil when never deferred
}

// Deferral is ZoneMTA's record of the failed attempts of a delivery.
type Deferral struct {
	First, Last, Next time.Time // first and last failed attempt, next one
	Count             int64     // failed attempts
	Response          string    // the last SMTP reply or error
}

// Recipient is the state of one delivery in GET /message/<id>.
type Recipient struct {
	ID, Seq, Zone string
	Recipient     string
	Status        string    // QUEUED or DEFERRED
	Deferred      *Deferral // nil unless deferred
}

// parseJSTime reads a time as ZoneMTA writes it: a JavaScript Date
// serialised to an ISO 8601 string, or milliseconds since the epoch
// (Date.now()).
func parseJSTime(b json.RawMessage) (time.Time, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return time.Time{}, err
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("time %q is not ISO 8601 (2026-11-26T10:00:00.000Z)", s)
		}
		return v.UTC(), nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return time.Time{}, fmt.Errorf("time %s is neither an ISO 8601 string nor milliseconds", clip(b))
	}
	if ms < 0 || ms > 1e15 {
		return time.Time{}, fmt.Errorf("time %s is out of range", clip(b))
	}
	return time.UnixMilli(int64(ms)).UTC(), nil
}

// present reports whether an optional field was sent with a value.
func present(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && string(b) != "null"
}

// deferralWire is Deferral as sent.
type deferralWire struct {
	First    json.RawMessage `json:"first"`
	Last     json.RawMessage `json:"last"`
	Next     json.RawMessage `json:"next"`
	Count    *int64          `json:"count"`
	Response string          `json:"response"`
}

// parseDeferral reads ZoneMTA's _deferred record, which may be absent:
// missing, null or false.
func parseDeferral(b json.RawMessage) (*Deferral, error) {
	b = bytes.TrimSpace(b)
	if !present(b) || string(b) == "false" {
		return nil, nil
	}
	if b[0] != '{' {
		return nil, fmt.Errorf("want an object, null or false, not %s", clip(b))
	}
	var w deferralWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, describeJSONError(err)
	}
	if w.Count == nil || !present(w.Last) {
		return nil, errors.New("want the fields count and last")
	}
	d := &Deferral{Count: *w.Count, Response: w.Response}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *time.Time
	}{{"first", w.First, &d.First}, {"last", w.Last, &d.Last}, {"next", w.Next, &d.Next}} {
		if !present(f.raw) {
			continue
		}
		t, err := parseJSTime(f.raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		*f.dst = t
	}
	return d, nil
}

type counterWire struct {
	Active   *rowsWire `json:"active"`
	Deferred *rowsWire `json:"deferred"`
}

type rowsWire struct {
	Rows *int64 `json:"rows"`
}

// Lists are decoded element by element, so that an error can say which
// element is at fault.
type queuedWire struct {
	List *[]json.RawMessage `json:"list"`
}

type entryWire struct {
	ID        *string         `json:"id"`
	Seq       string          `json:"seq"`
	Zone      string          `json:"zone"`
	Recipient *string         `json:"recipient"`
	Created   json.RawMessage `json:"created"`
	Queued    json.RawMessage `json:"queued"`
	Deferred  json.RawMessage `json:"deferred"`
}

type messageWire struct {
	Messages *[]json.RawMessage `json:"messages"`
}

type recipientWire struct {
	ID        string          `json:"id"`
	Seq       string          `json:"seq"`
	Zone      string          `json:"zone"`
	Recipient *string         `json:"recipient"`
	Status    string          `json:"status"`
	Deferred  json.RawMessage `json:"deferred"`
}

// clip shortens raw JSON for an error message.
func clip(b []byte) string {
	const max = 60
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
