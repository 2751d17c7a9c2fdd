package source

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// fakeStore keeps what AddSourceCounts got and answers Sources with stats.
type fakeStore struct {
	added []store.SourceDelta
	fail  error
	stats []store.SourceStat
	keys  []store.APIKey
	nodes []store.Node
}

func (f *fakeStore) AddSourceCounts(_ context.Context, d []store.SourceDelta) error {
	if f.fail != nil {
		return f.fail
	}
	f.added = store.MergeSourceDeltas(f.added, d)
	return nil
}

func (f *fakeStore) Sources(context.Context, time.Time, time.Time) ([]store.SourceStat, error) {
	return f.stats, nil
}
func (f *fakeStore) ListAPIKeys(context.Context) ([]store.APIKey, error) { return f.keys, nil }
func (f *fakeStore) ListNodes(context.Context) ([]store.Node, error)     { return f.nodes, nil }

var t0 = time.Date(2026, 11, 26, 10, 0, 30, 0, time.UTC)

// TestRejectionsKeptUntilWritten: counts that fail to be written are added
// to the next flush, not lost or doubled.
func TestRejectionsKeptUntilWritten(t *testing.T) {
	st := &fakeStore{fail: errors.New("database down")}
	r := NewRejections(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.now = func() time.Time { return t0 }
	r.Rejected(7, map[string]int{"mta1": 2}, 3)
	r.Rejected(7, nil, 0) // nothing refused: nothing recorded
	if err := r.Flush(context.Background()); err == nil {
		t.Fatal("flush into a failing store succeeded")
	}
	r.Rejected(7, map[string]int{"mta1": 1, "mta2": 1}, 2)
	st.fail = nil
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := t0.Truncate(time.Minute)
	want := []store.SourceDelta{
		{Kind: "key", Name: "7", Minute: m, Rejected: 5, LastRejected: t0},
		{Kind: "node", Name: "mta1", Minute: m, Rejected: 3, LastRejected: t0},
		{Kind: "node", Name: "mta2", Minute: m, Rejected: 1, LastRejected: t0},
	}
	if !reflect.DeepEqual(st.added, want) {
		t.Errorf("written\n got %+v\nwant %+v", st.added, want)
	}
	if err := r.Flush(context.Background()); err != nil || len(st.added) != 3 {
		t.Errorf("second flush: %v, %d deltas; want nothing more written", err, len(st.added))
	}
}

// TestReportStatuses covers the rules of the silent flag.
func TestReportStatuses(t *testing.T) {
	ago := func(d time.Duration) time.Time { return t0.Add(-d) }
	st := &fakeStore{
		stats: []store.SourceStat{
			{Kind: "node", Name: "busy", Events: 10, WindowEvents: 30, LastSeen: ago(time.Minute)},
			{Kind: "node", Name: "quiet", Events: 10, LastSeen: ago(20 * time.Minute)},
			{Kind: "node", Name: "garbled", Rejected: 4, LastRejected: ago(time.Second)},
			{Kind: "key", Name: "1", Events: 5, LastSeen: ago(time.Hour)},
			{Kind: "key", Name: "2", Events: 5, LastSeen: ago(time.Hour)},
			{Kind: "key", Name: "99", Events: 1, LastSeen: ago(time.Second)},
		},
		keys: []store.APIKey{
			{ID: 1, Name: "old", Scopes: []string{"ingest"}},
			{ID: 2, Name: "revoked", Scopes: []string{"ingest"}, RevokedAt: ago(2 * time.Hour)},
			{ID: 3, Name: "unused", Scopes: []string{"ingest", "read"}},
			{ID: 4, Name: "reader", Scopes: []string{"read"}},
			{ID: 5, Name: "revoked-unused", Scopes: []string{"ingest"}, RevokedAt: ago(time.Hour)},
		},
		nodes: []store.Node{
			{Name: "new", CreatedAt: ago(time.Minute)},
			{Name: "forgotten", CreatedAt: ago(time.Hour)},
			{Name: "quiet", CreatedAt: ago(48 * time.Hour)},
		},
	}
	rep := &Report{Store: st, SilentAfter: 15 * time.Minute, Now: func() time.Time { return t0 }}
	a, err := rep.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name, status string
		silent       bool
		silentFor    float64
	}
	var nodes, keys []row
	for _, s := range a.Nodes {
		nodes = append(nodes, row{s.Name, s.Status, s.Silent, s.SilentForSeconds})
	}
	for _, s := range a.Keys {
		keys = append(keys, row{s.Name, s.Status, s.Silent, s.SilentForSeconds})
	}
	wantNodes := []row{
		{"busy", "reporting", false, 0},
		{"forgotten", "silent", true, 3600}, // registered an hour ago, never sent
		{"garbled", "silent", true, 0},      // only invalid events
		{"new", "never", false, 0},          // registered a minute ago
		{"quiet", "silent", true, 1200},
	}
	wantKeys := []row{
		{"old", "silent", true, 3600},
		{"revoked", "revoked", false, 0}, // revoked keys are expected to stop
		{"unused", "never", false, 0},
		{"key 99", "reporting", false, 0}, // no longer in the key table
	}
	if !reflect.DeepEqual(nodes, wantNodes) || !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("nodes\n got %v\nwant %v\nkeys\n got %v\nwant %v", nodes, wantNodes, keys, wantKeys)
	}
	if a.Silent.Nodes != 3 || a.Silent.Keys != 1 {
		t.Errorf("silent %+v, want 3 nodes and 1 key", a.Silent)
	}
	// The rate: 30 events over the 14.5 minutes since the window's start.
	if a.RateWindow.Seconds != 14*60+30 || a.Nodes[0].EventsPerMinute != 2.07 {
		t.Errorf("window %+v, busy at %v/min; want 870 s and 2.07", a.RateWindow, a.Nodes[0].EventsPerMinute)
	}
}
