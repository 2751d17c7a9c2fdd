package main

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	out := `goos: linux
BenchmarkIngestEndToEnd/store=sqlite/batch=1/clients=1-2         	       1	2241974418 ns/op	         8.351 cores-per-10k-ev/s	      1172 events/s
BenchmarkIngestEndToEnd/store=sqlite/batch=1/clients=1-2         	       1	2241974418 ns/op	         8.0 cores-per-10k-ev/s	      1300 events/s
BenchmarkIngestEndToEnd/store=sqlite/batch=1/clients=1-2         	       1	2241974418 ns/op	         8.0 cores-per-10k-ev/s	      1000 events/s
BenchmarkQueriesAtScale/store=sqlite/stats?range=7d&by=to_domain-2 	      50	   1234 ns/op	 92.4 p50-ms	 99.4 p99-ms
--- FAIL: BenchmarkX
PASS
`
	r := results{}
	r.parse(strings.NewReader(out))
	name := "BenchmarkIngestEndToEnd/store=sqlite/batch=1/clients=1"
	if got := r.values(name, "events/s"); len(got) != 3 || got[0] != 1172 || got[2] != 1000 {
		t.Fatalf("values: %v", got)
	}
	if m, ok := r.median(name, "events/s"); !ok || m != 1172 {
		t.Fatalf("median %v %v, want 1172", m, ok)
	}
	if m, ok := r.median("BenchmarkQueriesAtScale/store=sqlite/stats?range=7d&by=to_domain", "p99-ms"); !ok || m != 99.4 {
		t.Fatalf("query p99 %v %v, want 99.4", m, ok)
	}
	if _, ok := r.median(name, "nothing"); ok {
		t.Fatal("median of a missing unit")
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Fatalf("even median %v, want 2.5", m)
	}
}

func TestSplice(t *testing.T) {
	doc := "# Benchmarks\n\nby hand\n"
	first, err := splice(doc, "table one\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Benchmarks\n\nby hand\n\n" + beginMarker + "\ntable one\n" + endMarker + "\n"
	if first != want {
		t.Fatalf("first splice:\n%q\nwant\n%q", first, want)
	}
	second, err := splice(first+"\n## more by hand\n", "table two")
	if err != nil {
		t.Fatal(err)
	}
	want = "# Benchmarks\n\nby hand\n\n" + beginMarker + "\ntable two\n" + endMarker + "\n\n## more by hand\n"
	if second != want {
		t.Fatalf("second splice:\n%q\nwant\n%q", second, want)
	}
	if _, err := splice(endMarker+"\n<!-- bench:begin -->\n", "x"); err == nil {
		t.Fatal("markers in the wrong order accepted")
	}
}

func TestMarkdown(t *testing.T) {
	res := results{}
	res.parse(strings.NewReader(`BenchmarkIngestEndToEnd/store=sqlite/batch=100/clients=8-2 1 1 ns/op 10000 events/s 0.9 cores-per-10k-ev/s 160 peak-RSS-MB
BenchmarkIngestEndToEnd/store=sqlite/batch=100/clients=8-2 1 1 ns/op 12000 events/s 0.8 cores-per-10k-ev/s 170 peak-RSS-MB
BenchmarkIngestEndToEnd/store=sqlite/batch=100/clients=8-2 1 1 ns/op 11000 events/s 0.7 cores-per-10k-ev/s 150 peak-RSS-MB
BenchmarkPipeline/batch=5000-2 1 1 ns/op 26009 events/s
BenchmarkLiveLatency/load=0-2 40 1 ns/op 51.8 p50-ms 58.5 p99-ms
`))
	q := results{}
	q.parse(strings.NewReader("BenchmarkQueriesAtScale/store=sqlite/stats?range=1h-2 50 1 ns/op 0.42 p50-ms 1.12 p99-ms 10000 load-events/s\n"))
	r := report{opts: options{runs: 3, ingestSeconds: 4, stores: "sqlite", queryCalls: 50, liveSamples: 40},
		machine: machine{CPUs: 2}, sizes: []int64{100_000}, res: res, queries: []sized{{n: 100_000, res: q}}}
	md := r.markdown()
	for _, want := range []string{
		"| sqlite | 100 | 8 | 10,000 / 12,000 / 11,000 | **11,000** | – | 160 | – | 0.80 |",
		"| sqlite | 1 | 1 | – | **–** |",
		"| 5000 | 26,009 | **26,009** |",
		"| 0 | 51.8 | 58.5 |",
		"### Dashboard queries at 100,000 events",
		"| stats?range=1h | 0.42 | 1.12 |",
		"Not measured in this run: queries at 1,000,000, 10,000,000, 50,000,000 events",
		"10,000,000 events take about 17 minutes and 50,000,000 about 83 minutes",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
