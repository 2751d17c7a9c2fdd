package cli

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/httpapi"
	"github.com/tinomail/tinomail/internal/store"
)

// authOptions are the serve options about serving safely and dashboard
// sessions.
type authOptions struct {
	tlsCert, tlsKey string
	trustedProxies  string
	sessionIdle     time.Duration
	sessionLifetime time.Duration
	proxies         auth.TrustedProxies
}

func (o *authOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS instead of HTTP (needs --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key file of --tls-cert")
	fs.StringVar(&o.trustedProxies, "trusted-proxies", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For/-Proto/-Host are believed; empty: none")
	fs.DurationVar(&o.sessionIdle, "session-idle-timeout", auth.DefaultIdleTimeout, "a dashboard session unused this long ends")
	fs.DurationVar(&o.sessionLifetime, "session-lifetime", auth.DefaultLifetime, "a dashboard session ends this long after login, used or not")
}

func (o *authOptions) validate() error {
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if o.sessionIdle < time.Second || o.sessionLifetime < time.Second {
		return errors.New("--session-idle-timeout and --session-lifetime must be at least 1s")
	}
	var err error
	if o.proxies, err = auth.ParseTrustedProxies(o.trustedProxies); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	return nil
}

func (o *authOptions) deps(st store.Store, policy store.Retention) httpapi.AuthDeps {
	return httpapi.AuthDeps{
		Sessions:  auth.NewSessions(st, o.sessionIdle, o.sessionLifetime),
		Store:     st,
		Proxies:   o.proxies,
		Retention: policy,
	}
}

// serve serves HTTPS when a certificate is given, HTTP otherwise.
func (o *authOptions) serve(srv *http.Server, ln net.Listener) error {
	if o.tlsCert != "" {
		return srv.ServeTLS(ln, o.tlsCert, o.tlsKey)
	}
	return srv.Serve(ln)
}
