package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

func TestOpenMigratesOnceAndReopens(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	ms, err := store.Migrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Version != 1 {
		t.Fatalf("migrations = %+v, want a first step numbered 1", ms)
	}
	if err := s.SetSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	for i := 0; i < 2; i++ { // re-opening applies nothing and keeps data
		s2, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("re-Open %d: %v", i, err)
		}
		if v, err := s2.Setting(ctx, "k"); err != nil || v != "v" {
			t.Errorf("after re-Open, Setting = %q, %v; want v", v, err)
		}
		s2.Close()
	}
	db := rawDB(t, path)
	if n := count(t, db, `SELECT COUNT(*) FROM schema_migrations`); n != int64(len(ms)) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
	}
	if n := count(t, db, `SELECT MAX(version) FROM schema_migrations`); n != int64(ms[len(ms)-1].Version) {
		t.Errorf("schema version %d, want %d", n, ms[len(ms)-1].Version)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	for _, table := range []string{"email_events", "rollup_counts", "rollup_hist", "queue_applied", "api_keys", "settings"} {
		if n := count(t, db, `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table); n != 1 {
			t.Errorf("table %s missing", table)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openTest(t)
	s.Close()
	db := rawDB(t, path)
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(context.Background(), path)
	if err == nil {
		s2.Close()
		t.Fatal("Open succeeded on a schema newer than the binary")
	}
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open error = %v, want ErrSchemaTooNew", err)
	}
}

func TestReadPoolIsQueryOnly(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.r.Exec(`INSERT INTO settings (key, value) VALUES ('a', 'b')`); err == nil {
		t.Error("insert through the read pool succeeded")
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// TestTwoStoresOnOneFile is the CLI case: `tinomail apikey create` opens the
// database while the server's batch writer is busy with it.
func TestTwoStoresOnOneFile(t *testing.T) {
	ctx := context.Background()
	server, path := openTest(t)
	cli, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer cli.Close()

	const batches, perBatch = 30, 200
	var wg sync.WaitGroup
	wg.Add(1)
	var writeErr error
	go func() {
		defer wg.Done()
		for i := 0; i < batches; i++ {
			ev := genEvents(uint64(i), perBatch, t0, time.Hour)
			if _, err := server.WriteBatch(ctx, toMsgs("s", uint64(i*perBatch+1), ev, 1)); err != nil {
				writeErr = err
				return
			}
		}
	}()
	for i := 0; i < 20; i++ {
		k := store.APIKey{Name: fmt.Sprintf("key%d", i), Prefix: fmt.Sprintf("tm_%d", i), Hash: fmt.Sprintf("h%d", i), Scopes: []string{"ingest"}}
		if _, err := cli.CreateAPIKey(ctx, k); err != nil {
			t.Fatalf("CreateAPIKey from the second store: %v", err)
		}
		if _, err := cli.CountEvents(ctx, t0, t0.Add(time.Hour)); err != nil {
			t.Fatalf("CountEvents from the second store: %v", err)
		}
	}
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("WriteBatch while another store writes: %v", writeErr)
	}
	keys, err := server.ListAPIKeys(ctx)
	if err != nil || len(keys) != 20 {
		t.Errorf("server sees %d keys (%v), want 20", len(keys), err)
	}
	n, err := cli.CountEvents(ctx, t0, t0.Add(time.Hour))
	if err != nil || n != batches*perBatch {
		t.Errorf("second store counts %d events (%v), want %d", n, err, batches*perBatch)
	}
}
