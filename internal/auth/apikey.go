// Package auth authenticates API clients. Keys are random, shown once, and
// stored only as a SHA-256 hash: they carry 256 bits of entropy, so a fast
// hash is enough and keeps the per-request check cheap, unlike passwords.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// Scopes an API key can hold.
const (
	ScopeIngest = "ingest"
	ScopeRead   = "read"
)

// KeyPrefix starts every key, so that leaked keys are easy to grep for.
const KeyPrefix = "tm_"

// Errors of Authenticate: the HTTP layer answers 401 and 403.
var (
	ErrUnauthenticated = errors.New("missing or unknown API key")
	ErrForbidden       = errors.New("API key lacks the required scope")
	// ErrAddressNotAllowed is a key used from outside its CIDR allow-list.
	// It is an ErrForbidden too, so callers that only know that answer 403.
	ErrAddressNotAllowed = fmt.Errorf("%w: not from this address", ErrForbidden)
)

// ParseScopes parses "ingest", "read" or "ingest,read".
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(strings.ToLower(p))
		if p != ScopeIngest && p != ScopeRead {
			return nil, fmt.Errorf("unknown scope %q: use ingest, read or ingest,read", p)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Hash returns the stored form of a key.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newKey returns a fresh random key.
func newKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on supported platforms
	return KeyPrefix + strings.ToLower(keyEncoding.EncodeToString(b))
}

// FromRequest returns the key a request presents, in x-api-key or as a bearer token.
func FromRequest(r *http.Request) string {
	if k := r.Header.Get("X-Api-Key"); k != "" {
		return strings.TrimSpace(k)
	}
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Keys creates and checks API keys.
type Keys struct {
	st        store.KeyStore
	log       *slog.Logger
	mu        sync.Mutex
	touched   map[int64]time.Time
	known     map[string]store.APIKey // hash → the store's last answer; see lookup
	downUntil time.Time
}

// NewKeys returns a key service over st.
func NewKeys(st store.KeyStore) *Keys {
	return &Keys{st: st, touched: map[int64]time.Time{}, known: map[string]store.APIKey{}}
}

// WithLog sets where the key service reports store outages.
func (k *Keys) WithLog(log *slog.Logger) *Keys {
	k.log = log
	return k
}

// Create stores a new key and returns it in clear, the only time it exists so.
func (k *Keys) Create(ctx context.Context, name string, scopes []string, now time.Time) (string, error) {
	_, key, err := k.CreateKey(ctx, name, scopes, nil, now)
	return key, err
}

// CreateKey stores a new key usable only from allowedCIDRs (anywhere when
// empty), and returns its record and the key in clear.
func (k *Keys) CreateKey(ctx context.Context, name string, scopes, allowedCIDRs []string, now time.Time) (store.APIKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return store.APIKey{}, "", invalidf("key name must be 1 to 100 characters")
	}
	if len(scopes) == 0 {
		return store.APIKey{}, "", invalidf("a key needs at least one scope")
	}
	for _, s := range scopes {
		if s != ScopeIngest && s != ScopeRead {
			return store.APIKey{}, "", invalidf("unknown scope %q: use ingest or read", s)
		}
	}
	var cidrs []string
	for _, c := range allowedCIDRs {
		p, err := ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			return store.APIKey{}, "", invalidf("allowed CIDR: %v", err)
		}
		cidrs = append(cidrs, p.String())
	}
	key := newKey()
	rec := store.APIKey{Name: name, Prefix: key[:len(KeyPrefix)+8], Hash: Hash(key), Scopes: scopes,
		CreatedAt: now.UTC().Truncate(time.Millisecond), AllowedCIDRs: cidrs}
	id, err := k.st.CreateAPIKey(ctx, rec)
	if err != nil {
		return store.APIKey{}, "", fmt.Errorf("auth: create key %q: %w", name, err)
	}
	rec.ID = id
	return rec, key, nil
}

// touchEvery limits last-used updates to one write per key per interval.
const touchEvery = time.Minute

// Authenticate checks a presented key against the store, on every request, so
// that a revocation takes effect at once.
func (k *Keys) Authenticate(ctx context.Context, key, scope string) (store.APIKey, error) {
	if key == "" {
		return store.APIKey{}, ErrUnauthenticated
	}
	rec, err := k.lookup(ctx, Hash(key))
	if errors.Is(err, store.ErrNotFound) {
		return store.APIKey{}, ErrUnauthenticated
	}
	if err != nil {
		return store.APIKey{}, err
	}
	if !rec.RevokedAt.IsZero() {
		return store.APIKey{}, ErrUnauthenticated
	}
	if !slices.Contains(rec.Scopes, scope) {
		return store.APIKey{}, ErrForbidden
	}
	client := ClientFrom(ctx)
	if !addrAllowed(rec.AllowedCIDRs, client) {
		return store.APIKey{}, ErrAddressNotAllowed
	}
	k.touch(ctx, rec.ID, client.String())
	return rec, nil
}

// addrAllowed reports whether the client may use a key with that
// allow-list. An unknown address passes only an empty list.
func addrAllowed(cidrs []string, c Client) bool {
	if len(cidrs) == 0 {
		return true
	}
	if !c.Addr.IsValid() {
		return false
	}
	for _, s := range cidrs {
		if p, err := ParsePrefix(s); err == nil && p.Contains(c.Addr) {
			return true
		}
	}
	return false
}

func (k *Keys) touch(ctx context.Context, id int64, addr string) {
	now := time.Now()
	k.mu.Lock()
	due := now.Sub(k.touched[id]) >= touchEvery && now.After(k.downUntil)
	if due {
		k.touched[id] = now
	}
	k.mu.Unlock()
	if due {
		// Best effort: a missed last-used update must not fail a request,
		// nor hold it up while the store is down.
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		if ka, ok := k.st.(store.KeyAdmin); ok {
			_ = ka.RecordAPIKeyUse(ctx, id, now, addr)
		} else {
			_ = k.st.TouchAPIKey(ctx, id, now)
		}
	}
}

// Lookup returns the unrevoked key, whatever its scopes, or
// ErrUnauthenticated. It records no use.
func (k *Keys) Lookup(ctx context.Context, key string) (store.APIKey, error) {
	if key == "" {
		return store.APIKey{}, ErrUnauthenticated
	}
	rec, err := k.st.APIKeyByHash(ctx, Hash(key))
	if errors.Is(err, store.ErrNotFound) || err == nil && !rec.RevokedAt.IsZero() {
		return store.APIKey{}, ErrUnauthenticated
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("auth: look up key: %w", err)
	}
	return rec, nil
}
