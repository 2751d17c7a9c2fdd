// Package classify sorts SMTP failure replies (bounces, deferrals and
// rejections) into a small, stable set of categories and a hard or soft type,
// so that dashboards can group failure reasons the same way for every MTA.
//
// The rules are data (rules.json, embedded) and are tried in order; the first
// that matches decides. Operators can put their own rules in front of the
// embedded ones with Load or LoadFile.
//
// Hard means retrying the same message to the same recipient will not succeed
// until someone changes something (the address, the content, the sender's
// DNS or reputation); soft means a later attempt may succeed as it is. That is
// why a 5xx daily sending quota is soft and a 4xx "will be permanently
// deferred" is hard: the type follows what the provider means, and the status
// class is only the default.
package classify

// The categories. The names are stable: they are stored as bounceCategory
// and grouped on in rollups, so a rename is a data migration.
const (
	InvalidRecipient = "invalid_recipient"
	MailboxFull      = "mailbox_full"
	RateLimited      = "rate_limited"
	Blocklisted      = "blocklisted"
	SpamContent      = "spam_content"
	AuthPolicy       = "auth_policy"
	DNSNoMX          = "dns_no_mx"
	Connection       = "connection"
	TLS              = "tls"
	MessageTooLarge  = "message_too_large"
	Greylisted       = "greylisted"
	Other            = "other"
)

// The types of a failure (bounceType).
const (
	Hard = "hard"
	Soft = "soft"
)

// FallbackRuleID is the RuleID of a Result no rule matched: the category is
// Other and the type follows the status class.
const FallbackRuleID = "fallback"

// Categories lists every category in a stable order.
func Categories() []string {
	return []string{InvalidRecipient, MailboxFull, RateLimited, Blocklisted, SpamContent,
		AuthPolicy, DNSNoMX, Connection, TLS, MessageTooLarge, Greylisted, Other}
}

// Input is one failure as an MTA reported it.
type Input struct {
	// StatusCode is the SMTP reply code (550, 421, ...); 0 when there was no
	// reply (connection or DNS failure) or it is unknown, in which case a
	// code at the start of Text or after "said:" is used.
	StatusCode int
	// Text is the full reply or the MTA's own error text. The RFC 3463
	// enhanced status code is taken from it.
	Text string
	// Domain is the recipient domain; optional, enables provider rules.
	Domain string
	// MXHost is the MX host the MTA talked to; optional, enables provider
	// rules for domains hosted at a provider (Google Workspace, Microsoft 365).
	MXHost string
}

// Result is the classification of one failure.
type Result struct {
	Category string
	Type     string // Hard or Soft
	RuleID   string // the rule that matched, or FallbackRuleID
}

// Classifier holds a compiled, ordered rule list. It is immutable and safe
// for concurrent use.
type Classifier struct {
	rules []rule
}

// Classify returns the category and type of one failure. It allocates
// nothing for replies up to lowerBufSize bytes, since it runs at ingest for
// every failure event.
func (c *Classifier) Classify(in Input) Result {
	// The lower-cased text is kept apart from reply: escape analysis treats
	// a struct as one, and the regexps retain r.in.Text, which would move
	// the buffer to the heap.
	var buf [lowerBufSize]byte
	lower := appendLower(buf[:0], in.Text)
	r := newReply(in)
	for i := range c.rules {
		ru := &c.rules[i]
		if ru.matches(&r, lower) {
			return Result{Category: ru.category, Type: ru.resolveType(&r), RuleID: ru.id}
		}
	}
	return Result{Category: Other, Type: r.classType(), RuleID: FallbackRuleID}
}
