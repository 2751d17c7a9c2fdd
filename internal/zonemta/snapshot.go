package zonemta

import (
	"strings"
	"time"
)

// AgeBuckets are the upper bounds of the age distribution's buckets; the
// last bucket has none.
var AgeBuckets = []struct {
	Label string
	Below time.Duration // 0: no bound
}{
	{"<5m", 5 * time.Minute},
	{"5m-30m", 30 * time.Minute},
	{"30m-2h", 2 * time.Hour},
	{"2h-12h", 12 * time.Hour},
	{"12h-24h", 24 * time.Hour},
	{">24h", 0},
}

// Ages counts deliveries per bucket of AgeBuckets.
type Ages [6]int64

// ageBucket returns the index in AgeBuckets of a delivery of that age.
// A creation time in the future (clock skew) counts as age zero.
func ageBucket(age time.Duration) int {
	for i, b := range AgeBuckets {
		if b.Below == 0 || age < b.Below {
			return i
		}
	}
	return len(AgeBuckets) - 1
}

// ZoneCount is the queue of one sending zone of a node.
type ZoneCount struct {
	Name     string `json:"name"`
	Active   int64  `json:"active"`
	Deferred int64  `json:"deferred"`
}

// Snapshot is what one successful poll of a node found.
type Snapshot struct {
	Time     time.Time // when the poll started
	Zones    []ZoneCount
	Active   int64
	Deferred int64
	// Ages counts the listed deliveries by age at Time. Sample is how many
	// were listed: every delivery when Sample equals Active+Deferred,
	// otherwise the oldest ones of each zone and type.
	Ages   Ages
	Sample int64
	Oldest *Oldest // nil when the queue is empty
}

// Oldest is the longest-queued delivery of a node.
type Oldest struct {
	ID              string
	Seq             string
	Zone            string
	RecipientDomain string
	Created         time.Time
	Type            string // TypeQueued or TypeDeferred
	// From GET /message/<id>; empty when the message left the queue
	// between listing and lookup, or was never deferred.
	LastResponse string
	Attempts     int64     // failed attempts so far
	NextAttempt  time.Time // zero unless deferred
}

// domainOf returns the domain of an address, lower-cased; the whole
// address when it has no '@'. The local part is not shown: only the domain
// tells an operator where mail is stuck.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		addr = addr[i+1:]
	}
	return strings.ToLower(strings.Trim(addr, "[]"))
}
