// Package simulate generates realistic mail-fleet traffic and pushes it at a
// TinoMail ingest endpoint: a load tool for benchmarks and a way to fill a
// fresh install with data worth looking at.
package simulate

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/tinomail/tinomail/internal/event"
)

// GenConfig shapes the generated traffic. The zero value is a realistic
// fleet: four outbound nodes with two IPs each, two inbound MX nodes, twelve
// sender domains and 15% inbound mail.
type GenConfig struct {
	// Nodes is the number of outbound MTA nodes, named mta-01, mta-02, …
	Nodes int
	// InboundNodes is the number of inbound MX nodes, named mx-01, mx-02, …
	InboundNodes int
	// IPsPerNode is the number of IPv4 sending addresses per outbound node,
	// taken from the documentation ranges 192.0.2.0/24 and 198.51.100.0/24.
	IPsPerNode int
	// SenderDomains are the domains the fleet sends for and receives for,
	// busiest first.
	SenderDomains []string
	// InboundShare is the fraction of events that are inbound mail; 0 means
	// 0.15 and a negative value means no inbound mail at all.
	InboundShare float64
}

// The outbound mix, as cumulative probabilities.
const (
	pDelivered = 0.90
	pDeferred  = pDelivered + 0.06
	pBounced   = pDeferred + 0.03 // the remaining 1% is rejected
)

// The inbound mix, as cumulative probabilities.
const (
	pReceived      = 0.85
	pInboundReject = pReceived + 0.10 // the remaining 5% is greylisted or soft-rejected
)

// maxIPs is how many sending addresses the two documentation ranges hold
// when hosts .10 to .249 of each are used.
const maxIPs = 480

// Generator produces one plausible event at a time. It is deterministic: the
// same configuration and seed give the same events for the same times. It is
// not safe for concurrent use; give each goroutine its own.
type Generator struct {
	rng       *rand.Rand
	inbound   float64
	nodes     []node
	inNodes   []string
	senders   []string
	senderCum []float64
	providers []provider
	provCum   []float64
	seq       uint64
	stream    uint64
}

type node struct {
	name string
	ips  []string
	ipv6 string
}

// NewGenerator returns a generator for cfg whose randomness comes from seed.
func NewGenerator(cfg GenConfig, seed int64) *Generator {
	return newGenerator(cfg, seed, 0)
}

// newGenerator also takes a stream number, which goes into every message-id
// so that the generators of concurrent workers can never produce the same one.
func newGenerator(cfg GenConfig, seed int64, stream uint64) *Generator {
	cfg = cfg.withDefaults()
	g := &Generator{
		rng:     rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15^stream)),
		inbound: cfg.InboundShare,
		senders: cfg.SenderDomains,
		stream:  stream,
	}
	for i := range cfg.Nodes {
		n := node{name: nodeName("mta-", i), ipv6: "2001:db8:25:" + strconv.Itoa(i+1) + "::25"}
		for j := range cfg.IPsPerNode {
			n.ips = append(n.ips, docIP(i*cfg.IPsPerNode+j))
		}
		g.nodes = append(g.nodes, n)
	}
	for i := range cfg.InboundNodes {
		g.inNodes = append(g.inNodes, nodeName("mx-", i))
	}
	// Sender volume falls off like a customer base does: a few big senders.
	g.senderCum = cumulative(len(g.senders), func(i int) float64 { return 1 / float64(i+1) })
	g.providers = append(append([]provider(nil), consumerProviders...), corporateProviders()...)
	var corpTotal float64
	for _, p := range g.providers[len(consumerProviders):] {
		corpTotal += p.weight
	}
	g.provCum = cumulative(len(g.providers), func(i int) float64 {
		if i < len(consumerProviders) {
			return g.providers[i].weight
		}
		return g.providers[i].weight / corpTotal * corporateShare
	})
	return g
}

func (c GenConfig) withDefaults() GenConfig {
	if c.Nodes <= 0 {
		c.Nodes = 4
	}
	if c.InboundNodes <= 0 {
		c.InboundNodes = 2
	}
	if c.IPsPerNode <= 0 {
		c.IPsPerNode = 2
	}
	if c.Nodes*c.IPsPerNode > maxIPs {
		c.IPsPerNode = max(1, maxIPs/c.Nodes)
	}
	if len(c.SenderDomains) == 0 {
		c.SenderDomains = defaultSenderDomains
	}
	switch {
	case c.InboundShare == 0:
		c.InboundShare = 0.15
	case c.InboundShare < 0:
		c.InboundShare = 0
	case c.InboundShare > 1:
		c.InboundShare = 1
	}
	return c
}

func nodeName(prefix string, i int) string {
	s := strconv.Itoa(i + 1)
	if len(s) < 2 {
		s = "0" + s
	}
	return prefix + s
}

// docIP returns the n-th sending address, alternating between the two ranges
// so that each node has addresses in both, as fleets spread over providers do.
func docIP(n int) string {
	prefix := "192.0.2."
	if n%2 == 1 {
		prefix = "198.51.100."
	}
	return prefix + strconv.Itoa(10+(n/2)%240)
}

func cumulative(n int, weight func(int) float64) []float64 {
	cum := make([]float64, n)
	var sum float64
	for i := range n {
		sum += weight(i)
		cum[i] = sum
	}
	return cum
}

func (g *Generator) pick(cum []float64) int {
	i := sort.SearchFloat64s(cum, g.rng.Float64()*cum[len(cum)-1])
	return min(i, len(cum)-1)
}

func (g *Generator) choose(rs []reply) reply { return rs[g.rng.IntN(len(rs))] }

// Event returns one event at time t (kept to millisecond precision, in UTC,
// as MTAs report it).
func (g *Generator) Event(t time.Time) event.Event {
	g.seq++
	t = t.UTC().Truncate(time.Millisecond)
	if g.rng.Float64() < g.inbound {
		return g.inboundEvent(t)
	}
	return g.outboundEvent(t)
}

func (g *Generator) outboundEvent(t time.Time) event.Event {
	n := &g.nodes[g.rng.IntN(len(g.nodes))]
	si := g.pick(g.senderCum)
	fromDomain := g.senders[si]
	p := &g.providers[g.pick(g.provCum)]
	e := event.Event{
		Time:        t,
		MessageID:   g.messageID(t, fromDomain),
		QueueID:     g.queueID(t),
		FromAddress: senderLocals[(si*3+g.rng.IntN(3))%len(senderLocals)] + "@" + fromDomain,
		ToAddress:   g.person() + "@" + p.domain,
		MTANode:     n.name,
		MXHost:      p.mx[g.rng.IntN(len(p.mx))],
		MessageSize: ptr(g.messageSize()),
	}
	// Big providers take IPv6, and fleets that have it use it for some mail.
	if p.family.ipv6 && g.rng.Float64() < 0.1 {
		e.SendingIPv6 = n.ipv6
	} else {
		e.SendingIP = n.ips[g.rng.IntN(len(n.ips))]
	}
	x := expansion{ip: e.SendingIP + e.SendingIPv6, rcpt: e.ToAddress, domain: p.domain, from: fromDomain, ts: t.Unix()}
	var r reply
	var attempt, queued int64
	switch u := g.rng.Float64(); {
	case u < pDelivered:
		e.EventType, r = event.Delivered, g.choose(p.family.ok)
		attempt, queued = g.deliveryTime(), g.queueTime(0.07)
	case u < pDeferred:
		e.EventType, r = event.Deferred, g.choose(p.family.deferred)
		if g.rng.Float64() < 0.1 {
			r = connTimeout
		}
		attempt, queued = g.lognormal(600, 0.8), g.lognormal(5*60_000, 1.5)
		if r.category == "network" {
			attempt = 30_000 + g.rng.Int64N(90_000)
		}
	case u < pBounced:
		e.EventType, r = event.Bounced, g.choose(p.family.bounced)
		// No bounceCategory: like a real MTA plugin, the simulator leaves the
		// classification to the server's classifier.
		e.BounceType, e.BounceMessage = bounceType(r), r.summary
		attempt, queued = g.lognormal(700, 0.8), g.queueTime(0.2)
	default:
		e.EventType, r = event.Rejected, g.choose(p.family.rejected)
		e.BounceMessage = r.summary
		attempt, queued = g.lognormal(400, 0.7), g.queueTime(0)
	}
	e.StatusCode, e.StatusMessage = r.code, g.expand(r.text, &x)
	e.DeliveryTimeMs, e.QueueTimeMs, e.TotalTimeMs = ptr(attempt), ptr(queued), ptr(attempt+queued)
	return e
}

func bounceType(r reply) string {
	if r.hard {
		return "hard"
	}
	return "soft"
}

func (g *Generator) inboundEvent(t time.Time) event.Event {
	fromDomain, fromAddr := g.externalSender()
	to := g.senders[g.pick(g.senderCum)]
	local := inboxLocals[g.rng.IntN(len(inboxLocals))]
	if g.rng.Float64() < 0.6 {
		local = g.person()
	}
	e := event.Event{
		Time:        t,
		QueueID:     g.harakaID(),
		FromAddress: fromAddr,
		ToAddress:   local + "@" + to,
		MTANode:     g.inNodes[g.rng.IntN(len(g.inNodes))],
		SendingIP:   "203.0.113." + strconv.Itoa(1+g.rng.IntN(254)),
	}
	x := expansion{ip: e.SendingIP, rcpt: e.ToAddress, domain: to, from: fromDomain, ts: t.Unix()}
	var r reply
	switch u := g.rng.Float64(); {
	case u < pReceived:
		// received is inbound by definition: direction stays absent so the
		// server's inference is exercised.
		e.EventType, r = event.Received, inboundAccepted
		e.SPFResult, e.DKIMResult, e.DMARCResult = g.authResults()
		e.SpamScore, e.SpamAction = ptr(g.hamScore()), "accept"
	case u < pInboundReject:
		e.EventType, e.Direction = event.Rejected, event.Inbound
		r = inboundRejected[g.pickWeighted(inboundRejectWeights)]
		g.rejectVerdicts(&e, r)
	default:
		e.EventType, e.Direction = event.Deferred, event.Inbound
		e.SPFResult, e.DKIMResult, e.DMARCResult = g.authResults()
		if g.rng.Float64() < 0.8 {
			r, e.SpamAction = inboundGreylist, "greylist"
			e.SpamScore = ptr(round2(6 + 6*g.rng.Float64()))
		} else {
			r, e.SpamAction = inboundSoftReject, "soft_reject"
			e.SpamScore = ptr(round2(9 + 5*g.rng.Float64()))
		}
	}
	// Mail refused before DATA has neither a message-id nor a size.
	if r.category != "blocklist" && r.category != "user_unknown" {
		e.MessageID = g.messageID(t, fromDomain)
		e.MessageSize = ptr(g.messageSize())
	}
	e.StatusCode, e.StatusMessage = r.code, g.expand(r.text, &x)
	return e
}

// rejectVerdicts sets the filter's verdicts to match why it refused.
func (g *Generator) rejectVerdicts(e *event.Event, r reply) {
	switch r.category {
	case "spam":
		e.SPFResult, e.DKIMResult, e.DMARCResult = g.authResults()
		e.SpamScore, e.SpamAction = ptr(round2(15+g.lognormalF(8, 0.6))), "reject"
	case "dmarc":
		e.SPFResult, e.DKIMResult, e.DMARCResult = pickStr(g, "fail", "softfail"), pickStr(g, "fail", "none"), "fail"
		e.SpamScore, e.SpamAction = ptr(round2(8+8*g.rng.Float64())), "reject"
	case "blocklist":
		e.SpamAction = "reject"
	}
}

// externalSender is who writes to our users: people at consumer providers
// and companies' systems.
func (g *Generator) externalSender() (domain, addr string) {
	i := g.pick(g.provCum)
	p := &g.providers[i]
	if i >= len(consumerProviders) && g.rng.IntN(2) == 0 {
		return p.domain, senderLocals[g.rng.IntN(len(senderLocals))] + "@" + p.domain
	}
	return p.domain, g.person() + "@" + p.domain
}

// authResults draws SPF, DKIM and DMARC verdicts for ordinary inbound mail.
func (g *Generator) authResults() (spf, dkim, dmarc string) {
	spf = pickBy(g, spfVerdicts, spfWeights)
	dkim = pickBy(g, dkimVerdicts, dkimWeights)
	dmarc = "pass"
	switch {
	case spf != "pass" && dkim != "pass":
		dmarc = pickStr(g, "fail", "none")
	case g.rng.Float64() < 0.12:
		dmarc = "none" // no DMARC record published
	}
	return spf, dkim, dmarc
}

var (
	spfVerdicts  = []string{"pass", "softfail", "fail", "neutral", "none"}
	spfWeights   = []float64{88, 4, 1, 2, 5}
	dkimVerdicts = []string{"pass", "none", "fail", "policy"}
	dkimWeights  = []float64{85, 10, 4.5, 0.5}
)

func (g *Generator) pickWeighted(w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	u := g.rng.Float64() * sum
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

func pickBy(g *Generator, names []string, w []float64) string { return names[g.pickWeighted(w)] }

func pickStr(g *Generator, a, b string) string {
	if g.rng.IntN(2) == 0 {
		return a
	}
	return b
}

func ptr[T any](v T) *T { return &v }
