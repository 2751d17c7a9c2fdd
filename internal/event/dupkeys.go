package event

import (
	"bytes"
	"encoding/json"
)

// duplicateKey returns a member name that occurs twice in a JSON object known
// to be valid, or "". encoding/json keeps the last of duplicates, matching
// names to fields regardless of case, so {"eventType":"delivered",
// "EventType":"bounced"} would silently be a bounce: such an event is
// ambiguous and refused. Names are compared as encoding/json matches them.
func duplicateKey(obj []byte) string {
	var buf [40][]byte // no allocation for events of up to 40 members
	seen := buf[:0]
	depth, expectKey := 0, false
	for i := 0; i < len(obj); i++ {
		switch c := obj[i]; c {
		case '"':
			j, escaped := i+1, false
			for ; j < len(obj) && obj[j] != '"'; j++ {
				if obj[j] == '\\' {
					j++
					escaped = true
				}
			}
			if depth == 1 && expectKey {
				key := obj[i+1 : j]
				if escaped {
					var s string
					if json.Unmarshal(obj[i:j+1], &s) == nil {
						key = []byte(s)
					}
				}
				for _, k := range seen {
					if len(k) == len(key) && bytes.EqualFold(k, key) {
						return string(key)
					}
				}
				seen = append(seen, key)
				expectKey = false
			}
			i = j
		case '{', '[':
			depth++
			expectKey = depth == 1 && c == '{'
		case '}', ']':
			depth--
		case ',':
			expectKey = depth == 1
		}
	}
	return ""
}
