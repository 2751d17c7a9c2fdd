package ingest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
)

// rejectionLog records what ingest reports to Config.Rejections.
type rejectionLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *rejectionLog) Rejected(keyID int64, byNode map[string]int, total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, fmt.Sprintf("key>0:%v nodes:%v total:%d", keyID > 0, byNode, total))
}

// TestRejectionsCountedOnFinalAnswers: refusals count on a 202 and on a 400,
// not on a 429 that the client will retry, invalid events and all.
func TestRejectionsCountedOnFinalAnswers(t *testing.T) {
	log := &rejectionLog{}
	f := newFixture(t, Config{RateLimit: 1, RateBurst: 4, MaxEvents: 4, Rejections: log}, 1<<20)
	auth := map[string]string{"x-api-key": f.ingestKey}
	good := func(i int) string {
		return fmt.Sprintf(`{"time":"2026-11-26T10:00:00Z","eventType":"sent","mtaNode":"mta1","queueId":"q%d-%d"}`, seq.Add(1), i)
	}
	bad := `{"time":"2026-11-26T10:00:00Z","eventType":"lost","mtaNode":"mta1"}`
	for _, c := range []struct {
		body   string
		status int
	}{
		{"[" + good(1) + "," + good(5) + "," + bad + `,{"eventType":"sent"}]`, 202}, // 2 of the 4 tokens
		{"[" + bad + "]", 400},
		{"[" + good(2) + "," + good(3) + "," + good(4) + "," + bad + "]", 429}, // 3 over the 2 left
	} {
		resp, body := f.post(t, []byte(c.body), auth)
		if resp.StatusCode != c.status {
			t.Fatalf("%s: %d %v, want %d", c.body, resp.StatusCode, body, c.status)
		}
	}
	want := []string{"key>0:true nodes:map[mta1:1] total:2", "key>0:true nodes:map[mta1:1] total:1"}
	if !reflect.DeepEqual(log.calls, want) {
		t.Errorf("reported %q, want %q", log.calls, want)
	}
}
