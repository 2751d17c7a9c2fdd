package query

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/store"
)

// searchFixture writes a small, varied day of events before testNow.
func searchFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.write(
		ev(at(t, "13:00:00"), event.Delivered, "a.example", node("mta-1"), func(e *event.Event) {
			e.MessageID, e.QueueID, e.StatusMessage = "<m1@x>", "q1", "250 OK Accepted"
			e.MXHost, e.StatusCode = "mx.a.example", 250
		}),
		ev(at(t, "13:10:00"), event.Deferred, "b.example", node("mta-2"), bounce("policy", "soft"), func(e *event.Event) {
			e.MessageID, e.BounceMessage, e.SendingIP = "<m2@x>", "451 Greylisted, TRY later", "192.0.2.7"
			e.StatusCode = 451
		}),
		ev(at(t, "13:20:00"), event.Bounced, "b.example", node("mta-2"), bounce("bad-mailbox", "hard"), func(e *event.Event) {
			e.MessageID, e.ToAddress = "<m2@x>", "who@b.example"
		}),
		ev(at(t, "13:30:00"), event.Received, "", inbound, func(e *event.Event) { e.ToAddress = "me@our.example" }),
		ev(at(t, "2024-05-08T10:00:00Z"), event.Delivered, "a.example"), // outside the last 24h
	)
	return f
}

func TestSearchFilters(t *testing.T) {
	f := searchFixture(t)
	cases := []struct {
		query string
		want  []string // event types, newest first
	}{
		{"", []string{"received", "bounced", "deferred", "delivered"}},
		{"range=7d", []string{"received", "bounced", "deferred", "delivered", "delivered"}},
		{"from=2024-05-10T13:10:00Z&to=2024-05-10T13:20:00Z", []string{"deferred"}},
		{"eventType=bounced,deferred", []string{"bounced", "deferred"}},
		{"direction=inbound", []string{"received"}},
		{"node=mta-2", []string{"bounced", "deferred"}},
		{"fromDomain=sender.example&toDomain=a.example", []string{"delivered"}},
		{"sendingIp=192.0.2.7", []string{"deferred"}},
		{"messageId=%3Cm2%40x%3E", []string{"bounced", "deferred"}},
		{"queueId=q1", []string{"delivered"}},
		{"address=who%40b.example", []string{"bounced"}},
		{"address=news%40Sender.example&eventType=delivered", []string{"delivered"}},
		{"q=try+LATER", []string{"deferred"}},
		{"q=accepted", []string{"delivered"}},
		{"q=%25", nil},
		{"q=%27+OR+1%3D1+--", nil},
		{"bounceCategory=bad-mailbox", []string{"bounced"}},
		{"node=mta-9", nil},
		{"mxHost=mx.a.example", []string{"delivered"}},
		{"statusCode=451", []string{"deferred"}},
		{"statusCode=550", nil},
		{"toAddress=who%40b.example", []string{"bounced"}},
		{"fromAddress=news%40Sender.example&eventType=delivered", []string{"delivered"}},
		{"toAddress=news%40Sender.example", nil},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			res, err := f.svc.Search(t.Context(), query(t, c.query))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range res.Events {
				got = append(got, string(e.EventType))
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if res.Events == nil || res.NextCursor != nil {
				t.Errorf("events %v (want non-nil), nextCursor %v (want nil)", res.Events, res.NextCursor)
			}
		})
	}
}

func TestSearchPagination(t *testing.T) {
	f := newFixture(t)
	evs := repeat(25, ev(at(t, "12:00:00"), event.Delivered, "a.example"))
	for i := range evs {
		evs[i].Time = evs[i].Time.Add(-time.Duration(i%10) * 30 * time.Second) // equal times across pages
	}
	f.write(evs...)
	seen := map[int64]bool{}
	var pages int
	v := query(t, "limit=4")
	for {
		res, err := f.svc.Search(t.Context(), v)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range res.Events {
			if seen[e.ID] {
				t.Fatalf("event %d on two pages", e.ID)
			}
			seen[e.ID] = true
		}
		if res.NextCursor == nil {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		v.Set("cursor", *res.NextCursor)
	}
	if len(seen) != 25 || pages != 7 {
		t.Errorf("saw %d events in %d pages, want 25 in 7", len(seen), pages)
	}
}

func TestSearchParamErrors(t *testing.T) {
	f := searchFixture(t)
	long := strings.Repeat("x", 501)
	for _, c := range []struct{ query, param string }{
		{"cursor=!!!", "cursor"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("123")), "cursor"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("abc.1")), "cursor"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("123.0")), "cursor"},
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"limit=abc", "limit"},
		{"range=90d", "range"},
		{"eventType=nope", "eventType"},
		{"direction=up", "direction"},
		{"q=" + long, "q"},
		{"address=a&address=b", "address"},
	} {
		t.Run(c.query[:min(len(c.query), 30)], func(t *testing.T) {
			_, err := f.svc.Search(t.Context(), query(t, c.query))
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != c.param {
				t.Fatalf("err = %v, want a ParamError for %q", err, c.param)
			}
		})
	}
}

func TestCursorRoundTrip(t *testing.T) {
	for _, ms := range []int64{0, 1715349600123, -5} {
		want := fmt.Sprintf("%d.%d", ms, 42)
		c := encodeCursor(store.Cursor{Time: ms, ID: 42})
		raw, _ := base64.RawURLEncoding.DecodeString(c)
		if string(raw) != want {
			t.Errorf("cursor %q decodes to %q, want %q", c, raw, want)
		}
		got, err := parseCursor(url.Values{"cursor": {c}})
		if err != nil || got.Time != ms || got.ID != 42 {
			t.Errorf("parseCursor(%q) = %+v, %v", c, got, err)
		}
	}
}
