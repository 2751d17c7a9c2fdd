package retention

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tinomail/tinomail/internal/config"
	"github.com/tinomail/tinomail/internal/store"
)

// SettingKey is where an admin's retention policy is kept in the settings
// table. When set, it wins over the command-line flags.
const SettingKey = "retention.policy"

// Periods is a policy as the admin API and the settings table write it:
// "30d", "12h", "0" (forever).
type Periods struct {
	Events   string `json:"events"`
	Rollup5m string `json:"rollup5m"`
	Rollup1h string `json:"rollup1h"`
	Rollup1d string `json:"rollup1d"`
}

// MinPeriod is the shortest period accepted other than 0: a typo such as
// "30m" for "30d" must not wipe a month of data within the hour.
const MinPeriod = time.Hour

// FormatPeriods renders a policy.
func FormatPeriods(r store.Retention) Periods {
	f := func(d time.Duration) string {
		switch {
		case d == 0:
			return "0"
		case d%(24*time.Hour) == 0:
			return fmt.Sprintf("%dd", d/(24*time.Hour))
		case d%time.Hour == 0:
			return fmt.Sprintf("%dh", d/time.Hour)
		}
		return d.String()
	}
	return Periods{Events: f(r.Events), Rollup5m: f(r.Rollup5m), Rollup1h: f(r.Rollup1h), Rollup1d: f(r.Rollup1d)}
}

// Parse parses a policy; empty fields keep the value of base.
func (p Periods) Parse(base store.Retention) (store.Retention, error) {
	out := base
	for _, f := range []struct {
		name string
		in   string
		dst  *time.Duration
	}{{"events", p.Events, &out.Events}, {"rollup5m", p.Rollup5m, &out.Rollup5m},
		{"rollup1h", p.Rollup1h, &out.Rollup1h}, {"rollup1d", p.Rollup1d, &out.Rollup1d}} {
		if f.in == "" {
			continue
		}
		var a config.Age
		if err := a.Set(f.in); err != nil {
			return store.Retention{}, fmt.Errorf("%s: %v", f.name, err)
		}
		if a.D != 0 && a.D < MinPeriod {
			return store.Retention{}, fmt.Errorf("%s: %q is shorter than %v; use 0 to keep forever", f.name, f.in, MinPeriod)
		}
		*f.dst = a.D
	}
	return out, nil
}

// Load returns the policy stored in the settings, or def when none is.
func Load(ctx context.Context, st store.Settings, def store.Retention) (store.Retention, error) {
	v, err := st.Setting(ctx, SettingKey)
	if errors.Is(err, store.ErrNotFound) {
		return def, nil
	}
	if err != nil {
		return def, fmt.Errorf("retention: load policy: %w", err)
	}
	var p Periods
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return def, fmt.Errorf("retention: stored policy %q: %w", v, err)
	}
	return p.Parse(def)
}

// Save stores a policy in the settings.
func Save(ctx context.Context, st store.Settings, r store.Retention) error {
	b, _ := json.Marshal(FormatPeriods(r))
	if err := st.SetSetting(ctx, SettingKey, string(b)); err != nil {
		return fmt.Errorf("retention: save policy: %w", err)
	}
	return nil
}

// FromSettings returns a policy source for RunWith: the stored policy when
// there is one, def otherwise (or when the stored one cannot be read).
func FromSettings(st store.Settings, def store.Retention, log *slog.Logger) func(context.Context) store.Retention {
	return func(ctx context.Context) store.Retention {
		r, err := Load(ctx, st, def)
		if err != nil {
			log.Error("retention: using the command-line policy", "err", err)
			return def
		}
		return r
	}
}
