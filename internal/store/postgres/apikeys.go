package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tinomail/tinomail/internal/store"
)

const apiKeyCols = `id, name, prefix, hash, scopes, created_at, last_used_at, revoked_at, allowed_cidrs, last_used_addr`

// CreateAPIKey stores k and returns its id. A zero CreatedAt means now.
func (s *Store) CreateAPIKey(ctx context.Context, k store.APIKey) (int64, error) {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now()
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO api_keys (name, prefix, hash, scopes, created_at, last_used_at, revoked_at, allowed_cidrs, last_used_addr)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		k.Name, k.Prefix, k.Hash, strings.Join(k.Scopes, ","), k.CreatedAt.UnixMilli(), nullTime(k.LastUsedAt), nullTime(k.RevokedAt),
		strings.Join(k.AllowedCIDRs, ","), k.LastUsedAddr).Scan(&id)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
			what := "hash"
			if pe.ConstraintName == "api_keys_name_key" {
				what = "name"
			}
			return 0, fmt.Errorf("postgres: create api key %q: %s %w", k.Name, what, ErrDuplicate)
		}
		return 0, fmt.Errorf("postgres: create api key %q: %w", k.Name, err)
	}
	return id, nil
}

// ListAPIKeys returns every key, revoked or not, ordered by id.
func (s *Store) ListAPIKeys(ctx context.Context) ([]store.APIKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+apiKeyCols+` FROM api_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list api keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.APIKey, error) { return scanAPIKey(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list api keys: %w", err)
	}
	if len(keys) == 0 {
		return nil, nil // like the sqlite store: no keys is a nil slice
	}
	return keys, nil
}

// APIKeyByHash returns the key with that hash, revoked or not, or
// store.ErrNotFound.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (store.APIKey, error) {
	k, err := scanAPIKey(s.pool.QueryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.APIKey{}, fmt.Errorf("postgres: api key by hash: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("postgres: api key by hash: %w", err)
	}
	return k, nil
}

// RevokeAPIKey revokes the unrevoked key named nameOrPrefix or, failing
// that, the one whose prefix is exactly nameOrPrefix. It refuses a prefix
// that matches several keys rather than revoke more than the operator meant.
func (s *Store) RevokeAPIKey(ctx context.Context, nameOrPrefix string, at time.Time) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: revoke api key %q: %w", nameOrPrefix, err)
	}
	defer tx.Rollback(ctx)
	var ids []int64
	for _, col := range []string{"name", "prefix"} {
		// FOR UPDATE: a concurrent revoke of the same key waits, then sees
		// it revoked, instead of both succeeding.
		rows, err := tx.Query(ctx, `SELECT id FROM api_keys WHERE `+col+` = $1 AND revoked_at IS NULL FOR UPDATE`, nameOrPrefix)
		if err != nil {
			return fmt.Errorf("postgres: revoke api key %q: %w", nameOrPrefix, err)
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return fmt.Errorf("postgres: revoke api key %q: %w", nameOrPrefix, err)
		}
		if len(ids) > 0 {
			break
		}
	}
	switch len(ids) {
	case 0:
		return fmt.Errorf("postgres: revoke api key %q: no unrevoked key has that name or prefix: %w", nameOrPrefix, store.ErrNotFound)
	case 1:
	default:
		return fmt.Errorf("postgres: revoke api key %q: prefix matches %d keys, revoke by name", nameOrPrefix, len(ids))
	}
	if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE id = $2`, at.UnixMilli(), ids[0]); err != nil {
		return fmt.Errorf("postgres: revoke api key %q: %w", nameOrPrefix, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: revoke api key %q: commit: %w", nameOrPrefix, err)
	}
	return nil
}

// TouchAPIKey records that key id was used at at; store.ErrNotFound if no
// such key.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("postgres: touch api key %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: touch api key %d: %w", id, store.ErrNotFound)
	}
	return nil
}

func scanAPIKey(row pgx.Row) (store.APIKey, error) {
	var k store.APIKey
	var scopes, cidrs string
	var created int64
	var used, revoked *int64
	if err := row.Scan(&k.ID, &k.Name, &k.Prefix, &k.Hash, &scopes, &created, &used, &revoked, &cidrs, &k.LastUsedAddr); err != nil {
		return store.APIKey{}, err
	}
	if scopes != "" {
		k.Scopes = strings.Split(scopes, ",")
	}
	if cidrs != "" {
		k.AllowedCIDRs = strings.Split(cidrs, ",")
	}
	k.CreatedAt = time.UnixMilli(created).UTC()
	if used != nil {
		k.LastUsedAt = time.UnixMilli(*used).UTC()
	}
	if revoked != nil {
		k.RevokedAt = time.UnixMilli(*revoked).UTC()
	}
	return k, nil
}

// nullTime stores the zero time as NULL ("never").
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}
