package auth

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Client is where a request comes from, as far as the server can believe it.
type Client struct {
	Addr   netip.Addr // invalid when unknown
	Secure bool       // HTTPS between the browser and us (or our trusted proxy)
	Host   string     // the host the browser asked for, for the Origin check
}

// String returns the client address, or "" when unknown.
func (c Client) String() string {
	if !c.Addr.IsValid() {
		return ""
	}
	return c.Addr.String()
}

type clientKey struct{}

// WithClient returns ctx carrying c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the client of ctx, the zero Client if none.
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// TrustedProxies are the reverse proxies whose X-Forwarded-* headers are
// believed. From anyone else those headers are ignored: they are trivial to
// forge, and the client address decides API key allow-lists and login limits.
type TrustedProxies []netip.Prefix

// ParseTrustedProxies parses a comma-separated list of CIDRs or addresses.
func ParseTrustedProxies(s string) (TrustedProxies, error) {
	var out TrustedProxies
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePrefix parses a CIDR, or a single address as a /32 or /128.
func ParsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", s)
	}
	return p.Masked(), nil
}

func (tp TrustedProxies) trusts(a netip.Addr) bool {
	for _, p := range tp {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve works out the client of r. The peer address is the client unless
// it is a trusted proxy; then X-Forwarded-For is read from the right, skipping
// trusted proxies, and the first other address is the client.
func (tp TrustedProxies) Resolve(r *http.Request) Client {
	c := Client{Secure: r.TLS != nil, Host: r.Host}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return c
	}
	c.Addr = peer.Unmap()
	if !tp.trusts(c.Addr) {
		return c
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		c.Secure = strings.EqualFold(strings.TrimSpace(lastField(p)), "https")
	}
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		c.Host = strings.TrimSpace(lastField(h))
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: stop believing the chain here
		}
		c.Addr = a.Unmap()
		if !tp.trusts(c.Addr) {
			break
		}
	}
	return c
}

func lastField(s string) string {
	if i := strings.LastIndexByte(s, ','); i >= 0 {
		return s[i+1:]
	}
	return s
}
