package query

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
)

// Search page sizes.
const (
	DefaultSearchLimit = 100
	MaxSearchLimit     = store.MaxSearchLimit
)

// SearchResult is the answer of GET /api/v1/email/events: a page of events,
// newest first, and the cursor of the next page, null on the last one.
type SearchResult struct {
	Events     []store.StoredEvent `json:"events"`
	NextCursor *string             `json:"nextCursor"`
}

// searchFields maps the exact-match parameters to the filter fields they set.
var searchFields = []struct {
	param string
	field func(*store.EventFilter) *string
}{
	{"node", func(f *store.EventFilter) *string { return &f.MTANode }},
	{"fromDomain", func(f *store.EventFilter) *string { return &f.FromDomain }},
	{"toDomain", func(f *store.EventFilter) *string { return &f.ToDomain }},
	{"sendingIp", func(f *store.EventFilter) *string { return &f.SendingIP }},
	{"messageId", func(f *store.EventFilter) *string { return &f.MessageID }},
	{"queueId", func(f *store.EventFilter) *string { return &f.QueueID }},
	{"address", func(f *store.EventFilter) *string { return &f.Address }},
	{"q", func(f *store.EventFilter) *string { return &f.Text }},
	{"bounceCategory", func(f *store.EventFilter) *string { return &f.BounceCategory }},
	{"mxHost", func(f *store.EventFilter) *string { return &f.MXHost }},
	{"fromAddress", func(f *store.EventFilter) *string { return &f.FromAddress }},
	{"toAddress", func(f *store.EventFilter) *string { return &f.ToAddress }},
}

// Search answers GET /api/v1/email/events: raw events in the requested
// time range (range or from/to, default the last 24 hours) matching every
// given filter, newest first, limit per page (default 100, at most 1000).
// The range is not widened to buckets as ParseWindow does: raw events have
// millisecond times, and a search must not return events outside the range.
func (s *Service) Search(ctx context.Context, v url.Values) (*SearchResult, error) {
	f, err := parseEventFilter(v, s)
	if err != nil {
		return nil, err
	}
	limit, err := parseLimit(v, DefaultSearchLimit, MaxSearchLimit)
	if err != nil {
		return nil, err
	}
	after, err := parseCursor(v)
	if err != nil {
		return nil, err
	}
	events, err := s.Store.SearchEvents(ctx, f, after, limit)
	if err != nil {
		return nil, fmt.Errorf("query: search events: %w", err)
	}
	res := &SearchResult{Events: events}
	if res.Events == nil {
		res.Events = []store.StoredEvent{}
	}
	// A full page may be followed by an empty one: knowing for sure would
	// cost a limit+1 read, which the store's cap forbids at the maximum.
	if len(events) == limit {
		last := events[len(events)-1]
		c := encodeCursor(store.Cursor{Time: last.Time.UnixMilli(), ID: last.ID})
		res.NextCursor = &c
	}
	return res, nil
}

func parseEventFilter(v url.Values, s *Service) (store.EventFilter, error) {
	var f store.EventFilter
	var err error
	if f.From, f.To, err = parseSpan(v, s.now()); err != nil {
		return f, err
	}
	if f.Types, err = parseEventTypes(v); err != nil {
		return f, err
	}
	if f.Direction, err = parseDirection(v); err != nil {
		return f, err
	}
	for _, p := range searchFields {
		val, err := single(v, p.param)
		if err != nil {
			return f, err
		}
		// Stored text is truncated at MaxTextLen, so a longer value could
		// never match; saying so beats an empty answer.
		if utf8.RuneCountInString(val) > event.MaxTextLen {
			return f, paramErr(p.param, "may be at most %d characters long", event.MaxTextLen)
		}
		// PostgreSQL text holds neither NUL nor invalid UTF-8: refuse them
		// here rather than fail in the database with a 500.
		if !utf8.ValidString(val) || strings.ContainsRune(val, 0) {
			return f, paramErr(p.param, "must be UTF-8 text without NUL characters")
		}
		*p.field(&f) = val
	}
	// 0 is "any": events that reported no status code are stored without one.
	if f.StatusCode, err = parseInt(v, "statusCode", 0, 100, 999); err != nil {
		return f, err
	}
	return f, nil
}

// encodeCursor makes the opaque cursor the client hands back: base64url of
// "timeMs.id".
func encodeCursor(c store.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Time, 10) + "." + strconv.FormatInt(c.ID, 10)))
}

// parseCursor reads the cursor parameter; nil when absent.
func parseCursor(v url.Values) (*store.Cursor, error) {
	s, err := single(v, "cursor")
	if err != nil || s == "" {
		return nil, err
	}
	bad := paramErr("cursor", "is not a cursor this API returned")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, bad
	}
	ms, id, ok := strings.Cut(string(raw), ".")
	if !ok {
		return nil, bad
	}
	var c store.Cursor
	if c.Time, err = strconv.ParseInt(ms, 10, 64); err != nil {
		return nil, bad
	}
	if c.ID, err = strconv.ParseInt(id, 10, 64); err != nil || c.ID < 1 {
		return nil, bad
	}
	return &c, nil
}
