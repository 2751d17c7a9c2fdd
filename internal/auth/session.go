package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// CookieName is the session cookie.
const CookieName = "tinomail_session"

// Default session lifetimes: a dashboard left open keeps its session while
// it polls; a forgotten one dies after the idle timeout, and every session
// after the absolute lifetime.
const (
	DefaultIdleTimeout = 12 * time.Hour
	DefaultLifetime    = 7 * 24 * time.Hour
)

// Session errors.
var (
	ErrBadCredentials = errors.New("invalid username or password")
	ErrNoSession      = errors.New("no valid session")
)

// LockedError says that login attempts are refused for a while.
type LockedError struct{ RetryAfter time.Duration }

func (e *LockedError) Error() string {
	return fmt.Sprintf("too many failed logins: retry in %s", e.RetryAfter.Round(time.Second))
}

// SessionStore is what Sessions needs of the store.
type SessionStore interface {
	store.SessionStore
	store.UserStore
}

// Sessions logs users in and out and checks their sessions.
type Sessions struct {
	st          SessionStore
	limiter     *LoginLimiter
	idle, life  time.Duration
	now         func() time.Time
	mu          sync.Mutex
	lastSweep   time.Time
	sweepPeriod time.Duration
}

// NewSessions returns a session service; zero durations take the defaults.
func NewSessions(st SessionStore, idle, lifetime time.Duration) *Sessions {
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	if lifetime <= 0 {
		lifetime = DefaultLifetime
	}
	return &Sessions{st: st, limiter: NewLoginLimiter(), idle: idle, life: lifetime, now: time.Now, sweepPeriod: time.Hour}
}

// Login is a successful login: the cookie token and the CSRF token, both
// given to the client only.
type Login struct {
	User    store.User
	Token   string
	CSRF    string
	Expires time.Time
}

// Login checks a username and password. It fails with ErrBadCredentials
// whether the user is unknown, disabled or the password wrong, after the
// same password-hashing work, and with *LockedError when limited.
func (s *Sessions) Login(ctx context.Context, username, password string, c Client) (Login, error) {
	now := s.now()
	name, ip := NormalizeUsername(username), limiterKey(c)
	if wait := s.limiter.Wait(ip, name, now); wait > 0 {
		return Login{}, &LockedError{RetryAfter: wait}
	}
	var u store.User
	err := CheckUsername(name) // a name no user can have is not looked up
	if err == nil {
		u, err = s.st.UserByName(ctx, name)
	}
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, ErrInvalid):
		VerifyPassword(dummyHash(), password)
		s.limiter.Fail(ip, name, now)
		return Login{}, ErrBadCredentials
	case err != nil:
		return Login{}, fmt.Errorf("auth: login: %w", err)
	}
	if !VerifyPassword(u.PasswordHash, password) || u.Disabled {
		s.limiter.Fail(ip, name, now)
		return Login{}, ErrBadCredentials
	}
	s.limiter.Succeed(name)
	s.sweep(ctx, now)
	l := Login{User: u, Token: randomToken(), CSRF: randomToken(), Expires: now.Add(s.life)}
	if err := s.st.CreateSession(ctx, store.Session{Hash: Hash(l.Token), UserID: u.ID, CSRFToken: l.CSRF,
		CreatedAt: now, LastSeenAt: now, RemoteAddr: c.String()}); err != nil {
		return Login{}, fmt.Errorf("auth: login: %w", err)
	}
	if err := s.st.TouchUserLogin(ctx, u.ID, now); err != nil {
		return Login{}, fmt.Errorf("auth: login: %w", err)
	}
	l.User.LastLoginAt = now
	return l, nil
}

// Authenticate returns the user and session of a cookie token, or
// ErrNoSession when it is unknown, expired, or its user gone or disabled.
func (s *Sessions) Authenticate(ctx context.Context, token string) (store.User, store.Session, error) {
	if token == "" {
		return store.User{}, store.Session{}, ErrNoSession
	}
	se, err := s.st.SessionByHash(ctx, Hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Session{}, ErrNoSession
	}
	if err != nil {
		return store.User{}, store.Session{}, fmt.Errorf("auth: session: %w", err)
	}
	now := s.now()
	if now.Sub(se.LastSeenAt) >= s.idle || now.Sub(se.CreatedAt) >= s.life {
		_ = s.st.DeleteSession(ctx, se.Hash)
		return store.User{}, store.Session{}, ErrNoSession
	}
	u, err := s.st.UserByID(ctx, se.UserID)
	if errors.Is(err, store.ErrNotFound) || err == nil && u.Disabled {
		_ = s.st.DeleteSession(ctx, se.Hash)
		return store.User{}, store.Session{}, ErrNoSession
	}
	if err != nil {
		return store.User{}, store.Session{}, fmt.Errorf("auth: session: %w", err)
	}
	// Recording every request would make each dashboard poll a write; a
	// tenth of the idle timeout (at most a minute) is precise enough.
	if now.Sub(se.LastSeenAt) >= min(s.idle/10, time.Minute) {
		if err := s.st.TouchSession(ctx, se.Hash, now); err == nil {
			se.LastSeenAt = now
		}
	}
	return u, se, nil
}

// limiterKey is what login failures are counted against: the address, or
// for IPv6 its /64, which one host can fill with addresses of its own.
func limiterKey(c Client) string {
	if c.Addr.Is6() {
		p, _ := c.Addr.Prefix(64)
		return p.String()
	}
	return c.String()
}

// Logout deletes the session of a cookie token.
func (s *Sessions) Logout(ctx context.Context, token string) error {
	if err := s.st.DeleteSession(ctx, Hash(token)); err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	return nil
}

// sweep deletes expired sessions, at most once per sweep period; logins are
// frequent enough to keep the table small without a timer of its own.
func (s *Sessions) sweep(ctx context.Context, now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.lastSweep) >= s.sweepPeriod
	if due {
		s.lastSweep = now
	}
	s.mu.Unlock()
	if due {
		_, _ = s.st.DeleteExpiredSessions(ctx, now.Add(-s.idle), now.Add(-s.life))
	}
}

// TokenFromRequest returns the session token of the request's cookie.
func TokenFromRequest(r *http.Request) string {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// SessionCookie is the cookie that carries a session token. Secure follows
// the client's scheme: browsers drop Secure cookies set over plain HTTP.
func SessionCookie(token string, expires time.Time, secure bool) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// ClearedCookie removes the session cookie from the browser.
func ClearedCookie(secure bool) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}
