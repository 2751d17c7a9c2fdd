package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

func TestAPIKeyLifecycle(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		created := time.Date(2025, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
		a := store.APIKey{Name: "zonemta-1", Prefix: "tm_abc", Hash: "h1", Scopes: []string{"ingest", "read"}, CreatedAt: created}
		b := store.APIKey{Name: "grafana", Prefix: "tm_def", Hash: "h2", Scopes: nil, CreatedAt: created}

		idA, err := s.CreateAPIKey(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		idB, err := s.CreateAPIKey(ctx, b)
		if err != nil || idB <= idA {
			t.Fatalf("second CreateAPIKey = %d, %v (first id %d)", idB, err, idA)
		}
		dup := b
		dup.Hash = "h3"
		if _, err := s.CreateAPIKey(ctx, dup); !isDuplicate(err) {
			t.Errorf("duplicate name: %v, want ErrDuplicate", err)
		}
		dup = store.APIKey{Name: "other", Prefix: "tm_x", Hash: "h1", CreatedAt: created}
		if _, err := s.CreateAPIKey(ctx, dup); !isDuplicate(err) {
			t.Errorf("duplicate hash: %v, want ErrDuplicate", err)
		}

		a.ID, b.ID = idA, idB
		keys, err := s.ListAPIKeys(ctx)
		if err != nil || !reflect.DeepEqual(keys, []store.APIKey{a, b}) {
			t.Errorf("ListAPIKeys = %+v, %v\nwant %+v", keys, err, []store.APIKey{a, b})
		}

		used := created.Add(time.Hour)
		if err := s.TouchAPIKey(ctx, idA, used); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchAPIKey(ctx, 999, used); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TouchAPIKey(999) = %v, want ErrNotFound", err)
		}
		got, err := s.APIKeyByHash(ctx, "h1")
		if err != nil || !got.LastUsedAt.Equal(used) || !got.RevokedAt.IsZero() || got.Name != "zonemta-1" {
			t.Errorf("APIKeyByHash(h1) = %+v, %v", got, err)
		}
		if _, err := s.APIKeyByHash(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("APIKeyByHash(nope) = %v, want ErrNotFound", err)
		}

		revoked := used.Add(time.Hour)
		if err := s.RevokeAPIKey(ctx, "zonemta-1", revoked); err != nil { // by name
			t.Fatal(err)
		}
		if err := s.RevokeAPIKey(ctx, "zonemta-1", revoked); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoking twice = %v, want ErrNotFound", err)
		}
		if err := s.RevokeAPIKey(ctx, "tm_de", revoked); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoking by a partial prefix = %v, want ErrNotFound", err)
		}
		if err := s.RevokeAPIKey(ctx, "tm_def", revoked); err != nil { // by prefix
			t.Fatal(err)
		}
		got, err = s.APIKeyByHash(ctx, "h2") // revoked keys are still found, for a clear 401
		if err != nil || !got.RevokedAt.Equal(revoked) {
			t.Errorf("revoked key = %+v, %v", got, err)
		}

		// Two live keys sharing a prefix: revoking by it is refused, not doubled.
		for _, k := range []store.APIKey{{Name: "p1", Prefix: "tm_same", Hash: "p1"}, {Name: "p2", Prefix: "tm_same", Hash: "p2"}} {
			if _, err := s.CreateAPIKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RevokeAPIKey(ctx, "tm_same", revoked); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("ambiguous prefix = %v, want a refusal", err)
		}
	})
}

func TestSettings(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if _, err := s.Setting(ctx, "demo.backfilled"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unset Setting = %v, want ErrNotFound", err)
		}
		for _, v := range []string{"1", "2"} {
			if err := s.SetSetting(ctx, "demo.backfilled", v); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Setting(ctx, "demo.backfilled"); err != nil || got != v {
				t.Errorf("Setting = %q, %v; want %q", got, err, v)
			}
		}
	})
}
