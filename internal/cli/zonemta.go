package cli

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"time"

	"github.com/tinomail/tinomail/internal/query"
	"github.com/tinomail/tinomail/internal/store"
	"github.com/tinomail/tinomail/internal/zonemta"
)

// zonemtaOptions configure the ZoneMTA queue poller of tinomail serve.
type zonemtaOptions struct {
	nodes    zonemta.NodeList
	interval time.Duration
	timeout  time.Duration
}

func (o *zonemtaOptions) flags(fs *flag.FlagSet) {
	fs.Var(&o.nodes, "zonemta-nodes", "ZoneMTA nodes whose queue API to poll, as name=http://host:12080,name2=http://host2:12080; empty: none")
	fs.DurationVar(&o.interval, "zonemta-interval", zonemta.DefaultInterval, "how often every ZoneMTA node's queue is polled")
	fs.DurationVar(&o.timeout, "zonemta-timeout", zonemta.DefaultTimeout, "how long one request to a ZoneMTA API may take")
}

func (o *zonemtaOptions) validate() error {
	switch {
	case o.interval < 100*time.Millisecond || o.interval > time.Hour:
		return errors.New("--zonemta-interval must be between 100ms and 1h")
	case o.timeout < 10*time.Millisecond || o.timeout > time.Minute:
		return errors.New("--zonemta-timeout must be between 10ms and 1m")
	}
	return nil
}

// startQueuePoller starts polling the nodes of --zonemta-nodes and the
// administered ones (see zonemta.Fleet) until ctx ends, and returns the view
// of /api/v1/email/queue. With no node the view answers an empty fleet.
func startQueuePoller(ctx context.Context, o zonemtaOptions, st store.Store, log *slog.Logger) *zonemta.View {
	p := zonemta.NewPoller(zonemta.Config{
		Nodes: zonemta.Fleet{Static: o.nodes, Store: st}, Interval: o.interval, Timeout: o.timeout, Samples: st, Log: log,
		// ZoneMTA's API has no redirects; following one could leak the
		// credentials of the URL to another host.
		HTTP: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	})
	// Always run: administrators may add nodes while the server runs.
	log.Info("zonemta: polling queues", "nodes_from_flags", len(o.nodes), "interval", o.interval)
	go p.Run(ctx)
	return &zonemta.View{Poller: p, Samples: st, Query: &query.Service{Store: st}}
}
