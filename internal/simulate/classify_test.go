package simulate

import (
	"cmp"
	"maps"
	"slices"
	"testing"

	"github.com/tinomail/tinomail/internal/classify"
	"github.com/tinomail/tinomail/internal/event"
)

// TestSimulatedFailuresAreClassified runs the simulator's failures through
// the classifier as ingest does: at most 2% may end in "other", and every
// category the simulator means to show must occur.
func TestSimulatedFailuresAreClassified(t *testing.T) {
	c := classify.Default()
	perCategory := map[string]int{}
	other := map[string]int{}
	failures := 0
	for _, e := range generate(11, 200_000) {
		if !e.EventType.Urgent() {
			continue
		}
		event.Normalize(&e)
		failures++
		r := c.Classify(classify.Input{StatusCode: e.StatusCode, Text: cmp.Or(e.StatusMessage, e.BounceMessage),
			Domain: e.ToDomain, MXHost: e.MXHost})
		perCategory[r.Category]++
		if r.Category == classify.Other {
			other[classify.Template(e.StatusMessage, e.ToDomain)]++
		}
	}
	if failures < 10_000 {
		t.Fatalf("only %d failures", failures)
	}
	share := float64(perCategory[classify.Other]) / float64(failures)
	t.Logf("%d failures, %.2f%% other: %v", failures, 100*share, perCategory)
	if share > 0.02 {
		t.Errorf("%.2f%% of simulated failures are classified other, want at most 2%%; the replies:", 100*share)
		for _, k := range slices.Sorted(maps.Keys(other)) {
			t.Errorf("%6d  %s", other[k], k)
		}
	}
	for _, want := range []string{classify.InvalidRecipient, classify.MailboxFull, classify.RateLimited, classify.Blocklisted,
		classify.SpamContent, classify.AuthPolicy, classify.Connection, classify.Greylisted, classify.MessageTooLarge, classify.DNSNoMX} {
		if perCategory[want] == 0 {
			t.Errorf("no simulated failure is classified %s", want)
		}
	}
}
