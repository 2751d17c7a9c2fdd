package query

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/tinomail/tinomail/internal/event"
	"github.com/tinomail/tinomail/internal/rollup"
)

// single returns the value of a parameter that may be given at most once.
// A repeated parameter is refused rather than resolved silently, since the
// caller's intent is ambiguous.
func single(v url.Values, name string) (string, error) {
	vals := v[name]
	if len(vals) > 1 {
		return "", paramErr(name, "given %d times; give it at most once", len(vals))
	}
	if len(vals) == 0 {
		return "", nil
	}
	return strings.TrimSpace(vals[0]), nil
}

// parseDirection reads direction=inbound|outbound; empty means both.
func parseDirection(v url.Values) (event.Direction, error) {
	s, err := single(v, "direction")
	if err != nil || s == "" {
		return "", err
	}
	d := event.Direction(s)
	if !d.Valid() {
		return "", paramErr("direction", "must be inbound or outbound, not %q", s)
	}
	return d, nil
}

// parseEventTypes reads eventType as a comma-separated list, also accepted
// repeated (eventType=a&eventType=b). It returns the types in event.Types
// order, without duplicates; none means every type.
func parseEventTypes(v url.Values) ([]event.Type, error) {
	want := make(map[event.Type]bool)
	for _, raw := range v["eventType"] {
		for _, s := range strings.Split(raw, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			t := event.Type(s)
			if !t.Valid() {
				return nil, paramErr("eventType", "unknown event type %q; must be a comma-separated list of %s", s, typeList())
			}
			want[t] = true
		}
	}
	var types []event.Type
	for _, t := range event.Types {
		if want[t] {
			types = append(types, t)
		}
	}
	return types, nil
}

func typeList() string {
	names := make([]string, len(event.Types))
	for i, t := range event.Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// byEventType is the grouping that is not a rollup dimension: rows of the
// total dimension, split by their event type.
const byEventType = "event_type"

// grouping is an accepted value of a "by" parameter and the rollup
// dimension it reads.
type grouping struct {
	name string
	dim  string
}

// throughputGroupings are the accepted values of throughput's "by", first the
// default. node and domain are the dashboard's short names.
var throughputGroupings = []grouping{
	{byEventType, rollup.DimTotal},
	{"node", rollup.DimMTANode},
	{"domain", rollup.DimToDomain},
	{"from_domain", rollup.DimFromDomain},
	{"to_domain", rollup.DimToDomain},
	{"sending_ip", rollup.DimSendingIP},
	{"provider", rollup.DimProvider},
}

// statsGroupings are the accepted values of stats' "by"; absent means a
// single row over everything.
var statsGroupings = []grouping{
	{"from_domain", rollup.DimFromDomain},
	{"to_domain", rollup.DimToDomain},
	{"mta_node", rollup.DimMTANode},
	{"sending_ip", rollup.DimSendingIP},
	{byEventType, rollup.DimTotal},
	{"provider", rollup.DimProvider},
}

// parseBy reads "by" among the accepted groupings. When it is absent the
// zero grouping is returned.
func parseBy(v url.Values, accepted []grouping) (grouping, error) {
	s, err := single(v, "by")
	if err != nil || s == "" {
		return grouping{}, err
	}
	names := make([]string, len(accepted))
	for i, g := range accepted {
		if g.name == s {
			return g, nil
		}
		names[i] = g.name
	}
	return grouping{}, paramErr("by", "must be one of %s, not %q", strings.Join(names, ", "), s)
}

// parseLimit reads an integer limit in [1, max], def when absent.
func parseLimit(v url.Values, def, max int) (int, error) {
	return parseInt(v, "limit", def, 1, max)
}

// parseInt reads the integer parameter name in [lo, hi], def when absent.
func parseInt(v url.Values, name string, def, lo, hi int) (int, error) {
	s, err := single(v, name)
	if err != nil || s == "" {
		return def, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, paramErr(name, "must be an integer from %d to %d, not %q", lo, hi, s)
	}
	return n, nil
}
