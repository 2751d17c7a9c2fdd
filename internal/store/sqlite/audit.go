package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// AppendAudit adds an entry to the audit log. A zero Time means now.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (int64, error) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	r, err := s.w.ExecContext(ctx, `INSERT INTO audit_log (time, actor, action, target, detail, remote_addr)
		VALUES (?, ?, ?, ?, ?, ?)`, e.Time.UnixMilli(), e.Actor, e.Action, e.Target, e.Detail, e.RemoteAddr)
	if err != nil {
		return 0, fmt.Errorf("sqlite: append audit %s: %w", e.Action, err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("sqlite: append audit %s: %w", e.Action, err)
	}
	return id, nil
}

// ListAudit returns up to limit entries, newest first, below beforeID when it is positive.
func (s *Store) ListAudit(ctx context.Context, beforeID int64, limit int) ([]store.AuditEntry, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, time, actor, action, target, detail, remote_addr
		FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list audit: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var e store.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.RemoteAddr); err != nil {
			return nil, fmt.Errorf("sqlite: list audit: %w", err)
		}
		e.Time = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list audit: %w", err)
	}
	return out, nil
}

// RevokeAPIKeyByID revokes the unrevoked key id.
func (s *Store) RevokeAPIKeyByID(ctx context.Context, id int64, at time.Time) error {
	return s.execOne(ctx, fmt.Sprintf("revoke api key %d", id),
		`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at.UnixMilli(), id)
}

// RecordAPIKeyUse records the time and client address of a key's use.
func (s *Store) RecordAPIKeyUse(ctx context.Context, id int64, at time.Time, addr string) error {
	return s.execOne(ctx, fmt.Sprintf("record use of api key %d", id),
		`UPDATE api_keys SET last_used_at = ?, last_used_addr = ? WHERE id = ?`, at.UnixMilli(), addr, id)
}
