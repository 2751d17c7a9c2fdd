package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// CreateNode stores n and returns its id. A zero CreatedAt means now.
func (s *Store) CreateNode(ctx context.Context, n store.Node) (int64, error) {
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now()
	}
	r, err := s.w.ExecContext(ctx, `INSERT INTO mta_nodes (name, role, api_url, created_at) VALUES (?, ?, ?, ?)`,
		n.Name, n.Role, n.APIURL, n.CreatedAt.UnixMilli())
	if err != nil {
		if isUnique(err) {
			return 0, fmt.Errorf("sqlite: create node %q: name %w", n.Name, store.ErrConflict)
		}
		return 0, fmt.Errorf("sqlite: create node %q: %w", n.Name, err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("sqlite: create node %q: %w", n.Name, err)
	}
	return id, nil
}

// NodeByID returns node id or store.ErrNotFound.
func (s *Store) NodeByID(ctx context.Context, id int64) (store.Node, error) {
	n, err := scanNode(s.r.QueryRowContext(ctx, `SELECT id, name, role, api_url, created_at FROM mta_nodes WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Node{}, fmt.Errorf("sqlite: node %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Node{}, fmt.Errorf("sqlite: node %d: %w", id, err)
	}
	return n, nil
}

// ListNodes returns every node ordered by id.
func (s *Store) ListNodes(ctx context.Context) ([]store.Node, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, role, api_url, created_at FROM mta_nodes ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list nodes: %w", err)
	}
	defer rows.Close()
	var out []store.Node
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list nodes: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list nodes: %w", err)
	}
	return out, nil
}

// UpdateNode stores name, role and API URL of n.ID.
func (s *Store) UpdateNode(ctx context.Context, n store.Node) error {
	err := s.execOne(ctx, fmt.Sprintf("update node %d", n.ID),
		`UPDATE mta_nodes SET name = ?, role = ?, api_url = ? WHERE id = ?`, n.Name, n.Role, n.APIURL, n.ID)
	if isUnique(err) {
		return fmt.Errorf("sqlite: update node %d: name %q %w", n.ID, n.Name, store.ErrConflict)
	}
	return err
}

// DeleteNode deletes node id.
func (s *Store) DeleteNode(ctx context.Context, id int64) error {
	return s.execOne(ctx, fmt.Sprintf("delete node %d", id), `DELETE FROM mta_nodes WHERE id = ?`, id)
}

func scanNode(row interface{ Scan(...any) error }) (store.Node, error) {
	var n store.Node
	var created int64
	if err := row.Scan(&n.ID, &n.Name, &n.Role, &n.APIURL, &created); err != nil {
		return store.Node{}, err
	}
	n.CreatedAt = time.UnixMilli(created).UTC()
	return n, nil
}
