// Package rollup computes, from a batch of events, the increments that every
// store adds to its 5m / 1h / 1d rollup tables in the same transaction as the
// raw rows. Computing them once here, in Go, keeps the stores' SQL to plain
// set-based upserts and guarantees both stores aggregate identically.
package rollup

import (
	"math"
	"time"

	"github.com/tinomail/tinomail/internal/classify"
	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/provider"
)

// Resolutions are the rollup bucket widths, finest first.
var Resolutions = []time.Duration{5 * time.Minute, time.Hour, 24 * time.Hour}

// Dimensions that rollups are kept by. DimTotal (the empty name, with an empty
// value) counts everything. Events without a value for a dimension are counted
// under the empty value, so a breakdown always adds up to the total.
const (
	DimTotal          = ""
	DimMTANode        = "mta_node"
	DimFromDomain     = "from_domain"
	DimToDomain       = "to_domain"
	DimSendingIP      = "sending_ip"
	DimBounceCategory = "bounce_category"
	DimBounceType     = "bounce_type"
	DimMXHost         = "mx_host"
	// DimResponse holds the SMTP reply of failures reduced by
	// classify.Template, so that the same reason to different recipients
	// is one value; capped at classify.MaxTemplateLen bytes.
	DimResponse = "response"
	// The verdicts of our receiving side, kept for inbound events only.
	DimSpamAction = "spam_action"
	DimSPF        = "spf"
	DimDKIM       = "dkim"
	DimDMARC      = "dmarc"
	// DimProvider is the recipient's mailbox provider (see
	// internal/provider), from the recipient domain and the MX host; kept
	// for outbound events only, the ones whose recipients are elsewhere.
	DimProvider = "provider"
)

// Dims lists every dimension, in the order rows are produced.
var Dims = dimsArray[:]

var dimsArray = [...]string{DimTotal, DimMTANode, DimFromDomain, DimToDomain, DimSendingIP, DimBounceCategory, DimBounceType,
	DimMXHost, DimResponse, DimSpamAction, DimSPF, DimDKIM, DimDMARC, DimProvider}

// Histograms are kept for the total (delivery time and size, every event
// type, every resolution) and, for delivery times of delivered events only,
// per node and per recipient domain at hourly and daily resolution. Per-value
// bins for every dimension and resolution were measured at ten times the cost
// of everything else a batch writes (19,000 bin upserts for 2,000 simulated
// events against 2,000 count rows); these two, which the per-destination
// table and the node filter need, cost a quarter of the writer's throughput
// (BenchmarkPipeline batch=5000: 29,500 → 22,000 events/s).

// Histogram metrics.
const (
	MetricDeliveryTime = "delivery_time_ms"
	MetricMessageSize  = "message_size"
	// MetricSpamScore is kept for inbound events of the total dimension, in
	// bins one point wide: bin k holds scores in [k, k+1), clamped to
	// [MinSpamBin, MaxSpamBin].
	MetricSpamScore = "spam_score"
)

// The range of spam score bins: scores below or above count in the end bins.
const (
	MinSpamBin = -20
	MaxSpamBin = 50
)

// SpamBin returns the spam score bin of a score.
func SpamBin(score float64) int {
	switch {
	case math.IsNaN(score) || score < MinSpamBin:
		return MinSpamBin
	case score >= MaxSpamBin:
		return MaxSpamBin
	}
	return int(math.Floor(score))
}

// Key identifies one rollup row.
type Key struct {
	Res       int64 // bucket width in seconds
	Bucket    int64 // bucket start, Unix seconds
	Dim       string
	Value     string
	Direction event.Direction
	EventType event.Type
}

// Counts are the additive measures of one rollup row. Averages are always
// computed as sum/count over the rows of a range: never averages of averages.
type Counts struct {
	Count     int64
	DtSum     int64 // delivery time, ms
	DtCount   int64
	SizeSum   int64 // message size, bytes
	SizeCount int64
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Count += o.Count
	c.DtSum += o.DtSum
	c.DtCount += o.DtCount
	c.SizeSum += o.SizeSum
	c.SizeCount += o.SizeCount
}

// HistKey identifies one histogram bin of one rollup row.
type HistKey struct {
	Key
	Metric string
	Bin    int
}

// Delta is what one batch adds to the rollups.
type Delta struct {
	Counts map[Key]*Counts
	Hist   map[HistKey]int64
}

// Build aggregates events into rollup increments for every resolution and
// dimension.
func Build(events []event.Event) Delta {
	d := Delta{Counts: make(map[Key]*Counts), Hist: make(map[HistKey]int64)}
	for i := range events {
		d.add(&events[i])
	}
	return d
}

func (d *Delta) add(e *event.Event) {
	var c Counts
	c.Count = 1
	if e.DeliveryTimeMs != nil {
		c.DtSum, c.DtCount = *e.DeliveryTimeMs, 1
	}
	if e.MessageSize != nil {
		c.SizeSum, c.SizeCount = *e.MessageSize, 1
	}
	// Values once per event, not per resolution: the response template
	// is the one that costs.
	var values [len(dimsArray)]string
	var counted [len(dimsArray)]bool
	for i, dim := range Dims {
		values[i], counted[i] = DimValue(e, dim)
	}
	unix := e.Time.Unix()
	for _, res := range Resolutions {
		r := int64(res / time.Second)
		bucket := unix - mod(unix, r)
		for i, dim := range Dims {
			if !counted[i] {
				continue
			}
			k := Key{Res: r, Bucket: bucket, Dim: dim, Value: values[i], Direction: e.Direction, EventType: e.EventType}
			if p := d.Counts[k]; p != nil {
				p.Add(c)
			} else {
				cc := c
				d.Counts[k] = &cc
			}
			if dim == DimTotal {
				if e.DeliveryTimeMs != nil {
					d.Hist[HistKey{Key: k, Metric: MetricDeliveryTime, Bin: Bin(*e.DeliveryTimeMs)}]++
				}
				if e.MessageSize != nil {
					d.Hist[HistKey{Key: k, Metric: MetricMessageSize, Bin: Bin(*e.MessageSize)}]++
				}
				if e.SpamScore != nil && e.Direction == event.Inbound {
					d.Hist[HistKey{Key: k, Metric: MetricSpamScore, Bin: SpamBin(*e.SpamScore)}]++
				}
			} else if HistByDim(dim, r) && e.EventType == event.Delivered && e.DeliveryTimeMs != nil {
				d.Hist[HistKey{Key: k, Metric: MetricDeliveryTime, Bin: Bin(*e.DeliveryTimeMs)}]++
			}
		}
	}
}

// DimValue returns the value of dimension dim for e, and false when e is not
// counted in that dimension at all: the bounce and response dimensions count
// failures only, the verdict dimensions inbound events only.
func DimValue(e *event.Event, dim string) (string, bool) {
	switch dim {
	case DimTotal:
		return "", true
	case DimMTANode:
		return e.MTANode, true
	case DimFromDomain:
		return e.FromDomain, true
	case DimToDomain:
		return e.ToDomain, true
	case DimSendingIP:
		if e.SendingIP == "" {
			return e.SendingIPv6, true
		}
		return e.SendingIP, true
	case DimBounceCategory:
		return e.BounceCategory, e.EventType.Urgent()
	case DimBounceType:
		return e.BounceType, e.EventType.Urgent()
	case DimMXHost:
		return e.MXHost, true
	case DimResponse:
		if !e.EventType.Urgent() {
			return "", false
		}
		return ResponseTemplate(e), true
	case DimSpamAction:
		return e.SpamAction, e.Direction == event.Inbound
	case DimSPF:
		return e.SPFResult, e.Direction == event.Inbound
	case DimDKIM:
		return e.DKIMResult, e.Direction == event.Inbound
	case DimDMARC:
		return e.DMARCResult, e.Direction == event.Inbound
	case DimProvider:
		if e.Direction != event.Outbound {
			return "", false
		}
		return provider.Of(e.ToDomain, e.MXHost), true
	}
	return "", false
}

// ResponseTemplate is the value of DimResponse for a failure: the template
// of its SMTP reply (the status message, or the MTA's bounce message when
// there is none), with the event's own domains and MX host as known names.
func ResponseTemplate(e *event.Event) string {
	text := e.StatusMessage
	if text == "" {
		text = e.BounceMessage
	}
	if text == "" {
		return ""
	}
	return classify.Template(text, e.ToDomain, e.FromDomain, e.MXHost)
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// HistByDim reports whether delivery-time histograms are kept for dimension
// dim at resolution res (in seconds). The total always has them.
func HistByDim(dim string, res int64) bool {
	switch dim {
	case DimTotal:
		return true
	case DimMTANode, DimFromDomain, DimToDomain, DimSendingIP, DimProvider:
		return res >= 3600
	}
	return false
}
