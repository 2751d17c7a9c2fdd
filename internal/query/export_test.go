package query

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/sqlite"
	"github.com/tinomail/tinomail/internal/store/storetest/gen"
)

func export(t *testing.T, f *fixture, q string) (string, ExportStats) {
	t.Helper()
	exp, err := f.svc.NewExport(query(t, q))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	st, err := exp.WriteTo(t.Context(), &b, func() error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), st
}

func TestExportCSVEscaping(t *testing.T) {
	f := newFixture(t)
	nasty := []string{
		`say "hi", then leave`,
		"line one\nline two\r\nline three",
		"=HYPERLINK(\"http://evil.example\",\"click\")",
		"+1+2", "-2+3", "@SUM(A1:A2)", "\t=1+1", "plain, with comma",
	}
	for i, s := range nasty {
		f.write(ev(at(t, "12:00:00").Add(time.Duration(i)*time.Second), event.Bounced, "x.example", func(e *event.Event) {
			e.StatusMessage, e.MessageID = s, "<"+s+">"
			score := -1.5
			e.SpamScore = &score
		}))
	}
	out, st := export(t, f, "format=csv&range=24h")
	if st.Rows != int64(len(nasty)) || st.Truncated {
		t.Fatalf("stats %+v", st)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("the export is not valid CSV: %v\n%s", err, out)
	}
	if len(recs) != len(nasty)+1 || strings.Join(recs[0], ",") != strings.Join(csvColumns, ",") {
		t.Fatalf("%d records, header %v", len(recs), recs[0])
	}
	col := func(name string) int {
		for i, c := range csvColumns {
			if c == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	msg, score := col("statusMessage"), col("spamScore")
	for i, rec := range recs[1:] {
		want := nasty[len(nasty)-1-i] // newest first
		switch want[0] {
		case '=', '+', '-', '@', '\t':
			want = "'" + want
		}
		// A CSV reader gives a quoted CRLF back as LF; the raw text keeps it.
		if rec[msg] != strings.ReplaceAll(want, "\r\n", "\n") {
			t.Errorf("row %d statusMessage %q, want %q", i, rec[msg], want)
		}
		if rec[score] != "-1.5" {
			t.Errorf("row %d: a negative number must stay a number, got %q", i, rec[score])
		}
	}
	if !strings.Contains(out, "\"line one\nline two\r\nline three\"") {
		t.Errorf("newlines not kept inside a quoted field:\n%s", out)
	}
	if !strings.Contains(out, `"say ""hi"", then leave"`) {
		t.Errorf("quotes not doubled inside a quoted field:\n%s", out)
	}
}

func TestExportNDJSON(t *testing.T) {
	f := searchFixture(t)
	out, st := export(t, f, "format=ndjson&eventType=bounced,deferred")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if st.Rows != 2 || len(lines) != 2 {
		t.Fatalf("%d rows, %d lines:\n%s", st.Rows, len(lines), out)
	}
	var got []string
	for _, l := range lines {
		var e store.StoredEvent
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got = append(got, string(e.EventType)+" "+e.MessageID)
	}
	if strings.Join(got, ";") != "bounced <m2@x>;deferred <m2@x>" {
		t.Errorf("got %v", got)
	}
	if !strings.Contains(out, `"messageId":"<m2@x>"`) {
		t.Errorf("HTML characters escaped: %s", lines[0])
	}
}

// TestExportPagesAndLimit: an export longer than a store page is complete,
// in order, without repeats; limit cuts it and says so.
func TestExportPagesAndLimit(t *testing.T) {
	f := newFixture(t)
	const n = 2*exportPage + 17
	evs := gen.Events(3, n, testNow.Add(-20*time.Hour), 19*time.Hour)
	if _, err := f.db.WriteBatch(t.Context(), gen.Msgs("s", 1, evs, 500)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query     string
		rows      int
		truncated bool
	}{
		{"format=csv", n, false},
		{"format=ndjson&limit=" + strconv.Itoa(n), n, false},
		{"format=ndjson&limit=" + strconv.Itoa(exportPage), exportPage, true},
		{"format=csv&limit=1500", 1500, true},
	} {
		out, st := export(t, f, c.query)
		if st.Rows != int64(c.rows) || st.Truncated != c.truncated {
			t.Errorf("%s: %+v, want %d rows, truncated %v", c.query, st, c.rows, c.truncated)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if strings.HasPrefix(c.query, "format=csv") {
			lines = lines[1:]
		}
		if len(lines) != c.rows {
			t.Errorf("%s: %d lines", c.query, len(lines))
		}
	}
	out, _ := export(t, f, "format=ndjson")
	seen := map[int64]bool{}
	var prev *store.StoredEvent
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var e store.StoredEvent
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if seen[e.ID] {
			t.Fatalf("event %d twice", e.ID)
		}
		seen[e.ID] = true
		if prev != nil && (e.Time.After(prev.Time) || e.Time.Equal(prev.Time) && e.ID > prev.ID) {
			t.Fatalf("out of order: %d after %d", e.ID, prev.ID)
		}
		prev = &e
	}
}

// TestExportMillionRows exports a million events as CSV with the heap
// sampled after every page: it must stay flat however long the export. The raw rows are put in with
// one SQL statement (the export reads raw rows only): through WriteBatch and
// its rollups a million events would take a minute of the test's time.
func TestExportMillionRows(t *testing.T) {
	const n = 1_000_000
	path := filepath.Join(t.TempDir(), "tinomail.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	began := time.Now()
	start := testNow.Add(-23 * time.Hour).UnixMilli()
	if _, err := raw.ExecContext(t.Context(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO email_events (time, event_type, direction, message_id, queue_id, from_address, from_domain,
			to_address, to_domain, mta_node, sending_ip, mx_host, status_code, status_message, delivery_time_ms, message_size)
		SELECT ? + i * 60, CASE i % 10 WHEN 0 THEN 'bounced' WHEN 1 THEN 'deferred' ELSE 'delivered' END, 'outbound',
			'<' || i || '@shop.example>', 'q' || i, 'news@shop.example', 'shop.example',
			'user' || (i % 5000) || '@gmail.com', 'gmail.com', 'mta-' || (i % 4), '192.0.2.' || (i % 200), 'gmail-smtp-in.l.google.com',
			250, '250 2.0.0 OK, "quoted", =formula ' || i, i % 30000, 1000 + i % 100000
		FROM n`, n, start); err != nil {
		t.Fatal(err)
	}
	t.Logf("inserted %d rows in %v", n, time.Since(began))
	began = time.Now()
	svc := &Service{Store: st, Now: func() time.Time { return testNow }}
	exp, err := svc.NewExport(query(t, "format=csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(50))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	var written countWriter
	res, err := exp.WriteTo(t.Context(), &written, func() error {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
		return nil
	})
	if err != nil || res.Rows != n || res.Truncated {
		t.Fatalf("%+v, %v; want %d rows", res, err, n)
	}
	growth := int64(peak) - int64(base)
	t.Logf("exported in %v", time.Since(began))
	t.Logf("%d rows, %d MB written, heap grew at most %.1f MB", res.Rows, written>>20, float64(growth)/(1<<20))
	if written < 200<<20 {
		t.Fatalf("only %d bytes written for a million rows", written)
	}
	if growth > 8<<20 {
		t.Errorf("heap grew by %d bytes while exporting %d bytes: the export is not streaming", growth, written)
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

func TestExportStopsOnFlushError(t *testing.T) {
	f := searchFixture(t)
	exp, err := f.svc.NewExport(query(t, "format=csv"))
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("client went away")
	if _, err := exp.WriteTo(context.Background(), &bytes.Buffer{}, func() error { return stop }); !errors.Is(err, stop) {
		t.Errorf("err %v, want %v", err, stop)
	}
}

func TestExportFilename(t *testing.T) {
	f := newFixture(t)
	exp, err := f.svc.NewExport(query(t, "format=ndjson&from=2024-05-01T00:00:00Z&to=2024-05-02T12:30:00%2B02:00"))
	if err != nil {
		t.Fatal(err)
	}
	if got := exp.Filename(); got != "tinomail-events-20240501T000000Z-20240502T103000Z.ndjson" {
		t.Errorf("filename %q", got)
	}
	if exp.ContentType() != "application/x-ndjson" {
		t.Errorf("content type %q", exp.ContentType())
	}
}
