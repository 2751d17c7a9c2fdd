package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

const userCols = `id, username, role, password_hash, disabled, created_at, last_login_at`

// CreateUser stores u and returns its id. A zero CreatedAt means now.
func (s *Store) CreateUser(ctx context.Context, u store.User) (int64, error) {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	r, err := s.w.ExecContext(ctx, `INSERT INTO users (username, role, password_hash, disabled, created_at, last_login_at)
		VALUES (?, ?, ?, ?, ?, ?)`, u.Username, u.Role, u.PasswordHash, u.Disabled, u.CreatedAt.UnixMilli(), nullTime(u.LastLoginAt))
	if err != nil {
		if isUnique(err) {
			return 0, fmt.Errorf("sqlite: create user %q: username %w", u.Username, store.ErrConflict)
		}
		return 0, fmt.Errorf("sqlite: create user %q: %w", u.Username, err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("sqlite: create user %q: %w", u.Username, err)
	}
	return id, nil
}

// UserByID returns user id or store.ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (store.User, error) {
	return s.userWhere(ctx, `id = ?`, id)
}

// UserByName returns the user with that exact username or store.ErrNotFound.
func (s *Store) UserByName(ctx context.Context, username string) (store.User, error) {
	return s.userWhere(ctx, `username = ?`, username)
}

func (s *Store) userWhere(ctx context.Context, cond string, arg any) (store.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("sqlite: user %v: %w", arg, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: user %v: %w", arg, err)
	}
	return u, nil
}

// ListUsers returns every user ordered by id.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", err)
	}
	return out, nil
}

// UpdateUser stores role, disabled and password hash of u.ID. The admin
// count is checked in the same (immediate, so exclusive) transaction.
func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	return s.changeUser(ctx, u.ID, func(tx *sql.Tx) (sql.Result, error) {
		return tx.ExecContext(ctx, `UPDATE users SET role = ?, disabled = ?, password_hash = ? WHERE id = ?`,
			u.Role, u.Disabled, u.PasswordHash, u.ID)
	})
}

// DeleteUser deletes user id and, by cascade, its sessions.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	return s.changeUser(ctx, id, func(tx *sql.Tx) (sql.Result, error) {
		return tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
	})
}

// changeUser runs change and commits it unless the user does not exist or
// no enabled admin would remain.
func (s *Store) changeUser(ctx context.Context, id int64, change func(*sql.Tx) (sql.Result, error)) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: change user %d: %w", id, err)
	}
	defer tx.Rollback()
	var before int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled`).Scan(&before); err != nil {
		return fmt.Errorf("sqlite: change user %d: %w", id, err)
	}
	r, err := change(tx)
	if err != nil {
		return fmt.Errorf("sqlite: change user %d: %w", id, err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: change user %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: change user %d: %w", id, store.ErrNotFound)
	}
	var after int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled`).Scan(&after); err != nil {
		return fmt.Errorf("sqlite: change user %d: %w", id, err)
	}
	if before > 0 && after == 0 {
		return fmt.Errorf("sqlite: change user %d: %w", id, store.ErrLastAdmin)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: change user %d: commit: %w", id, err)
	}
	return nil
}

// TouchUserLogin records a successful login.
func (s *Store) TouchUserLogin(ctx context.Context, id int64, at time.Time) error {
	return s.execOne(ctx, fmt.Sprintf("touch user %d", id), `UPDATE users SET last_login_at = ? WHERE id = ?`, at.UnixMilli(), id)
}

// execOne runs a statement that must affect exactly one row; store.ErrNotFound otherwise.
func (s *Store) execOne(ctx context.Context, what, query string, args ...any) error {
	r, err := s.w.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: %s: %w", what, store.ErrNotFound)
	}
	return nil
}

func scanUser(row interface{ Scan(...any) error }) (store.User, error) {
	var u store.User
	var created int64
	var login sql.NullInt64
	if err := row.Scan(&u.ID, &u.Username, &u.Role, &u.PasswordHash, &u.Disabled, &created, &login); err != nil {
		return store.User{}, err
	}
	u.CreatedAt = time.UnixMilli(created).UTC()
	if login.Valid {
		u.LastLoginAt = time.UnixMilli(login.Int64).UTC()
	}
	return u, nil
}
