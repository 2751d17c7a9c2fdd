package ingest

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters holds one token bucket per API key, counted in events.
type limiters struct {
	mu    sync.Mutex
	rate  float64
	burst int
	byKey map[int64]*rate.Limiter
}

func newLimiters(perSecond float64, burst int) *limiters {
	return &limiters{rate: perSecond, burst: max(burst, int(perSecond)), byKey: map[int64]*rate.Limiter{}}
}

// wait takes n tokens from the key's bucket and returns zero, or takes none
// and returns how long until n tokens are there.
func (l *limiters) wait(key int64, n int, now time.Time) time.Duration {
	if l.rate <= 0 {
		return 0
	}
	l.mu.Lock()
	lim := l.byKey[key]
	if lim == nil {
		lim = rate.NewLimiter(rate.Limit(l.rate), l.burst)
		l.byKey[key] = lim
	}
	l.mu.Unlock()
	res := lim.ReserveN(now, n)
	if !res.OK() {
		return time.Second
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}
