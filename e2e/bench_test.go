package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/simulate"
	"github.com/tinomail/tinomail/internal/store/storetest"
)

// BenchmarkIngestEndToEnd measures events/s accepted by the HTTP API and
// stored by the writer (the clock stops when the store has them all), at
// request batch sizes 1, 100 and 1000 with 1, 8 and 64 clients, against the
// real binary on loopback. Each run sends for TINOMAIL_BENCH_INGEST_SECONDS
// (default 5) and then waits for the writer to catch up, so a case takes about
// the same time whatever its rate; TINOMAIL_BENCH_INGEST_STORES (default
// "sqlite,postgres") picks the stores.
func BenchmarkIngestEndToEnd(b *testing.B) {
	send := 5 * time.Second
	if v := os.Getenv("TINOMAIL_BENCH_INGEST_SECONDS"); v != "" {
		sec, err := strconv.ParseFloat(v, 64)
		if err != nil || sec <= 0 {
			b.Fatalf("TINOMAIL_BENCH_INGEST_SECONDS=%q: want a positive number", v)
		}
		send = time.Duration(sec * float64(time.Second))
	}
	stores := "sqlite,postgres"
	if v := os.Getenv("TINOMAIL_BENCH_INGEST_STORES"); v != "" {
		stores = v
	}
	for _, backend := range strings.Split(stores, ",") {
		for _, batch := range []int{1, 100, 1000} {
			for _, clients := range []int{1, 8, 64} {
				name := fmt.Sprintf("store=%s/batch=%d/clients=%d", backend, batch, clients)
				b.Run(name, func(b *testing.B) { benchIngest(b, backend, batch, clients, send) })
			}
		}
	}
}

func benchIngest(b *testing.B, backend string, batch, concurrency int, send time.Duration) {
	args := []string{"--rate-limit", "0"}
	if backend == "postgres" {
		args = append(args, "--database-url", storetest.PostgresURL(b))
	}
	s := startServer(b, args...)
	key := s.cliKey(b, "bench", "ingest", args)
	var queued, stored float64
	var lat []time.Duration
	cpu0 := cpuSeconds(s)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		rep, err := simulate.Run(context.Background(), simulate.Config{URL: "http://" + s.addr, APIKey: key,
			Duration: send, Batch: batch, Concurrency: concurrency, Seed: int64(i + 1)})
		if err != nil || rep.Queued == 0 || rep.Failed > 0 || rep.Unconfirmed > 0 {
			b.Fatalf("run: %v, queued %d, failed %d, unconfirmed %d", err, rep.Queued, rep.Failed, rep.Unconfirmed)
		}
		queued += float64(rep.Queued)
		lat = append(lat, rep.LatencyP99)
		for stored < queued {
			stored = metric(b, s, "tinomail_writer_events_written_total")
			time.Sleep(10 * time.Millisecond)
		}
	}
	elapsed := time.Since(start)
	if stored != queued {
		b.Fatalf("stored %.0f events, %.0f queued", stored, queued)
	}
	rate := stored / elapsed.Seconds()
	cores := (cpuSeconds(s) - cpu0) / elapsed.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(float64(slices.Max(lat).Microseconds())/1000, "req-p99-ms")
	b.ReportMetric(peakRSSMB(s), "peak-RSS-MB")
	b.ReportMetric(cores, "server-cores")
	b.ReportMetric(cores/(rate/10000), "cores-per-10k-ev/s")
	b.ReportMetric(metricAvg(b, s, "tinomail_writer_write_seconds")*1000, "write-ms/batch")
}

// BenchmarkLiveLatency measures the time from a 202 to the counters frame
// that contains the event, one event at a time, spaced beyond the 250 ms
// push interval. "load" runs the simulator at 5,000 events/s meanwhile; the
// measured events are of type "sent", which the simulator never produces, so
// the frame that carries one is known.
func BenchmarkLiveLatency(b *testing.B) {
	for _, load := range []float64{0, 5000} {
		b.Run(fmt.Sprintf("load=%.0f", load), func(b *testing.B) { benchLive(b, load) })
	}
}

func benchLive(b *testing.B, load float64) {
	s := startServer(b, "--rate-limit", "0")
	ingestKey := s.key("bench", "ingest")
	readKey := s.key("wall", "read")
	if load > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = simulate.Run(ctx, simulate.Config{URL: "http://" + s.addr, APIKey: ingestKey, Rate: load, Batch: 100, Concurrency: 4})
		}()
		defer func() { cancel(); <-done }()
	}
	req, _ := http.NewRequest("GET", "http://"+s.addr+"/api/v1/live", nil)
	req.Header.Set("Authorization", "Bearer "+readKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	frames := make(chan time.Time, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), `"sent":`) {
				frames <- time.Now()
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := fmt.Sprintf(`{"time":%q,"eventType":"sent"}`, time.Now().UTC().Format(time.RFC3339Nano))
		r, _ := http.NewRequest("POST", "http://"+s.addr+"/api/v1/events/ingest", strings.NewReader(body))
		r.Header.Set("x-api-key", ingestKey)
		res, err := http.DefaultClient.Do(r)
		if err != nil || res.StatusCode != 202 {
			b.Fatalf("ingest: %v", err)
		}
		res.Body.Close()
		accepted := time.Now()
		select {
		case at := <-frames:
			lat = append(lat, at.Sub(accepted))
		case <-time.After(5 * time.Second):
			b.Fatal("no counters frame within 5s")
		}
		time.Sleep(300 * time.Millisecond)
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}

var metricLine = regexp.MustCompile(`(?m)^(\w+?)(_sum|_count)? ([0-9.e+-]+)$`)

func metrics(tb testing.TB, s *server) map[string]float64 {
	resp, err := http.Get("http://" + s.addr + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m := metricLine.FindStringSubmatch(sc.Text()); m != nil {
			v, _ := strconv.ParseFloat(m[3], 64)
			out[m[1]+m[2]] = v
		}
	}
	return out
}

func metric(tb testing.TB, s *server, name string) float64 { return metrics(tb, s)[name] }

func metricAvg(tb testing.TB, s *server, name string) float64 {
	m := metrics(tb, s)
	if m[name+"_count"] == 0 {
		return 0
	}
	return m[name+"_sum"] / m[name+"_count"]
}

// peakRSSMB reads the server's high-water resident set size.
func peakRSSMB(s *server) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// cpuSeconds reads the server's user plus system CPU time from /proc.
func cpuSeconds(s *server) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on Linux.
const clockTicks = 100
