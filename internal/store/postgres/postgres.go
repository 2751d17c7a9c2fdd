// Package postgres is the production Store: PostgreSQL through a pgx
// connection pool, for deployments that outgrow one SQLite file or run
// several nodes against one database. Its schema and value conversions mirror
// the sqlite package, so the two answer every query identically.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tinomail/tinomail/internal/store"
)

var _ store.Store = (*Store)(nil)

// ErrDuplicate is returned (wrapped) by CreateAPIKey when the name or the
// hash is already taken, like sqlite.ErrDuplicate.
var ErrDuplicate = store.ErrConflict

// Store is a PostgreSQL database reached through a connection pool.
type Store struct {
	pool   *pgxpool.Pool
	layout layout         // how email_events is split by day
	parts  partitionCache // native layout: days known to have a partition
}

// Open connects to the database at url (a postgres:// URL; a search_path
// query parameter selects the schema), applies pending migrations and fails
// if the schema is newer than this binary knows.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error may echo the URL, password included; keep it out.
		return nil, errors.New("postgres: open: cannot parse the database URL")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", redact(cfg), err)
	}
	// Connect now so that a wrong address or password fails Open, not the
	// first write.
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open %s: %w", redact(cfg), err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate %s: %w", redact(cfg), err)
	}
	s := &Store{pool: pool}
	if err := s.setupPartitions(ctx, time.Now()); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: partition email_events in %s: %w", redact(cfg), err)
	}
	return s, nil
}

// setupPartitions picks the layout of email_events and, for native
// partitions, loads the existing days and creates the coming week's, so
// that live writes rarely have to create a partition themselves.
func (s *Store) setupPartitions(ctx context.Context, now time.Time) error {
	l, err := setupEvents(ctx, s.pool)
	if err != nil {
		return err
	}
	s.layout = l
	if err := s.reloadPartitions(ctx); err != nil {
		return err
	}
	return s.ensureDays(ctx, aheadDays(now))
}

// redact names the database without the credentials, for error messages.
func redact(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// Close closes the pool, waiting for acquired connections to be released.
// Call it once, after in-flight calls have returned.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}
