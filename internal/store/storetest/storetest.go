// Package storetest runs the same tests against every store.Store backend:
// SQLite in a temporary file and PostgreSQL in a throwaway schema. Only
// _test.go files import it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/postgres"
	"github.com/tinomail/tinomail/internal/store/sqlite"
)

// DefaultPostgresURL is the test server used when TINOMAIL_TEST_POSTGRES_URL
// is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Backend is an open store plus raw access to its database, for the few
// tests that must look under the Store interface or tamper with the schema.
type Backend struct {
	Name  string // "sqlite" or "postgres"
	Store store.Store
	// Exec runs statements on the store's database (its schema, for
	// PostgreSQL) outside the Store.
	Exec func(ctx context.Context, sql string) error
	// QueryRow runs a query without arguments and scans its single row.
	QueryRow func(ctx context.Context, sql string, dest ...any) error
}

// ForEachBackend runs fn as the subtests "sqlite" and "postgres", each with
// a fresh, empty store.
func ForEachBackend(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Helper()
	ForEachRawBackend(t, func(t *testing.T, b *Backend) { fn(t, b.Store) })
}

// ForEachRawBackend is ForEachBackend for tests that need the raw database.
func ForEachRawBackend(t *testing.T, fn func(t *testing.T, b *Backend)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a store on a new file in tb's temporary directory.
func SQLite(tb testing.TB) *Backend {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "tinomail.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("sqlite.Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return &Backend{
		Name:  "sqlite",
		Store: s,
		Exec: func(ctx context.Context, q string) error {
			_, err := db.ExecContext(ctx, q)
			return err
		},
		QueryRow: func(ctx context.Context, q string, dest ...any) error {
			return db.QueryRowContext(ctx, q).Scan(dest...)
		},
	}
}

// Postgres opens a store in a new schema of the test server.
func Postgres(tb testing.TB) *Backend {
	tb.Helper()
	u := PostgresURL(tb)
	s, err := postgres.Open(context.Background(), u)
	if err != nil {
		tb.Fatalf("postgres.Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	pool := connect(tb, u)
	return &Backend{
		Name:  "postgres",
		Store: s,
		Exec: func(ctx context.Context, q string) error {
			_, err := pool.Exec(ctx, q)
			return err
		},
		QueryRow: func(ctx context.Context, q string, dest ...any) error {
			return pool.QueryRow(ctx, q).Scan(dest...)
		},
	}
}

// PostgresURL creates a schema named t_<random> on the test server, drops
// it when tb ends, and returns the server URL with search_path set to it.
// It skips tb when the server cannot be reached, unless CI=true: CI must
// run the PostgreSQL tests, not skip them.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("TINOMAIL_TEST_POSTGRES_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, base)
	if err == nil {
		err = admin.Ping(ctx)
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL test server unreachable (set TINOMAIL_TEST_POSTGRES_URL): %v", err)
		}
		tb.Skipf("PostgreSQL test server unreachable (set TINOMAIL_TEST_POSTGRES_URL): %v", err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	// Registered first, so it runs after the store's own Close.
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("TINOMAIL_TEST_POSTGRES_URL is not a URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func connect(tb testing.TB, u string) *pgxpool.Pool {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), u)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return pool
}
