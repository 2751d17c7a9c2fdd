// Command benchreport runs the benchmark suite (go test -bench over the real
// binary, the batch writer and the query API) and writes its medians into the
// generated section of docs/benchmarks.md. `make bench` runs it.
//
//	go run ./cmd/benchreport --runs 3 --query-sizes 1000000,10000000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/tinomail/tinomail/internal/config"
)

// options are benchreport's flags; each is also a TINOMAIL_BENCH_* variable.
type options struct {
	runs          int
	ingestSeconds float64
	stores        string
	querySizes    string
	queryCalls    int
	liveSamples   int
	out           string
	pgURL         string
}

func main() {
	if err := run(os.Args[1:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("benchreport", flag.ContinueOnError)
	fs.IntVar(&o.runs, "bench-runs", 3, "runs of each ingest, writer and live benchmark; the tables give medians")
	fs.Float64Var(&o.ingestSeconds, "bench-ingest-seconds", 4, "seconds each ingest case sends for (then the writer drains)")
	fs.StringVar(&o.stores, "bench-stores", "sqlite,postgres", "stores to measure, comma-separated")
	fs.StringVar(&o.querySizes, "bench-query-sizes", "1000000", "event counts to measure the dashboard queries at, comma-separated (10M takes ~20 min per store here)")
	fs.IntVar(&o.queryCalls, "bench-query-calls", 50, "calls per dashboard query for its p50/p99")
	fs.IntVar(&o.liveSamples, "bench-live-samples", 40, "events timed per live-stream latency run (300 ms apart)")
	fs.StringVar(&o.out, "bench-out", "docs/benchmarks.md", "file whose generated section is rewritten")
	fs.StringVar(&o.pgURL, "bench-postgres-url", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL for the postgres store (TINOMAIL_TEST_POSTGRES_URL wins if set)")
	if err := config.Parse(fs, args, os.Getenv); err != nil {
		return err
	}
	if v := os.Getenv("TINOMAIL_TEST_POSTGRES_URL"); v != "" {
		o.pgURL = v
	}
	var sizes []int64
	for _, s := range strings.Split(o.querySizes, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < 1000 {
			return fmt.Errorf("--bench-query-sizes: %q is not a count of at least 1000", s)
		}
		sizes = append(sizes, n)
	}
	if o.runs < 1 || o.queryCalls < 2 || o.liveSamples < 2 {
		return fmt.Errorf("--bench-runs must be ≥ 1, --bench-query-calls and --bench-live-samples ≥ 2")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	started := time.Now()
	rep := report{opts: o, machine: readMachine(ctx, o.pgURL), started: started.UTC(), sizes: sizes, res: results{}}
	count := strconv.Itoa(o.runs)
	env := []string{"TINOMAIL_TEST_POSTGRES_URL=" + o.pgURL}
	steps := []step{
		{what: "ingest end to end", env: []string{
			"TINOMAIL_BENCH_INGEST_SECONDS=" + strconv.FormatFloat(o.ingestSeconds, 'f', -1, 64),
			"TINOMAIL_BENCH_INGEST_STORES=" + o.stores},
			args: []string{"-bench", "IngestEndToEnd", "-benchtime", "1x", "-count", count, "-timeout", "60m", "./e2e/"}},
		{what: "batch writer alone", args: []string{"-bench", "Pipeline", "-benchtime", "1x", "-count", count, "-timeout", "30m", "./internal/pipeline/"}},
		{what: "live-stream latency", args: []string{"-bench", "LiveLatency", "-benchtime", fmt.Sprintf("%dx", o.liveSamples), "-count", count, "-timeout", "30m", "./e2e/"}},
	}
	storeRe := "store=(" + strings.ReplaceAll(o.stores, ",", "|") + ")$"
	for _, n := range sizes {
		steps = append(steps, step{what: fmt.Sprintf("queries at %d events", n), size: n,
			env:  []string{"TINOMAIL_BENCH_EVENTS=" + strconv.FormatInt(n, 10)},
			args: []string{"-bench", "QueriesAtScale/" + storeRe, "-benchtime", fmt.Sprintf("%dx", o.queryCalls), "-timeout", "600m", "./e2e/"}})
	}
	for i := range steps {
		s := &steps[i]
		s.env = append(s.env, env...)
		log.Info("benchmark", "step", s.what, "command", s.command())
		t0 := time.Now()
		res, err := s.run(ctx, os.Stderr)
		s.took = time.Since(t0)
		if err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		if s.size > 0 {
			rep.queries = append(rep.queries, sized{n: s.size, res: res})
		} else {
			for k, v := range res {
				rep.res[k] = append(rep.res[k], v...)
			}
		}
		log.Info("benchmark done", "step", s.what, "took", s.took.Round(time.Second))
	}
	rep.steps = steps
	rep.took = time.Since(started)

	doc, err := os.ReadFile(o.out)
	if err != nil {
		return err
	}
	out, err := splice(string(doc), rep.markdown())
	if err != nil {
		return fmt.Errorf("%s: %w", o.out, err)
	}
	if err := os.WriteFile(o.out, []byte(out), 0o644); err != nil {
		return err
	}
	log.Info("wrote", "file", o.out, "took", rep.took.Round(time.Second))
	return nil
}

// step is one go test -bench invocation.
type step struct {
	what string
	env  []string
	args []string
	size int64 // event count of a query step
	took time.Duration
}

func (s step) command() string {
	var b strings.Builder
	for _, e := range s.env {
		if !strings.HasPrefix(e, "TINOMAIL_TEST_POSTGRES_URL=") {
			b.WriteString(e + " ")
		}
	}
	b.WriteString("go test -run '^$'")
	for _, a := range s.args {
		if strings.ContainsAny(a, "|()$?&=") {
			a = "'" + a + "'"
		}
		b.WriteString(" " + a)
	}
	return b.String()
}

// run runs the step, copying its output to progress, and parses the results.
func (s step) run(ctx context.Context, progress io.Writer) (results, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-run", "^$"}, s.args...)...)
	cmd.Env = append(os.Environ(), s.env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	res := results{}
	parsed := make(chan struct{})
	go func() {
		defer close(parsed)
		res.parse(io.TeeReader(pr, progress))
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Wait()
	pw.Close()
	<-parsed
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.command(), err)
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("%s: no benchmark results in its output", s.command())
	}
	return res, nil
}
