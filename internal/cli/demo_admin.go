package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/store"
)

const demoAdminName = "admin"

// ensureDemoAdmin creates the dashboard user "admin" with a generated
// password the first time serve --demo runs, logs the password that once,
// and keeps it in demo-keys.json beside the demo keys, so that a restart
// neither creates another nor loses it. An admin whose password was changed
// since is left alone.
func ensureDemoAdmin(ctx context.Context, dataDir string, k *demoKeys, st store.Store, log *slog.Logger) error {
	path := filepath.Join(dataDir, "demo-keys.json")
	u, err := st.UserByName(ctx, demoAdminName)
	switch {
	case err == nil && k.AdminPassword != "" && auth.VerifyPassword(u.PasswordHash, k.AdminPassword):
		log.Info("demo dashboard login: user admin, password in " + path)
		return nil
	case err == nil:
		log.Info("demo: the dashboard user admin exists already with a password not in " + path + "; left as it is")
		return nil
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	pw := auth.GeneratePassword()
	if _, err := auth.CreateUser(ctx, st, demoAdminName, pw, store.RoleAdmin, time.Now()); err != nil {
		return err
	}
	cliAudit(ctx, st, "user.create", "user:"+demoAdminName, "role=admin (serve --demo)")
	k.AdminPassword = pw
	b, _ := json.MarshalIndent(k, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	log.Info("demo dashboard login created (shown once; also in "+path+")", "user", demoAdminName, "password", pw)
	return nil
}
