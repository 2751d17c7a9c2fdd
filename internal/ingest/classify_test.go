package ingest

import (
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/classify"
	"github.com/tinomail/tinomail/internal/event"
)

func TestClassifyFailures(t *testing.T) {
	now := time.Now()
	events := []event.Event{
		{Time: now, EventType: event.Bounced, ToDomain: "gmail.com", StatusCode: 550,
			StatusMessage: "550-5.1.1 The email account that you tried to reach does not exist."},
		{Time: now, EventType: event.Deferred, StatusCode: 452,
			StatusMessage: "452 4.2.2 The email account that you tried to reach is over quota."},
		{Time: now, EventType: event.Bounced, StatusCode: 550, StatusMessage: "550 5.1.1 unknown", BounceCategory: "from_the_mta"},
		{Time: now, EventType: event.Delivered, StatusCode: 250, StatusMessage: "250 2.0.0 OK"},
		{Time: now, EventType: event.Rejected},
	}
	classifyFailures(classify.Default(), events)
	want := []struct{ category, typ string }{
		{classify.InvalidRecipient, classify.Hard},
		{classify.MailboxFull, classify.Soft},
		{"from_the_mta", ""},
		{"", ""},
		{"", ""},
	}
	for i, w := range want {
		if events[i].BounceCategory != w.category || events[i].BounceType != w.typ {
			t.Errorf("event %d: %q/%q, want %q/%q", i, events[i].BounceCategory, events[i].BounceType, w.category, w.typ)
		}
	}
}
