package classify

import (
	"net/netip"
	"strings"
	"unicode/utf8"
)

// MaxTemplateLen caps the length, in bytes, of what Template returns. The
// template is a rollup key: a bound keeps the key small and the number of
// distinct keys sane when a server puts a long, varying tail on its replies.
const MaxTemplateLen = 200

// The placeholders Template puts in place of the parts of a reply that
// differ from one message to the next.
const (
	PlaceholderEmail  = "<email>"
	PlaceholderIP     = "<ip>"
	PlaceholderHost   = "<host>"
	PlaceholderDomain = "<domain>"
	PlaceholderID     = "<id>"
	PlaceholderNumber = "<n>"
)

// Template reduces an SMTP reply to what the same reply to another message
// has in common with it, so that failures can be grouped by reason: e-mail
// addresses, IP addresses, numbered host names, queue and request ids and
// long numbers become placeholders, multi-line continuation codes
// ("550-5.1.1") become plain ones, white space is collapsed and the result
// is capped at MaxTemplateLen bytes, with "…" when cut.
//
// known are names the event itself carries (recipient and sender domain, MX
// host): replies often quote them, and a domain without digits cannot be
// told from a fixed word like "zen.spamhaus.org" otherwise. They and their
// subdomains become <domain> and <host>. Reply codes, RFC 3463 enhanced
// codes, short numbers and fixed host names are kept.
func Template(text string, known ...string) string {
	t := templater{out: make([]byte, 0, min(len(text), MaxTemplateLen+8)), known: known}
	for i := 0; i < len(text) && len(t.out) <= MaxTemplateLen; {
		c := text[i]
		switch {
		case c <= ' ':
			t.space()
			i++
		case isTokenByte(c):
			j := i
			for j < len(text) && isTokenByte(text[j]) {
				j++
			}
			i = t.token(text, i, j)
		default:
			t.byte(c)
			i++
		}
	}
	return t.finish()
}

type templater struct {
	out     []byte
	known   []string
	pending bool // a space is due before the next output
}

func (t *templater) space() {
	if len(t.out) > 0 {
		t.pending = true
	}
}

func (t *templater) byte(c byte) {
	t.flush()
	t.out = append(t.out, c)
}

func (t *templater) str(s string) {
	t.flush()
	t.out = append(t.out, s...)
}

// labelIndexFold returns where k starts in s as whole dot-separated labels,
// ignoring case, or -1.
func labelIndexFold(s, k string) int {
	for i := 0; i+len(k) <= len(s); i++ {
		if (i == 0 || s[i-1] == '.') && (i+len(k) == len(s) || s[i+len(k)] == '.') && strings.EqualFold(s[i:i+len(k)], k) {
			return i
		}
	}
	return -1
}

// randomCase reports whether a word of letters only looks like a random id
// rather than a CamelCase name: ten letters or more, and a single
// lower-case letter between upper-case ones ("XkZ", "…eGyPB"), which
// CamelCase words ("OverQuotaPerm", "SpamAssassin") do not have.
func randomCase(w string) bool {
	if len(w) < 10 {
		return false
	}
	// Past the end counts as upper case: "…yPB" ends like "…yP" would.
	upper := func(i int) bool { return i >= len(w) || 'A' <= w[i] && w[i] <= 'Z' }
	for i := 1; i < len(w); i++ {
		if !upper(i) && upper(i-1) && upper(i+1) {
			return true
		}
	}
	return false
}

// bracketed reports whether the token ending at text[j] is alone in
// parentheses or square brackets.
func (t *templater) bracketed(text string, j int) bool {
	n := len(t.out)
	if t.pending || n == 0 || j >= len(text) {
		return false
	}
	return t.out[n-1] == '(' && text[j] == ')' || t.out[n-1] == '[' && text[j] == ']'
}

// manyUpper reports whether s is twelve letters or more, at least a quarter
// of them and at least three upper case.
func manyUpper(s string) bool {
	if len(s) < 12 {
		return false
	}
	upper := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z':
			upper++
		case c < 'a' || c > 'z':
			return false
		}
	}
	return upper >= 3 && upper*4 >= len(s)
}

// innerUpper reports whether s has an upper-case letter after its first byte.
func innerUpper(s string) bool {
	for i := 1; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// afterEq reports whether the output so far ends with "=".
func (t *templater) afterEq() bool {
	return !t.pending && len(t.out) > 0 && t.out[len(t.out)-1] == '='
}

// afterIDKey reports whether the output so far ends with a key named like
// an id and "=": "MxId=", "session_id=".
func (t *templater) afterIDKey() bool {
	n := len(t.out)
	return !t.pending && n >= 3 && t.out[n-1] == '=' && (t.out[n-2]|0x20) == 'd' && (t.out[n-3]|0x20) == 'i'
}

func (t *templater) flush() {
	if t.pending {
		t.out = append(t.out, ' ')
		t.pending = false
	}
}

// token writes the template of text[i:j], a run of token bytes, and returns
// where scanning goes on.
func (t *templater) token(text string, i, j int) int {
	tok := text[i:j]
	// A continuation line's code: "550-5.1.1 ..." or "554-No SMTP service".
	if len(tok) > 4 && tok[3] == '-' && leadingStatus(tok[:3]) != 0 {
		t.str(tok[:3])
		t.space()
		return i + 4
	}
	// Trailing sentence punctuation is not part of a name.
	core := strings.TrimRight(tok, ".-:_")
	tail := tok[len(core):]
	if core == "" {
		t.str(tok)
		return j
	}
	// Ids that may be letters only, so that their shape does not tell: the
	// value of a key ending in "id=" (Microsoft's "[MxId=…]"), Gmail's
	// reference right before " - gsmtp" when in mixed case, unlike a last
	// word, and a long word alone in brackets (Mail.ru's "RP-001 (…)") when
	// a quarter or more of it is upper case, unlike "(SpamAssassin)"; the
	// same for a parameter's value ("case?c=…&r=…", GMX).
	if t.afterIDKey() || tail == "" && (strings.HasPrefix(text[j:], " - gsmtp") && innerUpper(core) ||
		(t.bracketed(text, j) || t.afterEq()) && manyUpper(core)) {
		t.str(PlaceholderID)
		t.str(tail)
		return j
	}
	if strings.IndexByte(core, '@') > 0 && isEmail(core) {
		// "<bob@x.com>" becomes "<email>", not "<<email>>".
		if n := len(t.out); n > 0 && t.out[n-1] == '<' && !t.pending && j < len(text) && text[j] == '>' && tail == "" {
			t.out = t.out[:n-1]
			t.str(PlaceholderEmail)
			return j + 1
		}
		t.str(PlaceholderEmail)
		t.str(tail)
		return j
	}
	if strings.IndexByte(core, ':') >= 0 {
		if hasPrefixFold(core, "ipv6:") {
			t.str(core[:5])
			core = core[5:]
		}
		if a, err := netip.ParseAddr(core); err == nil && a.Is6() {
			t.str(PlaceholderIP)
			t.str(tail)
			return j
		}
		// Not an address: "said:", "<ip>:25", or a time such as
		// "2024-05-10T12:30:01Z", whose parts would each look harmless.
		parts := strings.Split(core, ":")
		if isClock(parts) {
			t.str(PlaceholderID)
			t.str(tail)
			return j
		}
		for k, part := range parts {
			if k > 0 {
				t.byte(':')
			}
			if part != "" {
				t.str(t.word(part))
			}
		}
		t.str(tail)
		return j
	}
	t.str(t.word(core))
	t.str(tail)
	return j
}

// word returns the template of one token without colons or trailing
// punctuation.
func (t *templater) word(w string) string {
	if strings.IndexByte(w, '@') > 0 && isEmail(w) {
		return PlaceholderEmail
	}
	letters, digits := 0, 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case isDigit(c):
			digits++
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
		}
	}
	switch {
	case digits == 0 && letters == 0:
		return w
	case letters == 0:
		if a, err := netip.ParseAddr(w); err == nil && a.Is4() {
			return PlaceholderIP
		}
		if codeLen(w) == len(w) || digits < 4 {
			return w // an enhanced code, or a short number: "5.7.1", "(10)"
		}
		return PlaceholderNumber
	}
	for _, k := range t.known {
		if k == "" {
			continue
		}
		if strings.EqualFold(w, k) {
			return PlaceholderDomain
		}
		if len(w) > len(k)+1 && w[len(w)-len(k)-1] == '.' && strings.EqualFold(w[len(w)-len(k):], k) {
			return PlaceholderHost
		}
		// Quoted inside a longer name: "help/x.example.com.html".
		if i := labelIndexFold(w, k); i >= 0 {
			return w[:i] + PlaceholderDomain + w[i+len(k):]
		}
	}
	if digits == 0 && letters == len(w) && randomCase(w) {
		return PlaceholderID
	}
	if isHostname(w) {
		if digits > 0 {
			return PlaceholderHost
		}
		return w
	}
	if digits > 0 && (len(w) >= 8 || digits >= 4) && !hasPrefixFold(w, "rfc") {
		return PlaceholderID
	}
	return w
}

// finish makes the template valid UTF-8, trims it and caps it at a
// character boundary.
func (t *templater) finish() string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(t.out), "\uFFFD"))
	if len(s) <= MaxTemplateLen {
		return s
	}
	cut := MaxTemplateLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// isTokenByte reports whether c may be part of a name, number, address or id.
func isTokenByte(c byte) bool {
	return isWordByte(c) || c == '.' || c == '-' || c == '@' || c == '%' || c == '+' || c == ':'
}

// isEmail reports whether s is local@domain with a dotted domain.
func isEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return false
	}
	domain := s[at+1:]
	return strings.IndexByte(domain, '.') > 0 && isHostname(domain)
}

// isHostname reports whether s is a dotted name whose last label is letters
// only (a TLD), so that "pla.12" and "5.7.1" are not host names.
func isHostname(s string) bool {
	dot := strings.LastIndexByte(s, '.')
	if dot <= 0 || len(s)-dot-1 < 2 {
		return false
	}
	for i := dot + 1; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !isWordByte(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isClock reports whether the parts of a colon-separated token are those of a
// time of day: two or more parts with digits, the first not an IP address.
func isClock(parts []string) bool {
	if len(parts) < 2 {
		return false
	}
	if a, err := netip.ParseAddr(parts[0]); err == nil && a.Is4() {
		return false
	}
	n := 0
	for _, p := range parts {
		if strings.ContainsAny(p, "0123456789") {
			n++
		}
	}
	return n >= 2
}
