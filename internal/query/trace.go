package query

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
)

// ErrNotFound is returned when the requested thing does not exist, such as
// a trace of an id no event carries. The HTTP layer answers it with 404.
var ErrNotFound = errors.New("not found")

// MaxTraceEvents is the most events a trace returns.
const MaxTraceEvents = store.MaxSearchLimit

// TraceResult is the answer of GET /api/v1/email/trace/{id}.
type TraceResult struct {
	ID      string              `json:"id"`
	Events  []store.StoredEvent `json:"events"` // oldest first
	Summary TraceSummary        `json:"summary"`
	// Truncated is true when the trace reached MaxTraceEvents events: there
	// may be more, and the summary covers only the oldest ones.
	Truncated bool `json:"truncated"`
}

// TraceSummary sums up a message's journey.
type TraceSummary struct {
	FirstSeen   time.Time  `json:"firstSeen"`
	LastSeen    time.Time  `json:"lastSeen"`
	FinalStatus event.Type `json:"finalStatus"` // type of the last event
	Attempts    int        `json:"attempts"`    // deferred events
	TotalTimeMs int64      `json:"totalTimeMs"` // last time - first time
}

// Trace answers GET /api/v1/email/trace/{id}: every event whose message id
// or queue id is id, oldest first, and a summary. It returns ErrNotFound
// when there is none.
func (s *Service) Trace(ctx context.Context, id string) (*TraceResult, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil, paramErr("id", "must be a message id or queue id")
	}
	if utf8.RuneCountInString(id) > event.MaxTextLen {
		return nil, paramErr("id", "may be at most %d characters long", event.MaxTextLen)
	}
	if !utf8.ValidString(id) || strings.ContainsRune(id, 0) {
		return nil, paramErr("id", "must be UTF-8 text without NUL characters")
	}
	events, err := s.Store.TraceEvents(ctx, id, MaxTraceEvents)
	if err != nil {
		return nil, fmt.Errorf("query: trace: %w", err)
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("query: trace %q: %w", id, ErrNotFound)
	}
	first, last := events[0], events[len(events)-1]
	res := &TraceResult{
		ID:     id,
		Events: events,
		Summary: TraceSummary{
			FirstSeen:   first.Time,
			LastSeen:    last.Time,
			FinalStatus: last.EventType,
			TotalTimeMs: last.Time.UnixMilli() - first.Time.UnixMilli(),
		},
		Truncated: len(events) == MaxTraceEvents,
	}
	for _, e := range events {
		if e.EventType == event.Deferred {
			res.Summary.Attempts++
		}
	}
	return res, nil
}
