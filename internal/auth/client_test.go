package auth

import (
	"crypto/tls"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestResolveClient(t *testing.T) {
	tp, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.1, 2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer, xff, proto string
		tls                    bool
		want                   string
		secure                 bool
	}{
		{"direct", "198.51.100.1:5000", "", "", false, "198.51.100.1", false},
		{"direct forges XFF and proto", "198.51.100.1:5000", "10.1.1.1", "https", false, "198.51.100.1", false},
		{"direct TLS", "198.51.100.1:5000", "", "", true, "198.51.100.1", true},
		{"trusted proxy", "10.0.0.2:5000", "203.0.113.9", "https", false, "203.0.113.9", true},
		{"two trusted proxies", "10.0.0.2:5000", "203.0.113.9, 192.0.2.1", "http", false, "203.0.113.9", false},
		{"client forges a hop", "10.0.0.2:5000", "1.2.3.4, 203.0.113.9", "", false, "203.0.113.9", false},
		{"garbage hop", "10.0.0.2:5000", "nonsense, 203.0.113.9", "", false, "203.0.113.9", false},
		{"only garbage", "10.0.0.2:5000", "nonsense", "", false, "10.0.0.2", false},
		{"no XFF from proxy", "10.0.0.2:5000", "", "", false, "10.0.0.2", false},
		{"IPv6 proxy", "[2001:db8::5]:443", "2001:db8:1::1, 198.51.100.4", "", false, "198.51.100.4", false},
		{"mapped IPv4 peer", "[::ffff:198.51.100.1]:80", "", "", false, "198.51.100.1", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		if tc.tls {
			r.TLS = &tls.ConnectionState{}
		}
		c := tp.Resolve(r)
		if c.String() != tc.want || c.Secure != tc.secure {
			t.Errorf("%s: %s secure=%v, want %s secure=%v", tc.name, c, c.Secure, tc.want, tc.secure)
		}
	}
	// X-Forwarded-Host, for the Origin check, only from a proxy.
	for peer, want := range map[string]string{"10.0.0.2:1": "monitor.example", "198.51.100.1:1": "internal:8080"} {
		r := httptest.NewRequest("GET", "http://internal:8080/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-Host", "monitor.example")
		if got := tp.Resolve(r).Host; got != want {
			t.Errorf("host from %s = %q, want %q", peer, got, want)
		}
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8,nonsense"); err == nil {
		t.Error("a bad CIDR is accepted")
	}
	if tp, err := ParseTrustedProxies(""); err != nil || len(tp) != 0 {
		t.Errorf("empty list = %v, %v", tp, err)
	}
}

// FuzzResolveClient: whatever the headers, Resolve does not panic, and the
// client is the peer or an address named in X-Forwarded-For.
func FuzzResolveClient(f *testing.F) {
	f.Add("10.0.0.2:5000", "203.0.113.9, 192.0.2.1", "https", "example.com")
	f.Add("[2001:db8::5]:443", "2001:0db8:1::1,,x", "HTTP, https", "")
	f.Add("garbage", "", "", "")
	tp, _ := ParseTrustedProxies("10.0.0.0/8,192.0.2.1,2001:db8::/32")
	f.Fuzz(func(t *testing.T, peer, xff, proto, host string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		r.Header.Set("X-Forwarded-Proto", proto)
		r.Header.Set("X-Forwarded-Host", host)
		c := tp.Resolve(r)
		if !c.Addr.IsValid() {
			return
		}
		named := map[netip.Addr]bool{}
		h, _, err := net.SplitHostPort(peer)
		if err != nil {
			h = peer
		}
		for _, s := range append(strings.Split(xff, ","), h) {
			if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil {
				named[a.Unmap()] = true
			}
		}
		if !named[c.Addr] {
			t.Errorf("client %s is neither the peer %q nor in X-Forwarded-For %q", c.Addr, peer, xff)
		}
	})
}
