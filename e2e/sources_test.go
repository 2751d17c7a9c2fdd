package e2e

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// sourcesAnswer is GET /api/v1/sources as documented in the README.
type sourcesAnswer struct {
	AsOf               time.Time `json:"asOf"`
	SilentAfterSeconds float64   `json:"silentAfterSeconds"`
	RateWindow         struct {
		From    time.Time `json:"from"`
		Seconds float64   `json:"seconds"`
	} `json:"rateWindow"`
	Silent struct {
		Nodes int `json:"nodes"`
		Keys  int `json:"keys"`
	} `json:"silent"`
	Nodes []sourceView `json:"nodes"`
	Keys  []sourceView `json:"keys"`
}

type sourceCounts struct {
	Window  int64 `json:"window"`
	Last24h int64 `json:"last24h"`
	Total   int64 `json:"total"`
}

type sourceView struct {
	Name             string       `json:"name"`
	KeyID            int64        `json:"keyId"`
	KeyPrefix        string       `json:"keyPrefix"`
	Revoked          bool         `json:"revoked"`
	Registered       bool         `json:"registered"`
	LastSeenAt       *time.Time   `json:"lastSeenAt"`
	LastEventTime    *time.Time   `json:"lastEventTime"`
	LastRejectedAt   *time.Time   `json:"lastRejectedAt"`
	Events           sourceCounts `json:"events"`
	Rejected         sourceCounts `json:"rejected"`
	EventsPerMinute  float64      `json:"eventsPerMinute"`
	Silent           bool         `json:"silent"`
	SilentForSeconds float64      `json:"silentForSeconds"`
	Status           string       `json:"status"`
}

func (a *sourcesAnswer) find(t *testing.T, list []sourceView, name string) sourceView {
	t.Helper()
	v, ok := lookupSource(list, name)
	if !ok {
		t.Fatalf("no source %q in %+v", name, list)
	}
	return v
}

// lookupSource is find for polling: a source not there yet is no failure.
func lookupSource(list []sourceView, name string) (sourceView, bool) {
	for _, s := range list {
		if s.Name == name {
			return s, true
		}
	}
	return sourceView{}, false
}

// TestSources sends valid and invalid events from two keys naming three
// nodes (on PostgreSQL through two servers sharing the database, each with
// its own queue), and checks /api/v1/sources to the event: counts, times,
// rate, rejected counts per key and node, and the silent flag going on
// after --silent-after and off again when a node sends.
func TestSources(t *testing.T) {
	const silentAfter = 3 * time.Second
	backends(t, func(t *testing.T, storeArgs ...string) {
		args := append(storeArgs, "--silent-after", silentAfter.String())
		s, admin := startWithAdmin(t, args...)
		s2 := s
		if len(storeArgs) > 0 {
			s2 = startServer(t, args...) // a second server on the same database
		}
		keyArgs := func(name, scope string) []string {
			return append([]string{"apikey", "create", "--name", name, "--scope", scope}, storeArgs...)
		}
		keyA := strings.TrimSpace(s.cli(keyArgs("plugin-a", "ingest")...))
		keyB := strings.TrimSpace(s.cli(keyArgs("plugin-b", "ingest")...))
		read := strings.TrimSpace(s.cli(keyArgs("dash", "read")...))
		if st := doJSON(t, "POST", s.url("/api/v1/admin/nodes"), admin, map[string]string{"name": "mta9", "role": "outbound"}, nil); st != 201 {
			t.Fatalf("register mta9: %d", st)
		}

		base := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
		at := func(min int) string { return base.Add(time.Duration(min) * time.Minute).Format(time.RFC3339Nano) }
		good := func(node string, min int) string {
			return fmt.Sprintf(`{"time":%q,"eventType":"delivered","mtaNode":%q,"toAddress":"x@example.com"}`, at(min), node)
		}
		bad := func(node string) string {
			if node == "" {
				return `{"time":"yesterday","eventType":"delivered"}`
			}
			return fmt.Sprintf(`{"time":%q,"eventType":"exploded","mtaNode":%q}`, at(0), node)
		}
		ingest := func(srv *server, key string, want int, events ...string) {
			t.Helper()
			st, _, b := post(t, srv.url("/api/v1/events/ingest"), key, []byte("["+strings.Join(events, ",")+"]"))
			if st != want {
				t.Fatalf("ingest: %d %s, want %d", st, b, want)
			}
		}
		before := time.Now()
		ingest(s, keyA, 202, good("mta1", 1), good("mta1", 7), good("mta2", 3), bad("mta1"), bad(""))
		ingest(s2, keyB, 202, good("mta1", 5), good("mta2", 9), bad("mta3"))
		ingest(s2, keyB, 400, bad("mta3"))
		after := time.Now()

		get := func(srv *server) sourcesAnswer {
			t.Helper()
			var a sourcesAnswer
			if st := getJSON(t, srv.url("/api/v1/sources"), read, &a); st != 200 {
				t.Fatalf("GET /api/v1/sources: %d", st)
			}
			return a
		}
		// The silent flag follows its rule exactly, however slow the machine.
		checkRule := func(a sourcesAnswer, v sourceView) {
			t.Helper()
			if v.LastSeenAt == nil {
				return
			}
			quiet := a.AsOf.Sub(*v.LastSeenAt)
			if v.Silent != (quiet >= silentAfter) {
				t.Errorf("%s: silent %v after %v quiet", v.Name, v.Silent, quiet)
			}
		}
		var a sourcesAnswer
		eventually(t, 15*time.Second, "stored events and rejections in /api/v1/sources", func() bool {
			a = get(s2)
			n1, _ := lookupSource(a.Nodes, "mta1")
			ka, _ := lookupSource(a.Keys, "plugin-a")
			kb, _ := lookupSource(a.Keys, "plugin-b")
			return n1.Events.Total == 3 && ka.Events.Total == 3 && kb.Events.Total == 2 &&
				ka.Rejected.Total == 2 && kb.Rejected.Total == 2 && n1.Rejected.Total == 1
		})
		if a.SilentAfterSeconds != 3 || len(a.Nodes) != 4 || len(a.Keys) != 2 {
			t.Fatalf("answer %+v: want silentAfterSeconds 3, nodes mta1-3 and mta9, keys plugin-a and plugin-b", a)
		}
		if a.RateWindow.Seconds < 14*60 || a.RateWindow.Seconds > 15*60 || a.AsOf.Sub(a.RateWindow.From).Seconds() != a.RateWindow.Seconds {
			t.Errorf("rate window %+v as of %s: want the 14 to 15 minutes since its start", a.RateWindow, a.AsOf)
		}
		want := map[string]struct {
			events, rejected int64
			lastEvent        string
		}{
			"mta1": {3, 1, at(7)}, "mta2": {2, 0, at(9)}, "mta3": {0, 2, ""}, "mta9": {0, 0, ""},
			"plugin-a": {3, 2, at(7)}, "plugin-b": {2, 2, at(9)},
		}
		for _, v := range append(append([]sourceView{}, a.Nodes...), a.Keys...) {
			w := want[v.Name]
			ev := sourceCounts{w.events, w.events, w.events}
			rj := sourceCounts{w.rejected, w.rejected, w.rejected}
			if v.Events != ev || v.Rejected != rj {
				t.Errorf("%s: events %+v rejected %+v, want %+v and %+v", v.Name, v.Events, v.Rejected, ev, rj)
			}
			if wantRate := math.Round(float64(w.events)/(a.RateWindow.Seconds/60)*100) / 100; v.EventsPerMinute != wantRate {
				t.Errorf("%s: %v events/min, want %v", v.Name, v.EventsPerMinute, wantRate)
			}
			switch {
			case w.events > 0:
				if v.LastEventTime == nil || v.LastEventTime.Format(time.RFC3339Nano) != w.lastEvent {
					t.Errorf("%s: last event time %v, want %s", v.Name, v.LastEventTime, w.lastEvent)
				}
				if v.LastSeenAt == nil || v.LastSeenAt.Before(before.Add(-time.Second)) || v.LastSeenAt.After(after.Add(time.Second)) {
					t.Errorf("%s: last seen %v, want between %s and %s", v.Name, v.LastSeenAt, before, after)
				}
				checkRule(a, v)
			case v.LastSeenAt != nil || v.LastEventTime != nil:
				t.Errorf("%s: nothing was stored, yet last seen %v, last event %v", v.Name, v.LastSeenAt, v.LastEventTime)
			}
			if (w.rejected > 0) != (v.LastRejectedAt != nil) {
				t.Errorf("%s: last rejected %v with %d rejected", v.Name, v.LastRejectedAt, w.rejected)
			}
		}
		// mta3 sent only invalid events: silent at once. mta9 is registered.
		if n3 := a.find(t, a.Nodes, "mta3"); !n3.Silent || n3.Status != "silent" {
			t.Errorf("mta3 (only invalid events) = %+v, want silent", n3)
		}
		if n9 := a.find(t, a.Nodes, "mta9"); !n9.Registered || n9.Status != "never" && n9.Status != "silent" {
			t.Errorf("mta9 = %+v, want registered, never heard of", n9)
		}
		if ka := a.find(t, a.Keys, "plugin-a"); ka.KeyPrefix == "" || !strings.HasPrefix(keyA, ka.KeyPrefix) || ka.KeyID == 0 {
			t.Errorf("plugin-a = %+v, want its id and the prefix of %s…", ka, keyA[:12])
		}

		// Nothing more: after --silent-after every source is silent, on both servers.
		for _, srv := range []*server{s, s2} {
			eventually(t, 15*time.Second, "every source silent", func() bool {
				a = get(srv)
				return a.Silent.Nodes == 4 && a.Silent.Keys == 2
			})
			for _, v := range append(append([]sourceView{}, a.Nodes...), a.Keys...) {
				checkRule(a, v)
				if v.Status != "silent" || (v.LastSeenAt != nil && v.SilentForSeconds < silentAfter.Seconds()) {
					t.Errorf("%s = %+v: want silent for at least %v", v.Name, v, silentAfter)
				}
			}
		}

		// mta2 speaks again through key A.
		ingest(s, keyA, 202, good("mta2", 11))
		eventually(t, 15*time.Second, "mta2 and plugin-a reporting again", func() bool {
			a = get(s2)
			n2, _ := lookupSource(a.Nodes, "mta2")
			ka, _ := lookupSource(a.Keys, "plugin-a")
			return n2.Events.Total == 3 && ka.Events.Total == 4
		})
		for name, silent := range map[string]bool{"mta1": true, "mta2": false, "mta3": true, "mta9": true} {
			if v := a.find(t, a.Nodes, name); v.Silent != silent {
				t.Errorf("%s: silent %v, want %v (%+v)", name, v.Silent, silent, v)
			}
		}
		for name, silent := range map[string]bool{"plugin-a": false, "plugin-b": true} {
			if v := a.find(t, a.Keys, name); v.Silent != silent {
				t.Errorf("%s: silent %v, want %v (%+v)", name, v.Silent, silent, v)
			}
		}
		if a.Silent.Nodes != 3 || a.Silent.Keys != 1 {
			t.Errorf("silent counts %+v, want 3 nodes and 1 key", a.Silent)
		}
	})
}
