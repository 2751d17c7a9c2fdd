package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tinomail/tinomail/internal/store"
)

const userCols = `id, username, role, password_hash, disabled, created_at, last_login_at`

// CreateUser stores u and returns its id. A zero CreatedAt means now.
func (s *Store) CreateUser(ctx context.Context, u store.User) (int64, error) {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO users (username, role, password_hash, disabled, created_at, last_login_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		u.Username, u.Role, u.PasswordHash, u.Disabled, u.CreatedAt.UnixMilli(), nullTime(u.LastLoginAt)).Scan(&id)
	if err != nil {
		if isUnique(err) {
			return 0, fmt.Errorf("postgres: create user %q: username %w", u.Username, store.ErrConflict)
		}
		return 0, fmt.Errorf("postgres: create user %q: %w", u.Username, err)
	}
	return id, nil
}

// UserByID returns user id or store.ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (store.User, error) {
	return s.userWhere(ctx, `id = $1`, id)
}

// UserByName returns the user with that exact username or store.ErrNotFound.
func (s *Store) UserByName(ctx context.Context, username string) (store.User, error) {
	return s.userWhere(ctx, `username = $1`, username)
}

func (s *Store) userWhere(ctx context.Context, cond string, arg any) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE `+cond, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, fmt.Errorf("postgres: user %v: %w", arg, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("postgres: user %v: %w", arg, err)
	}
	return u, nil
}

// ListUsers returns every user ordered by id.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userCols+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list users: %w", err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list users: %w", err)
	}
	if len(us) == 0 {
		return nil, nil
	}
	return us, nil
}

// UpdateUser stores role, disabled and password hash of u.ID.
func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	return s.changeUser(ctx, u.ID, func(tx pgx.Tx) (pgconn.CommandTag, error) {
		return tx.Exec(ctx, `UPDATE users SET role = $1, disabled = $2, password_hash = $3 WHERE id = $4`,
			u.Role, u.Disabled, u.PasswordHash, u.ID)
	})
}

// DeleteUser deletes user id and, by cascade, its sessions.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	return s.changeUser(ctx, id, func(tx pgx.Tx) (pgconn.CommandTag, error) {
		return tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
	})
}

// changeUser runs change and commits it unless the user does not exist or
// no enabled admin would remain. Locking the enabled admins first makes two
// concurrent demotions of the last two admins take turns, so the second one
// sees the first and is refused.
func (s *Store) changeUser(ctx context.Context, id int64, change func(pgx.Tx) (pgconn.CommandTag, error)) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: change user %d: %w", id, err)
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE role = 'admin' AND NOT disabled FOR UPDATE`)
	if err != nil {
		return fmt.Errorf("postgres: change user %d: %w", id, err)
	}
	admins, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("postgres: change user %d: %w", id, err)
	}
	tag, err := change(tx)
	if err != nil {
		return fmt.Errorf("postgres: change user %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: change user %d: %w", id, store.ErrNotFound)
	}
	var after int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled`).Scan(&after); err != nil {
		return fmt.Errorf("postgres: change user %d: %w", id, err)
	}
	if len(admins) > 0 && after == 0 {
		return fmt.Errorf("postgres: change user %d: %w", id, store.ErrLastAdmin)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: change user %d: commit: %w", id, err)
	}
	return nil
}

// TouchUserLogin records a successful login.
func (s *Store) TouchUserLogin(ctx context.Context, id int64, at time.Time) error {
	return s.execOne(ctx, fmt.Sprintf("touch user %d", id), `UPDATE users SET last_login_at = $1 WHERE id = $2`, at.UnixMilli(), id)
}

// execOne runs a statement that must affect exactly one row; store.ErrNotFound otherwise.
func (s *Store) execOne(ctx context.Context, what, query string, args ...any) error {
	tag, err := s.pool.Exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s: %w", what, store.ErrNotFound)
	}
	return nil
}

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	var created int64
	var login *int64
	if err := row.Scan(&u.ID, &u.Username, &u.Role, &u.PasswordHash, &u.Disabled, &created, &login); err != nil {
		return store.User{}, err
	}
	u.CreatedAt = time.UnixMilli(created).UTC()
	if login != nil {
		u.LastLoginAt = time.UnixMilli(*login).UTC()
	}
	return u, nil
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
