package classify

import (
	"bytes"
	"regexp"
)

// rule is one compiled rule. Every condition that is set must hold; the
// cheap ones are tried first so that most rules are dismissed without
// looking at the text.
type rule struct {
	id        string
	providers []string // domain suffixes; empty means any recipient
	status    []string // "550", "55x" or "5xx"; any of them
	enhanced  []string // "5.1.1", "5.7." or "x.7.1"; any of them
	contains  [][]byte // lower-case substrings; any of them
	re        *regexp.Regexp
	reLits    [][]byte // see literalSet; nil means always run re
	reExact   bool     // reLits say it all: re need not run
	category  string
	typ       string // Hard, Soft or typeAuto
}

// typeAuto makes a rule's type follow the status class.
const typeAuto = "auto"

// matches reports whether the rule applies; lower is r's text lower-cased.
func (ru *rule) matches(r *reply, lower []byte) bool {
	if len(ru.providers) > 0 && !matchProvider(ru.providers, r.in.Domain, r.in.MXHost) {
		return false
	}
	if len(ru.status) > 0 && !matchAny(ru.status, r.status, matchStatus) {
		return false
	}
	if len(ru.enhanced) > 0 && !matchAnyCode(ru.enhanced, r.enhanced) {
		return false
	}
	if len(ru.contains) > 0 && !containsAny(lower, ru.contains) {
		return false
	}
	if ru.re == nil {
		return true
	}
	if ru.reLits != nil {
		if !containsAny(lower, ru.reLits) {
			return false
		}
		if ru.reExact {
			return true
		}
	}
	return ru.re.MatchString(r.in.Text)
}

func (ru *rule) resolveType(r *reply) string {
	if ru.typ == typeAuto {
		return r.classType()
	}
	return ru.typ
}

func matchAny(pats []string, status int, f func(string, int) bool) bool {
	for _, p := range pats {
		if f(p, status) {
			return true
		}
	}
	return false
}

// matchStatus matches "550", "55x" or "5xx" against a reply code.
func matchStatus(p string, status int) bool {
	if status < 100 || status > 999 {
		return false
	}
	digits := [3]byte{byte('0' + status/100), byte('0' + status/10%10), byte('0' + status%10)}
	for i := 0; i < 3; i++ {
		if p[i] != 'x' && p[i] != digits[i] {
			return false
		}
	}
	return true
}

func matchAnyCode(pats []string, code string) bool {
	if code == "" {
		return false
	}
	for _, p := range pats {
		if matchCode(p, code) {
			return true
		}
	}
	return false
}

// matchCode matches an enhanced code against "5.1.1" (exact), "5.7."
// (prefix ending in a dot) or the same with an "x" class ("x.7.1", "x.7.")
// for codes that mean the same thing as a 4xx or a 5xx.
func matchCode(p, code string) bool {
	if p[0] == 'x' {
		p, code = p[1:], code[1:]
	}
	if p[len(p)-1] == '.' {
		return len(code) >= len(p) && code[:len(p)] == p
	}
	return code == p
}

func containsAny(text []byte, subs [][]byte) bool {
	for _, s := range subs {
		if bytes.Contains(text, s) {
			return true
		}
	}
	return false
}

// matchProvider reports whether the recipient domain or the MX host is one
// of the provider's domains or a subdomain of one.
func matchProvider(suffixes []string, domain, mx string) bool {
	for _, s := range suffixes {
		if hasDomainSuffix(domain, s) || hasDomainSuffix(mx, s) {
			return true
		}
	}
	return false
}

func hasDomainSuffix(host, suffix string) bool {
	if n := len(host); n > 0 && host[n-1] == '.' {
		host = host[:n-1]
	}
	if len(host) < len(suffix) {
		return false
	}
	rest := len(host) - len(suffix)
	if rest > 0 && host[rest-1] != '.' {
		return false
	}
	return equalFoldASCII(host[rest:], suffix)
}

// equalFoldASCII compares s with an already lower-case ASCII t.
func equalFoldASCII(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != t[i] {
			return false
		}
	}
	return true
}
