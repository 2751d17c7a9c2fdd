package httpapi

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/httperr"
	"github.com/tinomail/tinomail/internal/store"
)

// AuthDeps are what dashboard logins and the admin API need.
type AuthDeps struct {
	Sessions *auth.Sessions
	Store    store.Store
	Proxies  auth.TrustedProxies
	// Retention is the policy of the command line, used until an admin
	// stores another one.
	Retention store.Retention
}

// withClient works out once where each request comes from (believing
// X-Forwarded-* only from trusted proxies) and puts it in the context, for
// API key allow-lists, login limits, cookies and the audit log.
func (a *api) withClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(auth.WithClient(r.Context(), a.Auth.Proxies.Resolve(r))))
	})
}

var (
	errNoSession   = httperr.New(http.StatusUnauthorized, "unauthorized", "log in first")
	errNotAdmin    = httperr.New(http.StatusForbidden, "forbidden", "this needs the admin role")
	errKeyNotAdmin = httperr.New(http.StatusForbidden, "forbidden", "the admin API needs an admin session; API keys cannot administer")
	errCSRF        = httperr.New(http.StatusForbidden, "csrf", "missing or wrong X-CSRF-Token, or a cross-origin request")
)

// session returns the user and session of the request's cookie.
func (a *api) session(r *http.Request) (store.User, store.Session, error) {
	if a.Auth.Sessions == nil { // an API without dashboard logins
		return store.User{}, store.Session{}, errNoSession
	}
	u, se, err := a.Auth.Sessions.Authenticate(r.Context(), auth.TokenFromRequest(r))
	if errors.Is(err, auth.ErrNoSession) {
		return store.User{}, store.Session{}, errNoSession
	}
	return u, se, err
}

// checkOrigin refuses a request whose Origin header names another host
// than the one the browser asked for.
func checkOrigin(r *http.Request) error {
	o := r.Header.Get("Origin")
	if o == "" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || u.Host != auth.ClientFrom(r.Context()).Host {
		return errCSRF
	}
	return nil
}

// checkCSRF guards state-changing requests made with a session cookie:
// same origin, and the session's token in X-CSRF-Token, which a page of
// another site cannot read.
func checkCSRF(r *http.Request, se store.Session) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if err := checkOrigin(r); err != nil {
		return err
	}
	tok := r.Header.Get("X-CSRF-Token")
	if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(se.CSRFToken)) != 1 {
		return errCSRF
	}
	return nil
}

// authRead accepts a read-scoped API key or a session of any role.
func (a *api) authRead(r *http.Request) error {
	if key := auth.FromRequest(r); key != "" {
		_, err := a.Keys.Authenticate(r.Context(), key, auth.ScopeRead)
		return err
	}
	_, _, err := a.session(r)
	if errors.Is(err, errNoSession) {
		return auth.ErrUnauthenticated
	}
	return err
}

// adminFunc is an admin handler; actor is the admin making the request.
type adminFunc func(w http.ResponseWriter, r *http.Request, actor store.User) error

// admin requires an admin session, and the CSRF token on changes.
func (a *api) admin(h adminFunc) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		u, se, err := a.session(r)
		if errors.Is(err, errNoSession) {
			if key := auth.FromRequest(r); key != "" {
				if _, kerr := a.Keys.Lookup(r.Context(), key); kerr == nil {
					return errKeyNotAdmin
				}
			}
			return err
		}
		if err != nil {
			return err
		}
		if u.Role != store.RoleAdmin {
			return errNotAdmin
		}
		if err := checkCSRF(r, se); err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return h(w, r, u)
	})
}

// userJSON is a user as the session endpoints show it.
type userJSON struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Role     string `json:"role"`
}

type sessionJSON struct {
	User      userJSON `json:"user"`
	CSRFToken string   `json:"csrfToken"`
}

var errBadCredentials = httperr.New(http.StatusUnauthorized, "invalid_credentials", "invalid username or password")

func (a *api) login(w http.ResponseWriter, r *http.Request) error {
	if err := checkOrigin(r); err != nil {
		return err
	}
	var body struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	client := auth.ClientFrom(r.Context())
	l, err := a.Auth.Sessions.Login(r.Context(), body.Username, body.Password, client)
	var locked *auth.LockedError
	switch {
	case errors.As(err, &locked):
		a.Log.Warn("login refused: too many failures", "username", auth.NormalizeUsername(body.Username), "remote", client.String())
		return &httperr.Error{Status: http.StatusTooManyRequests, Code: "too_many_attempts",
			Message: "too many failed logins; try again later", RetryAfter: locked.RetryAfter}
	case errors.Is(err, auth.ErrBadCredentials):
		a.Log.Info("login failed", "username", auth.NormalizeUsername(body.Username), "remote", client.String())
		return errBadCredentials
	case err != nil:
		return err
	}
	// A session the browser already had is ended: the login gets a new
	// token whatever cookie came in, so a planted one is worth nothing.
	if old := auth.TokenFromRequest(r); old != "" {
		_ = a.Auth.Sessions.Logout(r.Context(), old)
	}
	a.audit(r, l.User.Username, "auth.login", "user:"+l.User.Username, "")
	http.SetCookie(w, auth.SessionCookie(l.Token, l.Expires, client.Secure))
	w.Header().Set("Cache-Control", "no-store")
	httperr.JSON(w, http.StatusOK, sessionJSON{User: userJSON{l.User.ID, l.User.Username, l.User.Role}, CSRFToken: l.CSRF})
	return nil
}

func (a *api) logout(w http.ResponseWriter, r *http.Request) error {
	u, se, err := a.session(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r, se); err != nil {
		return err
	}
	if err := a.Auth.Sessions.Logout(r.Context(), auth.TokenFromRequest(r)); err != nil {
		return err
	}
	a.audit(r, u.Username, "auth.logout", "user:"+u.Username, "")
	http.SetCookie(w, auth.ClearedCookie(auth.ClientFrom(r.Context()).Secure))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) me(w http.ResponseWriter, r *http.Request) error {
	u, se, err := a.session(r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httperr.JSON(w, http.StatusOK, sessionJSON{User: userJSON{u.ID, u.Username, u.Role}, CSRFToken: se.CSRFToken})
	return nil
}

// audit records a change. The change is made already: a failure to record
// it is logged, not answered.
func (a *api) audit(r *http.Request, actor, action, target, detail string) {
	e := store.AuditEntry{Time: time.Now().UTC().Truncate(time.Millisecond), Actor: actor, Action: action,
		Target: target, Detail: detail, RemoteAddr: auth.ClientFrom(r.Context()).String()}
	ctx := context.WithoutCancel(r.Context())
	if _, err := a.Auth.Store.AppendAudit(ctx, e); err != nil {
		a.Log.Error("audit: append", "action", action, "target", target, "err", err)
	}
}

// maxJSONBody bounds the admin and login request bodies.
const maxJSONBody = 64 << 10

// decodeJSON decodes the request body into v, refusing unknown fields so a
// misspelt one is an error rather than silently ignored.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return httperr.New(http.StatusRequestEntityTooLarge, "body_too_large", "the body is over %d bytes", maxJSONBody)
		}
		return httperr.New(http.StatusBadRequest, "invalid_body", "the body must be a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return httperr.New(http.StatusBadRequest, "invalid_body", "the body must be one JSON object")
	}
	return nil
}
