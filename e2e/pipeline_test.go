package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/query"
)

type ingestResult struct {
	Queued   int                `json:"queued"`
	Rejected int                `json:"rejected"`
	Errors   []event.FieldError `json:"errors"`
}

func evJSON(t time.Time, typ, extra string) string {
	return fmt.Sprintf(`{"time":%q,"eventType":%q%s}`, t.UTC().Format(time.RFC3339Nano), typ, extra)
}

// TestIngestToQuery sends events in every accepted shape through the real
// HTTP API, JetStream and SQLite, and checks the query API's exact answers.
func TestIngestToQuery(t *testing.T) {
	s := startServer(t)
	ingestKey := s.key("plugin", "ingest")
	readKey := s.key("dashboard", "read")
	base := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Hour)

	// 1. A JSON array as the ZoneMTA plugin sends it, with one invalid event.
	var arr []string
	for i := 0; i < 30; i++ {
		node := []string{"mta-01", "mta-02", "mta-03"}[i%3]
		arr = append(arr, evJSON(base.Add(time.Duration(i)*time.Minute), "delivered",
			fmt.Sprintf(`,"queueId":"q%d","messageId":"<m%d@shop.example>","fromAddress":"news@Shop.Example","toAddress":"u%d@gmail.com","mtaNode":%q,"sendingIp":"192.0.2.1","deliveryTimeMs":%d`, i, i, i, node, 100*(i+1))))
	}
	arr = append(arr, `{"eventType":"delivered"}`) // no time
	status, _, body := post(t, s.url("/api/v1/events/ingest"), ingestKey, []byte("["+strings.Join(arr, ",")+"]"))
	var res ingestResult
	_ = json.Unmarshal(body, &res)
	if status != 202 || res.Queued != 30 || res.Rejected != 1 || len(res.Errors) != 1 || res.Errors[0].Index != 30 || res.Errors[0].Field != "time" {
		t.Fatalf("array: %d %s", status, body)
	}

	// 2. NDJSON of failures.
	var nd []string
	for i := 0; i < 5; i++ {
		nd = append(nd, evJSON(base.Add(40*time.Minute), "bounced", `,"mtaNode":"mta-01","toAddress":"x@yahoo.com","statusCode":550,"bounceType":"hard","bounceCategory":"invalid_recipient"`))
	}
	for i := 0; i < 4; i++ {
		nd = append(nd, evJSON(base.Add(50*time.Minute), "deferred", `,"mtaNode":"mta-02","toAddress":"x@outlook.com","statusCode":421,"bounceType":"soft","bounceCategory":"rate_limited"`))
	}
	status, _, body = post(t, s.url("/api/v1/events/ingest"), ingestKey, []byte(strings.Join(nd, "\n")+"\n"),
		"Content-Type", "application/x-ndjson")
	if status != 202 || !bytes.Contains(body, []byte(`"queued":9`)) {
		t.Fatalf("ndjson: %d %s", status, body)
	}

	// 3. gzip, with a bearer token.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	rej := []string{evJSON(base.Add(70*time.Minute), "rejected", `,"mxHost":"mx.example.net"`), evJSON(base.Add(70*time.Minute), "rejected", `,"mxHost":"mx.example.net"`)}
	for i := 0; i < 6; i++ {
		rej = append(rej, evJSON(base.Add(80*time.Minute), "received", `,"fromAddress":"a@partner.example","spfResult":"pass","dkimResult":"pass"`))
	}
	zw.Write([]byte("[" + strings.Join(rej, ",") + "]"))
	zw.Close()
	status, _, body = post(t, s.url("/api/v1/events/ingest"), "", gz.Bytes(), "Content-Encoding", "gzip", "Authorization", "Bearer "+ingestKey)
	if status != 202 || !bytes.Contains(body, []byte(`"queued":8`)) {
		t.Fatalf("gzip: %d %s", status, body)
	}

	// 4. A single object.
	status, _, body = post(t, s.url("/api/v1/events/ingest"), ingestKey, []byte(evJSON(base.Add(90*time.Minute), "sent", "")))
	if status != 202 || !bytes.Contains(body, []byte(`"queued":1`)) {
		t.Fatalf("single: %d %s", status, body)
	}

	var stats query.StatsResult
	eventually(t, 15*time.Second, "48 events stored", func() bool {
		getJSON(t, s.url("/api/v1/email/stats?range=24h"), readKey, &stats)
		return stats.Totals.Total == 48
	})
	want := map[event.Type]int64{"delivered": 30, "bounced": 5, "deferred": 4, "rejected": 2, "received": 6, "sent": 1}
	for typ, n := range want {
		if stats.Totals.Counts[typ] != n {
			t.Errorf("stats %s = %d, want %d", typ, stats.Totals.Counts[typ], n)
		}
	}
	// True average of 100..3000 ms.
	if a := stats.Totals.AvgDeliveryTimeMs; a == nil || *a != 1550 {
		t.Errorf("avg delivery time = %v, want 1550", a)
	}
	if r := stats.Totals.BounceRate; r < 0.1428 || r > 0.1429 { // 5 / (30+5)
		t.Errorf("bounce rate = %v", r)
	}

	var byNode query.StatsResult
	getJSON(t, s.url("/api/v1/email/stats?range=24h&by=mta_node"), readKey, &byNode)
	nodes := map[string]int64{}
	for _, r := range byNode.Rows {
		nodes[r.Key] = r.Counts["delivered"]
	}
	if nodes["mta-01"] != 10 || nodes["mta-02"] != 10 || nodes["mta-03"] != 10 {
		t.Errorf("delivered by node = %v", nodes)
	}
	// Mailbox providers of the outbound events: the received ones have none.
	var byProvider query.StatsResult
	getJSON(t, s.url("/api/v1/email/stats?range=24h&by=provider"), readKey, &byProvider)
	providers := map[string]int64{}
	for _, r := range byProvider.Rows {
		providers[r.Key] = r.Total
	}
	if want := map[string]int64{"google": 30, "yahoo": 5, "microsoft": 4, "other": 2, "(unknown)": 1}; !maps.Equal(providers, want) {
		t.Errorf("events by provider = %v, want %v", providers, want)
	}

	var tp query.ThroughputResult
	if st := getJSON(t, s.url("/api/v1/email/throughput?range=6h&direction=outbound"), readKey, &tp); st != 200 {
		t.Fatalf("throughput status %d", st)
	}
	if tp.Step != "5m" || len(tp.Buckets) < 72 {
		t.Errorf("throughput step %s with %d buckets", tp.Step, len(tp.Buckets))
	}
	totals := map[string]int64{}
	for _, s := range tp.Series {
		totals[s.Name] = s.Total
		var sum int64
		for _, v := range s.Values {
			sum += v
		}
		if sum != s.Total {
			t.Errorf("series %s: values sum %d, total %d", s.Name, sum, s.Total)
		}
	}
	if totals["delivered"] != 30 || totals["bounced"] != 5 || totals["received"] != 0 {
		t.Errorf("outbound throughput totals = %v", totals)
	}

	var ba query.BounceResult
	getJSON(t, s.url("/api/v1/email/bounce-analysis?range=24h"), readKey, &ba)
	if ba.Total != 11 {
		t.Errorf("bounce analysis total = %d, want 11", ba.Total)
	}
	cats := map[string]int64{}
	for _, c := range ba.ByCategory {
		cats[c.Category] = c.Count
		if c.Category == "invalid_recipient" && (c.Count != 5 || c.Percent != 45.45 || c.Hard != 5) {
			t.Errorf("invalid_recipient = %+v", c)
		}
	}
	// The two rejections came without a category or a reply: nothing to
	// classify them by. The others were categorized by the sender.
	if cats["rate_limited"] != 4 || cats["(uncategorized)"] != 2 {
		t.Errorf("categories = %v", cats)
	}

	// A failure without a category is classified at ingest from its reply.
	gm := evJSON(base.Add(95*time.Minute), "bounced", `,"toAddress":"nobody@gmail.com","statusCode":550,"statusMessage":"550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos"`)
	if st, _, b := post(t, s.url("/api/v1/events/ingest"), ingestKey, []byte(gm)); st != 202 {
		t.Fatalf("gmail bounce: %d %s", st, b)
	}
	eventually(t, 10*time.Second, "the classified bounce", func() bool {
		getJSON(t, s.url("/api/v1/email/bounce-analysis?range=24h"), readKey, &ba)
		for _, c := range ba.ByCategory {
			if c.Category == "invalid_recipient" && c.Count == 6 && c.Hard == 6 {
				return true
			}
		}
		return false
	})

	var dtr query.DeliveryTimeResult
	if st := getJSON(t, s.url("/api/v1/email/delivery-time?range=24h"), readKey, &dtr); st != 200 {
		t.Fatalf("delivery-time: %d", st)
	}
	// 30 deliveries of 100, 200, … 3000 ms: exact average, percentiles
	// within the 4.9% bound of the nearest-rank values 1500, 2900, 3000.
	within := func(got *float64, exact float64) bool {
		return got != nil && *got >= exact*0.951 && *got <= exact*1.049
	}
	if dtr.Count != 30 || dtr.AvgMs == nil || *dtr.AvgMs != 1550 || !within(dtr.P50Ms, 1500) || !within(dtr.P95Ms, 2900) || !within(dtr.P99Ms, 3000) {
		t.Errorf("delivery time = count %d avg %v p50 %v p95 %v p99 %v", dtr.Count, dtr.AvgMs, dtr.P50Ms, dtr.P95Ms, dtr.P99Ms)
	}
	if len(dtr.Domains.Rows) != 1 || dtr.Domains.Rows[0].Domain != "gmail.com" || dtr.Domains.Rows[0].Count != 30 {
		t.Errorf("delivery time by domain = %+v", dtr.Domains)
	}
	if st := getJSON(t, s.url("/api/v1/email/message-size?range=24h"), readKey, nil); st != 200 {
		t.Errorf("message-size: %d", st)
	}
	if st, _, _ := get(t, s.url("/api/v1/email/delivery-time?range=24h"), ""); st != 401 {
		t.Errorf("delivery-time without a key: %d", st)
	}

	// Search by message id, and trace.
	var sr query.SearchResult
	if st := getJSON(t, s.url("/api/v1/email/events?range=24h&messageId="+url.QueryEscape("<m7@shop.example>")), readKey, &sr); st != 200 {
		t.Fatalf("search: %d", st)
	}
	if len(sr.Events) != 1 || sr.Events[0].QueueID != "q7" || sr.Events[0].MTANode != "mta-02" || sr.Events[0].ToDomain != "gmail.com" {
		t.Errorf("search by message id = %+v", sr.Events)
	}
	var tr query.TraceResult
	if st := getJSON(t, s.url("/api/v1/email/trace/q7"), readKey, &tr); st != 200 {
		t.Fatalf("trace: %d", st)
	}
	if len(tr.Events) != 1 || tr.Events[0].MessageID != "<m7@shop.example>" || tr.Summary.FinalStatus != event.Delivered {
		t.Errorf("trace = %+v", tr)
	}
	if st, _, _ := get(t, s.url("/api/v1/email/trace/no-such-id"), readKey); st != 404 {
		t.Errorf("trace of an unknown id: %d, want 404", st)
	}

	// Bad parameters get a precise 400.
	status, _, body = get(t, s.url("/api/v1/email/throughput?range=2y"), readKey)
	if status != 400 || !bytes.Contains(body, []byte(`"code":"invalid_parameter"`)) || !bytes.Contains(body, []byte("range")) {
		t.Errorf("bad range: %d %s", status, body)
	}
}
