package event

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldError says why one event was refused. Index is the event's position in
// the request; Field is the JSON name of the offending field, empty when the
// event as a whole is unusable.
type FieldError struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("event %d: %s", e.Index, e.Message)
	}
	return fmt.Sprintf("event %d: %s: %s", e.Index, e.Field, e.Message)
}

// Parse decodes one JSON event, validates it and normalizes it. now bounds
// how far in the future the event time may lie. On failure it returns every
// field error found, not just the first, with Index left zero for the caller.
func Parse(raw []byte, now time.Time) (Event, []FieldError) {
	e, errs, _ := parse(raw, now)
	return e, errs
}

// parse is Parse that also returns, for an invalid event, the mtaNode it
// named when that field itself was fine: ingest counts refusals per node.
func parse(raw []byte, now time.Time) (Event, []FieldError, string) {
	raw = trimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return Event{}, []FieldError{{Message: "event must be a JSON object"}}, ""
	}
	if !utf8.Valid(raw) {
		// encoding/json would quietly turn the bad bytes into U+FFFD: the
		// sender has an encoding bug worth hearing about.
		return Event{}, []FieldError{{Message: "invalid UTF-8: send text as UTF-8"}}, ""
	}
	var w wireEvent
	if err := json.Unmarshal(raw, &w); err != nil {
		return Event{}, []FieldError{{Message: "invalid JSON: " + jsonErrorText(err)}}, ""
	}
	if k := duplicateKey(raw); k != "" {
		return Event{}, []FieldError{{Field: k, Message: "appears more than once; send each field once"}}, ""
	}
	v := validator{now: now}
	e := v.build(&w)
	if len(v.errs) > 0 {
		return Event{}, v.errs, e.MTANode
	}
	Normalize(&e)
	return e, nil, ""
}

type validator struct {
	now  time.Time
	errs []FieldError
}

func (v *validator) fail(field, msg string) {
	v.errs = append(v.errs, FieldError{Field: field, Message: msg})
}

func (v *validator) build(w *wireEvent) Event {
	e := Event{
		Time:           v.time(w.Time),
		EventType:      Type(v.enum("eventType", w.EventType, true, typeNames)),
		Direction:      Direction(v.enum("direction", w.Direction, false, directionNames)),
		MessageID:      v.text("messageId", w.MessageID),
		QueueID:        v.text("queueId", w.QueueID),
		FromAddress:    v.text("fromAddress", w.FromAddress),
		FromUser:       v.text("fromUser", w.FromUser),
		FromDomain:     v.text("fromDomain", w.FromDomain),
		ToAddress:      v.text("toAddress", w.ToAddress),
		ToDomain:       v.text("toDomain", w.ToDomain),
		MTANode:        v.text("mtaNode", w.MTANode),
		MXHost:         v.text("mxHost", w.MXHost),
		StatusMessage:  v.text("statusMessage", w.StatusMessage),
		DeliveryTimeMs: v.nonNegative("deliveryTimeMs", w.DeliveryTimeMs),
		QueueTimeMs:    v.nonNegative("queueTimeMs", w.QueueTimeMs),
		TotalTimeMs:    v.nonNegative("totalTimeMs", w.TotalTimeMs),
		BounceType:     strings.ToLower(v.text("bounceType", w.BounceType)),
		BounceCategory: v.text("bounceCategory", w.BounceCategory),
		BounceMessage:  v.text("bounceMessage", w.BounceMessage),
		MessageSize:    v.nonNegative("messageSize", w.MessageSize),
		DKIMResult:     v.enum("dkimResult", w.DKIMResult, false, dkimNames),
		SPFResult:      v.enum("spfResult", w.SPFResult, false, spfNames),
		DMARCResult:    v.enum("dmarcResult", w.DMARCResult, false, dmarcNames),
		SpamAction:     v.enum("spamAction", w.SpamAction, false, spamActionNames),
	}
	e.SendingIP, e.SendingIPv6 = v.ips(w.SendingIP, w.SendingIPv6)
	if w.StatusCode.set {
		switch {
		case w.StatusCode.bad != "":
			v.fail("statusCode", w.StatusCode.bad)
		case w.StatusCode.v < 0 || w.StatusCode.v > 999:
			v.fail("statusCode", "must be between 0 and 999")
		default:
			e.StatusCode = int(w.StatusCode.v)
		}
	}
	if w.SpamScore.set {
		if w.SpamScore.bad != "" {
			v.fail("spamScore", w.SpamScore.bad)
		} else {
			s := w.SpamScore.v
			e.SpamScore = &s
		}
	}
	return e
}

// Valid values of the enumerated fields, matched case-insensitively.
var (
	typeNames       = []string{"received", "delivered", "bounced", "deferred", "rejected", "sent"}
	directionNames  = []string{"inbound", "outbound"}
	dkimNames       = []string{"pass", "fail", "none", "policy"}
	spfNames        = []string{"pass", "fail", "softfail", "neutral", "none"}
	dmarcNames      = []string{"pass", "fail", "none"}
	spamActionNames = []string{"accept", "reject", "greylist", "soft_reject"}
)

func (v *validator) enum(field string, f flexString, required bool, allowed []string) string {
	if !f.set || (f.bad == "" && strings.TrimSpace(f.v) == "") {
		if required {
			v.fail(field, "is required")
		}
		return ""
	}
	if f.bad != "" {
		v.fail(field, f.bad)
		return ""
	}
	s := strings.ToLower(strings.TrimSpace(f.v))
	for _, a := range allowed {
		if s == a {
			return a
		}
	}
	v.fail(field, "must be one of "+strings.Join(allowed, ", "))
	return ""
}

func (v *validator) text(field string, f flexString) string {
	if f.bad != "" {
		v.fail(field, f.bad)
		return ""
	}
	return Truncate(strings.TrimSpace(f.v))
}

func (v *validator) nonNegative(field string, f flexInt) *int64 {
	switch {
	case !f.set:
		return nil
	case f.bad != "":
		v.fail(field, f.bad)
		return nil
	case f.v < 0:
		v.fail(field, "must not be negative")
		return nil
	}
	n := f.v
	return &n
}

func (v *validator) time(f flexString) time.Time {
	if !f.set || f.v == "" {
		if f.bad != "" {
			v.fail("time", f.bad)
		} else {
			v.fail("time", "is required")
		}
		return time.Time{}
	}
	t, ok := ParseTime(f.v)
	if !ok {
		v.fail("time", "must be an RFC 3339 timestamp (e.g. 2026-11-26T10:00:00Z) or Unix milliseconds")
		return time.Time{}
	}
	if t.After(v.now.Add(MaxFutureSkew)) {
		v.fail("time", "is more than 24h in the future")
		return time.Time{}
	}
	if t.Year() < 2000 {
		v.fail("time", "is before the year 2000")
		return time.Time{}
	}
	return t.UTC()
}

// ParseTime accepts RFC 3339 (with or without fractional seconds, with a
// space instead of the T) and Unix time in milliseconds, or in seconds when
// the number is too small to be milliseconds of this century.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s != "" && isNumberStart(s[0]) && !strings.ContainsAny(s, "-:T ") {
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		if n < 1e11 {
			n *= 1000
		}
		return time.UnixMilli(int64(n)), true
	}
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// ips validates the sending addresses. An IPv6 address reported in sendingIp
// (ZoneMTA reports whichever local address it used) is moved to sendingIpV6
// rather than rejected, so the event is not lost.
func (v *validator) ips(v4, v6 flexString) (string, string) {
	var out4, out6 string
	if s := v.text("sendingIp", v4); s != "" {
		a, err := netip.ParseAddr(s)
		switch {
		case err != nil:
			v.fail("sendingIp", "must be an IP address")
		case a.Is4() || a.Is4In6():
			out4 = a.Unmap().String()
		default:
			out6 = a.String()
		}
	}
	if s := v.text("sendingIpV6", v6); s != "" {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() || a.Is4In6() {
			v.fail("sendingIpV6", "must be an IPv6 address")
		} else {
			out6 = a.String()
		}
	}
	return out4, out6
}

func trimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isSpace(b[i]) {
		i++
	}
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// jsonErrorText shortens encoding/json's messages, which name Go types.
func jsonErrorText(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%s at offset %d", se.Error(), se.Offset)
	}
	return err.Error()
}
