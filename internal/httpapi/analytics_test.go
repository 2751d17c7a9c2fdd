package httpapi

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/query"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/sqlite"
)

var apiNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// testAPI serves the API over a fresh SQLite store with a few events, and
// returns its URL with a read key and an ingest-only key.
func testAPI(t *testing.T) (url, readKey, ingestKey string) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "tinomail.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys := auth.NewKeys(st)
	if readKey, err = keys.Create(t.Context(), "r", []string{auth.ScopeRead}, apiNow); err != nil {
		t.Fatal(err)
	}
	if ingestKey, err = keys.Create(t.Context(), "i", []string{auth.ScopeIngest}, apiNow); err != nil {
		t.Fatal(err)
	}
	score := 4.5
	evs := []event.Event{
		{Time: apiNow.Add(-time.Hour), EventType: event.Bounced, Direction: event.Outbound, ToAddress: "bob@x.example", ToDomain: "x.example",
			MXHost: "mx1.x.example", StatusCode: 550, StatusMessage: "550 5.1.1 <bob@x.example>: User unknown, \"really\"", BounceCategory: "invalid_recipient"},
		{Time: apiNow.Add(-50 * time.Minute), EventType: event.Received, Direction: event.Inbound, ToAddress: "me@our.example", ToDomain: "our.example",
			SPFResult: "pass", DKIMResult: "pass", DMARCResult: "pass", SpamAction: "accept", SpamScore: &score, StatusMessage: "=cmd|' /C calc'!A0"},
	}
	if _, err := st.WriteBatch(t.Context(), []store.Msg{{Stream: "s", Seq: 1, Events: evs}}); err != nil {
		t.Fatal(err)
	}
	h := New(Deps{
		Ingest:  http.NotFoundHandler(),
		Query:   &query.Service{Store: st, Now: func() time.Time { return apiNow }},
		Keys:    keys,
		Metrics: http.NotFoundHandler(),
		Log:     slog.New(slog.DiscardHandler),
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, readKey, ingestKey
}

func get(t *testing.T, url, key string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestAnalyticsEndpoints(t *testing.T) {
	base, read, ingest := testAPI(t)
	const (
		export  = "/api/v1/email/events/export"
		inbound = "/api/v1/email/inbound"
		bounces = "/api/v1/email/bounce-analysis"
	)
	badParam := func(msg string) func(*testing.T, *http.Response, string) {
		return func(t *testing.T, _ *http.Response, body string) {
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code != "invalid_parameter" || e.Error.Message != msg {
				t.Errorf("error %+v, want invalid_parameter %q (body %s)", e.Error, msg, body)
			}
		}
	}
	cases := []struct {
		name   string
		path   string
		key    string
		status int
		check  func(t *testing.T, resp *http.Response, body string)
	}{
		{"export without key", export + "?format=csv", "", 401, nil},
		{"export with ingest key", export + "?format=csv", ingest, 403, nil},
		{"export without format", export, read, 400, badParam(`invalid "format": must be csv or ndjson, not ""`)},
		{"export bad format", export + "?format=xlsx", read, 400, badParam(`invalid "format": must be csv or ndjson, not "xlsx"`)},
		{"export twice format", export + "?format=csv&format=ndjson", read, 400, badParam(`invalid "format": given 2 times; give it at most once`)},
		{"export limit 0", export + "?format=csv&limit=0", read, 400, badParam(`invalid "limit": must be an integer from 1 to 1000000, not "0"`)},
		{"export limit too big", export + "?format=csv&limit=1000001", read, 400, badParam(`invalid "limit": must be an integer from 1 to 1000000, not "1000001"`)},
		{"export bad range", export + "?format=csv&range=2d", read, 400, badParam(`invalid "range": must be one of 1h, 6h, 24h, 7d, 30d`)},
		{"export bad type", export + "?format=csv&eventType=opened", read, 400,
			badParam(`invalid "eventType": unknown event type "opened"; must be a comma-separated list of sent, delivered, deferred, bounced, rejected, received`)},
		{"export too long filter", export + "?format=csv&q=" + strings.Repeat("x", 501), read, 400, badParam(`invalid "q": may be at most 500 characters long`)},
		{"export csv", export + "?format=csv", read, 200, func(t *testing.T, resp *http.Response, body string) {
			if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("content type %q", ct)
			}
			if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename=tinomail-events-20261125T120000Z-20261126T120000Z.csv` {
				t.Errorf("content disposition %q", cd)
			}
			if resp.Trailer.Get("X-Export-Rows") != "2" || resp.Trailer.Get("X-Export-Truncated") != "false" {
				t.Errorf("trailers %v", resp.Trailer)
			}
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil || len(recs) != 3 {
				t.Fatalf("%d records, %v:\n%s", len(recs), err, body)
			}
			if recs[1][16] != "'=cmd|' /C calc'!A0" || recs[2][16] != `550 5.1.1 <bob@x.example>: User unknown, "really"` {
				t.Errorf("status messages %q, %q", recs[1][16], recs[2][16])
			}
		}},
		{"export ndjson limited", export + "?format=ndjson&limit=1&eventType=", read, 200, func(t *testing.T, resp *http.Response, body string) {
			if resp.Header.Get("Content-Type") != "application/x-ndjson" || strings.Count(body, "\n") != 1 || !strings.Contains(body, `"eventType":"received"`) {
				t.Errorf("%s: %q", resp.Header.Get("Content-Type"), body)
			}
			if resp.Trailer.Get("X-Export-Truncated") != "true" {
				t.Errorf("trailers %v", resp.Trailer)
			}
		}},
		{"inbound", inbound + "?range=6h", read, 200, func(t *testing.T, _ *http.Response, body string) {
			var r query.InboundResult
			if err := json.Unmarshal([]byte(body), &r); err != nil || r.Total != 1 || r.Counters["received"] != 1 || r.SPF.PassRate == nil || *r.SPF.PassRate != 100 {
				t.Errorf("%v: %s", err, body)
			}
		}},
		{"inbound without key", inbound, "", 401, nil},
		{"inbound bad step", inbound + "?range=30d&step=5m", read, 400,
			badParam(`invalid "step": 5m over this range gives 8640 buckets, more than 2000; choose a coarser step or a shorter range`)},
		{"inbound bad from", inbound + "?from=yesterday", read, 400, badParam(`invalid "from": must be an RFC 3339 time such as 2024-05-01T00:00:00Z, not "yesterday"`)},
		{"bounces", bounces + "?range=24h&limit=5", read, 200, func(t *testing.T, _ *http.Response, body string) {
			var r query.BounceResult
			if err := json.Unmarshal([]byte(body), &r); err != nil || len(r.TopResponses) != 1 ||
				r.TopResponses[0].Response != `550 5.1.1 <email>: User unknown, "really"` || r.ByMX[0].Name != "mx1.x.example" {
				t.Errorf("%v: %s", err, body)
			}
		}},
		{"bounces limit", bounces + "?limit=101", read, 400, badParam(`invalid "limit": must be an integer from 1 to 100, not "101"`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := get(t, base+c.path, c.key)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			if c.status >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("error with content type %q", resp.Header.Get("Content-Type"))
			}
			if c.status >= 400 && resp.Header.Get("Content-Disposition") != "" {
				t.Errorf("an error answer offered a download")
			}
			if c.check != nil {
				c.check(t, resp, body)
			}
		})
	}
}

// failingSearch fails every SearchEvents call after the first ok ones.
type failingSearch struct {
	store.Reader
	ok int
}

func (f *failingSearch) SearchEvents(ctx context.Context, fl store.EventFilter, after *store.Cursor, limit int) ([]store.StoredEvent, error) {
	if f.ok == 0 {
		return nil, errors.New("disk on fire")
	}
	f.ok--
	return f.Reader.SearchEvents(ctx, fl, after, limit)
}

// TestExportFailures: a store error before the first byte is an ordinary
// 500; after it, the connection is cut so the download cannot pass for
// complete.
func TestExportFailures(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "tinomail.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys := auth.NewKeys(st)
	key, err := keys.Create(t.Context(), "r", []string{auth.ScopeRead}, apiNow)
	if err != nil {
		t.Fatal(err)
	}
	evs := make([]event.Event, store.MaxSearchLimit+5)
	for i := range evs {
		evs[i] = event.Event{Time: apiNow.Add(-time.Duration(i+1) * time.Second), EventType: event.Delivered, Direction: event.Outbound}
	}
	if _, err := st.WriteBatch(t.Context(), []store.Msg{{Stream: "s", Seq: 1, Events: evs}}); err != nil {
		t.Fatal(err)
	}
	fs := &failingSearch{Reader: st}
	srv := httptest.NewServer(New(Deps{Ingest: http.NotFoundHandler(), Metrics: http.NotFoundHandler(), Keys: keys,
		Query: &query.Service{Store: fs, Now: func() time.Time { return apiNow }}, Log: slog.New(slog.DiscardHandler)}))
	defer srv.Close()

	resp, body := get(t, srv.URL+"/api/v1/email/events/export?format=csv", key)
	if resp.StatusCode != 500 || resp.Header.Get("Content-Disposition") != "" || !strings.Contains(body, `"code":"internal"`) {
		t.Errorf("failure before the first byte: %d %v %s", resp.StatusCode, resp.Header, body)
	}

	fs.ok = 1
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/api/v1/email/events/export?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || err == nil {
		t.Errorf("failure in mid-stream: status %d, read %d bytes, err %v; want 200 and a broken body", resp.StatusCode, len(b), err)
	}
	if n := strings.Count(string(b), "\n"); n != store.MaxSearchLimit+1 {
		t.Errorf("got %d lines before the cut, want the header and one page", n)
	}
}
