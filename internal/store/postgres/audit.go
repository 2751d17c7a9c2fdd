package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tinomail/tinomail/internal/store"
)

// AppendAudit adds an entry to the audit log. A zero Time means now.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (int64, error) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO audit_log (time, actor, action, target, detail, remote_addr)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, e.Time.UnixMilli(), e.Actor, e.Action, e.Target, e.Detail, e.RemoteAddr).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgres: append audit %s: %w", e.Action, err)
	}
	return id, nil
}

// ListAudit returns up to limit entries, newest first, below beforeID when it is positive.
func (s *Store) ListAudit(ctx context.Context, beforeID int64, limit int) ([]store.AuditEntry, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := s.pool.Query(ctx, `SELECT id, time, actor, action, target, detail, remote_addr
		FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2`, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list audit: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AuditEntry, error) {
		var e store.AuditEntry
		var at int64
		err := r.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.RemoteAddr)
		e.Time = time.UnixMilli(at).UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list audit: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// RevokeAPIKeyByID revokes the unrevoked key id.
func (s *Store) RevokeAPIKeyByID(ctx context.Context, id int64, at time.Time) error {
	return s.execOne(ctx, fmt.Sprintf("revoke api key %d", id),
		`UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, at.UnixMilli(), id)
}

// RecordAPIKeyUse records the time and client address of a key's use.
func (s *Store) RecordAPIKeyUse(ctx context.Context, id int64, at time.Time, addr string) error {
	return s.execOne(ctx, fmt.Sprintf("record use of api key %d", id),
		`UPDATE api_keys SET last_used_at = $1, last_used_addr = $2 WHERE id = $3`, at.UnixMilli(), addr, id)
}
