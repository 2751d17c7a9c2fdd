package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, se store.Session) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, csrf_token, created_at, last_seen_at, remote_addr)
		VALUES (?, ?, ?, ?, ?, ?)`, se.Hash, se.UserID, se.CSRFToken, se.CreatedAt.UnixMilli(), se.LastSeenAt.UnixMilli(), se.RemoteAddr)
	if err != nil {
		return fmt.Errorf("sqlite: create session for user %d: %w", se.UserID, err)
	}
	return nil
}

// SessionByHash returns the session with that token hash or store.ErrNotFound.
func (s *Store) SessionByHash(ctx context.Context, hash string) (store.Session, error) {
	var se store.Session
	var created, seen int64
	err := s.r.QueryRowContext(ctx, `SELECT hash, user_id, csrf_token, created_at, last_seen_at, remote_addr
		FROM sessions WHERE hash = ?`, hash).Scan(&se.Hash, &se.UserID, &se.CSRFToken, &created, &seen, &se.RemoteAddr)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("sqlite: session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlite: session: %w", err)
	}
	se.CreatedAt, se.LastSeenAt = time.UnixMilli(created).UTC(), time.UnixMilli(seen).UTC()
	return se, nil
}

// TouchSession records activity on a session.
func (s *Store) TouchSession(ctx context.Context, hash string, at time.Time) error {
	return s.execOne(ctx, "touch session", `UPDATE sessions SET last_seen_at = ? WHERE hash = ?`, at.UnixMilli(), hash)
}

// DeleteSession deletes a session; deleting one that does not exist is not an error.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions logs a user out everywhere.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("sqlite: delete sessions of user %d: %w", userID, err)
	}
	return nil
}

// DeleteExpiredSessions deletes sessions idle since idleBefore or created
// before createdBefore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	r, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?`,
		idleBefore.UnixMilli(), createdBefore.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return n, nil
}
