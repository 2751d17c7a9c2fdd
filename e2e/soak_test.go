//go:build soak

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/simulate"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/postgres"
	"github.com/tinomail/tinomail/internal/store/sqlite"
	"github.com/tinomail/tinomail/internal/store/storetest"
)

// TestSoak runs the simulator at a steady rate for a long time with dashboard
// queries and live clients running, then checks that the server's memory
// did not trend upwards, that the queue lag stayed bounded, that its log has
// no error and that the store holds exactly the accepted events. `make soak`
// runs it; the build tag keeps it out of `make test`. Settings (environment):
//
//	TINOMAIL_SOAK_DURATION     how long to send (default 30m)
//	TINOMAIL_SOAK_RATE         events/s (default 20000)
//	TINOMAIL_SOAK_STORE        sqlite (default) or postgres
//	TINOMAIL_SOAK_MAX_LAG      events accepted but not yet stored (default 10 s of the rate)
//	TINOMAIL_SOAK_MAX_RSS_SLOPE  MB per minute of RSS growth over the second half (default 2)
func TestSoak(t *testing.T) {
	duration := envDuration(t, "TINOMAIL_SOAK_DURATION", 30*time.Minute)
	rate := envFloat(t, "TINOMAIL_SOAK_RATE", 20000)
	maxLag := envFloat(t, "TINOMAIL_SOAK_MAX_LAG", rate*10)
	maxSlope := envFloat(t, "TINOMAIL_SOAK_MAX_RSS_SLOPE", 2)
	backend := os.Getenv("TINOMAIL_SOAK_STORE")
	args := []string{"--rate-limit", "0"}
	dbURL := ""
	switch backend {
	case "", "sqlite":
		backend = "sqlite"
	case "postgres":
		dbURL = storetest.PostgresURL(t)
		args = append(args, "--database-url", dbURL)
	default:
		t.Fatalf("TINOMAIL_SOAK_STORE=%q: want sqlite or postgres", backend)
	}
	s := startServer(t, args...)
	ingestKey := s.cliKey(t, "soak", "ingest", args)
	readKey := s.cliKey(t, "soak-read", "read", args)
	t.Logf("soak: %s at %.0f events/s on %s", duration, rate, backend)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup

	// Dashboard users: each query every second, every answer must be a 200.
	var queries, queryErrors atomic.Int64
	var qmu sync.Mutex
	var qlat []time.Duration
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths := []string{"stats?range=1h", "throughput?range=1h", "stats?range=24h&by=to_domain", "bounce-analysis?range=24h", "events?range=1h&limit=50"}
			for ctx.Err() == nil {
				for _, p := range paths {
					t0 := time.Now()
					status, err := readStatus(ctx, s.url("/api/v1/email/"+p), readKey)
					if ctx.Err() != nil {
						return
					}
					queries.Add(1)
					if err != nil || status != 200 {
						if queryErrors.Add(1) <= 5 {
							t.Errorf("GET %s: %d %v", p, status, err)
						}
						continue
					}
					qmu.Lock()
					qlat = append(qlat, time.Since(t0))
					qmu.Unlock()
				}
				sleepCtx(ctx, time.Second)
			}
		}()
	}

	// Live clients: each counts the counters frames it gets.
	const liveClients = 3
	var frames [liveClients]atomic.Int64
	var lastFrame [liveClients]atomic.Int64
	for i := range liveClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", s.url("/api/v1/live"), nil)
			req.Header.Set("Authorization", "Bearer "+readKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("live client %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "data: ") {
					frames[i].Add(1)
					lastFrame[i].Store(time.Now().UnixNano())
				}
			}
		}()
	}

	// Samples of the server's RSS and queue lag every 5 s.
	type sample struct {
		at       time.Duration
		rssMB    float64
		lag      float64
		accepted float64
	}
	var samples []sample
	var smu sync.Mutex
	start := time.Now()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			m := metrics(t, s)
			smp := sample{at: time.Since(start), rssMB: rssMB(s), accepted: m["tinomail_ingest_events_accepted_total"],
				lag: m["tinomail_ingest_events_accepted_total"] - m["tinomail_writer_events_written_total"]}
			smu.Lock()
			samples = append(samples, smp)
			smu.Unlock()
			sleepCtx(ctx, 5*time.Second)
		}
	}()

	rep, err := simulate.Run(context.Background(), simulate.Config{URL: s.url(""), APIKey: ingestKey,
		Rate: rate, Duration: duration, Batch: 100, Concurrency: 8, Seed: 1})
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	sent := time.Since(start)
	eventually(t, 5*time.Minute, "the writer to store every accepted event", func() bool {
		return metric(t, s, "tinomail_writer_events_written_total") >= float64(rep.Queued)
	})
	drained := time.Since(start)
	hwm := peakRSSMB(s)
	cancel()
	wg.Wait()
	s.stop()

	// What the run did.
	t.Logf("simulator: %s", strings.ReplaceAll(strings.TrimSpace(rep.String()), "\n", "; "))
	achieved := float64(rep.Queued) / sent.Seconds()
	t.Logf("accepted %d events in %s (%.0f events/s of %.0f asked); writer done %s after the start", rep.Queued, sent.Round(time.Second), achieved, rate, drained.Round(time.Second))
	slices.Sort(qlat)
	if len(qlat) > 0 {
		t.Logf("queries: %d, errors %d, p50 %s, p99 %s", queries.Load(), queryErrors.Load(),
			qlat[len(qlat)/2].Round(100*time.Microsecond), qlat[len(qlat)*99/100].Round(100*time.Microsecond))
	}
	var half []sample
	maxLagSeen := 0.0
	for _, smp := range samples {
		if smp.at <= sent {
			maxLagSeen = math.Max(maxLagSeen, smp.lag)
			if smp.at >= sent/2 {
				half = append(half, smp)
			}
		}
	}
	if len(half) < 3 {
		t.Fatalf("only %d samples in the second half: run longer", len(half))
	}
	// Memory: the floor of RSS per window, so that the page and block caches
	// filling with a momentary backlog (they follow the queue lag) do not pass
	// for growth; a leak raises the floor. Its slope over the second half is
	// the trend.
	window := max(15*time.Second, (sent-sent/2)/10)
	var xs, ys []float64
	for i := 0; i < len(half); {
		end := half[i].at + window
		floor := half[i].rssMB
		j := i
		for ; j < len(half) && half[j].at < end; j++ {
			floor = math.Min(floor, half[j].rssMB)
		}
		xs, ys = append(xs, (half[i].at+window/2).Minutes()), append(ys, floor)
		i = j
	}
	slope := regressionSlope(xs, ys)
	peak := 0.0
	for _, smp := range samples {
		peak = math.Max(peak, smp.rssMB)
	}
	floors := make([]string, len(ys))
	for i, y := range ys {
		floors[i] = fmt.Sprintf("%.0f", y)
	}
	t.Logf("RSS: peak %.0f MB (VmHWM %.0f MB); floor per %s over the second half %s MB, slope %.2f MB/min (limit %.2f)",
		peak, hwm, window.Round(time.Second), strings.Join(floors, " "), slope, maxSlope)
	t.Logf("queue lag: max %.0f events (limit %.0f)", maxLagSeen, maxLag)
	for i := range liveClients {
		t.Logf("live client %d: %d frames, last %s before the end", i, frames[i].Load(), time.Since(time.Unix(0, lastFrame[i].Load())).Round(time.Millisecond))
	}
	var series strings.Builder
	for _, smp := range samples {
		fmt.Fprintf(&series, " %s:%.0fMB/%.0f", smp.at.Round(time.Second), smp.rssMB, smp.lag)
	}
	t.Logf("samples (time:RSS/lag):%s", series.String())

	// The assertions.
	if rep.Failed > 0 || rep.Unconfirmed > 0 || rep.Rejected > 0 {
		t.Errorf("simulator: %d failed, %d unconfirmed, %d rejected events", rep.Failed, rep.Unconfirmed, rep.Rejected)
	}
	if queryErrors.Load() > 0 {
		t.Errorf("%d of %d queries failed", queryErrors.Load(), queries.Load())
	}
	if slope > maxSlope {
		t.Errorf("memory grows: RSS slope %.2f MB/min over the second half, limit %.2f", slope, maxSlope)
	}
	if maxLagSeen > maxLag {
		t.Errorf("queue lag reached %.0f events, limit %.0f", maxLagSeen, maxLag)
	}
	for i := range liveClients {
		// One frame per 250 ms while events flow; allow for the start and noise.
		if want := int64(sent.Seconds()); frames[i].Load() < want {
			t.Errorf("live client %d got %d frames in %s, want at least %d", i, frames[i].Load(), sent.Round(time.Second), want)
		}
	}
	if log := s.log.String(); strings.Contains(log, "level=ERROR") {
		t.Errorf("errors in the server log:\n%s", log)
	}

	// The exact count: raw rows and the total rollup both hold every accepted event once.
	st := openStore(t, s.dataDir, dbURL)
	defer st.Close()
	from, to := start.Add(-time.Hour), time.Now().Add(time.Hour)
	n, err := st.CountEvents(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.Rollups(context.Background(), store.RollupQuery{Res: 5 * time.Minute, From: from.Truncate(5 * time.Minute), To: to, Dim: rollup.DimTotal})
	if err != nil {
		t.Fatal(err)
	}
	var rolled int64
	for _, r := range rows {
		rolled += r.Count
	}
	t.Logf("stored: %d raw events, %d in the 5-minute total rollup; accepted %d", n, rolled, rep.Queued)
	if n != rep.Queued || rolled != rep.Queued {
		t.Errorf("exact count: %d raw rows and %d rolled up, want %d each", n, rolled, rep.Queued)
	}
}

func openStore(t *testing.T, dataDir, dbURL string) store.Store {
	var st store.Store
	var err error
	if dbURL != "" {
		st, err = postgres.Open(context.Background(), dbURL)
	} else {
		st, err = sqlite.Open(context.Background(), filepath.Join(dataDir, "tinomail.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// regressionSlope is the least-squares slope of ys over xs.
func regressionSlope(xs, ys []float64) float64 {
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(ys))
	var num, den float64
	for i := range xs {
		num += (xs[i] - mx) * (ys[i] - my)
		den += (xs[i] - mx) * (xs[i] - mx)
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// rssMB reads the server's current resident set size.
func rssMB(s *server) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb / 1024
		}
	}
	return 0
}

func readStatus(ctx context.Context, url, key string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a duration such as 2m", name, v)
	}
	return d
}

func envFloat(t *testing.T, name string, def float64) float64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return f
}
