package simulate

import (
	"strconv"
	"strings"
	"time"
)

const hexDigits = "0123456789abcdef"

// messageID looks like what mailing software generates. It carries the
// generator's sequence number and stream so that ids never repeat within a
// run, whatever the random draws.
func (g *Generator) messageID(t time.Time, domain string) string {
	b := make([]byte, 0, 48+len(domain))
	b = append(b, '<')
	b = strconv.AppendInt(b, t.UnixMilli(), 36)
	b = append(b, '.')
	b = appendHex(b, g.rng.Uint64(), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, g.seq, 36)
	b = append(b, '.')
	b = strconv.AppendUint(b, g.stream, 36)
	b = append(b, '@')
	b = append(b, domain...)
	b = append(b, '>')
	return string(b)
}

// queueID mimics ZoneMTA: the millisecond clock in hex, a sequence and a
// random tail, 18 hex digits in all ("18d3f0a1b2c000abcd").
func (g *Generator) queueID(t time.Time) string {
	b := make([]byte, 0, 18)
	b = appendHex(b, uint64(t.UnixMilli()), 11)
	b = appendHex(b, g.seq&0xfff, 3)
	b = appendHex(b, g.rng.Uint64(), 4)
	return string(b)
}

// harakaID mimics Haraka's transaction ids, an upper-case UUID and the
// transaction number.
func (g *Generator) harakaID() string {
	b := make([]byte, 0, 38)
	b = appendHex(b, g.rng.Uint64(), 8)
	b = append(b, '-')
	b = appendHex(b, g.rng.Uint64(), 4)
	b = append(b, '-', '4')
	b = appendHex(b, g.rng.Uint64(), 3)
	b = append(b, '-')
	b = appendHex(b, g.rng.Uint64(), 4)
	b = append(b, '-')
	b = appendHex(b, g.rng.Uint64(), 12)
	b = append(b, '.', '1')
	return strings.ToUpper(string(b))
}

// appendHex appends the low n hex digits of v, zero-padded.
func appendHex(b []byte, v uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, hexDigits[(v>>(4*uint(i)))&0xf])
	}
	return b
}

// person is a mailbox local part in one of the forms people really use.
func (g *Generator) person() string {
	first := firstNames[g.rng.IntN(len(firstNames))]
	last := lastNames[g.rng.IntN(len(lastNames))]
	switch u := g.rng.IntN(10); {
	case u < 4:
		return first + "." + last
	case u < 5:
		return first + last
	case u < 7:
		return first[:1] + "." + last
	case u < 8:
		return first + "_" + last
	case u < 9:
		return first + "." + last + strconv.Itoa(10+g.rng.IntN(90))
	default:
		return first + strconv.Itoa(1950+g.rng.IntN(60))
	}
}

// expansion holds the values a reply's placeholders stand for.
type expansion struct {
	ip, rcpt, domain, from string
	ts                     int64
}

// expand fills a reply template. It is a hand-written scan rather than a
// strings.Replacer because it runs for every event and most templates have
// no or one placeholder.
func (g *Generator) expand(tpl string, x *expansion) string {
	if strings.IndexByte(tpl, '{') < 0 {
		return tpl
	}
	b := make([]byte, 0, len(tpl)+48)
	for {
		i := strings.IndexByte(tpl, '{')
		j := strings.IndexByte(tpl[max(i, 0):], '}')
		if i < 0 || j < 0 {
			return string(append(b, tpl...))
		}
		b = append(b, tpl[:i]...)
		switch tpl[i+1 : i+j] {
		case "ip":
			b = append(b, x.ip...)
		case "rcpt":
			b = append(b, x.rcpt...)
		case "domain":
			b = append(b, x.domain...)
		case "from":
			b = append(b, x.from...)
		case "ts":
			b = strconv.AppendInt(b, x.ts, 10)
		case "rid":
			b = g.appendRequestID(b)
		default:
			b = append(b, tpl[i:i+j+1]...)
		}
		tpl = tpl[i+j+1:]
	}
}

const ridAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// appendRequestID appends a provider-style opaque id (Gmail's
// "a640c23a62f3a-a9a0f1a5b1csi123456", shortened to its spirit).
func (g *Generator) appendRequestID(b []byte) []byte {
	// Eight characters per draw use 48 of its 64 bits, so none is biased.
	for range 2 {
		v := g.rng.Uint64()
		for range 8 {
			b = append(b, ridAlphabet[v%uint64(len(ridAlphabet))])
			v /= uint64(len(ridAlphabet))
		}
	}
	return b
}
