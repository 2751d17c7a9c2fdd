package httpapi

import (
	"net/http"
)

// queue answers the Queue view: the ZoneMTA nodes' queues as last polled,
// the trend of their sizes and the reasons of recent deferrals.
func (a *api) queue(r *http.Request) (any, error) {
	return a.Queue.Answer(r.Context(), r.URL.Query())
}
