package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/simulate"
	"github.com/tinomail/tinomail/internal/store"
)

// demoKeys are the keys serve --demo creates. They are kept in clear in the
// data dir (mode 0600) so that every demo start can print them: a demo
// convenience only, never done for keys made with tinomail apikey.
type demoKeys struct {
	Ingest string `json:"ingest"`
	Read   string `json:"read"`
	// AdminPassword is the password of the demo dashboard user "admin".
	AdminPassword string `json:"adminPassword,omitempty"`
}

const settingDemoBackfilled = "demo.backfilled"

// runDemo feeds the server simulated traffic through its own HTTP API: a
// 24h history once, then a steady live flow until ctx ends.
func runDemo(ctx context.Context, o serveOptions, st store.Store, keys *auth.Keys, url string, log *slog.Logger) {
	k, err := ensureDemoKeys(ctx, o.dataDir, keys)
	if err != nil {
		log.Error("demo: keys", "err", err)
		return
	}
	log.Info("demo API keys (also in "+filepath.Join(o.dataDir, "demo-keys.json")+")", "ingest", k.Ingest, "read", k.Read)
	if err := ensureDemoAdmin(ctx, o.dataDir, &k, st, log); err != nil {
		log.Error("demo: admin user", "err", err)
	}
	if _, err := st.Setting(ctx, settingDemoBackfilled); errors.Is(err, store.ErrNotFound) {
		log.Info("demo: backfilling 24h of history")
		rep, err := simulate.Run(ctx, simulate.Config{URL: url, APIKey: k.Ingest, Backfill: 24 * time.Hour,
			Count: 150000, Batch: 1000, Concurrency: 4, Log: log})
		if err != nil {
			log.Error("demo: backfill", "err", err)
			return
		}
		if err := st.SetSetting(ctx, settingDemoBackfilled, time.Now().UTC().Format(time.RFC3339)); err != nil {
			log.Error("demo: record backfill", "err", err)
		}
		log.Info("demo: backfill done", "events", rep.Queued, "elapsed", rep.Elapsed.Round(time.Millisecond))
	}
	if o.demoRate <= 0 {
		return
	}
	log.Info("demo: simulated traffic", "rate", o.demoRate)
	// The endless demo flow reports only its problems, not its progress.
	quiet := slog.New(minLevel{Handler: log.Handler(), min: slog.LevelWarn})
	if _, err := simulate.Run(ctx, simulate.Config{URL: url, APIKey: k.Ingest, Rate: o.demoRate,
		Batch: 10, Concurrency: 2, Log: quiet}); err != nil && ctx.Err() == nil {
		log.Error("demo: traffic", "err", err)
	}
}

func ensureDemoKeys(ctx context.Context, dataDir string, keys *auth.Keys) (demoKeys, error) {
	path := filepath.Join(dataDir, "demo-keys.json")
	var k demoKeys
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &k) == nil {
		_, errI := keys.Authenticate(ctx, k.Ingest, auth.ScopeIngest)
		_, errR := keys.Authenticate(ctx, k.Read, auth.ScopeRead)
		if errI == nil && errR == nil {
			return k, nil
		}
	}
	suffix := time.Now().UTC().Format("20060102-150405")
	var err error
	now := time.Now()
	if k.Ingest, err = keys.Create(ctx, "demo-ingest-"+suffix, []string{auth.ScopeIngest}, now); err != nil {
		return k, err
	}
	if k.Read, err = keys.Create(ctx, "demo-read-"+suffix, []string{auth.ScopeRead}, now); err != nil {
		return k, err
	}
	b, _ := json.MarshalIndent(k, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return k, fmt.Errorf("write %s: %w", path, err)
	}
	return k, nil
}

// minLevel drops records below min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{Handler: h.Handler.WithAttrs(as), min: h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: h.Handler.WithGroup(name), min: h.min}
}
