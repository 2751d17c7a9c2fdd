package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// ErrStoreUnavailable means a key could not be checked because the store
// does not answer and the key was never seen before: the HTTP layer answers
// 503, so the client retries rather than drops its events.
var ErrStoreUnavailable = errors.New("the key store is unavailable")

// While the database is down, ingest must go on accepting events into the
// queue, which holds them until the writer can store them. So Keys remembers
// the store's last answer for every key it accepted, and stands by it while
// the store cannot be asked. A revocation needs the store too, so the last
// answer is also the newest one there is.
const (
	// lookupTimeout bounds one question to the store, so that a database
	// that hangs rather than refuses costs a request this much at most.
	lookupTimeout = 2 * time.Second
	// downFor is how long, after a failed lookup, requests go straight to
	// the remembered answers instead of waiting on the store again.
	downFor = time.Second
)

// lookup returns the stored key with that hash, from the store when it
// answers, else as the store last described it.
func (k *Keys) lookup(ctx context.Context, hash string) (store.APIKey, error) {
	k.mu.Lock()
	down := time.Now().Before(k.downUntil)
	k.mu.Unlock()
	if !down {
		qctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		rec, err := k.st.APIKeyByHash(qctx, hash)
		cancel()
		switch {
		case err == nil:
			k.mu.Lock()
			k.known[hash] = rec
			k.mu.Unlock()
			return rec, nil
		case errors.Is(err, store.ErrNotFound):
			k.mu.Lock()
			delete(k.known, hash)
			k.mu.Unlock()
			return store.APIKey{}, err
		case ctx.Err() != nil:
			return store.APIKey{}, fmt.Errorf("auth: look up key: %w", err)
		}
		k.mu.Lock()
		k.downUntil = time.Now().Add(downFor)
		k.mu.Unlock()
		if k.log != nil {
			k.log.Warn("auth: key store unavailable, using the keys last seen", "err", err)
		}
	}
	k.mu.Lock()
	rec, ok := k.known[hash]
	k.mu.Unlock()
	if !ok {
		return store.APIKey{}, ErrStoreUnavailable
	}
	return rec, nil
}
