package query

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tinomail/tinomail/internal/event"
)

func TestTraceSummary(t *testing.T) {
	f := newFixture(t)
	id := func(mid, qid string) func(*event.Event) {
		return func(e *event.Event) { e.MessageID, e.QueueID = mid, qid }
	}
	f.write(
		ev(at(t, "2024-05-10T10:00:00.250Z"), event.Received, "", inbound, id("<m@x>", "")),
		ev(at(t, "10:00:01"), event.Deferred, "b.example", id("", "Q7")),
		ev(at(t, "10:05:01"), event.Deferred, "b.example", id("", "Q7")),
		ev(at(t, "10:20:00"), event.Delivered, "b.example", id("<m@x>", "Q7")),
		ev(at(t, "10:30:00"), event.Delivered, "c.example", id("<other@x>", "Q8")),
	)
	cases := []struct {
		id          string
		types       string
		final       event.Type
		attempts    int
		totalTimeMs int64
	}{
		{"<m@x>", "received,delivered", event.Delivered, 0, 20*60_000 - 250},
		{"Q7", "deferred,deferred,delivered", event.Delivered, 2, 19*60_000 + 59_000},
		{"Q8", "delivered", event.Delivered, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			res, err := f.svc.Trace(t.Context(), c.id)
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			for _, e := range res.Events {
				types = append(types, string(e.EventType))
			}
			s := res.Summary
			if strings.Join(types, ",") != c.types || s.FinalStatus != c.final || s.Attempts != c.attempts ||
				s.TotalTimeMs != c.totalTimeMs || res.ID != c.id || res.Truncated {
				t.Fatalf("got %v %+v, want %s final %s attempts %d total %d", types, s, c.types, c.final, c.attempts, c.totalTimeMs)
			}
			if !s.FirstSeen.Equal(res.Events[0].Time) || !s.LastSeen.Equal(res.Events[len(res.Events)-1].Time) {
				t.Errorf("firstSeen %v lastSeen %v do not match the events", s.FirstSeen, s.LastSeen)
			}
		})
	}
	res, err := f.svc.Trace(t.Context(), "Q7")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	for _, key := range []string{`"id":"Q7"`, `"events":[{"id":2,`, `"firstSeen":"2024-05-10T10:00:01Z"`,
		`"finalStatus":"delivered"`, `"attempts":2`, `"totalTimeMs":1199000`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
}

func TestTraceErrors(t *testing.T) {
	f := newFixture(t)
	f.write(ev(at(t, "10:00:00"), event.Delivered, "b.example"))
	for _, id := range []string{"", "  ", strings.Repeat("é", 501)} {
		_, err := f.svc.Trace(t.Context(), id)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != "id" {
			t.Errorf("Trace(%.10q): err = %v, want a ParamError for id", id, err)
		}
	}
	if _, err := f.svc.Trace(t.Context(), strings.Repeat("é", 500)); !errors.Is(err, ErrNotFound) {
		t.Errorf("500-character id: err = %v, want ErrNotFound", err)
	}
	if _, err := f.svc.Trace(t.Context(), "<nobody@x>"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: err = %v, want ErrNotFound", err)
	}

}
