package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/httperr"
	"github.com/tinomail/tinomail/internal/query"
	"github.com/tinomail/tinomail/internal/store"
)

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc: errors go through the one error writer.
func (a *api) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			httperr.Write(w, r, a.Log, err, mapError)
		}
	})
}

// mapError maps the sentinels of other packages to answers.
func mapError(err error) *httperr.Error {
	var pe *query.ParamError
	switch {
	case errors.As(err, &pe):
		return &httperr.Error{Status: http.StatusBadRequest, Code: "invalid_parameter", Message: pe.Error()}
	case errors.Is(err, query.ErrNotFound):
		return httperr.New(http.StatusNotFound, "not_found", "no events for that message or queue id")
	case errors.Is(err, auth.ErrUnauthenticated):
		return httperr.New(http.StatusUnauthorized, "unauthorized",
			"log in, or send an API key with the read scope as Authorization: Bearer KEY or x-api-key")
	case errors.Is(err, auth.ErrAddressNotAllowed):
		return httperr.New(http.StatusForbidden, "address_not_allowed", "this API key may not be used from this address")
	case errors.Is(err, auth.ErrForbidden):
		return httperr.New(http.StatusForbidden, "forbidden", "this API key lacks the read scope")
	case errors.Is(err, auth.ErrStoreUnavailable):
		return &httperr.Error{Status: http.StatusServiceUnavailable, Code: "store_unavailable",
			Message: "the database does not answer", RetryAfter: 5 * time.Second, Err: err}
	case errors.Is(err, store.ErrLastAdmin):
		return httperr.New(http.StatusConflict, "last_admin", "this would leave no active admin")
	case errors.Is(err, store.ErrConflict):
		return httperr.New(http.StatusConflict, "conflict", "that name is already taken")
	case errors.Is(err, store.ErrNotFound):
		return httperr.New(http.StatusNotFound, "not_found", "no such record")
	case errors.Is(err, auth.ErrInvalid):
		return httperr.New(http.StatusBadRequest, "invalid_request", "%s", err.Error())
	case errors.Is(err, context.Canceled):
		return httperr.New(499, "canceled", "request canceled")
	}
	return nil
}

// read requires a read-scoped API key or a session, then answers with the JSON result.
func (a *api) read(fn func(r *http.Request) (any, error)) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		if err := a.authRead(r); err != nil {
			return err
		}
		v, err := fn(r)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		httperr.JSON(w, http.StatusOK, v)
		return nil
	})
}

// readStream requires a read-scoped API key or a session for a streaming handler.
func (a *api) readStream(h http.Handler) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		if err := a.authRead(r); err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		go a.recheckStream(ctx, cancel, r)
		h.ServeHTTP(w, r.WithContext(ctx))
		return nil
	})
}

// streamRecheck is how often an open stream's credentials are checked again.
const streamRecheck = 5 * time.Second

// recheckStream ends a stream whose key was revoked or whose session ended
// (logout, expiry, a disabled user) while it was open: a wall screen's
// stream lasts for days. A store that does not answer ends nothing.
func (a *api) recheckStream(ctx context.Context, cancel func(), r *http.Request) {
	t := time.NewTicker(streamRecheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := a.authRead(r.WithContext(ctx))
		if err != nil && !errors.Is(err, auth.ErrStoreUnavailable) && ctx.Err() == nil {
			var he *httperr.Error
			if errors.Is(err, auth.ErrUnauthenticated) || errors.Is(err, auth.ErrForbidden) || errors.As(err, &he) && (he.Status == 401 || he.Status == 403) {
				cancel()
				return
			}
		}
	}
}

func (a *api) throughput(r *http.Request) (any, error) {
	return a.Query.Throughput(r.Context(), r.URL.Query())
}

func (a *api) stats(r *http.Request) (any, error) {
	return a.Query.Stats(r.Context(), r.URL.Query())
}

func (a *api) bounceAnalysis(r *http.Request) (any, error) {
	return a.Query.BounceAnalysis(r.Context(), r.URL.Query())
}

func (a *api) deliveryTime(r *http.Request) (any, error) {
	return a.Query.DeliveryTime(r.Context(), r.URL.Query())
}

func (a *api) messageSize(r *http.Request) (any, error) {
	return a.Query.MessageSize(r.Context(), r.URL.Query())
}

func (a *api) searchEvents(r *http.Request) (any, error) {
	return a.Query.Search(r.Context(), r.URL.Query())
}

func (a *api) trace(r *http.Request) (any, error) {
	return a.Query.Trace(r.Context(), r.PathValue("id"))
}

func (a *api) inbound(r *http.Request) (any, error) {
	return a.Query.Inbound(r.Context(), r.URL.Query())
}

func (a *api) healthz(w http.ResponseWriter, _ *http.Request) {
	httperr.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *api) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := a.Ready(ctx); err != nil {
		return &httperr.Error{Status: http.StatusServiceUnavailable, Code: "not_ready", Message: err.Error(),
			RetryAfter: 5 * time.Second}
	}
	httperr.JSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

// jsonMiss answers requests no route takes (404, or 405 with Allow) with the
// JSON error body of every other error, instead of the mux's plain text.
func (a *api) jsonMiss(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		if rec.status == http.StatusMethodNotAllowed {
			httperr.Write(w, r, a.Log, httperr.New(rec.status, "method_not_allowed", "%s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
		httperr.Write(w, r, a.Log, httperr.New(http.StatusNotFound, "not_found", "no route for %s %s", r.Method, r.URL.Path))
	})
}

// statusRecorder keeps the status and headers a handler writes, and drops the body.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.status = code }
