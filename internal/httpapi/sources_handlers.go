package httpapi

import (
	"net/http"

	"github.com/tinomail/tinomail/internal/httperr"
)

// sources answers GET /api/v1/sources. It takes no parameters.
func (a *api) sources(r *http.Request) (any, error) {
	if a.Sources == nil {
		return nil, httperr.New(http.StatusNotFound, "not_found", "source reporting is not enabled on this server")
	}
	return a.Sources.Build(r.Context())
}
