package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tinomail/tinomail/internal/store"
)

// Setting returns the value of key, or store.ErrNotFound if it was never set.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("sqlite: setting %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: setting %q: %w", key, err)
	}
	return v, nil
}

// SetSetting sets key to value, replacing any earlier value.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("sqlite: set setting %q: %w", key, err)
	}
	return nil
}
