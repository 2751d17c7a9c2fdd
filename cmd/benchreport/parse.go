package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// results holds every run of every benchmark of a go test -bench output:
// name (without the -GOMAXPROCS suffix) → one map of unit → value per run.
type results map[string][]map[string]float64

// benchLine matches "BenchmarkX/sub-2   1   123 ns/op   4.5 events/s ...".
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)

// parse reads go test -bench output and adds its results to r.
func (r results) parse(in io.Reader) {
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		f := strings.Fields(m[3])
		run := map[string]float64{}
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			run[f[i+1]] = v
		}
		if len(run) > 0 {
			r[m[1]] = append(r[m[1]], run)
		}
	}
}

// values returns the unit's value in each run of the benchmark, in run order.
func (r results) values(name, unit string) []float64 {
	var out []float64
	for _, run := range r[name] {
		if v, ok := run[unit]; ok {
			out = append(out, v)
		}
	}
	return out
}

// median of the unit over the benchmark's runs; ok is false without runs.
func (r results) median(name, unit string) (float64, bool) {
	v := r.values(name, unit)
	if len(v) == 0 {
		return 0, false
	}
	return median(v), true
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
