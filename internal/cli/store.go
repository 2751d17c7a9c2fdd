package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/postgres"
	"github.com/tinomail/tinomail/internal/store/sqlite"
)

// openStore opens PostgreSQL when a database URL is given, and otherwise the
// SQLite database of the data dir, creating both if needed.
func openStore(ctx context.Context, dataDir, databaseURL string) (store.Store, error) {
	switch {
	case databaseURL == "":
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		return sqlite.Open(ctx, filepath.Join(dataDir, "tinomail.db"))
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return postgres.Open(ctx, databaseURL)
	}
	return nil, fmt.Errorf("--database-url: want postgres://… or postgresql://…, got %q", redact(databaseURL))
}

// redact hides a password in a URL-like string before it is printed.
func redact(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "(not a URL)"
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if user, _, hasPass := strings.Cut(rest[:at], ":"); hasPass {
			return scheme + "://" + user + ":***@" + rest[at+1:]
		}
	}
	return u
}
