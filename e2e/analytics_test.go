package e2e

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/query"
)

// TestAnalyticsThroughTheBinary sends failures and inbound mail through the
// real ingest API and queue, then reads the grown bounce analysis, the
// inbound flow and a CSV export back from the real binary.
func TestAnalyticsThroughTheBinary(t *testing.T) {
	s := startServer(t)
	ingestKey := s.key("plugin", "ingest")
	readKey := s.key("dashboard", "read")
	base := time.Now().UTC().Add(-90 * time.Minute).Truncate(time.Minute)

	var evs []string
	// Six unknown recipients at two providers, no category: the server
	// classifies them, and the top reply groups them whoever they were for.
	for i := 0; i < 6; i++ {
		evs = append(evs, evJSON(base.Add(time.Duration(i)*time.Second), "bounced", fmt.Sprintf(
			`,"toAddress":"user%d@corp%d.example","mxHost":"mx1.corp%d.example","sendingIp":"192.0.2.%d","mtaNode":"mta-01","statusCode":550,"statusMessage":"550 5.1.1 <user%d@corp%d.example>: Recipient address rejected: User unknown in virtual mailbox table"`,
			i, i%2, i%2, 10+i%2, i, i%2)))
	}
	for i := 0; i < 3; i++ {
		evs = append(evs, evJSON(base.Add(time.Minute), "deferred", fmt.Sprintf(
			`,"toAddress":"a@gmail.com","mtaNode":"mta-02","sendingIp":"192.0.2.10","statusCode":421,"statusMessage":"421-4.7.28 [192.0.2.10      15] Our system has detected an unusual rate of unsolicited mail originating from your IP address. 41be03b00d2f7-7c7a1b2c3dasi12345%da12.%d - gsmtp"`, i, 80+i)))
	}
	for i := 0; i < 4; i++ {
		evs = append(evs, evJSON(base.Add(2*time.Minute), "received",
			`,"toAddress":"info@shop.example","fromAddress":"x@sender.example","mtaNode":"mx-01","spfResult":"pass","dkimResult":"pass","dmarcResult":"pass","spamAction":"accept","spamScore":1.5`))
	}
	evs = append(evs, evJSON(base.Add(3*time.Minute), "deferred",
		`,"direction":"inbound","toAddress":"info@shop.example","mtaNode":"mx-01","spfResult":"fail","spamAction":"greylist","spamScore":7,"statusMessage":"451 4.7.1 Greylisted, please try again in 300 seconds"`))
	if st, _, b := post(t, s.url("/api/v1/events/ingest"), ingestKey, []byte("["+strings.Join(evs, ",")+"]")); st != 202 {
		t.Fatalf("ingest: %d %s", st, b)
	}

	var ba query.BounceResult
	eventually(t, 10*time.Second, "the failures in the bounce analysis", func() bool {
		getJSON(t, s.url("/api/v1/email/bounce-analysis?range=6h"), readKey, &ba)
		return ba.Total == 10
	})
	wantTop := query.ResponseShare{Response: "550 5.1.1 <email>: Recipient address rejected: User unknown in virtual mailbox table",
		Count: 6, Percent: 60, Bounced: 6}
	if len(ba.TopResponses) != 3 || ba.TopResponses[0] != wantTop {
		t.Errorf("top responses %+v", ba.TopResponses)
	}
	if d := ba.Deferred; d.Total != 4 || len(d.ByCategory) != 2 || d.ByCategory[0].Category != "rate_limited" || d.ByCategory[0].Count != 3 ||
		d.TopResponses[0].Count != 3 || !strings.Contains(d.TopResponses[0].Response, "[<ip> 15] Our system has detected") {
		t.Errorf("deferred reasons %+v", d)
	}
	// By MX: the two corporate MX hosts, and the deferrals that named none
	// (with the inbound mail, which never does).
	wantMX := []query.FailureShare{
		{Name: query.Unknown, Failures: 4, Deferred: 4, Percent: 40, Events: 8, FailureRate: 50},
		{Name: "mx1.corp0.example", Failures: 3, Bounced: 3, Percent: 30, Events: 3, FailureRate: 100},
		{Name: "mx1.corp1.example", Failures: 3, Bounced: 3, Percent: 30, Events: 3, FailureRate: 100},
	}
	if fmt.Sprint(ba.ByMX) != fmt.Sprint(wantMX) {
		t.Errorf("by MX %+v", ba.ByMX)
	}

	var in query.InboundResult
	if st := getJSON(t, s.url("/api/v1/email/inbound?range=6h"), readKey, &in); st != 200 {
		t.Fatalf("inbound: %d", st)
	}
	if in.Total != 5 || in.Counters["received"] != 4 || in.Counters["greylisted"] != 1 || in.SPF.PassRate == nil || *in.SPF.PassRate != 80 {
		t.Errorf("inbound total %d counters %v spf %+v", in.Total, in.Counters, in.SPF)
	}

	// The export of the bounces, as a browser downloads it.
	req, _ := http.NewRequest("GET", s.url("/api/v1/email/events/export?format=csv&range=6h&eventType=bounced"), nil)
	req.Header.Set("Authorization", "Bearer "+readKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || resp.StatusCode != 200 || len(recs) != 7 {
		t.Fatalf("export: status %d, %d records, %v", resp.StatusCode, len(recs), err)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=tinomail-events-") || !strings.HasSuffix(cd, ".csv") {
		t.Errorf("content disposition %q", cd)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	if resp.Trailer.Get("X-Export-Rows") != "6" || recs[1][col["bounceCategory"]] != "invalid_recipient" || recs[1][col["bounceType"]] != "hard" ||
		recs[1][col["toAddress"]] != "user5@corp1.example" {
		t.Errorf("trailer %v, first row %v", resp.Trailer, recs[1])
	}
	if st, _, b := get(t, s.url("/api/v1/email/events/export?format=xml"), readKey); st != 400 || !strings.Contains(string(b), `must be csv or ndjson`) {
		t.Errorf("bad format: %d %s", st, b)
	}
	// The search itself takes format= too, and answers the same download.
	st, h, b := get(t, s.url("/api/v1/email/events?format=ndjson&range=6h&eventType=bounced"), readKey)
	if lines := strings.Count(string(b), "\n"); st != 200 || lines != 6 || !strings.Contains(h.Get("Content-Disposition"), ".ndjson") {
		t.Errorf("search as ndjson: %d, %d lines, %q", st, lines, h.Get("Content-Disposition"))
	}
	if st, _, b := get(t, s.url("/api/v1/email/events?format=xml"), readKey); st != 400 || !strings.Contains(string(b), `must be csv or ndjson`) {
		t.Errorf("search, bad format: %d %s", st, b)
	}
}
