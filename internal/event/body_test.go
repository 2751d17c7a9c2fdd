package event

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeBodyShapes(t *testing.T) {
	one := `{"time":"2026-11-26T10:00:00Z","eventType":"delivered"}`
	bad := `{"time":"2026-11-26T10:00:00Z","eventType":"nope"}`
	cases := []struct {
		name         string
		body         string
		valid, total int
		errIdx       []int
		wantErr      error
	}{
		{"single object", one, 1, 1, nil, nil},
		{"array", "[" + one + "," + one + "]", 2, 2, nil, nil},
		{"array with invalid", "[" + one + "," + bad + "," + one + "]", 2, 3, []int{1}, nil},
		{"array with null element", "[" + one + ",null]", 1, 2, []int{1}, nil},
		{"ndjson", one + "\n" + one + "\n\n" + one + "\n", 3, 3, nil, nil},
		{"ndjson with broken line", one + "\n{\"time\":\n" + one, 2, 3, []int{1}, nil},
		{"ndjson crlf", one + "\r\n" + one + "\r\n", 2, 2, nil, nil},
		{"empty", "  ", 0, 0, nil, ErrEmpty},
		{"empty array", "[]", 0, 0, nil, ErrEmpty},
		{"not json", "hello", 0, 0, nil, ErrNotJSON},
		{"broken array", "[" + one + ",", 0, 0, nil, ErrNotJSON},
		{"too many", "[" + strings.Repeat(one+",", 5) + one + "]", 0, 0, nil, ErrTooMany},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := DecodeBody([]byte(c.body), 5, testNow)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Events) != c.valid || d.Total != c.total {
				t.Fatalf("valid %d total %d, want %d %d", len(d.Events), d.Total, c.valid, c.total)
			}
			var idx []int
			for _, fe := range d.Errors {
				idx = append(idx, fe.Index)
			}
			if len(idx) != len(c.errIdx) || (len(idx) > 0 && idx[0] != c.errIdx[0]) {
				t.Fatalf("error indexes %v, want %v", idx, c.errIdx)
			}
		})
	}
}
