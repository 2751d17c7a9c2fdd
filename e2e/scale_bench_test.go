package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/benchload"
	"github.com/tinomail/tinomail/internal/simulate"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/postgres"
	"github.com/tinomail/tinomail/internal/store/sqlite"
	"github.com/tinomail/tinomail/internal/store/storetest"
)

// BenchmarkQueriesAtScale loads TINOMAIL_BENCH_EVENTS simulated events
// (default 1,000,000) spread over the last 30 days, then measures each
// dashboard query over the HTTP API. The events go straight into the store
// through its WriteBatch (internal/benchload) before the server starts;
// TINOMAIL_BENCH_LOADER=http sends them through the real ingest path instead.
// TINOMAIL_BENCH_DATABASE_URL names a PostgreSQL database loaded beforehand
// (tinomail simulate --direct): only PostgreSQL is measured, on that data,
// and nothing is loaded, so one 50-million-event load serves many runs.
//
//	TINOMAIL_BENCH_EVENTS=5000000 go test -run '^$' -bench QueriesAtScale -benchtime 50x -timeout 60m ./e2e/
func BenchmarkQueriesAtScale(b *testing.B) {
	n := int64(1_000_000)
	if v := os.Getenv("TINOMAIL_BENCH_EVENTS"); v != "" {
		var err error
		if n, err = strconv.ParseInt(v, 10, 64); err != nil || n < 1000 {
			b.Fatalf("TINOMAIL_BENCH_EVENTS=%q: want a number ≥ 1000", v)
		}
	}
	backends := []string{"sqlite", "postgres"}
	loaded := os.Getenv("TINOMAIL_BENCH_DATABASE_URL")
	if loaded != "" {
		backends = []string{"postgres"}
	}
	for _, backend := range backends {
		b.Run("store="+backend, func(b *testing.B) {
			args := []string{"--rate-limit", "0", "--retention-events", "0"}
			dbURL := ""
			if backend == "postgres" {
				dbURL = loaded
				if dbURL == "" {
					dbURL = storetest.PostgresURL(b)
				}
				args = append(args, "--database-url", dbURL)
			}
			dataDir := b.TempDir()
			start := time.Now()
			direct := os.Getenv("TINOMAIL_BENCH_LOADER") != "http"
			if direct && loaded == "" {
				bulkLoad(b, dataDir, dbURL, n)
			}
			s := startServerIn(b, dataDir, args...)
			// A pre-loaded database keeps the keys of earlier runs: a new name each run.
			readKey := s.cliKey(b, fmt.Sprintf("read-%d", time.Now().UnixNano()), "read", args)
			if !direct {
				ingestKey := s.cliKey(b, "load", "ingest", args)
				rep, err := simulate.Run(context.Background(), simulate.Config{URL: "http://" + s.addr, APIKey: ingestKey,
					Backfill: 30 * 24 * time.Hour, Count: n, Batch: 1000, Concurrency: 8, Seed: 1})
				if err != nil || rep.Queued != n {
					b.Fatalf("load: %v, queued %d of %d", err, rep.Queued, n)
				}
				for metric(b, s, "tinomail_writer_events_written_total") < float64(n) {
					time.Sleep(50 * time.Millisecond)
				}
			}
			loadTime := time.Since(start)
			if loaded == "" {
				b.Logf("%s: loaded %d events in %v (%.0f events/s)", backend, n, loadTime.Round(time.Second), float64(n)/loadTime.Seconds())
			}
			for _, q := range []string{
				"stats?range=1h", "stats?range=24h", "stats?range=7d", "stats?range=30d",
				"stats?range=7d&by=to_domain", "throughput?range=1h", "throughput?range=24h",
				"throughput?range=7d&by=node", "throughput?range=30d", "bounce-analysis?range=24h", "bounce-analysis?range=30d",
				"delivery-time?range=24h", "delivery-time?range=7d", "message-size?range=7d", "inbound?range=24h",
				"events?range=24h&limit=50", "events?range=30d&messageId={id}", "trace/{id}",
			} {
				b.Run(q, func(b *testing.B) {
					// A message id from the middle of the data, found once.
					path := strings.ReplaceAll(q, "{id}", url.PathEscape(midMessageID(b, s.addr, readKey)))
					var lat []time.Duration
					for i := 0; i < b.N; i++ {
						t0 := time.Now()
						req, _ := http.NewRequest("GET", "http://"+s.addr+"/api/v1/email/"+path, nil)
						req.Header.Set("Authorization", "Bearer "+readKey)
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							b.Fatal(err)
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							b.Fatalf("%s: %d", q, resp.StatusCode)
						}
						lat = append(lat, time.Since(t0))
					}
					slices.Sort(lat)
					b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
					b.ReportMetric(ms(lat[(len(lat)*99)/100]), "p99-ms")
					if loaded == "" {
						b.ReportMetric(float64(n)/loadTime.Seconds(), "load-events/s")
					}
				})
			}
		})
	}
}

// midMessageID returns the message id of an event fifteen days back: a
// search or trace for it has to find its rows among all the others.
func midMessageID(b *testing.B, addr, key string) string {
	mid := time.Now().Add(-15 * 24 * time.Hour)
	u := fmt.Sprintf("http://%s/api/v1/email/events?from=%s&to=%s&limit=20", addr,
		mid.Format(time.RFC3339), mid.Add(time.Hour).Format(time.RFC3339))
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Events []struct {
			MessageID string `json:"messageId"`
		} `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != 200 {
		b.Fatalf("events around %s: %d %v", mid, resp.StatusCode, err)
	}
	for _, e := range page.Events {
		if e.MessageID != "" {
			return e.MessageID
		}
	}
	b.Fatalf("no event with a message id around %s", mid)
	return ""
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// bulkLoad writes n events over the last 30 days into the store the server
// will open: the SQLite file in dataDir, or the PostgreSQL schema at dbURL.
func bulkLoad(b *testing.B, dataDir, dbURL string, n int64) {
	ctx := context.Background()
	var st store.Store
	var err error
	if dbURL != "" {
		st, err = postgres.Open(ctx, dbURL)
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(dataDir, "tinomail.db"))
	}
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := benchload.Load(ctx, st, benchload.Config{Events: n, Seed: 1, Writers: 3}); err != nil {
		b.Fatal(err)
	}
	// As simulate --direct does: a store in use has statistics; right after
	// a bulk load it has none until it is analyzed.
	if a, ok := st.(store.Analyzer); ok {
		if err := a.Analyze(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
