package postgres

import (
	"context"
	"embed"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tinomail/tinomail/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is store.ErrSchemaTooNew, named here for callers of Open.
var ErrSchemaTooNew = store.ErrSchemaTooNew

// migrate applies the steps newer than the database's version, one
// transaction per step.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := store.Migrations(migrationFS, "migrations")
	if err != nil {
		return err
	}
	for {
		done, err := migrateStep(ctx, pool, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the first step newer than the database's version and
// reports whether there was none. It holds a transaction-scoped advisory lock
// named after the current schema: two nodes starting at once take turns, and
// the second one re-reads the version and finds the step already applied.
// schema_migrations itself is created under the lock too, since concurrent
// CREATE TABLE IF NOT EXISTS can fail on PostgreSQL.
func migrateStep(ctx context.Context, pool *pgxpool.Pool, ms []store.Migration) (done bool, err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx) // no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('tinomail.migrate.' || current_schema()))`); err != nil {
		return false, fmt.Errorf("advisory lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		applied_at bigint  NOT NULL
	)`); err != nil {
		return false, fmt.Errorf("create schema_migrations: %w", err)
	}
	var cur int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	known := 0
	if len(ms) > 0 {
		known = ms[len(ms)-1].Version
	}
	if cur > known {
		return false, fmt.Errorf("%w: database is at version %d, this binary knows up to %d", ErrSchemaTooNew, cur, known)
	}
	i := sort.Search(len(ms), func(i int) bool { return ms[i].Version > cur })
	if i == len(ms) {
		return true, tx.Commit(ctx)
	}
	m := ms[i]
	// No arguments: pgx sends the file with the simple protocol, which
	// accepts several statements.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("apply %s: %w", m.Name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
		m.Version, time.Now().UnixMilli()); err != nil {
		return false, fmt.Errorf("apply %s: record version: %w", m.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("apply %s: commit: %w", m.Name, err)
	}
	return false, nil
}
