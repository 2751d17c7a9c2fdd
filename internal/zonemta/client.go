package zonemta

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of a Client.
const (
	DefaultTimeout = 5 * time.Second
	DefaultMaxBody = 8 << 20 // a 1000-entry queue listing is about 250 KB
)

// ErrNotFound is returned when ZoneMTA answers 404, as for a message that
// left the queue between listing and lookup.
var ErrNotFound = errors.New("not found")

// Client reads one ZoneMTA node's HTTP API. ZoneMTA's API has no
// authentication; the URL may carry basic-auth credentials for a proxy.
type Client struct {
	base    *url.URL
	http    *http.Client
	timeout time.Duration // per request
	maxBody int64
}

// NewClient returns a client of the API at apiURL. A zero timeout or maxBody
// takes the default; hc nil means http.DefaultClient.
func NewClient(apiURL string, hc *http.Client, timeout time.Duration, maxBody int64) (*Client, error) {
	if err := checkAPIURL(apiURL); err != nil {
		return nil, err
	}
	u, _ := url.Parse(strings.TrimRight(apiURL, "/"))
	if hc == nil {
		hc = http.DefaultClient
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	return &Client{base: u, http: hc, timeout: timeout, maxBody: maxBody}, nil
}

// Zones returns the enabled sending zones (GET /zones).
func (c *Client) Zones(ctx context.Context) ([]Zone, error) {
	const path = "/zones"
	var zones []*struct {
		Name *string `json:"name"`
	}
	if err := c.getJSON(ctx, path, &zones); err != nil {
		return nil, err
	}
	out := make([]Zone, len(zones))
	for i, z := range zones {
		if z == nil || z.Name == nil || *z.Name == "" {
			return nil, malformed(path, fmt.Errorf("zone %d has no name", i))
		}
		out[i] = Zone{Name: *z.Name}
	}
	return out, nil
}

// Counter returns the active and deferred deliveries of a zone
// (GET /counter/zone/<zone>).
func (c *Client) Counter(ctx context.Context, zone string) (Counter, error) {
	path := "/counter/zone/" + url.PathEscape(zone)
	var w counterWire
	if err := c.getJSON(ctx, path, &w); err != nil {
		return Counter{}, err
	}
	switch {
	case w.Active == nil || w.Active.Rows == nil:
		return Counter{}, malformed(path, errors.New("no active.rows"))
	case w.Deferred == nil || w.Deferred.Rows == nil:
		return Counter{}, malformed(path, errors.New("no deferred.rows"))
	case *w.Active.Rows < 0 || *w.Deferred.Rows < 0:
		return Counter{}, malformed(path, errors.New("negative count"))
	}
	return Counter{Active: *w.Active.Rows, Deferred: *w.Deferred.Rows}, nil
}

// Queue types of Queued.
const (
	TypeQueued   = "queued"   // due now: the active queue
	TypeDeferred = "deferred" // waiting for a later attempt
)

// Queued returns up to pageSize deliveries of a zone of type TypeQueued or
// TypeDeferred, oldest first
// (GET /queued/<type>/<zone>?sort=created&order=asc&pageSize=N).
func (c *Client) Queued(ctx context.Context, typ, zone string, pageSize int) ([]Entry, error) {
	if typ != TypeQueued && typ != TypeDeferred {
		return nil, fmt.Errorf("zonemta: queue type %q: want queued or deferred", typ)
	}
	q := url.Values{"sort": {"created"}, "order": {"asc"}, "pageSize": {strconv.Itoa(pageSize)}}
	path := "/queued/" + typ + "/" + url.PathEscape(zone) + "?" + q.Encode()
	var w queuedWire
	if err := c.getJSON(ctx, path, &w); err != nil {
		return nil, err
	}
	if w.List == nil {
		return nil, malformed(path, errors.New("no list"))
	}
	out := make([]Entry, len(*w.List))
	for i, raw := range *w.List {
		e, err := decodeEntry(raw, zone)
		if err != nil {
			return nil, malformed(path, fmt.Errorf("list[%d]%w", i, err))
		}
		out[i] = e
	}
	return out, nil
}

// Message returns the deliveries of a queued message (GET /message/<id>),
// or ErrNotFound once it has left the queue.
func (c *Client) Message(ctx context.Context, id string) ([]Recipient, error) {
	path := "/message/" + url.PathEscape(id)
	var w messageWire
	if err := c.getJSON(ctx, path, &w); err != nil {
		return nil, err
	}
	if w.Messages == nil {
		return nil, malformed(path, errors.New("no messages"))
	}
	out := make([]Recipient, len(*w.Messages))
	for i, raw := range *w.Messages {
		var r recipientWire
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, malformed(path, fmt.Errorf("messages[%d]: %w", i, describeJSONError(err)))
		}
		if r.Recipient == nil {
			return nil, malformed(path, fmt.Errorf("messages[%d] has no recipient", i))
		}
		d, err := parseDeferral(r.Deferred)
		if err != nil {
			return nil, malformed(path, fmt.Errorf("messages[%d].deferred: %w", i, err))
		}
		out[i] = Recipient{ID: r.ID, Seq: r.Seq, Zone: r.Zone, Recipient: *r.Recipient, Status: r.Status, Deferred: d}
	}
	return out, nil
}

// decodeEntry reads one element of a /queued list. Its errors start where
// "list[i]" leaves off: ".created: …" or " (id) has no …".
func decodeEntry(raw json.RawMessage, zone string) (Entry, error) {
	var w entryWire
	if err := json.Unmarshal(raw, &w); err != nil {
		return Entry{}, fmt.Errorf(": %w", describeJSONError(err))
	}
	switch {
	case w.ID == nil || *w.ID == "":
		return Entry{}, errors.New(" has no id")
	case w.Recipient == nil:
		return Entry{}, fmt.Errorf(" (%s) has no recipient", *w.ID)
	case !present(w.Created):
		return Entry{}, fmt.Errorf(" (%s) has no created time", *w.ID)
	}
	e := Entry{ID: *w.ID, Seq: w.Seq, Zone: w.Zone, Recipient: *w.Recipient}
	if e.Zone == "" {
		e.Zone = zone
	}
	var err error
	if e.Created, err = parseJSTime(w.Created); err != nil {
		return Entry{}, fmt.Errorf(".created: %w", err)
	}
	if present(w.Queued) {
		if e.Queued, err = parseJSTime(w.Queued); err != nil {
			return Entry{}, fmt.Errorf(".queued: %w", err)
		}
	}
	if e.Deferred, err = parseDeferral(w.Deferred); err != nil {
		return Entry{}, fmt.Errorf(".deferred: %w", err)
	}
	return e, nil
}

// QueueSize reads the gauge zonemta_queue_size{type="queued"|"deferred"} of
// GET /metrics, which counts the whole queue, disabled zones included.
func (c *Client) QueueSize(ctx context.Context) (Counter, error) {
	const path = "/metrics"
	body, err := c.get(ctx, path)
	if err != nil {
		return Counter{}, err
	}
	var got Counter
	var seen [2]bool
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "zonemta_queue_size{")
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "}")
		fields := strings.Fields(value)
		if !ok || len(fields) == 0 {
			return Counter{}, malformed(path, fmt.Errorf("line %q", line))
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil || v < 0 || v != float64(int64(v)) {
			return Counter{}, malformed(path, fmt.Errorf("zonemta_queue_size value %q is not a count", fields[0]))
		}
		switch {
		case strings.Contains(labels, `type="queued"`):
			got.Active, seen[0] = int64(v), true
		case strings.Contains(labels, `type="deferred"`):
			got.Deferred, seen[1] = int64(v), true
		}
	}
	if err := sc.Err(); err != nil {
		return Counter{}, malformed(path, err)
	}
	if !seen[0] || !seen[1] {
		return Counter{}, malformed(path, errors.New(`no zonemta_queue_size{type="queued"} and {type="deferred"}`))
	}
	return got, nil
}

// getJSON fetches path and decodes its JSON answer into v. Trailing data
// after the value is an error: a truncated or concatenated answer is not
// one we understand.
func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	body, err := c.get(ctx, path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return malformed(path, describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed(path, errors.New("data after the JSON value"))
	}
	return nil
}

// get fetches path within the client's timeout and returns the body of a
// 200 answer, at most maxBody bytes of it.
func (c *Client) get(ctx context.Context, path string) ([]byte, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := c.base.String() + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		switch {
		case parent.Err() != nil:
			return nil, fmt.Errorf("GET %s: %w", path, context.Cause(parent))
		case ctx.Err() != nil:
			return nil, fmt.Errorf("GET %s: no answer within %s", path, c.timeout)
		}
		return nil, fmt.Errorf("GET %s: %w", path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		switch {
		case parent.Err() != nil:
			return nil, fmt.Errorf("GET %s: read answer: %w", path, context.Cause(parent))
		case ctx.Err() != nil:
			return nil, fmt.Errorf("GET %s: answer not complete within %s", path, c.timeout)
		}
		return nil, fmt.Errorf("GET %s: read answer: %w", path, err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, fmt.Errorf("GET %s: answer larger than %d bytes", path, c.maxBody)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("GET %s: %w (404%s)", path, ErrNotFound, apiMessage(body))
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("GET %s: status %d%s", path, resp.StatusCode, apiMessage(body))
	}
	return body, nil
}

// apiMessage extracts ZoneMTA's {"error": "…"} from an error answer, or
// the start of a body that is not such JSON.
func apiMessage(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return ": " + e.Error
	}
	if s := strings.TrimSpace(string(body)); s != "" {
		return ": " + clip([]byte(s))
	}
	return ""
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the URL
// and with it any credentials in it.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func malformed(path string, err error) error {
	return fmt.Errorf("GET %s: malformed answer: %w", path, err)
}

// describeJSONError says where a decoding error is, in terms of the answer.
func describeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "the answer"
		}
		return fmt.Errorf("%s is a JSON %s, want %s", field, te.Value, jsonKind(te.Type.Kind().String()))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not JSON at byte %d: %v", se.Offset, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("empty or truncated JSON")
	}
	return err
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int64", "int":
		return "a whole number"
	case "float64":
		return "a number"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return goKind
}
