package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

var authT0 = time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)

func TestUsers(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		admin := store.User{Username: "alice", Role: store.RoleAdmin, PasswordHash: "h1", CreatedAt: authT0}
		viewer := store.User{Username: "bob", Role: store.RoleViewer, PasswordHash: "h2", CreatedAt: authT0, Disabled: true}
		var err error
		if admin.ID, err = s.CreateUser(ctx, admin); err != nil {
			t.Fatal(err)
		}
		if viewer.ID, err = s.CreateUser(ctx, viewer); err != nil || viewer.ID <= admin.ID {
			t.Fatalf("CreateUser = %d, %v", viewer.ID, err)
		}
		if _, err := s.CreateUser(ctx, store.User{Username: "alice", Role: store.RoleViewer, PasswordHash: "x"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate username: %v, want ErrConflict", err)
		}
		if got, err := s.UserByName(ctx, "alice"); err != nil || !reflect.DeepEqual(got, admin) {
			t.Errorf("UserByName = %+v, %v, want %+v", got, err, admin)
		}
		if got, err := s.UserByID(ctx, viewer.ID); err != nil || !reflect.DeepEqual(got, viewer) {
			t.Errorf("UserByID = %+v, %v, want %+v", got, err, viewer)
		}
		if _, err := s.UserByName(ctx, "ALICE"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByName(ALICE): %v, want ErrNotFound (the auth layer lower-cases names)", err)
		}
		if _, err := s.UserByID(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByID(999): %v, want ErrNotFound", err)
		}
		login := authT0.Add(time.Hour)
		if err := s.TouchUserLogin(ctx, admin.ID, login); err != nil {
			t.Fatal(err)
		}
		admin.LastLoginAt = login
		viewer.Disabled, viewer.PasswordHash = false, "h3"
		if err := s.UpdateUser(ctx, viewer); err != nil {
			t.Fatal(err)
		}
		users, err := s.ListUsers(ctx)
		if err != nil || !reflect.DeepEqual(users, []store.User{admin, viewer}) {
			t.Errorf("ListUsers = %+v, %v\nwant %+v", users, err, []store.User{admin, viewer})
		}
		if err := s.UpdateUser(ctx, store.User{ID: 999, Role: store.RoleViewer}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateUser(999): %v, want ErrNotFound", err)
		}
	})
}

func TestLastAdminIsKept(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		a := store.User{Username: "a", Role: store.RoleAdmin, PasswordHash: "h", CreatedAt: authT0}
		b := store.User{Username: "b", Role: store.RoleAdmin, PasswordHash: "h", CreatedAt: authT0}
		a.ID, _ = s.CreateUser(ctx, a)
		b.ID, _ = s.CreateUser(ctx, b)
		demoted := b
		demoted.Role = store.RoleViewer
		if err := s.UpdateUser(ctx, demoted); err != nil {
			t.Fatalf("demote one of two admins: %v", err)
		}
		for name, change := range map[string]func() error{
			"demote":  func() error { u := a; u.Role = store.RoleViewer; return s.UpdateUser(ctx, u) },
			"disable": func() error { u := a; u.Disabled = true; return s.UpdateUser(ctx, u) },
			"delete":  func() error { return s.DeleteUser(ctx, a.ID) },
		} {
			if err := change(); !errors.Is(err, store.ErrLastAdmin) {
				t.Errorf("%s the last admin: %v, want ErrLastAdmin", name, err)
			}
		}
		if got, err := s.UserByID(ctx, a.ID); err != nil || got.Role != store.RoleAdmin || got.Disabled {
			t.Errorf("last admin after refused changes = %+v, %v", got, err)
		}
		// Changing the password of the last admin is fine.
		u := a
		u.PasswordHash = "new"
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Errorf("new password for the last admin: %v", err)
		}
		if err := s.DeleteUser(ctx, b.ID); err != nil {
			t.Errorf("delete a viewer: %v", err)
		}
		if err := s.DeleteUser(ctx, b.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete twice: %v, want ErrNotFound", err)
		}
	})
}

func TestSessions(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		uid, err := s.CreateUser(ctx, store.User{Username: "u", Role: store.RoleViewer, PasswordHash: "h", CreatedAt: authT0})
		if err != nil {
			t.Fatal(err)
		}
		old := store.Session{Hash: "old", UserID: uid, CSRFToken: "c1", CreatedAt: authT0, LastSeenAt: authT0, RemoteAddr: "192.0.2.1"}
		idle := store.Session{Hash: "idle", UserID: uid, CSRFToken: "c2", CreatedAt: authT0.Add(47 * time.Hour), LastSeenAt: authT0.Add(47 * time.Hour)}
		fresh := store.Session{Hash: "fresh", UserID: uid, CSRFToken: "c3", CreatedAt: authT0.Add(47 * time.Hour), LastSeenAt: authT0.Add(47 * time.Hour)}
		for _, se := range []store.Session{old, idle, fresh} {
			if err := s.CreateSession(ctx, se); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.SessionByHash(ctx, "old"); err != nil || !reflect.DeepEqual(got, old) {
			t.Errorf("SessionByHash = %+v, %v, want %+v", got, err, old)
		}
		if _, err := s.SessionByHash(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown session: %v, want ErrNotFound", err)
		}
		seen := authT0.Add(48 * time.Hour)
		if err := s.TouchSession(ctx, "old", seen); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchSession(ctx, "fresh", seen); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SessionByHash(ctx, "old"); !got.LastSeenAt.Equal(seen) {
			t.Errorf("LastSeenAt after touch = %v, want %v", got.LastSeenAt, seen)
		}
		// "old" is active but past its absolute lifetime; "idle" is idle too long.
		n, err := s.DeleteExpiredSessions(ctx, seen.Add(-30*time.Minute), authT0.Add(time.Hour))
		if err != nil || n != 2 {
			t.Errorf("DeleteExpiredSessions = %d, %v, want 2", n, err)
		}
		for hash, want := range map[string]error{"old": store.ErrNotFound, "idle": store.ErrNotFound, "fresh": nil} {
			if _, err := s.SessionByHash(ctx, hash); !errors.Is(err, want) && !(want == nil && err == nil) {
				t.Errorf("session %s after expiry sweep: %v, want %v", hash, err, want)
			}
		}
		if err := s.DeleteSession(ctx, "fresh"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByHash(ctx, "fresh"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted session: %v, want ErrNotFound", err)
		}
		if err := s.DeleteSession(ctx, "fresh"); err != nil {
			t.Errorf("delete twice: %v", err)
		}
		// A user's sessions go with DeleteUserSessions and with the user.
		for _, h := range []string{"a", "b"} {
			_ = s.CreateSession(ctx, store.Session{Hash: h, UserID: uid, CSRFToken: "c", CreatedAt: seen, LastSeenAt: seen})
		}
		if err := s.DeleteUserSessions(ctx, uid); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByHash(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after DeleteUserSessions: %v, want ErrNotFound", err)
		}
		_ = s.CreateSession(ctx, store.Session{Hash: "c", UserID: uid, CSRFToken: "c", CreatedAt: seen, LastSeenAt: seen})
		if err := s.DeleteUser(ctx, uid); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByHash(ctx, "c"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session of a deleted user: %v, want ErrNotFound", err)
		}
	})
}

func TestAuditLog(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if got, err := s.ListAudit(ctx, 0, 10); err != nil || len(got) != 0 {
			t.Fatalf("empty log = %+v, %v", got, err)
		}
		var want []store.AuditEntry
		for i := range 5 {
			e := store.AuditEntry{Time: authT0.Add(time.Duration(i) * time.Second), Actor: "alice", Action: "user.create",
				Target: "user " + string(rune('a'+i)), Detail: `{"role":"viewer"}`, RemoteAddr: "2001:db8::1"}
			id, err := s.AppendAudit(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			e.ID = id
			want = append([]store.AuditEntry{e}, want...) // newest first
		}
		page1, err := s.ListAudit(ctx, 0, 2)
		if err != nil || !reflect.DeepEqual(page1, want[:2]) {
			t.Errorf("page 1 = %+v, %v\nwant %+v", page1, err, want[:2])
		}
		page2, err := s.ListAudit(ctx, page1[1].ID, 2)
		if err != nil || !reflect.DeepEqual(page2, want[2:4]) {
			t.Errorf("page 2 = %+v, %v\nwant %+v", page2, err, want[2:4])
		}
		page3, err := s.ListAudit(ctx, page2[1].ID, 2)
		if err != nil || !reflect.DeepEqual(page3, want[4:]) {
			t.Errorf("page 3 = %+v, %v\nwant %+v", page3, err, want[4:])
		}
	})
}

func TestNodes(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		a := store.Node{Name: "mta-1", Role: "outbound", APIURL: "http://10.0.0.1:12080", CreatedAt: authT0}
		b := store.Node{Name: "mx-1", Role: "mx", CreatedAt: authT0}
		var err error
		if a.ID, err = s.CreateNode(ctx, a); err != nil {
			t.Fatal(err)
		}
		if b.ID, err = s.CreateNode(ctx, b); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateNode(ctx, store.Node{Name: "mta-1"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate node: %v, want ErrConflict", err)
		}
		a.Role, a.APIURL = "inbound", "https://mta-1.example:12080"
		if err := s.UpdateNode(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateNode(ctx, store.Node{ID: b.ID, Name: "mta-1"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("rename onto a taken name: %v, want ErrConflict", err)
		}
		if got, err := s.NodeByID(ctx, a.ID); err != nil || !reflect.DeepEqual(got, a) {
			t.Errorf("NodeByID = %+v, %v, want %+v", got, err, a)
		}
		if nodes, err := s.ListNodes(ctx); err != nil || !reflect.DeepEqual(nodes, []store.Node{a, b}) {
			t.Errorf("ListNodes = %+v, %v", nodes, err)
		}
		if err := s.DeleteNode(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{
			"NodeByID":   func() error { _, err := s.NodeByID(ctx, a.ID); return err }(),
			"DeleteNode": s.DeleteNode(ctx, a.ID),
			"UpdateNode": s.UpdateNode(ctx, store.Node{ID: a.ID, Name: "x"}),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s of a deleted node: %v, want ErrNotFound", name, err)
			}
		}
	})
}

func TestAPIKeyAdmin(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		k := store.APIKey{Name: "edge", Prefix: "tm_1", Hash: "h", Scopes: []string{"ingest"}, CreatedAt: authT0,
			AllowedCIDRs: []string{"10.0.0.0/8", "2001:db8::/32"}}
		var err error
		if k.ID, err = s.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if got, err := s.APIKeyByHash(ctx, "h"); err != nil || !reflect.DeepEqual(got, k) {
			t.Errorf("APIKeyByHash = %+v, %v, want %+v", got, err, k)
		}
		used := authT0.Add(time.Minute)
		if err := s.RecordAPIKeyUse(ctx, k.ID, used, "10.1.2.3"); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordAPIKeyUse(ctx, 999, used, "10.1.2.3"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RecordAPIKeyUse(999): %v, want ErrNotFound", err)
		}
		revoked := authT0.Add(2 * time.Minute)
		if err := s.RevokeAPIKeyByID(ctx, k.ID, revoked); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeAPIKeyByID(ctx, k.ID, revoked.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke twice: %v, want ErrNotFound", err)
		}
		k.LastUsedAt, k.LastUsedAddr, k.RevokedAt = used, "10.1.2.3", revoked
		if keys, err := s.ListAPIKeys(ctx); err != nil || !reflect.DeepEqual(keys, []store.APIKey{k}) {
			t.Errorf("ListAPIKeys = %+v, %v\nwant %+v", keys, err, []store.APIKey{k})
		}
	})
}
