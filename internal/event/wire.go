package event

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The wire types accept what real clients send (a number where a string is
// expected, "250" where a number is) and never fail the JSON decoder: a bad
// value is remembered and reported by Validate as a field error, so that one
// wrong field names itself instead of aborting the whole event.

type wireValue struct {
	set bool   // the key was present and not null
	bad string // why the value cannot be used, empty when it can
}

type flexString struct {
	wireValue
	v string
}

func (f *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, nullLiteral):
	case b[0] == '"':
		f.set = true
		// Most strings have no escapes: take them as they are instead of
		// running the JSON decoder again on each one.
		if inner := b[1 : len(b)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			f.v = string(inner)
		} else if err := json.Unmarshal(b, &f.v); err != nil {
			f.bad = "must be a string"
		}
	case isNumberStart(b[0]):
		f.set, f.v = true, string(b)
	default:
		f.set, f.bad = true, "must be a string"
	}
	return nil
}

type flexInt struct {
	wireValue
	v int64
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, nullLiteral) {
		return nil
	}
	f.set = true
	s := string(unquote(b))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Accept integral floats such as 1200.0 that JavaScript clients emit.
		x, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || x != float64(int64(x)) {
			f.bad = "must be an integer"
			return nil
		}
		n = int64(x)
	}
	f.v = n
	return nil
}

type flexFloat struct {
	wireValue
	v float64
}

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, nullLiteral) {
		return nil
	}
	f.set = true
	x, err := strconv.ParseFloat(string(unquote(b)), 64)
	if err != nil {
		f.bad = "must be a number"
		return nil
	}
	f.v = x
	return nil
}

var nullLiteral = []byte("null")

func isNumberStart(c byte) bool { return c == '-' || (c >= '0' && c <= '9') }

// unquote strips the quotes of a JSON string holding a number ("250" → 250).
func unquote(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// wireEvent mirrors the JSON schema of the ingest contract.
type wireEvent struct {
	Time           flexString `json:"time"`
	EventType      flexString `json:"eventType"`
	Direction      flexString `json:"direction"`
	MessageID      flexString `json:"messageId"`
	QueueID        flexString `json:"queueId"`
	FromAddress    flexString `json:"fromAddress"`
	FromUser       flexString `json:"fromUser"`
	FromDomain     flexString `json:"fromDomain"`
	ToAddress      flexString `json:"toAddress"`
	ToDomain       flexString `json:"toDomain"`
	MTANode        flexString `json:"mtaNode"`
	SendingIP      flexString `json:"sendingIp"`
	SendingIPv6    flexString `json:"sendingIpV6"`
	MXHost         flexString `json:"mxHost"`
	StatusCode     flexInt    `json:"statusCode"`
	StatusMessage  flexString `json:"statusMessage"`
	DeliveryTimeMs flexInt    `json:"deliveryTimeMs"`
	QueueTimeMs    flexInt    `json:"queueTimeMs"`
	TotalTimeMs    flexInt    `json:"totalTimeMs"`
	BounceType     flexString `json:"bounceType"`
	BounceCategory flexString `json:"bounceCategory"`
	BounceMessage  flexString `json:"bounceMessage"`
	MessageSize    flexInt    `json:"messageSize"`
	DKIMResult     flexString `json:"dkimResult"`
	SPFResult      flexString `json:"spfResult"`
	DMARCResult    flexString `json:"dmarcResult"`
	SpamScore      flexFloat  `json:"spamScore"`
	SpamAction     flexString `json:"spamAction"`
}
