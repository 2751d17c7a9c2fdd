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
	"github.com/tinomail/tinomail/internal/source"
	"github.com/tinomail/tinomail/internal/webui"
	"github.com/tinomail/tinomail/internal/zonemta"
)

// Deps are the parts the API serves.
type Deps struct {
	Ingest  http.Handler
	Query   *query.Service
	Keys    *auth.Keys
	Hub     *live.Hub
	Queue   *zonemta.View // the ZoneMTA queue poller's view
	Metrics http.Handler
	// Ready reports whether the queue and the store answer.
	Ready func(ctx context.Context) error
	Log   *slog.Logger
	Auth  AuthDeps // dashboard sessions and the admin API
	// Sources answers /api/v1/sources: is every node and key reporting.
	Sources *source.Report
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
	mux.Handle("GET /api/v1/email/events", a.events())
	mux.Handle("GET /api/v1/email/trace/{id}", a.read(a.trace))
	mux.Handle("GET /api/v1/email/queue", a.read(a.queue))
	mux.Handle("GET /api/v1/email/events/export", a.handle(a.exportEvents))
	mux.Handle("GET /api/v1/email/inbound", a.read(a.inbound))
	mux.Handle("GET /api/v1/live", a.readStream(d.Hub))
	mux.Handle("GET /api/v1/sources", a.read(a.sources))

	mux.Handle("POST /api/v1/auth/login", a.handle(a.login))
	mux.Handle("POST /api/v1/auth/logout", a.handle(a.logout))
	mux.Handle("GET /api/v1/auth/me", a.handle(a.me))

	mux.Handle("GET /api/v1/admin/users", a.admin(a.listUsers))
	mux.Handle("POST /api/v1/admin/users", a.admin(a.createUser))
	mux.Handle("PATCH /api/v1/admin/users/{id}", a.admin(a.updateUser))
	mux.Handle("DELETE /api/v1/admin/users/{id}", a.admin(a.deleteUser))
	mux.Handle("GET /api/v1/admin/api-keys", a.admin(a.listKeys))
	mux.Handle("POST /api/v1/admin/api-keys", a.admin(a.createKey))
	mux.Handle("DELETE /api/v1/admin/api-keys/{id}", a.admin(a.revokeKey))
	mux.Handle("GET /api/v1/admin/nodes", a.admin(a.listNodes))
	mux.Handle("POST /api/v1/admin/nodes", a.admin(a.createNode))
	mux.Handle("PATCH /api/v1/admin/nodes/{id}", a.admin(a.updateNode))
	mux.Handle("DELETE /api/v1/admin/nodes/{id}", a.admin(a.deleteNode))
	mux.Handle("GET /api/v1/admin/settings", a.admin(a.getSettings))
	mux.Handle("PUT /api/v1/admin/settings", a.admin(a.putSettings))
	mux.Handle("GET /api/v1/admin/audit-log", a.admin(a.auditLog))

	mux.HandleFunc("GET /api/v1/openapi.json", a.openAPI) // the document of this list: internal/httpapi/openapi.json

	mux.HandleFunc("GET /healthz", a.healthz)
	mux.Handle("GET /readyz", a.handle(a.readyz))
	mux.Handle("GET /metrics", d.Metrics)
	webui.Mount(mux, d.Log) // the dashboard: app shell on every client route, hashed assets

	return recoverPanics(d.Log, a.withClient(securityHeaders(a.jsonMiss(mux))))
}

type api struct {
	Deps
}
