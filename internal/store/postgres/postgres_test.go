package postgres_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tinomail/tinomail/internal/store/postgres"
	"github.com/tinomail/tinomail/internal/store/storetest"
	"github.com/tinomail/tinomail/internal/store/storetest/gen"
)

func TestOpenMigratesOnceAndReopens(t *testing.T) {
	ctx := context.Background()
	u := storetest.PostgresURL(t)
	s, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for i := 0; i < 2; i++ { // re-opening applies nothing and keeps data
		s2, err := postgres.Open(ctx, u)
		if err != nil {
			t.Fatalf("re-Open %d: %v", i, err)
		}
		if v, err := s2.Setting(ctx, "k"); err != nil || v != "v" {
			t.Errorf("after re-Open, Setting = %q, %v; want v", v, err)
		}
		if err := s2.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
		s2.Close()
	}
	db := pool(t, u)
	var n, tables int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != migrationCount(t) {
		t.Errorf("schema_migrations has %d rows (%v), want %d", n, err, migrationCount(t))
	}
	// Unqualified names resolve to the URL's search_path, not public.
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name IN
		('email_events', 'rollup_counts', 'rollup_hist', 'queue_applied', 'api_keys', 'settings')`).Scan(&tables); err != nil || tables != 6 {
		t.Errorf("found %d of 6 tables in the test schema (%v)", tables, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	u := storetest.PostgresURL(t)
	s, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := pool(t, u).Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	s2, err := postgres.Open(ctx, u)
	if err == nil {
		s2.Close()
		t.Fatal("Open succeeded on a schema newer than the binary")
	}
	if !errors.Is(err, postgres.ErrSchemaTooNew) {
		t.Errorf("Open error = %v, want ErrSchemaTooNew", err)
	}
}

// TestConcurrentOpen is two nodes starting at once against an empty
// database: the advisory lock makes one migrate and the others wait.
func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	u := storetest.PostgresURL(t)
	const nodes = 6
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Go(func() {
			s, err := postgres.Open(ctx, u)
			if err == nil {
				err = s.SetSetting(ctx, "k", "v")
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
	var n int
	if err := pool(t, u).QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != migrationCount(t) {
		t.Errorf("schema_migrations has %d rows (%v), want %d", n, err, migrationCount(t))
	}
}

// migrationCount is the number of migration files, which the store embeds
// and applies once each.
func migrationCount(t *testing.T) int {
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found (%v)", err)
	}
	return len(files)
}

func TestOpenBadURL(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://user:secret@[::1")
	if err == nil {
		t.Fatal("Open accepted a malformed URL")
	}
	if errors.Is(err, postgres.ErrSchemaTooNew) || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open error = %v: leaks the password or is the wrong error", err)
	}
}

func pool(t *testing.T, u string) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// TestAnalyzeGathersStatistics checks that Analyze leaves the planner
// statistics of the partitioned tables, which autovacuum never gathers.
func TestAnalyzeGathersStatistics(t *testing.T) {
	ctx := context.Background()
	u := storetest.PostgresURL(t)
	s, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs := gen.Events(1, 500, gen.T0, time.Hour)
	if _, err := s.WriteBatch(ctx, gen.Msgs("s", 1, evs, 50)); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	stats := func() (n int) {
		t.Helper()
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stats WHERE schemaname = current_schema()
			AND tablename IN ('email_events', 'rollup_counts', 'rollup_hist')`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := stats(); n != 0 {
		t.Fatalf("%d statistics rows before Analyze; the test needs none", n)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	if n := stats(); n < 20 {
		t.Errorf("%d statistics rows for the partitioned tables after Analyze, want one per column", n)
	}
}
