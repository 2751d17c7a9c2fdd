package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tinomail/tinomail/internal/store"
)

// CreateNode stores n and returns its id. A zero CreatedAt means now.
func (s *Store) CreateNode(ctx context.Context, n store.Node) (int64, error) {
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now()
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO mta_nodes (name, role, api_url, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		n.Name, n.Role, n.APIURL, n.CreatedAt.UnixMilli()).Scan(&id)
	if err != nil {
		if isUnique(err) {
			return 0, fmt.Errorf("postgres: create node %q: name %w", n.Name, store.ErrConflict)
		}
		return 0, fmt.Errorf("postgres: create node %q: %w", n.Name, err)
	}
	return id, nil
}

// NodeByID returns node id or store.ErrNotFound.
func (s *Store) NodeByID(ctx context.Context, id int64) (store.Node, error) {
	n, err := scanNode(s.pool.QueryRow(ctx, `SELECT id, name, role, api_url, created_at FROM mta_nodes WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Node{}, fmt.Errorf("postgres: node %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Node{}, fmt.Errorf("postgres: node %d: %w", id, err)
	}
	return n, nil
}

// ListNodes returns every node ordered by id.
func (s *Store) ListNodes(ctx context.Context) ([]store.Node, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, role, api_url, created_at FROM mta_nodes ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list nodes: %w", err)
	}
	ns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Node, error) { return scanNode(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list nodes: %w", err)
	}
	if len(ns) == 0 {
		return nil, nil
	}
	return ns, nil
}

// UpdateNode stores name, role and API URL of n.ID.
func (s *Store) UpdateNode(ctx context.Context, n store.Node) error {
	err := s.execOne(ctx, fmt.Sprintf("update node %d", n.ID),
		`UPDATE mta_nodes SET name = $1, role = $2, api_url = $3 WHERE id = $4`, n.Name, n.Role, n.APIURL, n.ID)
	if isUnique(err) {
		return fmt.Errorf("postgres: update node %d: name %q %w", n.ID, n.Name, store.ErrConflict)
	}
	return err
}

// DeleteNode deletes node id.
func (s *Store) DeleteNode(ctx context.Context, id int64) error {
	return s.execOne(ctx, fmt.Sprintf("delete node %d", id), `DELETE FROM mta_nodes WHERE id = $1`, id)
}

func scanNode(row pgx.Row) (store.Node, error) {
	var n store.Node
	var created int64
	if err := row.Scan(&n.ID, &n.Name, &n.Role, &n.APIURL, &created); err != nil {
		return store.Node{}, err
	}
	n.CreatedAt = time.UnixMilli(created).UTC()
	return n, nil
}
