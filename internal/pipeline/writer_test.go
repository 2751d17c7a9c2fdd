package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	_ "modernc.org/sqlite"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/queue"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/sqlite"
)

type fixture struct {
	q      *queue.Queue
	st     *sqlite.Store
	dbPath string
	reg    *prometheus.Registry
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	f := &fixture{dbPath: filepath.Join(dir, "t.db"), reg: prometheus.NewRegistry()}
	var err error
	if f.st, err = sqlite.Open(ctx, f.dbPath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.st.Close() })
	if f.q, err = queue.Open(ctx, queue.Config{StoreDir: filepath.Join(dir, "js")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.q.Close)
	return f
}

// run starts a writer and returns a function that stops it and waits.
func (f *fixture) run(t testing.TB, cfg Config) func() {
	cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	w := New(f.q, f.st, cfg, nil, f.reg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func (f *fixture) db(t *testing.T) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+f.dbPath+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mkEvents(typ event.Type, n int, prefix string) []event.Event {
	out := make([]event.Event, n)
	for i := range out {
		out[i] = event.Event{Time: time.Now().UTC(), EventType: typ, Direction: event.Outbound, MessageID: fmt.Sprintf("%s-%d", prefix, i)}
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestUrgentFirst builds a backlog of delivered events, then bounces behind
// it, and checks that the writer stores the bounces first.
func TestUrgentFirst(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := 0; i < 40; i++ {
		if err := f.q.Publish(ctx, mkEvents(event.Delivered, 50, fmt.Sprintf("d%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 4; i++ {
		if err := f.q.Publish(ctx, mkEvents(event.Bounced, 50, fmt.Sprintf("b%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	// Hold the database's write lock until the bounces have reached this
	// process: which consumer's first fetch lands first is up to timing,
	// and priority is about the backlog, not about that race.
	lock, err := sql.Open("sqlite", f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	conn, err := lock.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	stop := f.run(t, Config{BatchSize: 100, BatchWait: 10 * time.Millisecond})
	defer stop()
	js, err := jetstream.New(f.q.Conn())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "bounces fetched", func() bool {
		c, err := js.Consumer(ctx, queue.StreamName, queue.ConsumerUrgent)
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.Info(ctx)
		return err == nil && info.NumAckPending == 4
	})
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	db := f.db(t)
	waitFor(t, "2200 events", func() bool { return count(t, db, "SELECT count(*) FROM email_events") == 2200 })
	// The 200 bounces were published last; with priority they are among
	// the first rows written. Up to three batches of delivered events may
	// come first: the one waiting on the lock, the one queued behind it and
	// the one collected before the first bounce arrived.
	late := count(t, db, `SELECT count(*) FROM email_events WHERE event_type = 'bounced'
		AND id > (SELECT min(id) + 500 FROM email_events)`)
	if late != 0 {
		t.Fatalf("%d bounces were written after the first 500 rows", late)
	}
}

// TestPoisonIsDeadLettered injects a message the writer cannot decode between
// good ones: it lands in the dead-letter stream, the good ones in the store.
func TestPoisonIsDeadLettered(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.q.Publish(ctx, mkEvents(event.Delivered, 10, "a")); err != nil {
		t.Fatal(err)
	}
	if err := f.q.PublishRaw(ctx, queue.SubjectNormal, []byte(`{"not":"an array"`)); err != nil {
		t.Fatal(err)
	}
	if err := f.q.Publish(ctx, mkEvents(event.Bounced, 5, "b")); err != nil {
		t.Fatal(err)
	}
	stop := f.run(t, Config{BatchSize: 100, BatchWait: 10 * time.Millisecond})
	defer stop()
	db := f.db(t)
	waitFor(t, "15 good events", func() bool { return count(t, db, "SELECT count(*) FROM email_events") == 15 })
	waitFor(t, "one dead letter", func() bool {
		n, err := f.q.DeadCount(ctx)
		return err == nil && n == 1
	})
	if got := counterValue(t, f.reg, "tinomail_writer_dead_lettered_messages_total"); got != 1 {
		t.Fatalf("dead-lettered metric = %v", got)
	}
	waitFor(t, "empty queue", func() bool {
		n, _, err := f.q.Depth(ctx)
		return err == nil && n == 0
	})
}

// TestRedeliveryIsSkipped writes the same queue message twice, as happens
// when the ack of a committed batch is lost, and checks nothing doubles.
func TestRedeliveryIsSkipped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.q.Publish(ctx, mkEvents(event.Delivered, 7, "r")); err != nil {
		t.Fatal(err)
	}
	stop := f.run(t, Config{BatchSize: 100, BatchWait: 10 * time.Millisecond})
	db := f.db(t)
	waitFor(t, "7 events", func() bool { return count(t, db, "SELECT count(*) FROM email_events") == 7 })
	stop()
	// Replay the exact store.Msg the writer committed (stream sequence 1).
	res, err := f.st.WriteBatch(ctx, []store.Msg{{Stream: f.q.StreamID(), Seq: 1, Events: mkEvents(event.Delivered, 7, "r")}})
	if err != nil || res.Duplicates != 1 || res.Events != 0 {
		t.Fatalf("replay: %+v %v", res, err)
	}
	if n := count(t, db, "SELECT count(*) FROM email_events"); n != 7 {
		t.Fatalf("%d events after replay", n)
	}
	if n := count(t, db, "SELECT coalesce(sum(count),0) FROM rollup_counts WHERE res = 300 AND dim = ''"); n != 7 {
		t.Fatalf("rollup total %d after replay", n)
	}
}

// counterValue reads a counter from the registry.
func counterValue(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

// TestLostConsumerStopsWriter deletes a consumer under a running writer: the
// writer must stop with an error (serve then exits) instead of idling.
func TestLostConsumerStopsWriter(t *testing.T) {
	f := newFixture(t)
	w := New(f.q, f.st, Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	time.Sleep(200 * time.Millisecond)
	js, err := jetstream.New(f.q.Conn())
	if err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteConsumer(ctx, queue.StreamName, queue.ConsumerNormal); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("writer returned nil")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("writer still running 30s after its consumer was deleted")
	}
}
