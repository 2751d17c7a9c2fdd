package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// flakyKeys is a key store that can be switched off.
type flakyKeys struct {
	keys map[string]store.APIKey
	down bool
}

var errDown = errors.New("connection refused")

func (f *flakyKeys) CreateAPIKey(_ context.Context, k store.APIKey) (int64, error) {
	k.ID = int64(len(f.keys) + 1)
	f.keys[k.Hash] = k
	return k.ID, nil
}
func (f *flakyKeys) ListAPIKeys(context.Context) ([]store.APIKey, error) { return nil, nil }
func (f *flakyKeys) APIKeyByHash(_ context.Context, h string) (store.APIKey, error) {
	if f.down {
		return store.APIKey{}, errDown
	}
	k, ok := f.keys[h]
	if !ok {
		return store.APIKey{}, store.ErrNotFound
	}
	return k, nil
}
func (f *flakyKeys) RevokeAPIKey(_ context.Context, name string, at time.Time) error {
	for h, k := range f.keys {
		if k.Name == name {
			k.RevokedAt = at
			f.keys[h] = k
			return nil
		}
	}
	return store.ErrNotFound
}
func (f *flakyKeys) TouchAPIKey(context.Context, int64, time.Time) error {
	if f.down {
		return errDown
	}
	return nil
}

func TestKeysDuringStoreOutage(t *testing.T) {
	ctx := context.Background()
	st := &flakyKeys{keys: map[string]store.APIKey{}}
	k := NewKeys(st)
	now := time.Now()
	used, _ := k.Create(ctx, "used", []string{ScopeIngest}, now)
	revoked, _ := k.Create(ctx, "revoked", []string{ScopeIngest}, now)
	unseen, _ := k.Create(ctx, "unseen", []string{ScopeIngest}, now)
	if _, err := k.Authenticate(ctx, used, ScopeIngest); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Authenticate(ctx, revoked, ScopeIngest); err != nil {
		t.Fatal(err)
	}
	_ = st.RevokeAPIKey(ctx, "revoked", now)
	if _, err := k.Authenticate(ctx, revoked, ScopeIngest); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("revoked key: %v", err)
	}

	st.down = true
	if _, err := k.Authenticate(ctx, used, ScopeIngest); err != nil {
		t.Fatalf("a key the store accepted must work while it is down: %v", err)
	}
	if _, err := k.Authenticate(ctx, used, ScopeRead); !errors.Is(err, ErrForbidden) {
		t.Fatalf("scopes still apply while the store is down: %v", err)
	}
	if _, err := k.Authenticate(ctx, revoked, ScopeIngest); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("a revoked key must stay refused while the store is down: %v", err)
	}
	if _, err := k.Authenticate(ctx, unseen, ScopeIngest); !errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("a key never checked cannot be vouched for: %v", err)
	}
	if _, err := k.Authenticate(ctx, "tm_nonsense", ScopeIngest); !errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("unknown key while down: %v", err)
	}

	st.down = false
	k.mu.Lock()
	k.downUntil = time.Time{} // skip the pause before asking the store again
	k.mu.Unlock()
	if _, err := k.Authenticate(ctx, unseen, ScopeIngest); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	if _, err := k.Authenticate(ctx, "tm_nonsense", ScopeIngest); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("unknown key after the outage: %v", err)
	}
}
