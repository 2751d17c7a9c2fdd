// Package event defines the email event every MTA integration sends, and the
// rules that turn untrusted JSON into a valid, normalized Event.
package event

import "time"

// Type is what happened to a message at one MTA.
type Type string

// The event types of the ingest contract.
const (
	Received  Type = "received"
	Delivered Type = "delivered"
	Bounced   Type = "bounced"
	Deferred  Type = "deferred"
	Rejected  Type = "rejected"
	Sent      Type = "sent"
)

// Types lists every event type in a stable order (the order dashboards show).
var Types = []Type{Sent, Delivered, Deferred, Bounced, Rejected, Received}

// Valid reports whether t is one of the contract's event types.
func (t Type) Valid() bool {
	switch t {
	case Received, Delivered, Bounced, Deferred, Rejected, Sent:
		return true
	}
	return false
}

// Urgent reports whether events of this type must overtake others when a
// backlog builds up, so that failure counters never lag behind.
func (t Type) Urgent() bool {
	return t == Bounced || t == Rejected || t == Deferred
}

// Direction tells outbound mail (our MTAs sending out) from inbound mail
// (our MTAs receiving).
type Direction string

// The two directions.
const (
	Outbound Direction = "outbound"
	Inbound  Direction = "inbound"
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == Outbound || d == Inbound }

// Event is one normalized email event, as queued and stored. Optional numbers
// are pointers because zero is a real value (a 0 ms delivery, a 0 spam score)
// and must not be confused with "not reported".
type Event struct {
	Time           time.Time `json:"time"`
	EventType      Type      `json:"eventType"`
	Direction      Direction `json:"direction"`
	MessageID      string    `json:"messageId,omitempty"`
	QueueID        string    `json:"queueId,omitempty"`
	FromAddress    string    `json:"fromAddress,omitempty"`
	FromUser       string    `json:"fromUser,omitempty"`
	FromDomain     string    `json:"fromDomain,omitempty"`
	ToAddress      string    `json:"toAddress,omitempty"`
	ToDomain       string    `json:"toDomain,omitempty"`
	MTANode        string    `json:"mtaNode,omitempty"`
	SendingIP      string    `json:"sendingIp,omitempty"`
	SendingIPv6    string    `json:"sendingIpV6,omitempty"`
	MXHost         string    `json:"mxHost,omitempty"`
	StatusCode     int       `json:"statusCode,omitempty"`
	StatusMessage  string    `json:"statusMessage,omitempty"`
	DeliveryTimeMs *int64    `json:"deliveryTimeMs,omitempty"`
	QueueTimeMs    *int64    `json:"queueTimeMs,omitempty"`
	TotalTimeMs    *int64    `json:"totalTimeMs,omitempty"`
	BounceType     string    `json:"bounceType,omitempty"`
	BounceCategory string    `json:"bounceCategory,omitempty"`
	BounceMessage  string    `json:"bounceMessage,omitempty"`
	MessageSize    *int64    `json:"messageSize,omitempty"`
	DKIMResult     string    `json:"dkimResult,omitempty"`
	SPFResult      string    `json:"spfResult,omitempty"`
	DMARCResult    string    `json:"dmarcResult,omitempty"`
	SpamScore      *float64  `json:"spamScore,omitempty"`
	SpamAction     string    `json:"spamAction,omitempty"`
}

// MaxTextLen is the length, in characters, past which text fields are
// truncated rather than rejected: a long SMTP response must not cost an event.
const MaxTextLen = 500

// MaxFutureSkew bounds how far in the future an event time may be; anything
// later is a clock or unit error on the client and would poison rollups.
const MaxFutureSkew = 24 * time.Hour
