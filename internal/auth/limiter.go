package auth

import (
	"sync"
	"time"
)

// LoginLimiter counts failed logins per client address and per username.
// Usernames are counted whether or not such a user exists, so a lockout
// looks the same for both and tells an attacker nothing. Counts live in
// memory: each node of a cluster limits on its own.
type LoginLimiter struct {
	mu            sync.Mutex
	perIP, byUser rule
	ips, users    map[string][]time.Time
}

type rule struct {
	max    int
	window time.Duration
}

// Login limits: a username is locked after 5 failures within 15 minutes, an
// address after 20 (a shared NAT holds several people who mistype).
const (
	maxFailuresPerUser = 5
	maxFailuresPerIP   = 20
	failureWindow      = 15 * time.Minute
	maxTrackedKeys     = 100000
)

// NewLoginLimiter returns a limiter with the default limits.
func NewLoginLimiter() *LoginLimiter {
	return &LoginLimiter{
		perIP:  rule{maxFailuresPerIP, failureWindow},
		byUser: rule{maxFailuresPerUser, failureWindow},
		ips:    map[string][]time.Time{}, users: map[string][]time.Time{},
	}
}

// Wait returns how long the address or the username must wait before the
// next attempt; zero when an attempt is allowed.
func (l *LoginLimiter) Wait(ip, user string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(wait(l.ips, ip, l.perIP, now), wait(l.users, user, l.byUser, now))
}

// Fail records a failed attempt.
func (l *LoginLimiter) Fail(ip, user string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ips)+len(l.users) > maxTrackedKeys {
		l.prune(now)
	}
	record(l.ips, ip, l.perIP, now)
	record(l.users, user, l.byUser, now)
}

// Succeed forgets the failures of a username after a good login.
func (l *LoginLimiter) Succeed(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.users, user)
}

func wait(m map[string][]time.Time, key string, r rule, now time.Time) time.Duration {
	ts := recent(m[key], r, now)
	if len(ts) < r.max {
		return 0
	}
	return ts[len(ts)-r.max].Add(r.window).Sub(now)
}

func record(m map[string][]time.Time, key string, r rule, now time.Time) {
	ts := append(recent(m[key], r, now), now)
	if len(ts) > r.max {
		ts = ts[len(ts)-r.max:]
	}
	m[key] = ts
}

// recent drops the failures older than the window.
func recent(ts []time.Time, r rule, now time.Time) []time.Time {
	for len(ts) > 0 && now.Sub(ts[0]) >= r.window {
		ts = ts[1:]
	}
	return ts
}

// prune drops keys without recent failures, bounding memory under a
// spray of addresses or names.
func (l *LoginLimiter) prune(now time.Time) {
	for m, r := range map[*map[string][]time.Time]rule{&l.ips: l.perIP, &l.users: l.byUser} {
		for k, ts := range *m {
			if len(recent(ts, r, now)) == 0 {
				delete(*m, k)
			}
		}
	}
}
