package query

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/tinomail/tinomail/internal/event"
)

// seriesMap indexes a result's series by name, failing on duplicates.
func seriesMap(t *testing.T, series []Series) map[string]Series {
	t.Helper()
	m := make(map[string]Series)
	for _, s := range series {
		if _, dup := m[s.Name]; dup {
			t.Fatalf("series %q twice", s.Name)
		}
		m[s.Name] = s
	}
	return m
}

func names(series []Series) []string {
	var n []string
	for _, s := range series {
		n = append(n, s.Name)
	}
	return n
}

// buckets13 returns 13 zero counts with the given ones set: the shape of a
// range=1h answer at testNow.
func buckets13(set map[int]int64) []int64 {
	v := make([]int64, 13)
	for i, n := range set {
		v[i] = n
	}
	return v
}

func TestThroughputByEventType(t *testing.T) {
	f := newFixture(t)
	f.write(
		ev(at(t, "13:04:59"), event.Delivered, "a.com"), // before the window
		ev(at(t, "13:05:00"), event.Delivered, "a.com"),
		ev(at(t, "13:09:59"), event.Delivered, "b.com"),
		ev(at(t, "13:12:00"), event.Delivered, "a.com"),
		ev(at(t, "13:30:00"), event.Bounced, "a.com"),
		ev(at(t, "13:40:00"), event.Received, "", inbound),
		ev(at(t, "14:05:10"), event.Delivered, "a.com"),
		ev(at(t, "14:09:59"), event.Rejected, "a.com", inbound),
		ev(at(t, "14:06:00"), event.Rejected, "a.com"),  // outbound: summed with the inbound one
		ev(at(t, "14:10:00"), event.Delivered, "a.com"), // after the window
	)
	res, err := f.svc.Throughput(t.Context(), query(t, "range=1h"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Step != "5m" || res.By != "event_type" || len(res.Buckets) != 13 {
		t.Fatalf("step %s by %s with %d buckets, want 5m by event_type with 13", res.Step, res.By, len(res.Buckets))
	}
	if !res.From.Equal(at(t, "13:05:00")) || !res.To.Equal(at(t, "14:10:00")) || !res.Buckets[12].Equal(at(t, "14:05:00")) {
		t.Errorf("window [%s, %s), last bucket %s", res.From, res.To, res.Buckets[12])
	}
	// Event types in dashboard order, only those present.
	if got, want := names(res.Series), []string{"delivered", "bounced", "rejected", "received"}; !slices.Equal(got, want) {
		t.Fatalf("series %v, want %v", got, want)
	}
	want := map[string][]int64{
		"delivered": buckets13(map[int]int64{0: 2, 1: 1, 12: 1}),
		"bounced":   buckets13(map[int]int64{5: 1}),
		"rejected":  buckets13(map[int]int64{12: 2}),
		"received":  buckets13(map[int]int64{7: 1}),
	}
	for name, s := range seriesMap(t, res.Series) {
		if !slices.Equal(s.Values, want[name]) {
			t.Errorf("%s = %v, want %v", name, s.Values, want[name])
		}
		var sum int64
		for _, n := range want[name] {
			sum += n
		}
		if s.Total != sum {
			t.Errorf("%s total = %d, want %d", name, s.Total, sum)
		}
	}

	res, err = f.svc.Throughput(t.Context(), query(t, "range=1h&direction=outbound"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(res.Series), []string{"delivered", "bounced", "rejected"}; !slices.Equal(got, want) {
		t.Errorf("outbound series %v, want %v", got, want)
	}

	// Asked-for types get a series even without events.
	res, err = f.svc.Throughput(t.Context(), query(t, "range=1h&eventType=rejected,sent"))
	if err != nil {
		t.Fatal(err)
	}
	m := seriesMap(t, res.Series)
	if got := names(res.Series); !slices.Equal(got, []string{"sent", "rejected"}) {
		t.Errorf("filtered series %v, want [sent rejected]", got)
	}
	if !slices.Equal(m["sent"].Values, buckets13(nil)) || m["rejected"].Total != 2 {
		t.Errorf("filtered series %+v", res.Series)
	}
}

func TestThroughputStepPerRange(t *testing.T) {
	f := newFixture(t)
	// One event in each of the last 40 days, at 10:00, plus one now.
	var evs []event.Event
	for d := range 40 {
		evs = append(evs, ev(at(t, "10:00:00").AddDate(0, 0, -d), event.Delivered, "a.com"))
	}
	evs = append(evs, ev(testNow, event.Sent, "a.com"))
	f.write(evs...)

	tests := []struct {
		query   string
		step    string
		buckets int
		total   int64 // delivered in the window
		current bool  // whether the window ends now, and so has the sent event
	}{
		{"range=1h", "5m", 13, 0, true},
		{"range=6h", "5m", 73, 1, true},
		{"", "1h", 25, 1, true},
		{"range=24h", "1h", 25, 1, true},
		{"range=7d", "1h", 169, 7, true},
		{"range=30d", "1d", 31, 31, true},
		{"range=30d&step=1h", "1h", 721, 30, true},
		{"range=6h&step=1d", "1d", 1, 1, true},
		{"from=2024-04-01T00:00:00Z&to=2024-04-02T00:00:00Z", "1h", 24, 1, false},
		{"from=2024-04-01T00:00:00Z&to=2024-04-11T00:00:00Z", "1d", 10, 10, false},
		{"range=1h&to=2024-04-01T10:30:00Z", "5m", 12, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res, err := f.svc.Throughput(t.Context(), query(t, tt.query))
			if err != nil {
				t.Fatal(err)
			}
			if res.Step != tt.step || len(res.Buckets) != tt.buckets {
				t.Fatalf("step %s with %d buckets, want %s with %d", res.Step, len(res.Buckets), tt.step, tt.buckets)
			}
			m := seriesMap(t, res.Series)
			if got := m["delivered"].Total; got != tt.total {
				t.Errorf("delivered total %d, want %d", got, tt.total)
			}
			if s, ok := m["sent"]; ok != tt.current || ok && (s.Values[len(s.Values)-1] != 1 || s.Total != 1) {
				t.Errorf("sent series %+v (present %v): want it only when current, 1 in the last bucket", s, ok)
			}
			for name, s := range m {
				if len(s.Values) != tt.buckets {
					t.Errorf("%s has %d values for %d buckets", name, len(s.Values), tt.buckets)
				}
			}
		})
	}
}

func TestThroughputByNodeTopTen(t *testing.T) {
	f := newFixture(t)
	// node-01..node-12 send i events each, alternating between two
	// buckets; 20 events name no node.
	var evs []event.Event
	for i := 1; i <= 12; i++ {
		for j := range i {
			clock := "13:05:00"
			if j%2 == 1 {
				clock = "13:10:00"
			}
			evs = append(evs, ev(at(t, clock), event.Delivered, "a.com", node(fmt.Sprintf("node-%02d", i))))
		}
	}
	evs = append(evs, repeat(20, ev(at(t, "14:00:00"), event.Bounced, "a.com"))...)
	f.write(evs...)

	res, err := f.svc.Throughput(t.Context(), query(t, "range=1h&by=node"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{Unknown, "node-12", "node-11", "node-10", "node-09", "node-08", "node-07", "node-06", "node-05", "node-04", Other}
	if got := names(res.Series); !slices.Equal(got, want) {
		t.Fatalf("series %v, want %v", got, want)
	}
	other := res.Series[10]
	if !other.Other || other.Total != 3+2+1 || !slices.Equal(other.Values, buckets13(map[int]int64{0: 2 + 1 + 1, 1: 1 + 1})) {
		t.Errorf("other = %+v, want node-01..03 summed: 6, [4 2 0...]", other)
	}
	if s := res.Series[1]; s.Total != 12 || s.Other || !slices.Equal(s.Values, buckets13(map[int]int64{0: 6, 1: 6})) {
		t.Errorf("node-12 = %+v", s)
	}
	if s := res.Series[0]; s.Total != 20 || s.Values[11] != 20 {
		t.Errorf("unknown = %+v", s)
	}

	// Filters apply to dimension series too; ten values or fewer need no other.
	res, err = f.svc.Throughput(t.Context(), query(t, "range=1h&by=node&eventType=bounced"))
	if err != nil {
		t.Fatal(err)
	}
	if got := names(res.Series); !slices.Equal(got, []string{Unknown}) {
		t.Errorf("bounced series %v, want [%s]", got, Unknown)
	}
	res, err = f.svc.Throughput(t.Context(), query(t, "range=1h&by=domain&direction=inbound"))
	if err != nil {
		t.Fatal(err)
	}
	if res.By != "domain" || res.Series == nil || len(res.Series) != 0 {
		t.Errorf("inbound by domain: by %q, series %#v; want an empty list", res.By, res.Series)
	}
}

func TestThroughputJSON(t *testing.T) {
	f := newFixture(t)
	f.write(ev(at(t, "2024-05-10T13:00:00+02:00"), event.Delivered, "Example.COM"))
	res, err := f.svc.Throughput(t.Context(), query(t, "from=2024-05-10T10:58:00Z&to=2024-05-10T11:10:00Z&by=to_domain&step=5m"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"from":"2024-05-10T10:55:00Z","to":"2024-05-10T11:10:00Z","step":"5m","by":"to_domain",` +
		`"buckets":["2024-05-10T10:55:00Z","2024-05-10T11:00:00Z","2024-05-10T11:05:00Z"],` +
		`"series":[{"name":"example.com","values":[0,1,0],"total":1}]}`
	if string(got) != want {
		t.Errorf("JSON\n got %s\nwant %s", got, want)
	}
}
