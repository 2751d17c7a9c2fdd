// Package sqlite is the embedded, zero set-up Store: one SQLite file in WAL
// mode, written through a single connection and read through a pool, using
// the pure-Go driver modernc.org/sqlite so the binary needs no cgo.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/tinomail/tinomail/internal/store"
)

var _ store.Store = (*Store)(nil)

// busyTimeoutMs is how long a connection waits for another writer (the
// batch writer, or a CLI process such as `tinomail apikey create`) before
// giving up with SQLITE_BUSY.
const busyTimeoutMs = 10000

// readConns is the size of the read pool: enough for concurrent dashboard
// panels, small enough that each connection's page cache stays warm.
const readConns = 4

// Store is a SQLite database. Writes go through one connection, because
// SQLite has one writer anyway and a single connection lets prepared
// statements stay cached; reads use a separate query-only pool so that, in
// WAL mode, they never wait behind a write transaction.
type Store struct {
	w *sql.DB // MaxOpenConns(1), BEGIN IMMEDIATE
	r *sql.DB // query_only pool

	// stmts are the hot-path statements, prepared at Open on the single
	// write connection. They cannot be prepared lazily: inside a transaction
	// that connection is taken, and preparing on the pool would wait forever.
	stmts map[string]*sql.Stmt
}

// Open opens (creating it if missing) the database file at path, configures
// it and applies pending migrations. It fails if the file's schema is newer
// than this binary knows.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: want a plain file path", path)
	}
	// BEGIN IMMEDIATE takes the write lock up front, where busy_timeout
	// applies; a deferred transaction that upgrades later would instead fail
	// at once with SQLITE_BUSY when another process wrote in between.
	//
	// A 64 MiB page cache keeps the hot index and rollup pages of a large
	// file in memory; temp_store=MEMORY keeps the statement journals of the
	// multi-row upserts off the disk.
	w, err := openDB(ctx, path, []string{
		"journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)",
		"cache_size(-65536)", "temp_store(MEMORY)",
	}, "&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s for writing: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	r, err := openDB(ctx, path, []string{"foreign_keys(1)", "query_only(1)"}, "")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	s := &Store{w: w, r: r, stmts: make(map[string]*sql.Stmt)}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: prepare: %w", path, err)
	}
	return s, nil
}

func (s *Store) prepare(ctx context.Context) error {
	queries := []string{sqlApplied, sqlSourceTotal, sqlSourceMinute}
	for _, m := range []*multiRow{insertEvents, upsertCounts, upsertHist} {
		for _, q := range m.queries {
			queries = append(queries, q)
		}
	}
	for _, q := range queries {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		s.stmts[q] = st
	}
	return nil
}

func openDB(ctx context.Context, path string, pragmas []string, extra string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMs))
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", path+"?"+q.Encode()+extra)
	if err != nil {
		return nil, err
	}
	// Connect now so that a bad path or a corrupt file fails Open, not the
	// first query.
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes both connection pools. Call it once, after in-flight calls
// have returned.
func (s *Store) Close() error {
	for _, st := range s.stmts {
		st.Close()
	}
	return errors.Join(s.r.Close(), s.w.Close())
}

// Ping checks that the database answers on both pools.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping writer: %w", err)
	}
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping reader: %w", err)
	}
	return nil
}

// stmt returns the statement prepared at Open for query, bound to tx.
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, ok := s.stmts[query]
	if !ok {
		return nil, fmt.Errorf("statement not prepared at Open: %.40s", query)
	}
	return tx.StmtContext(ctx, st), nil
}
