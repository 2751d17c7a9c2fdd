// Package ingest receives events over HTTP: it authenticates the client,
// decodes and validates the body, and answers 202 only once the valid events
// are durably in the queue.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/classify"
	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/httperr"
	"github.com/tinomail/tinomail/internal/queue"
)

// Config holds the limits of the endpoint.
type Config struct {
	MaxBodyBytes   int64         // request body, after gzip decoding
	MaxEvents      int           // events per request
	RateLimit      float64       // events per second per key; 0: unlimited
	RateBurst      int           // events a key may send at once above the rate
	PublishTimeout time.Duration // how long to wait for the queue's acknowledgement
	// Classifier fills in bounceCategory (and bounceType when absent) of
	// failures that arrive without one; nil leaves them as sent.
	Classifier *classify.Classifier
	// Disk, when set, refuses new events while the data dir is short of
	// space (see internal/diskguard).
	Disk interface{ Check() error }
	// Rejections, when set, counts the events validation refused per API
	// key and node, for /api/v1/sources (see internal/source).
	Rejections interface {
		Rejected(keyID int64, byNode map[string]int, total int)
	}
}

// Defaults of Config.
const (
	DefaultMaxBodyBytes = 10 << 20
	DefaultMaxEvents    = 10000
	DefaultRateLimit    = 100000
)

// Publisher is the queue, as ingest sees it. The key id travels with the
// events so the writer can count them per key.
type Publisher interface {
	PublishFrom(ctx context.Context, keyID int64, events []event.Event) error
}

// Result is the body of a 202 answer (and of a 400 when no event was valid).
type Result struct {
	Queued   int                `json:"queued"`
	Rejected int                `json:"rejected"`
	Errors   []event.FieldError `json:"errors"`
}

// maxErrors caps the error list of one answer; the counts stay exact.
const maxErrors = 1000

// Handler is the ingest endpoint.
type Handler struct {
	cfg    Config
	keys   *auth.Keys
	pub    Publisher
	limits *limiters
	log    *slog.Logger
	m      *metrics
}

// New returns the ingest endpoint.
func New(cfg Config, keys *auth.Keys, pub Publisher, log *slog.Logger, reg prometheus.Registerer) *Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = DefaultMaxEvents
	}
	if cfg.PublishTimeout <= 0 {
		cfg.PublishTimeout = 10 * time.Second
	}
	return &Handler{cfg: cfg, keys: keys, pub: pub, log: log, m: newMetrics(reg),
		limits: newLimiters(cfg.RateLimit, max(cfg.RateBurst, cfg.MaxEvents))}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	res, err := h.ingest(r)
	if err != nil {
		var he *httperr.Error
		if errors.As(err, &he) {
			h.m.requests.WithLabelValues(fmt.Sprint(he.Status)).Inc()
		}
		httperr.Write(w, r, h.log, err)
		return
	}
	h.m.requests.WithLabelValues("202").Inc()
	httperr.JSON(w, http.StatusAccepted, res)
}

func (h *Handler) ingest(r *http.Request) (*Result, error) {
	key, err := h.keys.Authenticate(r.Context(), auth.FromRequest(r), auth.ScopeIngest)
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		return nil, &httperr.Error{Status: http.StatusUnauthorized, Code: "unauthorized",
			Message: "send an API key with the ingest scope in x-api-key or Authorization: Bearer"}
	case errors.Is(err, auth.ErrAddressNotAllowed):
		return nil, httperr.New(http.StatusForbidden, "address_not_allowed", "this API key may not be used from this address")
	case errors.Is(err, auth.ErrForbidden):
		return nil, httperr.New(http.StatusForbidden, "forbidden", "this API key lacks the ingest scope")
	case errors.Is(err, auth.ErrStoreUnavailable):
		return nil, &httperr.Error{Status: http.StatusServiceUnavailable, Code: "store_unavailable",
			Message: "the API key cannot be checked while the database is down", RetryAfter: 5 * time.Second, Err: err}
	case err != nil:
		return nil, err
	}
	if h.cfg.Disk != nil {
		if err := h.cfg.Disk.Check(); err != nil {
			return nil, &httperr.Error{Status: http.StatusInsufficientStorage, Code: "disk_full",
				Message: err.Error() + "; retry later", RetryAfter: 10 * time.Second, Err: err}
		}
	}
	body, err := readBody(r, h.cfg.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	dec, err := event.DecodeBody(body, h.cfg.MaxEvents, now)
	switch {
	case errors.Is(err, event.ErrTooMany):
		return nil, httperr.New(http.StatusRequestEntityTooLarge, "too_many_events", "%s", err.Error())
	case err != nil:
		return nil, &httperr.Error{Status: http.StatusBadRequest, Code: "invalid_body", Message: err.Error()}
	}
	res := &Result{Queued: len(dec.Events), Rejected: dec.Total - len(dec.Events), Errors: dec.Errors}
	if len(res.Errors) > maxErrors {
		res.Errors = res.Errors[:maxErrors]
	}
	if res.Errors == nil {
		res.Errors = []event.FieldError{}
	}
	h.m.rejected.Add(float64(res.Rejected))
	if len(dec.Events) == 0 {
		h.countRejected(key.ID, dec)
		return nil, &httperr.Error{Status: http.StatusBadRequest, Code: "no_valid_events",
			Message: fmt.Sprintf("none of the %d events is valid", dec.Total),
			Extra:   map[string]any{"queued": 0, "rejected": res.Rejected, "errors": res.Errors}}
	}
	if h.cfg.Classifier != nil {
		classifyFailures(h.cfg.Classifier, dec.Events)
	}
	if wait := h.limits.wait(key.ID, len(dec.Events), now); wait > 0 {
		return nil, &httperr.Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message:    fmt.Sprintf("API key %q is over its rate of %.0f events/s", key.Name, h.cfg.RateLimit),
			RetryAfter: wait}
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.PublishTimeout)
	defer cancel()
	if err := h.pub.PublishFrom(ctx, key.ID, dec.Events); err != nil {
		return nil, publishError(err)
	}
	h.countRejected(key.ID, dec)
	h.m.accepted.Add(float64(len(dec.Events)))
	return res, nil
}

// countRejected records the invalid events of a request for
// /api/v1/sources. Only final answers (202, or 400 when none was valid)
// count them: a request answered 429 or 503 comes back, invalid events and all.
func (h *Handler) countRejected(keyID int64, dec event.Decoded) {
	if h.cfg.Rejections != nil {
		h.cfg.Rejections.Rejected(keyID, dec.RejectedByNode, dec.Total-len(dec.Events))
	}
}

// classifyFailures categorizes bounced, deferred and rejected events that
// came without a category, from their SMTP reply.
func classifyFailures(c *classify.Classifier, events []event.Event) {
	for i := range events {
		e := &events[i]
		if !e.EventType.Urgent() || e.BounceCategory != "" {
			continue
		}
		text := e.StatusMessage
		if text == "" {
			text = e.BounceMessage
		}
		if text == "" && e.StatusCode == 0 {
			continue
		}
		r := c.Classify(classify.Input{StatusCode: e.StatusCode, Text: text, Domain: e.ToDomain, MXHost: e.MXHost})
		e.BounceCategory = r.Category
		if e.BounceType == "" {
			e.BounceType = r.Type
		}
	}
}

func publishError(err error) error {
	if errors.Is(err, queue.ErrFull) {
		return &httperr.Error{Status: http.StatusServiceUnavailable, Code: "queue_full",
			Message: "the queue is full; retry later", RetryAfter: time.Second, Err: err}
	}
	return &httperr.Error{Status: http.StatusServiceUnavailable, Code: "queue_unavailable",
		Message: "the queue is unavailable; retry later", RetryAfter: 5 * time.Second, Err: err}
}
