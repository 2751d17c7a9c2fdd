package query

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
)

func size(n int64) func(*event.Event) { return func(e *event.Event) { e.MessageSize = &n } }

func TestMessageSize(t *testing.T) {
	f := newFixture(t)
	// Outbound: 100 deliveries of i×20 KiB (20 KiB to 2000 KiB) at 10:xx,
	// 2 bounces of 30 MiB at 11:00; inbound: 3 receptions of 1 KiB at 12:00.
	var evs []event.Event
	var outbound []int64
	for i := int64(1); i <= 100; i++ {
		evs = append(evs, ev(at(t, "10:00:00").Add(time.Duration(i)*time.Second), event.Delivered, "a.com", size(i*20*kb)))
		outbound = append(outbound, i*20*kb)
	}
	evs = append(evs, repeat(2, ev(at(t, "11:00:00"), event.Bounced, "a.com", size(30*kb*kb)))...)
	outbound = append(outbound, 30*kb*kb, 30*kb*kb)
	evs = append(evs, repeat(3, ev(at(t, "12:00:00"), event.Received, "", inbound, size(kb)))...)
	// Not counted: deferrals and sends report the same messages again, a
	// delivery without a size, and one outside the window.
	evs = append(evs,
		ev(at(t, "10:00:00"), event.Deferred, "a.com", size(50*kb*kb)),
		ev(at(t, "10:00:00"), event.Sent, "a.com", size(50*kb*kb)),
		ev(at(t, "10:00:00"), event.Delivered, "a.com"),
		ev(at(t, "2024-05-01T10:00:00Z"), event.Delivered, "a.com", size(1)),
	)
	f.write(evs...)

	res, err := f.svc.MessageSize(t.Context(), query(t, "direction=outbound"))
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, n := range outbound {
		sum += n
	}
	if res.Count != 102 || res.AvgBytes == nil || *res.AvgBytes != round(float64(sum)/102, 2) {
		t.Errorf("count %d avg %v, want 102 and %v", res.Count, fmtPtr(res.AvgBytes), float64(sum)/102)
	}
	slices.Sort(outbound)
	rank := func(q float64) float64 { return float64(outbound[int(math.Ceil(q*102))-1]) }
	near(t, "p50Bytes", res.P50Bytes, rank(0.5))
	near(t, "p95Bytes", res.P95Bytes, rank(0.95))
	// By value the classes hold 0, 4 (20..80 KiB), 46 (100..1000 KiB), 50
	// (1020..2000 KiB), 0 and 2; but 1000 KiB, 2.3% under 1 MiB, is in a
	// bin whose midpoint is over it, so it counts with 1–10MB.
	want := []Share{{"<10KB", 0, 0}, {"10–100KB", 4, 3.92}, {"100KB–1MB", 45, 44.12}, {"1–10MB", 51, 50}, {"10–25MB", 0, 0}, {">25MB", 2, 1.96}}
	if !slices.Equal(res.Histogram, want) {
		t.Errorf("histogram\n got %v\nwant %v", res.Histogram, want)
	}
	if len(res.Trend) != 25 || res.Trend[20].Count != 100 || res.Trend[21].Count != 2 || res.Trend[22].Count != 0 {
		t.Fatalf("trend %+v", res.Trend)
	}
	if p := res.Trend[20]; !p.Time.Equal(at(t, "10:00:00")) || *p.AvgBytes != 50.5*20*kb {
		t.Errorf("10:00 point %+v, want the 100 deliveries averaging %v", p, 50.5*20*kb)
	}
	if p := res.Trend[22]; p.AvgBytes != nil {
		t.Errorf("12:00 outbound point %+v, want a null average", p)
	}

	res, err = f.svc.MessageSize(t.Context(), query(t, "direction=inbound&range=6h"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Step != "5m" || res.Count != 3 || *res.AvgBytes != kb || res.Histogram[0].Count != 3 || res.Histogram[0].Percent != 100 {
		t.Errorf("inbound: %+v", res)
	}
	near(t, "inbound p95", res.P95Bytes, kb)

	res, err = f.svc.MessageSize(t.Context(), query(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 105 || *res.AvgBytes != round(float64(sum+3*kb)/105, 2) {
		t.Errorf("both directions: count %d avg %v", res.Count, fmtPtr(res.AvgBytes))
	}
}

func TestMessageSizeEmpty(t *testing.T) {
	f := newFixture(t)
	res, err := f.svc.MessageSize(t.Context(), query(t, "from=2024-05-10T10:00:00Z&to=2024-05-10T10:10:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"from":"2024-05-10T10:00:00Z","to":"2024-05-10T10:10:00Z","step":"5m","count":0,"avgBytes":null,` +
		`"p50Bytes":null,"p95Bytes":null,"errorBound":0.049,"histogram":[{"label":"\u003c10KB","count":0,"percent":0},` +
		`{"label":"10–100KB","count":0,"percent":0},{"label":"100KB–1MB","count":0,"percent":0},{"label":"1–10MB","count":0,"percent":0},` +
		`{"label":"10–25MB","count":0,"percent":0},{"label":"\u003e25MB","count":0,"percent":0}],` +
		`"trend":[{"time":"2024-05-10T10:00:00Z","count":0,"avgBytes":null},{"time":"2024-05-10T10:05:00Z","count":0,"avgBytes":null}]}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
}
