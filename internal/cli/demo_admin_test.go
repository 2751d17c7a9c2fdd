package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/storetest"
)

// TestDemoAdmin: the first demo start creates "admin" with a generated
// password, logs it once and keeps it; later starts reuse it and do not
// log it again; an operator's new password is left alone.
func TestDemoAdmin(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := storetest.SQLite(t).Store
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	k := demoKeys{Ingest: "i", Read: "r"}
	if err := ensureDemoAdmin(ctx, dir, &k, st, log); err != nil {
		t.Fatal(err)
	}
	pw := k.AdminPassword
	u, err := st.UserByName(ctx, "admin")
	if err != nil || u.Role != store.RoleAdmin || !auth.VerifyPassword(u.PasswordHash, pw) || len(pw) != 20 {
		t.Fatalf("demo admin = %+v, %v (password %q)", u, err, pw)
	}
	var saved demoKeys
	b, _ := os.ReadFile(filepath.Join(dir, "demo-keys.json"))
	if json.Unmarshal(b, &saved) != nil || saved != k {
		t.Errorf("demo-keys.json = %s, want %+v", b, k)
	}
	if strings.Count(logs.String(), pw) != 1 {
		t.Errorf("first start should log the password once:\n%s", logs.String())
	}
	logs.Reset()
	if err := ensureDemoAdmin(ctx, dir, &saved, st, log); err != nil {
		t.Fatal(err)
	}
	if saved.AdminPassword != pw || strings.Contains(logs.String(), pw) {
		t.Errorf("restart: password %q (was %q), log:\n%s", saved.AdminPassword, pw, logs.String())
	}
	users, _ := st.ListUsers(ctx)
	if len(users) != 1 {
		t.Errorf("restart created another user: %+v", users)
	}
	if err := auth.SetPassword(&u, "the operator's own password"); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := ensureDemoAdmin(ctx, dir, &saved, st, log); err != nil {
		t.Fatal(err)
	}
	if u2, _ := st.UserByName(ctx, "admin"); u2.PasswordHash != u.PasswordHash {
		t.Error("the demo start replaced the operator's password")
	}
}
