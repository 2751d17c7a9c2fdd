package classify

// lowerBufSize bounds the stack buffer that holds the lower-cased reply;
// ingest truncates text fields to 500 characters, so longer replies are rare
// and may pay for one allocation.
const lowerBufSize = 1024

// reply is an Input with what the rules need worked out once: the effective
// status code and the enhanced code.
type reply struct {
	in       Input
	status   int
	enhanced string // "5.1.1", or "" when the text has none
}

func newReply(in Input) reply {
	r := reply{in: in, status: in.StatusCode}
	if r.status < 200 || r.status > 599 {
		r.status = statusFromText(in.Text)
	}
	r.enhanced = EnhancedCode(in.Text, r.status/100)
	return r
}

// classType is the type the status class implies: 5xx hard, anything else
// (4xx, or no reply at all) soft. Without a status code the enhanced code's
// class stands in, as MTAs often report only "5.1.1" for their own failures.
func (r *reply) classType() string {
	class := r.status / 100
	if class == 0 && r.enhanced != "" {
		class = int(r.enhanced[0] - '0')
	}
	if class == 5 {
		return Hard
	}
	return Soft
}

// statusFromText finds the reply code when the MTA did not pass one: at the
// very start ("550 5.1.1 ...") or after Postfix's "said: ".
func statusFromText(s string) int {
	if code := leadingStatus(s); code != 0 {
		return code
	}
	const said = "said: "
	for i := 0; i+len(said) <= len(s); i++ {
		if s[i:i+len(said)] == said {
			if code := leadingStatus(s[i+len(said):]); code != 0 {
				return code
			}
		}
	}
	return 0
}

// leadingStatus parses a 2xx-5xx reply code followed by a space, a dash
// (multi-line reply) or the end of s.
func leadingStatus(s string) int {
	if len(s) < 3 || s[0] < '2' || s[0] > '5' || !isDigit(s[1]) || !isDigit(s[2]) {
		return 0
	}
	if len(s) > 3 && s[3] != ' ' && s[3] != '-' {
		return 0
	}
	return int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
}

// EnhancedCode returns the first RFC 3463 enhanced status code in text
// ("5.7.1"), preferring one of the given reply class (4 or 5; 0 for any), or
// "" if there is none. Dotted numbers with a fourth part, such as IP
// addresses or Yahoo's "4.16.55.1", are not codes and are skipped. The result
// is a substring of text, so it costs no allocation.
func EnhancedCode(text string, class int) string {
	first := ""
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '2' && c != '4' && c != '5' {
			continue
		}
		if i > 0 && (isWordByte(text[i-1]) || text[i-1] == '.') {
			continue
		}
		n := codeLen(text[i:])
		if n == 0 {
			continue
		}
		if class == 0 || int(c-'0') == class {
			return text[i : i+n]
		}
		if first == "" {
			first = text[i : i+n]
		}
		i += n - 1
	}
	return first
}

// codeLen returns the length of the "C.SSS.DDD" code at the start of s, or 0.
func codeLen(s string) int {
	if len(s) < 5 || s[1] != '.' {
		return 0
	}
	n := 2
	for part := 0; part < 2; part++ {
		d := 0
		for n < len(s) && isDigit(s[n]) && d < 4 {
			n++
			d++
		}
		if d == 0 || d > 3 {
			return 0
		}
		if part == 0 {
			if n >= len(s) || s[n] != '.' {
				return 0
			}
			n++
		}
	}
	if n < len(s) && (isWordByte(s[n]) || s[n] == '.' && n+1 < len(s) && isDigit(s[n+1])) {
		return 0
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// appendLower appends s to dst with ASCII letters lower-cased; the rule
// substrings are lower-case ASCII, so this is all the folding they need.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
