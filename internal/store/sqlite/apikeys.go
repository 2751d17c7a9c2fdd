package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tinomail/tinomail/internal/store"
)

// ErrDuplicate is returned (wrapped) by CreateAPIKey when the name or the
// hash is already taken. store defines no conflict sentinel, so callers test
// for it with errors.Is(err, sqlite.ErrDuplicate).
var ErrDuplicate = store.ErrConflict

const apiKeyCols = `id, name, prefix, hash, scopes, created_at, last_used_at, revoked_at, allowed_cidrs, last_used_addr`

// CreateAPIKey stores k and returns its id. A zero CreatedAt means now.
func (s *Store) CreateAPIKey(ctx context.Context, k store.APIKey) (int64, error) {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now()
	}
	r, err := s.w.ExecContext(ctx, `INSERT INTO api_keys (name, prefix, hash, scopes, created_at, last_used_at, revoked_at, allowed_cidrs, last_used_addr)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.Name, k.Prefix, k.Hash, strings.Join(k.Scopes, ","), k.CreatedAt.UnixMilli(), nullTime(k.LastUsedAt), nullTime(k.RevokedAt),
		strings.Join(k.AllowedCIDRs, ","), k.LastUsedAddr)
	if err != nil {
		if isUnique(err) {
			what := "hash"
			if strings.Contains(err.Error(), "api_keys.name") {
				what = "name"
			}
			return 0, fmt.Errorf("sqlite: create api key %q: %s %w", k.Name, what, ErrDuplicate)
		}
		return 0, fmt.Errorf("sqlite: create api key %q: %w", k.Name, err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("sqlite: create api key %q: %w", k.Name, err)
	}
	return id, nil
}

// ListAPIKeys returns every key, revoked or not, ordered by id.
func (s *Store) ListAPIKeys(ctx context.Context) ([]store.APIKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list api keys: %w", err)
	}
	defer rows.Close()
	var out []store.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list api keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list api keys: %w", err)
	}
	return out, nil
}

// APIKeyByHash returns the key with that hash, revoked or not, or
// store.ErrNotFound.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (store.APIKey, error) {
	k, err := scanAPIKey(s.r.QueryRowContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return store.APIKey{}, fmt.Errorf("sqlite: api key by hash: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("sqlite: api key by hash: %w", err)
	}
	return k, nil
}

// RevokeAPIKey revokes the unrevoked key named nameOrPrefix or, failing
// that, the one whose prefix is exactly nameOrPrefix. It refuses a prefix
// that matches several keys rather than revoke more than the operator meant.
func (s *Store) RevokeAPIKey(ctx context.Context, nameOrPrefix string, at time.Time) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: revoke api key %q: %w", nameOrPrefix, err)
	}
	defer tx.Rollback()
	var ids []int64
	for _, col := range []string{"name", "prefix"} {
		ids, err = queryIDs(ctx, tx, `SELECT id FROM api_keys WHERE `+col+` = ? AND revoked_at IS NULL`, nameOrPrefix)
		if err != nil {
			return fmt.Errorf("sqlite: revoke api key %q: %w", nameOrPrefix, err)
		}
		if len(ids) > 0 {
			break
		}
	}
	switch len(ids) {
	case 0:
		return fmt.Errorf("sqlite: revoke api key %q: no unrevoked key has that name or prefix: %w", nameOrPrefix, store.ErrNotFound)
	case 1:
	default:
		return fmt.Errorf("sqlite: revoke api key %q: prefix matches %d keys, revoke by name", nameOrPrefix, len(ids))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ?`, at.UnixMilli(), ids[0]); err != nil {
		return fmt.Errorf("sqlite: revoke api key %q: %w", nameOrPrefix, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: revoke api key %q: commit: %w", nameOrPrefix, err)
	}
	return nil
}

// TouchAPIKey records that key id was used at at; store.ErrNotFound if no
// such key.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, at time.Time) error {
	r, err := s.w.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("sqlite: touch api key %d: %w", id, err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: touch api key %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: touch api key %d: %w", id, store.ErrNotFound)
	}
	return nil
}

func queryIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func scanAPIKey(row interface{ Scan(...any) error }) (store.APIKey, error) {
	var k store.APIKey
	var scopes, cidrs string
	var created int64
	var used, revoked sql.NullInt64
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
	if used.Valid {
		k.LastUsedAt = time.UnixMilli(used.Int64).UTC()
	}
	if revoked.Valid {
		k.RevokedAt = time.UnixMilli(revoked.Int64).UTC()
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

func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}
