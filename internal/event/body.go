package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrNotJSON is returned when a request body is neither a JSON value nor
// newline-delimited JSON.
var ErrNotJSON = errors.New("body is not JSON")

// ErrTooMany is returned when a body holds more events than allowed.
var ErrTooMany = errors.New("too many events in one request")

// ErrEmpty is returned for a body with no event at all.
var ErrEmpty = errors.New("no events in body")

// Decoded is the outcome of decoding one request body: the valid events, and
// an error per invalid one, each with its index in the request.
type Decoded struct {
	Events []Event
	Errors []FieldError
	Total  int // events in the body, valid or not
	// RejectedByNode counts the invalid events per mtaNode they named,
	// when that field could be read; nil when every event was valid.
	RejectedByNode map[string]int
}

// DecodeBody accepts a single JSON object, a JSON array of objects, or NDJSON
// (one object per line). In NDJSON a malformed line costs only that line; in
// a JSON array a syntax error makes the whole body unreadable. maxEvents caps
// the number of events (0: no cap).
func DecodeBody(body []byte, maxEvents int, now time.Time) (Decoded, error) {
	body = trimSpace(body)
	if len(body) == 0 {
		return Decoded{}, ErrEmpty
	}
	var items [][]byte
	valid := json.Valid(body)
	switch {
	case valid && body[0] == '[':
		items = splitArray(body)
	case valid:
		items = [][]byte{body}
	case body[0] == '{' && bytes.IndexByte(body, '\n') > 0:
		items = splitLines(body)
	default:
		return Decoded{}, fmt.Errorf("%w: %s", ErrNotJSON, jsonErrorText(json.Unmarshal(body, new(any))))
	}
	if len(items) == 0 {
		return Decoded{}, ErrEmpty
	}
	if maxEvents > 0 && len(items) > maxEvents {
		return Decoded{}, fmt.Errorf("%w: %d events, at most %d allowed", ErrTooMany, len(items), maxEvents)
	}
	d := Decoded{Total: len(items), Events: make([]Event, 0, len(items))}
	for i, raw := range items {
		e, errs, node := parse(raw, now)
		if errs != nil {
			if node != "" {
				if d.RejectedByNode == nil {
					d.RejectedByNode = map[string]int{}
				}
				d.RejectedByNode[node]++
			}
			for _, fe := range errs {
				fe.Index = i
				d.Errors = append(d.Errors, fe)
			}
			continue
		}
		d.Events = append(d.Events, e)
	}
	return d, nil
}

// splitLines splits NDJSON, skipping blank lines.
func splitLines(body []byte) [][]byte {
	var out [][]byte
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		if line = trimSpace(line); len(line) > 0 {
			out = append(out, line)
		}
	}
	return out
}

// splitArray returns the elements of a JSON array already known to be valid,
// in one pass that only tracks nesting and strings.
func splitArray(body []byte) [][]byte {
	var items [][]byte
	depth, start := 0, -1
	inString, escaped := false, false
	for i, c := range body {
		switch {
		case inString:
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
			continue
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth == 1 {
				continue
			}
		case c == ']' || c == '}':
			depth--
			if depth == 0 {
				if start >= 0 {
					items = append(items, trimSpace(body[start:i]))
				}
				return items
			}
		case c == ',' && depth == 1:
			items = append(items, trimSpace(body[start:i]))
			start = -1
			continue
		}
		if start < 0 && depth >= 1 && !isSpace(c) {
			start = i
		}
	}
	return items
}
