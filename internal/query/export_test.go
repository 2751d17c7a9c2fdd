package query

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
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

// TestExportMemoryIsBounded streams far more rows than fit in the bound and
// samples the heap after every page: it must stay flat, however long the
// export.
func TestExportMemoryIsBounded(t *testing.T) {
	f := newFixture(t)
	const n = 45_000
	evs := gen.Events(8, n, testNow.Add(-23*time.Hour), 22*time.Hour)
	for i := 0; i < n; i += 10_000 {
		if _, err := f.db.WriteBatch(t.Context(), gen.Msgs("s", uint64(i+1), evs[i:min(i+10_000, n)], 1000)); err != nil {
			t.Fatal(err)
		}
	}
	evs = nil
	exp, err := f.svc.NewExport(query(t, "format=csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Collect often, so that the heap measures what is live rather than
	// what the collector has not got round to yet.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	var written countWriter
	st, err := exp.WriteTo(t.Context(), &written, func() error {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
		return nil
	})
	if err != nil || st.Rows != n {
		t.Fatalf("%+v, %v", st, err)
	}
	growth := int64(peak) - int64(base)
	t.Logf("%d rows, %d MB written, heap grew at most %.1f MB", st.Rows, written>>20, float64(growth)/(1<<20))
	if written < 10<<20 {
		t.Fatalf("only %d bytes written: the test proves nothing", written)
	}
	// Holding the result would take more than the 10 MB written.
	if growth > 6<<20 {
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
