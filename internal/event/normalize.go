package event

import (
	"strings"
	"unicode/utf8"
)

// Normalize derives the fields a client may leave out and puts the rest in
// canonical form, so that rollups never split one domain into two spellings.
// It is idempotent.
func Normalize(e *Event) {
	e.FromAddress = stripAngles(e.FromAddress)
	e.ToAddress = stripAngles(e.ToAddress)
	if user, domain, ok := splitAddress(e.FromAddress); ok {
		if e.FromUser == "" {
			e.FromUser = user
		}
		if e.FromDomain == "" {
			e.FromDomain = domain
		}
	}
	if _, domain, ok := splitAddress(e.ToAddress); ok && e.ToDomain == "" {
		e.ToDomain = domain
	}
	e.FromDomain = canonicalDomain(e.FromDomain)
	e.ToDomain = canonicalDomain(e.ToDomain)
	e.MXHost = canonicalDomain(e.MXHost)
	if e.Direction == "" {
		e.Direction = InferDirection(e)
	}
}

// InferDirection decides inbound or outbound for an event that did not say.
// received is always inbound; delivered, bounced, deferred and sent come from
// the outbound MTAs (ZoneMTA) unless stated otherwise. rejected is both: our
// receiver refusing a message (inbound) or a remote server refusing ours
// (outbound). A rejection that carries the receiving side's verdicts (spam,
// SPF/DKIM/DMARC) and no remote MX is inbound.
func InferDirection(e *Event) Direction {
	switch e.EventType {
	case Received:
		return Inbound
	case Rejected:
		hasVerdict := e.SpamAction != "" || e.SPFResult != "" || e.DKIMResult != "" || e.DMARCResult != ""
		if hasVerdict && e.MXHost == "" {
			return Inbound
		}
	}
	return Outbound
}

// Truncate cuts s to MaxTextLen characters without splitting a UTF-8 sequence.
func Truncate(s string) string {
	if len(s) <= MaxTextLen {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxTextLen {
			return s[:i]
		}
		n++
	}
	return s
}

func stripAngles(s string) string {
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		return strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// splitAddress splits at the last @, since quoted local parts may contain one.
func splitAddress(addr string) (user, domain string, ok bool) {
	i := strings.LastIndexByte(addr, '@')
	if i <= 0 || i == len(addr)-1 {
		return "", "", false
	}
	return addr[:i], addr[i+1:], true
}

func canonicalDomain(d string) string {
	d = strings.TrimSuffix(strings.TrimSpace(d), ".")
	for i := 0; i < len(d); i++ {
		if c := d[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return strings.ToLower(d)
		}
	}
	return d
}
