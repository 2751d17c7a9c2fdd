package auth

import (
	"testing"
	"time"
)

func TestLoginLimiter(t *testing.T) {
	l := NewLoginLimiter()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range maxFailuresPerUser {
		if w := l.Wait("192.0.2.1", "alice", t0); w != 0 {
			t.Fatalf("attempt %d waits %v", i, w)
		}
		l.Fail("192.0.2.1", "alice", t0.Add(time.Duration(i)*time.Minute))
	}
	now := t0.Add(5 * time.Minute)
	if w := l.Wait("198.51.100.7", "alice", now); w != 10*time.Minute {
		t.Errorf("locked user from another address waits %v, want 10m (15m after the first failure)", w)
	}
	if w := l.Wait("192.0.2.1", "bob", now); w != 0 {
		t.Errorf("another user from the same address waits %v", w)
	}
	if w := l.Wait("192.0.2.1", "alice", t0.Add(15*time.Minute-time.Second)); w != time.Second {
		t.Errorf("just before the first failure expires: waits %v, want 1s", w)
	}
	if w := l.Wait("192.0.2.1", "alice", t0.Add(15*time.Minute)); w != 0 {
		t.Errorf("once the first failure expired (4 left): waits %v", w)
	}
	l.Succeed("alice")
	if w := l.Wait("192.0.2.1", "alice", now); w != 0 {
		t.Errorf("after a success: waits %v", w)
	}
	// The address limit: 20 failures over any names.
	for i := range maxFailuresPerIP - maxFailuresPerUser {
		l.Fail("192.0.2.1", string(rune('a'+i)), now)
	}
	if w := l.Wait("192.0.2.1", "zed", now); w <= 0 {
		t.Error("address over its limit is not held back")
	}
	if w := l.Wait("192.0.2.2", "zed", now); w != 0 {
		t.Errorf("another address waits %v", w)
	}
}

func TestLoginLimiterPrunes(t *testing.T) {
	l := NewLoginLimiter()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		l.Fail("198.51.100.1", string(rune(0x4e00+i)), t0)
	}
	l.prune(t0.Add(failureWindow))
	if len(l.users)+len(l.ips) != 0 {
		t.Errorf("after the window, %d users and %d addresses are still tracked", len(l.users), len(l.ips))
	}
}
