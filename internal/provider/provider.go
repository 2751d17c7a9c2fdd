// Package provider tells which mailbox provider hosts a recipient: from the
// recipient domain when it is one of the provider's own (gmail.com,
// outlook.com…), otherwise from the MX host the message was handed to, so
// that a company domain on Google Workspace or Microsoft 365 counts as
// Google or Microsoft.
package provider

import "strings"

// Providers, as they appear in the rollups and in by=provider answers.
const (
	Google    = "google"
	Microsoft = "microsoft"
	Yahoo     = "yahoo" // Yahoo and AOL, one company and one infrastructure
	Apple     = "apple"
	MailRu    = "mailru"
	Yandex    = "yandex"
	GMX       = "gmx" // GMX and Web.de (United Internet)
	Proton    = "proton"
	Zoho      = "zoho"
	Fastmail  = "fastmail"
	Comcast   = "comcast"
	Other     = "other"
)

// ownDomains are the providers' own mail domains. A name ending in "."
// matches every country variant (yahoo.co.uk, hotmail.fr, gmx.at…).
var ownDomains = []struct {
	provider string
	names    []string
}{
	{Google, []string{"gmail.com", "googlemail.com"}},
	{Microsoft, []string{"outlook.", "hotmail.", "live.", "msn.com", "windowslive.com", "passport.com"}},
	{Yahoo, []string{"yahoo.", "ymail.com", "rocketmail.com", "aol.", "aim.com", "verizon.net", "att.net", "sbcglobal.net", "bellsouth.net"}},
	{Apple, []string{"icloud.com", "me.com", "mac.com"}},
	{MailRu, []string{"mail.ru", "inbox.ru", "list.ru", "bk.ru", "internet.ru", "mail.ua"}},
	{Yandex, []string{"yandex.", "ya.ru", "narod.ru"}},
	{GMX, []string{"gmx.", "web.de"}},
	{Proton, []string{"protonmail.com", "protonmail.ch", "proton.me", "pm.me"}},
	{Zoho, []string{"zoho.com", "zohomail.com", "zohomail.eu", "zoho.eu", "zoho.in"}},
	{Fastmail, []string{"fastmail.com", "fastmail.fm"}},
	{Comcast, []string{"comcast.net"}},
}

// domains indexes ownDomains by name.
var domains = func() map[string]string {
	m := map[string]string{}
	for _, d := range ownDomains {
		for _, n := range d.names {
			m[n] = d.provider
		}
	}
	return m
}()

// mxSuffixes are the providers' inbound MX host names, matched on a whole
// label boundary.
var mxSuffixes = []struct{ suffix, provider string }{
	{"google.com", Google}, {"googlemail.com", Google}, {"smtp.goog", Google},
	{"protection.outlook.com", Microsoft}, {"outlook.com", Microsoft}, {"hotmail.com", Microsoft},
	{"yahoodns.net", Yahoo}, {"yahoo.com", Yahoo}, {"aol.com", Yahoo},
	{"icloud.com", Apple}, {"me.com", Apple},
	{"mail.ru", MailRu},
	{"yandex.net", Yandex}, {"yandex.ru", Yandex},
	{"gmx.net", GMX}, {"gmx.com", GMX}, {"web.de", GMX},
	{"protonmail.ch", Proton}, {"proton.me", Proton},
	{"zoho.com", Zoho}, {"zoho.eu", Zoho}, {"zoho.in", Zoho}, {"zohomail.com", Zoho},
	{"messagingengine.com", Fastmail}, {"fastmail.com", Fastmail},
	{"comcast.net", Comcast},
}

// Of returns the provider of a recipient domain, or of the MX host that
// took the message. Both are expected lower case without a trailing dot (as
// event.Normalize leaves them). Empty when both are empty.
func Of(domain, mx string) string {
	if domain == "" && mx == "" {
		return ""
	}
	if p := byDomain(domain); p != "" {
		return p
	}
	for _, s := range mxSuffixes {
		if hasLabelSuffix(mx, s.suffix) {
			return s.provider
		}
	}
	return Other
}

func byDomain(domain string) string {
	if domain == "" {
		return ""
	}
	if p, ok := domains[domain]; ok {
		return p
	}
	// Country variants: the provider's name, then a top-level domain or a
	// second-level one such as co.uk or com.br (hotmail.fr, yahoo.co.uk).
	i := strings.IndexByte(domain, '.')
	if i <= 0 {
		return ""
	}
	p, ok := domains[domain[:i+1]]
	if !ok {
		return ""
	}
	rest := domain[i+1:]
	if j := strings.IndexByte(rest, '.'); j >= 0 {
		switch rest[:j] {
		case "co", "com", "ne", "or":
			if strings.IndexByte(rest[j+1:], '.') < 0 {
				return p
			}
		}
		return ""
	}
	return p
}

// hasLabelSuffix reports whether host is suffix or ends in "."+suffix.
func hasLabelSuffix(host, suffix string) bool {
	if !strings.HasSuffix(host, suffix) {
		return false
	}
	n := len(host) - len(suffix)
	return n == 0 || host[n-1] == '.'
}
