package simulate

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func generate(seed int64, n int) []event.Event {
	g := NewGenerator(GenConfig{}, seed)
	out := make([]event.Event, n)
	for i := range out {
		out[i] = g.Event(t0.Add(time.Duration(i) * 37 * time.Millisecond))
	}
	return out
}

func TestGeneratorIsDeterministic(t *testing.T) {
	a, b := generate(42, 2000), generate(42, 2000)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different events")
	}
	c := generate(43, 2000)
	if reflect.DeepEqual(a, c) {
		t.Fatal("different seeds gave the same events")
	}
}

func TestGeneratorMix(t *testing.T) {
	const n = 20_000
	counts := map[string]int{}
	var inbound, outbound int
	for _, e := range generate(7, n) {
		dir := event.InferDirection(&e)
		if e.Direction != "" {
			dir = e.Direction
		}
		counts[string(dir)+"/"+string(e.EventType)]++
		if dir == event.Inbound {
			inbound++
		} else {
			outbound++
		}
	}
	share := func(k string, of int) float64 { return float64(counts[k]) / float64(of) }
	tests := []struct {
		name      string
		got, want float64
		tolerance float64
	}{
		{"inbound share", float64(inbound) / n, 0.15, 0.015},
		{"outbound delivered", share("outbound/delivered", outbound), 0.90, 0.012},
		{"outbound deferred", share("outbound/deferred", outbound), 0.06, 0.008},
		{"outbound bounced", share("outbound/bounced", outbound), 0.03, 0.006},
		{"outbound rejected", share("outbound/rejected", outbound), 0.01, 0.004},
		{"inbound received", share("inbound/received", inbound), 0.85, 0.025},
		{"inbound rejected", share("inbound/rejected", inbound), 0.10, 0.02},
		{"inbound deferred", share("inbound/deferred", inbound), 0.05, 0.015},
	}
	for _, tt := range tests {
		if d := tt.got - tt.want; d > tt.tolerance || d < -tt.tolerance {
			t.Errorf("%s = %.4f, want %.3f ± %.3f", tt.name, tt.got, tt.want, tt.tolerance)
		}
	}
	if len(counts) != 7 {
		t.Errorf("want 7 direction/type combinations, got %v", counts)
	}
}

// Every event must pass the server's own validation, both as encoding/json
// writes it and as the runner's encoder does, and must end up with the right
// direction once the server has inferred what was left out.
func TestGeneratedEventsParse(t *testing.T) {
	now := time.Now()
	for i, e := range generate(11, 5000) {
		raw, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		for name, body := range map[string][]byte{"encoding/json": raw, "appendEvent": appendEvent(nil, &e)} {
			got, errs := event.Parse(body, now)
			if errs != nil {
				t.Fatalf("event %d via %s: %v\n%s", i, name, errs, body)
			}
			want := event.Outbound
			if e.EventType == event.Received || e.Direction == event.Inbound {
				want = event.Inbound
			}
			if got.Direction != want {
				t.Fatalf("event %d via %s: direction %q, want %q\n%s", i, name, got.Direction, want, body)
			}
		}
	}
}

var (
	queueIDRe   = regexp.MustCompile(`^[0-9a-f]{18}$`)
	harakaIDRe  = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[0-9A-F]{4}-[0-9A-F]{12}\.1$`)
	messageIDRe = regexp.MustCompile(`^<[0-9a-z.]+@[a-z0-9.-]+>$`)
	nodeRe      = regexp.MustCompile(`^(mta|mx)-\d\d$`)
)

func TestGeneratedEventsLookReal(t *testing.T) {
	seen := map[string]bool{}
	docNets := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24")}
	for i, e := range generate(5, 20_000) {
		inbound := e.EventType == event.Received || e.Direction != ""
		if e.MessageID != "" {
			if seen[e.MessageID] || !messageIDRe.MatchString(e.MessageID) {
				t.Fatalf("event %d: message-id %q repeated or malformed", i, e.MessageID)
			}
			seen[e.MessageID] = true
		}
		if inbound != harakaIDRe.MatchString(e.QueueID) || !inbound && !queueIDRe.MatchString(e.QueueID) {
			t.Fatalf("event %d: queue id %q", i, e.QueueID)
		}
		if !nodeRe.MatchString(e.MTANode) || strings.HasPrefix(e.MTANode, "mx") != inbound {
			t.Fatalf("event %d: node %q", i, e.MTANode)
		}
		if ip, err := netip.ParseAddr(e.SendingIP); e.SendingIP != "" && (err != nil || !slices.ContainsFunc(docNets, func(p netip.Prefix) bool { return p.Contains(ip) })) {
			t.Fatalf("event %d: sending IP %q outside the documentation ranges", i, e.SendingIP)
		}
		if (e.SendingIP == "") == (e.SendingIPv6 == "") {
			t.Fatalf("event %d: want exactly one of sendingIp and sendingIpV6: %q %q", i, e.SendingIP, e.SendingIPv6)
		}
		if code, _ := strconv.Atoi(e.StatusMessage[:3]); code != e.StatusCode || strings.Contains(e.StatusMessage, "{") {
			t.Fatalf("event %d: status %d %q", i, e.StatusCode, e.StatusMessage)
		}
		checkByType(t, i, e, inbound)
	}
}

func checkByType(t *testing.T, i int, e event.Event, inbound bool) {
	t.Helper()
	switch {
	case inbound && e.MXHost != "":
		t.Fatalf("event %d: inbound with an MX host %q", i, e.MXHost)
	case !inbound && e.MXHost == "":
		t.Fatalf("event %d: outbound without an MX host", i)
	case strings.HasSuffix(e.ToAddress, "@gmail.com") && !strings.HasSuffix(e.MXHost, "gmail-smtp-in.l.google.com"):
		t.Fatalf("event %d: gmail.com via %q", i, e.MXHost)
	case e.EventType == event.Bounced && (e.BounceType != "hard" && e.BounceType != "soft" || e.BounceMessage == "" || e.StatusCode < 500):
		t.Fatalf("event %d: bounce %q %q %d", i, e.BounceType, e.BounceMessage, e.StatusCode)
	case e.EventType == event.Deferred && (e.StatusCode < 400 || e.StatusCode >= 500):
		t.Fatalf("event %d: deferral with status %d", i, e.StatusCode)
	case e.EventType == event.Delivered && (e.StatusCode != 250 || e.DeliveryTimeMs == nil || *e.TotalTimeMs != *e.DeliveryTimeMs+*e.QueueTimeMs):
		t.Fatalf("event %d: delivery %+v", i, e)
	case e.EventType == event.Received && (e.SpamAction != "accept" || e.SpamScore == nil || e.SPFResult == ""):
		t.Fatalf("event %d: received without verdicts %+v", i, e)
	case e.Direction == event.Inbound && e.EventType == event.Deferred && (e.StatusCode != 451 || !strings.Contains(e.StatusMessage, "4.7.1")):
		t.Fatalf("event %d: inbound deferral %d %q", i, e.StatusCode, e.StatusMessage)
	case e.Direction != "" && (e.Direction != event.Inbound || e.EventType == event.Received):
		t.Fatalf("event %d: direction %q set on %s", i, e.Direction, e.EventType)
	}
}

func TestGeneratorDistributions(t *testing.T) {
	var delivery, sizes []int64
	for _, e := range generate(3, 20_000) {
		if e.EventType == event.Delivered {
			delivery = append(delivery, *e.DeliveryTimeMs)
		}
		if e.MessageSize != nil {
			sizes = append(sizes, *e.MessageSize)
		}
	}
	slices.Sort(delivery)
	slices.Sort(sizes)
	median := func(s []int64) int64 { return s[len(s)/2] }
	if m := median(delivery); m < 650 || m > 1000 {
		t.Errorf("median delivery time %d ms, want about 800", m)
	}
	if top := delivery[len(delivery)-1]; top < 60_000 {
		t.Errorf("slowest delivery %d ms, want a tail into minutes", top)
	}
	if m := median(sizes); m < 25_000 || m > 37_000 {
		t.Errorf("median size %d, want about 30 KB", m)
	}
	if big := len(sizes) - firstAtLeast(sizes, 1_000_000); big < len(sizes)/100 {
		t.Errorf("%d messages over 1 MB, want a few percent", big)
	}
}

// firstAtLeast returns the index of the first value >= v in sorted s.
func firstAtLeast(s []int64, v int64) int {
	i, _ := slices.BinarySearch(s, v)
	return i
}

func TestGeneratorConfig(t *testing.T) {
	g := NewGenerator(GenConfig{Nodes: 12, IPsPerNode: 3, SenderDomains: []string{"only.example"}, InboundShare: -1}, 1)
	nodes, ips := map[string]bool{}, map[string]bool{}
	for range 5000 {
		e := g.Event(t0)
		if e.EventType == event.Received || e.Direction != "" {
			t.Fatalf("inbound event with InboundShare -1: %+v", e)
		}
		if !strings.HasSuffix(e.FromAddress, "@only.example") {
			t.Fatalf("from %q", e.FromAddress)
		}
		nodes[e.MTANode] = true
		if e.SendingIP != "" {
			ips[e.SendingIP] = true
		}
	}
	if len(nodes) != 12 || !nodes["mta-12"] || len(ips) != 36 {
		t.Errorf("got %d nodes, %d IPs; want 12 and 36", len(nodes), len(ips))
	}
}

func BenchmarkGenerator(b *testing.B) {
	g := NewGenerator(GenConfig{}, 1)
	b.ReportAllocs()
	for b.Loop() {
		_ = g.Event(t0)
	}
}

func BenchmarkGenerateAndEncode(b *testing.B) {
	g := NewGenerator(GenConfig{}, 1)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		e := g.Event(t0)
		buf = appendEvent(buf[:0], &e)
	}
	b.SetBytes(int64(len(buf)))
}
