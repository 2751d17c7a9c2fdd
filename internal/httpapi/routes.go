// Package httpapi puts the HTTP API together: one readable list of routes,
// the authentication each needs, and the middleware around them all.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/live"
	"github.com/tinomail/tinomail/internal/query"
	"github.com/tinomail/tinomail/internal/webui"
)

// Deps are the parts the API serves.
type Deps struct {
	Ingest  http.Handler
	Query   *query.Service
	Keys    *auth.Keys
	Hub     *live.Hub
	Metrics http.Handler
	// Ready reports whether the queue and the store answer.
	Ready func(ctx context.Context) error
	Log   *slog.Logger
}

// New returns the handler of the whole API.
func New(d Deps) http.Handler {
	a := &api{Deps: d}
	mux := http.NewServeMux()

	mux.Handle("POST /api/v1/events/ingest", d.Ingest)

	mux.Handle("GET /api/v1/email/throughput", a.read(a.throughput))
	mux.Handle("GET /api/v1/email/stats", a.read(a.stats))
	mux.Handle("GET /api/v1/email/bounce-analysis", a.read(a.bounceAnalysis))
	mux.Handle("GET /api/v1/email/delivery-time", a.read(a.deliveryTime))
	mux.Handle("GET /api/v1/email/message-size", a.read(a.messageSize))
	mux.Handle("GET /api/v1/email/events", a.read(a.searchEvents))
	mux.Handle("GET /api/v1/email/trace/{id}", a.read(a.trace))
	mux.Handle("GET /api/v1/live", a.readStream(d.Hub))

	mux.HandleFunc("GET /healthz", a.healthz)
	mux.Handle("GET /readyz", a.handle(a.readyz))
	mux.Handle("GET /metrics", d.Metrics)
	webui.Mount(mux, d.Log) // the dashboard: app shell on every client route, hashed assets

	return recoverPanics(d.Log, securityHeaders(a.jsonMiss(mux)))
}

type api struct {
	Deps
}
