package retention

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/store/storetest"
)

const day = 24 * time.Hour

func TestSettingsPolicy(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		def := store.Retention{Events: 30 * day, Rollup5m: 35 * day, Rollup1h: 400 * day}
		policy := FromSettings(st, def, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if got := policy(ctx); got != def {
			t.Errorf("without settings = %+v, want the flags' %+v", got, def)
		}
		set, err := Periods{Events: "7d", Rollup5m: "12h", Rollup1d: "3650d"}.Parse(def)
		if err != nil {
			t.Fatal(err)
		}
		if err := Save(ctx, st, set); err != nil {
			t.Fatal(err)
		}
		want := store.Retention{Events: 7 * day, Rollup5m: 12 * time.Hour, Rollup1h: 400 * day, Rollup1d: 3650 * day}
		if got := policy(ctx); got != want {
			t.Errorf("with settings = %+v, want %+v", got, want)
		}
		if p := FormatPeriods(want); p != (Periods{Events: "7d", Rollup5m: "12h", Rollup1h: "400d", Rollup1d: "3650d"}) {
			t.Errorf("FormatPeriods = %+v", p)
		}
		// A stored policy that cannot be read falls back to the flags.
		if err := st.SetSetting(ctx, SettingKey, "{not json"); err != nil {
			t.Fatal(err)
		}
		if got := policy(ctx); got != def {
			t.Errorf("with a broken setting = %+v, want the flags' policy", got)
		}
	})
}

func TestParsePeriods(t *testing.T) {
	for _, bad := range []Periods{{Events: "30m"}, {Rollup5m: "soon"}, {Rollup1h: "-1d"}, {Rollup1d: "1x"}} {
		if _, err := bad.Parse(store.Retention{}); err == nil {
			t.Errorf("%+v parses", bad)
		}
	}
	got, err := Periods{Events: "0", Rollup1h: "1h"}.Parse(store.Retention{Events: day, Rollup5m: day})
	if err != nil || got != (store.Retention{Events: 0, Rollup5m: day, Rollup1h: time.Hour}) {
		t.Errorf("Parse = %+v, %v", got, err)
	}
}

// policyRecorder is a Retainer that records the policies it is given.
type policyRecorder struct{ got chan store.Retention }

func (p policyRecorder) Retain(_ context.Context, _ time.Time, r store.Retention) (store.Removed, error) {
	p.got <- r
	return store.Removed{}, nil
}

func TestRunWithReadsPolicyEachRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := policyRecorder{got: make(chan store.Retention, 10)}
	n := 0
	go RunWith(ctx, rec, func(context.Context) store.Retention { n++; return store.Retention{Events: time.Duration(n) * day} },
		time.Millisecond, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for want := 1; want <= 3; want++ {
		if got := <-rec.got; got.Events != time.Duration(want)*day {
			t.Errorf("run %d used %+v", want, got)
		}
	}
}
