// Package store defines what the pipeline, the query API and the auth layer
// need from a database, and the types they exchange. Each dialect (SQLite
// now, PostgreSQL next) lives in its own subpackage and satisfies Store.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
)

// ErrNotFound is returned when a looked-up record does not exist.
var ErrNotFound = errors.New("not found")

// Msg is one queue message: the events it carried and where it came from.
// Stream and Seq identify it uniquely; a store records them in the same
// transaction as the events, which is what makes redelivery harmless.
type Msg struct {
	Stream string // identity of the queue stream (name and creation time)
	Seq    uint64 // stream sequence number
	// ID is the message's content id (its Nats-Msg-Id), empty when unknown.
	// A message whose ID was applied within AppliedIDWindow is a duplicate,
	// whatever its sequence.
	ID     string
	Events []event.Event
	// KeyID is the API key that sent the events (0: unknown) and Received
	// when the queue took them (zero: now); both feed /api/v1/sources.
	KeyID    int64
	Received time.Time
}

// WriteResult says what a WriteBatch did.
type WriteResult struct {
	Events     int // raw events inserted
	Duplicates int // messages skipped because an earlier batch already applied them
}

// Writer is what the batch writer needs.
type Writer interface {
	// WriteBatch inserts the events of msgs and their rollup increments in one
	// transaction, skipping messages already applied. All or nothing.
	WriteBatch(ctx context.Context, msgs []Msg) (WriteResult, error)
	// ForgetApplied drops the record of applied messages of stream with a
	// sequence below seq: the queue can no longer redeliver them.
	ForgetApplied(ctx context.Context, stream string, below uint64) error
	// ForgetAppliedIDs drops the content ids applied before the time.
	ForgetAppliedIDs(ctx context.Context, before time.Time) error
	Ping(ctx context.Context) error
}

// RollupQuery selects rollup rows. The range is [From, To) on bucket starts.
type RollupQuery struct {
	Res        time.Duration // one of rollup.Resolutions
	From, To   time.Time
	Dim        string // one of rollup.Dims
	Direction  event.Direction
	EventTypes []event.Type // empty: all
	Values     []string     // restrict to these dimension values; empty: all
	ByBucket   bool         // one row per bucket; otherwise summed over the range
}

// RollupRow is the sum of rollup rows for one (bucket, value, direction, type).
// Bucket is zero unless the query asked ByBucket.
type RollupRow struct {
	Bucket    time.Time
	Value     string
	Direction event.Direction
	EventType event.Type
	rollup.Counts
}

// HistQuery selects histogram bins of one metric over a range: summed over
// it, or one histogram per bucket with ByBucket.
type HistQuery struct {
	Res        time.Duration
	From, To   time.Time
	Dim        string
	Value      string // with Dim; ignored for rollup.DimTotal
	Metric     string // rollup.MetricDeliveryTime or rollup.MetricMessageSize
	Direction  event.Direction
	EventTypes []event.Type
	// Values selects several values of Dim at once in place of Value, and
	// ByBucket asks for one histogram per bucket.
	Values   []string
	ByBucket bool
}

// HistRow is the count of one non-empty bin of the histogram of one value
// (and one bucket, with ByBucket; Bucket is zero otherwise).
type HistRow struct {
	Bucket time.Time
	Value  string
	rollup.BinCount
}

// Bins returns the bins of histogram rows of a single histogram.
func Bins(rows []HistRow) []rollup.BinCount {
	if rows == nil {
		return nil
	}
	out := make([]rollup.BinCount, len(rows))
	for i, r := range rows {
		out[i] = r.BinCount
	}
	return out
}

// Reader is what the query API needs.
type Reader interface {
	Rollups(ctx context.Context, q RollupQuery) ([]RollupRow, error)
	// Histograms returns the non-empty bins of several histograms in one
	// read, ordered by bucket, value and bin.
	Histograms(ctx context.Context, q HistQuery) ([]HistRow, error)
	// CountEvents counts raw events in [from, to).
	CountEvents(ctx context.Context, from, to time.Time) (int64, error)
	Searcher
}

// APIKey is a stored API key. The secret itself is never stored, only its hash.
type APIKey struct {
	ID         int64
	Name       string
	Prefix     string // the first characters of the key, to recognise it in lists
	Hash       string // hex SHA-256 of the whole key
	Scopes     []string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
	RevokedAt  time.Time // zero while valid
	// AllowedCIDRs restricts where the key may be used from; empty: anywhere.
	AllowedCIDRs []string
	LastUsedAddr string // client address of the last recorded use
}

// KeyStore is what API key management needs.
type KeyStore interface {
	CreateAPIKey(ctx context.Context, k APIKey) (int64, error)
	ListAPIKeys(ctx context.Context) ([]APIKey, error)
	// APIKeyByHash returns the key with that hash, revoked or not, or ErrNotFound.
	APIKeyByHash(ctx context.Context, hash string) (APIKey, error)
	// RevokeAPIKey revokes the key with that name or prefix; ErrNotFound if none.
	RevokeAPIKey(ctx context.Context, nameOrPrefix string, at time.Time) error
	TouchAPIKey(ctx context.Context, id int64, at time.Time) error
}

// Settings is a small key/value table for server state such as "the demo
// history was backfilled".
type Settings interface {
	Setting(ctx context.Context, key string) (string, error) // ErrNotFound if unset
	SetSetting(ctx context.Context, key, value string) error
}

// Store is a whole database.
type Store interface {
	Writer
	Reader
	KeyStore
	Settings
	Retainer
	QueueStore
	UserStore
	SessionStore
	AuditLog
	NodeStore
	KeyAdmin
	SourceStore
	Close() error
}

// MaxSearchLimit caps the events one SearchEvents or TraceEvents call
// returns, whatever the caller asks: a page is for a person to read.
const MaxSearchLimit = 1000

// EventFilter selects raw events. The range [From, To) is required; every
// other field is optional, empty meaning "any", and all given fields must
// match.
type EventFilter struct {
	From, To   time.Time
	Types      []event.Type // empty: all
	Direction  event.Direction
	MTANode    string
	FromDomain string
	ToDomain   string
	SendingIP  string
	MessageID  string
	QueueID    string
	MXHost     string
	// StatusCode is the SMTP reply code; 0 matches any.
	StatusCode int
	// Address matches from_address or to_address exactly; FromAddress and
	// ToAddress match one side only.
	Address     string
	FromAddress string
	ToAddress   string
	// Text is a substring of status_message or bounce_message, matched
	// ignoring the case of ASCII letters only, so that both dialects agree
	// whatever their collation or locale.
	Text           string
	BounceCategory string
}

// Cursor is the position of the last event of a search page, in the
// newest-first order (time DESC, id DESC). The next page starts after it.
type Cursor struct {
	Time int64 // Unix milliseconds
	ID   int64
}

// StoredEvent is a raw event with the id the store gave it.
type StoredEvent struct {
	ID int64 `json:"id"`
	event.Event
}

// Searcher is what event search and message trace need.
type Searcher interface {
	// SearchEvents returns up to limit events matching f, newest first,
	// starting after the cursor when it is not nil. limit is capped at
	// MaxSearchLimit.
	SearchEvents(ctx context.Context, f EventFilter, after *Cursor, limit int) ([]StoredEvent, error)
	// TraceEvents returns up to limit events whose message_id or queue_id
	// equals id, oldest first. An empty id matches nothing.
	TraceEvents(ctx context.Context, id string, limit int) ([]StoredEvent, error)
}

// AppliedIDWindow is how long content ids of applied messages are kept. A
// client retrying within it is stored once even across a server restart;
// the ZoneMTA and Haraka plugins retry with at most 30 s between attempts.
const AppliedIDWindow = time.Hour
