package query

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/tinomail/tinomail/internal/event"
)

func TestBounceAnalysis(t *testing.T) {
	f := newFixture(t)
	var evs []event.Event
	evs = append(evs, repeat(3, ev(at(t, "10:00:00"), event.Bounced, "a.com", bounce("invalid_recipient", "hard")))...)
	evs = append(evs, ev(at(t, "10:00:00"), event.Bounced, "a.com", bounce("", "hard")))
	evs = append(evs, repeat(2, ev(at(t, "11:00:00"), event.Deferred, "a.com", bounce("mailbox_full", "soft")))...)
	evs = append(evs, ev(at(t, "12:00:00"), event.Deferred, "b.com"))
	evs = append(evs, ev(at(t, "12:00:00"), event.Rejected, "b.com", bounce("spam_block", "hard"), inbound))
	// Not failures, or outside the window: never counted.
	evs = append(evs, repeat(5, ev(at(t, "12:00:00"), event.Delivered, "a.com"))...)
	evs = append(evs, ev(at(t, "2024-05-01T00:00:00Z"), event.Bounced, "a.com", bounce("invalid_recipient", "hard")))
	f.write(evs...)

	res, err := f.svc.BounceAnalysis(t.Context(), query(t, "range=24h"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 8 {
		t.Errorf("total %d, want 8", res.Total)
	}
	wantTypes := []TypeShare{{event.Bounced, 4, 50}, {event.Deferred, 3, 37.5}, {event.Rejected, 1, 12.5}}
	if !slices.Equal(res.ByType, wantTypes) {
		t.Errorf("byType %+v, want %+v", res.ByType, wantTypes)
	}
	wantCats := []CategoryShare{
		{Category: "invalid_recipient", Count: 3, Percent: 37.5, Hard: 3},
		{Category: Uncategorized, Count: 2, Percent: 25, Hard: 1, Soft: 1},
		{Category: "mailbox_full", Count: 2, Percent: 25, Soft: 2},
		{Category: "spam_block", Count: 1, Percent: 12.5, Hard: 1},
	}
	if !slices.Equal(res.ByCategory, wantCats) {
		t.Errorf("byCategory %+v, want %+v", res.ByCategory, wantCats)
	}
	wantKinds := []BounceTypeShare{{"hard", 5, 62.5}, {"soft", 2, 25}, {Unknown, 1, 12.5}}
	if !slices.Equal(res.ByBounceType, wantKinds) {
		t.Errorf("byBounceType %+v, want %+v", res.ByBounceType, wantKinds)
	}

	// Outbound only: 7 failures, so percentages round to 2 decimals.
	res, err = f.svc.BounceAnalysis(t.Context(), query(t, "direction=outbound"))
	if err != nil {
		t.Fatal(err)
	}
	wantTypes = []TypeShare{{event.Bounced, 4, 57.14}, {event.Deferred, 3, 42.86}, {event.Rejected, 0, 0}}
	if res.Total != 7 || !slices.Equal(res.ByType, wantTypes) {
		t.Errorf("outbound: total %d, byType %+v; want 7, %+v", res.Total, res.ByType, wantTypes)
	}
	if c := res.ByCategory[0]; c.Category != "invalid_recipient" || c.Percent != 42.86 {
		t.Errorf("outbound first category %+v", c)
	}
}

func TestBounceAnalysisEmpty(t *testing.T) {
	f := newFixture(t)
	f.write(ev(at(t, "12:00:00"), event.Delivered, "a.com"))
	res, err := f.svc.BounceAnalysis(t.Context(), query(t, "range=6h"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"from":"2024-05-10T08:05:00Z","to":"2024-05-10T14:10:00Z","step":"5m","total":0,"byType":[` +
		`{"type":"bounced","count":0,"percent":0},{"type":"deferred","count":0,"percent":0},{"type":"rejected","count":0,"percent":0}],` +
		`"byCategory":[],"byBounceType":[],"topResponses":[],"byDomain":[],"byMx":[],"bySendingIp":[],"byNode":[],"byProvider":[],` +
		`"deferred":{"total":0,"byCategory":[],"topResponses":[]}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
}
