package auth

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/storetest"
)

func TestSessions(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		u, err := CreateUser(ctx, st, "Alice", "alice password", store.RoleAdmin, time.Now())
		if err != nil || u.Username != "alice" || u.ID == 0 {
			t.Fatalf("CreateUser = %+v, %v", u, err)
		}
		if _, err := CreateUser(ctx, st, "alice", "another password", store.RoleViewer, time.Now()); !errors.Is(err, store.ErrConflict) {
			t.Errorf("same name in another case: %v, want ErrConflict", err)
		}
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		s := NewSessions(st, time.Hour, 8*time.Hour)
		s.now = func() time.Time { return now }
		client := Client{Addr: netip.MustParseAddr("192.0.2.7")}

		for _, tc := range []struct{ user, pw string }{{"alice", "wrong password"}, {"nobody", "alice password"}, {"<x>", "alice password"}} {
			if _, err := s.Login(ctx, tc.user, tc.pw, client); !errors.Is(err, ErrBadCredentials) {
				t.Errorf("login %s/%s: %v, want ErrBadCredentials", tc.user, tc.pw, err)
			}
		}
		l, err := s.Login(ctx, " ALICE ", "alice password", client)
		if err != nil || l.Token == "" || l.CSRF == "" || l.Token == l.CSRF || !l.Expires.Equal(now.Add(8*time.Hour)) {
			t.Fatalf("login = %+v, %v", l, err)
		}
		// The store holds only the hash of the token.
		if _, err := st.SessionByHash(ctx, l.Token); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session found by the clear token: %v", err)
		}
		got, se, err := s.Authenticate(ctx, l.Token)
		if err != nil || got.ID != u.ID || se.CSRFToken != l.CSRF || se.RemoteAddr != "192.0.2.7" {
			t.Fatalf("Authenticate = %+v %+v %v", got, se, err)
		}
		if got.LastLoginAt.IsZero() {
			t.Error("last login not recorded")
		}
		// Used every 50 minutes, the session lives until its lifetime ends.
		for i := 1; i <= 9; i++ {
			now = now.Add(50 * time.Minute)
			_, _, err := s.Authenticate(ctx, l.Token)
			if wantOK := time.Duration(i)*50*time.Minute < 8*time.Hour; (err == nil) != wantOK {
				t.Fatalf("after %v of use: %v, want ok=%v", time.Duration(i)*50*time.Minute, err, wantOK)
			}
		}
		// Idle for an hour, a session ends.
		l2, _ := s.Login(ctx, "alice", "alice password", client)
		now = now.Add(time.Hour)
		if _, _, err := s.Authenticate(ctx, l2.Token); !errors.Is(err, ErrNoSession) {
			t.Errorf("idle session: %v, want ErrNoSession", err)
		}
		// Logout, a disabled user and a garbage token.
		l3, _ := s.Login(ctx, "alice", "alice password", client)
		if err := s.Logout(ctx, l3.Token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, l3.Token); !errors.Is(err, ErrNoSession) {
			t.Errorf("after logout: %v", err)
		}
		v, _ := CreateUser(ctx, st, "victor", "victor password", store.RoleViewer, now)
		l4, err := s.Login(ctx, "victor", "victor password", client)
		if err != nil {
			t.Fatal(err)
		}
		v.Disabled = true
		if err := st.UpdateUser(ctx, v); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, l4.Token); !errors.Is(err, ErrNoSession) {
			t.Errorf("session of a disabled user: %v", err)
		}
		if _, err := s.Login(ctx, "victor", "victor password", client); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("disabled login: %v", err)
		}
		for _, tok := range []string{"", "x", "' OR 1=1 --"} {
			if _, _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrNoSession) {
				t.Errorf("token %q: %v", tok, err)
			}
		}
	})
}

// TestLockoutSameForUnknownUsers: the limiter answers the same for a user
// that exists and one that does not, and the work done is the same.
func TestLockoutSameForUnknownUsers(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t).Store
	if _, err := CreateUser(ctx, st, "real", "real password 1", store.RoleViewer, time.Now()); err != nil {
		t.Fatal(err)
	}
	s := NewSessions(st, 0, 0)
	c := Client{Addr: netip.MustParseAddr("192.0.2.1")}
	var known, unknown time.Duration
	for i := range maxFailuresPerUser {
		start := time.Now()
		_, err1 := s.Login(ctx, "real", "wrong", c)
		known += time.Since(start)
		start = time.Now()
		_, err2 := s.Login(ctx, "ghost", "wrong", c)
		unknown += time.Since(start)
		if !errors.Is(err1, ErrBadCredentials) || !errors.Is(err2, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v / %v", i, err1, err2)
		}
	}
	if unknown < known/3 || unknown > known*3 {
		t.Errorf("5 failures took %v for a real user and %v for an unknown one", known, unknown)
	}
	var l1, l2 *LockedError
	_, err1 := s.Login(ctx, "real", "real password 1", c)
	_, err2 := s.Login(ctx, "ghost", "whatever", c)
	if !errors.As(err1, &l1) || !errors.As(err2, &l2) || l1.RetryAfter <= 0 || l2.RetryAfter <= 0 {
		t.Errorf("6th attempt: %v / %v, want both locked", err1, err2)
	}
}

func TestKeyAllowList(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		k := NewKeys(st)
		rec, key, err := k.CreateKey(ctx, "edge", []string{ScopeIngest}, []string{"10.0.0.0/8", " 2001:db8::1 "}, time.Now())
		if err != nil || len(rec.AllowedCIDRs) != 2 || rec.AllowedCIDRs[1] != "2001:db8::1/128" {
			t.Fatalf("CreateKey = %+v, %v", rec, err)
		}
		for _, tc := range []struct {
			addr string
			want error
		}{
			{"10.20.30.40", nil}, {"2001:db8::1", nil}, {"11.0.0.1", ErrAddressNotAllowed}, {"2001:db8::2", ErrAddressNotAllowed}, {"", ErrAddressNotAllowed},
		} {
			addr, want := tc.addr, tc.want
			c := Client{}
			if addr != "" {
				c.Addr = netip.MustParseAddr(addr)
			}
			_, err := k.Authenticate(WithClient(ctx, c), key, ScopeIngest)
			if !errors.Is(err, want) && !(want == nil && err == nil) {
				t.Errorf("from %q: %v, want %v", addr, err, want)
			}
			if errors.Is(err, ErrAddressNotAllowed) && !errors.Is(err, ErrForbidden) {
				t.Error("ErrAddressNotAllowed is not an ErrForbidden")
			}
		}
		keys, _ := st.ListAPIKeys(ctx)
		if len(keys) != 1 || keys[0].LastUsedAddr != "10.20.30.40" || keys[0].LastUsedAt.IsZero() {
			t.Errorf("last use = %+v", keys)
		}
		for _, bad := range [][]string{{"10.0.0.0/33"}, {"nonsense"}, {""}} {
			if _, _, err := k.CreateKey(ctx, "bad", []string{ScopeRead}, bad, time.Now()); !errors.Is(err, ErrInvalid) {
				t.Errorf("CIDRs %q: %v, want ErrInvalid", bad, err)
			}
		}
		if _, err := k.Lookup(ctx, key); err != nil {
			t.Errorf("Lookup: %v", err)
		}
		if _, err := k.Lookup(ctx, "tm_nope"); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("Lookup unknown: %v", err)
		}
	})
}

func TestLimiterKey(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.1": "192.0.2.1", "2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64", "2001:db8:1:2::9": "2001:db8:1:2::/64",
	} {
		if got := limiterKey(Client{Addr: netip.MustParseAddr(addr)}); got != want {
			t.Errorf("limiterKey(%s) = %s, want %s", addr, got, want)
		}
	}
	if got := limiterKey(Client{}); got != "" {
		t.Errorf("unknown address: %q", got)
	}
}
