package query

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// MaxExportRows caps one export, whatever limit asks: a download is for a
// spreadsheet or a script, and a cap keeps one request from reading the
// whole store. A client that needs more narrows the range and asks again.
const MaxExportRows = 1_000_000

// exportPage is how many events the export reads per store query: the
// largest page the store serves, so the rows in memory stay few.
const exportPage = store.MaxSearchLimit

// Export is a validated export request, ready to stream. It is made before
// anything is written, so that bad parameters still get a 400.
type Export struct {
	Format string // "csv" or "ndjson"
	Limit  int
	filter store.EventFilter
	store  store.Searcher
}

// ExportStats says what an export wrote.
type ExportStats struct {
	Rows int64
	// Truncated is true when more events matched than Limit allowed.
	Truncated bool
}

// NewExport reads the parameters of /email/events/export: the filters of
// Search, format=csv|ndjson (required) and limit (rows, default and at most
// MaxExportRows).
func (s *Service) NewExport(v url.Values) (*Export, error) {
	f, err := parseEventFilter(v, s)
	if err != nil {
		return nil, err
	}
	format, err := single(v, "format")
	if err != nil {
		return nil, err
	}
	if format != "csv" && format != "ndjson" {
		return nil, paramErr("format", "must be csv or ndjson, not %q", format)
	}
	limit, err := parseLimit(v, MaxExportRows, MaxExportRows)
	if err != nil {
		return nil, err
	}
	return &Export{Format: format, Limit: limit, filter: f, store: s.Store}, nil
}

// ContentType is the media type of the export's body.
func (e *Export) ContentType() string {
	if e.Format == "csv" {
		return "text/csv; charset=utf-8"
	}
	return "application/x-ndjson"
}

// Filename names the download after its range: tinomail-events-FROM-TO.csv.
func (e *Export) Filename() string {
	const stamp = "20060102T150405Z"
	return "tinomail-events-" + e.filter.From.UTC().Format(stamp) + "-" + e.filter.To.UTC().Format(stamp) + "." + e.Format
}

// WriteTo streams the matching events to w, newest first, one store page at
// a time: however many rows, only one page and a write buffer are in
// memory. After each page it calls flushed, which the HTTP layer uses to
// push the rows out and extend its write deadline; an error from it stops
// the export.
func (e *Export) WriteTo(ctx context.Context, w io.Writer, flushed func() error) (ExportStats, error) {
	var st ExportStats
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := newEncoder(e.Format, bw)
	if err := enc.header(); err != nil {
		return st, err
	}
	var after *store.Cursor
	for st.Rows < int64(e.Limit) {
		n := min(exportPage, e.Limit-int(st.Rows))
		page, err := e.store.SearchEvents(ctx, e.filter, after, n)
		if err != nil {
			return st, fmt.Errorf("query: export after %d rows: %w", st.Rows, err)
		}
		for i := range page {
			if err := enc.event(&page[i]); err != nil {
				return st, err
			}
		}
		st.Rows += int64(len(page))
		if err := enc.flush(); err != nil {
			return st, err
		}
		if err := bw.Flush(); err != nil {
			return st, err
		}
		if err := flushed(); err != nil {
			return st, err
		}
		if len(page) < n {
			return st, nil
		}
		last := page[len(page)-1]
		after = &store.Cursor{Time: last.Time.UnixMilli(), ID: last.ID}
	}
	more, err := e.store.SearchEvents(ctx, e.filter, after, 1)
	if err != nil {
		return st, fmt.Errorf("query: export: look past the limit: %w", err)
	}
	st.Truncated = len(more) > 0
	return st, nil
}

// encoder writes events in one format.
type encoder interface {
	header() error
	event(e *store.StoredEvent) error
	flush() error
}

func newEncoder(format string, w io.Writer) encoder {
	if format == "csv" {
		return &csvEncoder{w: csv.NewWriter(w)}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // "<bob@x.com>" stays readable
	return ndjsonEncoder{enc}
}

type ndjsonEncoder struct{ enc *json.Encoder }

func (ndjsonEncoder) header() error                      { return nil }
func (n ndjsonEncoder) event(e *store.StoredEvent) error { return n.enc.Encode(e) }
func (ndjsonEncoder) flush() error                       { return nil }

// csvColumns are the CSV header: the event's JSON field names, so that both
// formats and the search API name things alike.
var csvColumns = []string{"id", "time", "eventType", "direction", "messageId", "queueId",
	"fromAddress", "fromUser", "fromDomain", "toAddress", "toDomain", "mtaNode", "sendingIp", "sendingIpV6", "mxHost",
	"statusCode", "statusMessage", "deliveryTimeMs", "queueTimeMs", "totalTimeMs",
	"bounceType", "bounceCategory", "bounceMessage", "messageSize",
	"dkimResult", "spfResult", "dmarcResult", "spamScore", "spamAction"}

type csvEncoder struct {
	w   *csv.Writer
	rec []string
}

func (c *csvEncoder) header() error { return c.w.Write(csvColumns) }

func (c *csvEncoder) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// event writes one row. Text that came from outside (addresses, replies,
// ids) goes through cell, which defuses spreadsheet formulas; numbers and
// the values the server itself chose are written as they are.
func (c *csvEncoder) event(e *store.StoredEvent) error {
	code := ""
	if e.StatusCode != 0 {
		code = strconv.Itoa(e.StatusCode)
	}
	score := ""
	if e.SpamScore != nil {
		score = strconv.FormatFloat(*e.SpamScore, 'f', -1, 64)
	}
	c.rec = append(c.rec[:0],
		strconv.FormatInt(e.ID, 10), e.Time.UTC().Format(time.RFC3339Nano), string(e.EventType), string(e.Direction),
		cell(e.MessageID), cell(e.QueueID),
		cell(e.FromAddress), cell(e.FromUser), cell(e.FromDomain), cell(e.ToAddress), cell(e.ToDomain),
		cell(e.MTANode), cell(e.SendingIP), cell(e.SendingIPv6), cell(e.MXHost),
		code, cell(e.StatusMessage), optInt(e.DeliveryTimeMs), optInt(e.QueueTimeMs), optInt(e.TotalTimeMs),
		cell(e.BounceType), cell(e.BounceCategory), cell(e.BounceMessage), optInt(e.MessageSize),
		e.DKIMResult, e.SPFResult, e.DMARCResult, score, e.SpamAction)
	return c.w.Write(c.rec)
}

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// cell defuses CSV injection (OWASP): a spreadsheet runs a cell that starts
// with = + - @ (or a tab or carriage return before one) as a formula, so
// such text gets a leading apostrophe, which spreadsheets show as text and
// do not display. The CSV writer does the quoting of commas, quotes and
// newlines.
func cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
