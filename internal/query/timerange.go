package query

import (
	"net/url"
	"strings"
	"time"
)

// Limits on what one request may ask for.
const (
	MaxSpan    = 400 * 24 * time.Hour // longest from/to span
	MaxBuckets = 2000                 // most buckets a series may have
)

// DefaultRange is the range when neither range nor from is given.
const DefaultRange = "24h"

// ranges are the accepted values of "range", in the order the message lists them.
var ranges = []struct {
	name string
	d    time.Duration
}{
	{"1h", time.Hour},
	{"6h", 6 * time.Hour},
	{"24h", 24 * time.Hour},
	{"7d", 7 * 24 * time.Hour},
	{"30d", 30 * 24 * time.Hour},
}

// steps are the accepted values of "step": the rollup resolutions.
var steps = []struct {
	name string
	d    time.Duration
}{
	{"5m", 5 * time.Minute},
	{"1h", time.Hour},
	{"1d", 24 * time.Hour},
}

// Window is the time range of a query and the resolution it is read at.
//
// From and To are aligned to Step: the requested from is rounded down and the
// requested to rounded up to bucket boundaries (UTC, as the rollups are), so
// every bucket in the answer is whole and the answer may cover up to one
// bucket more on each side than was asked. To is exclusive.
type Window struct {
	From, To time.Time
	Step     time.Duration
}

// StepName returns the step as the API spells it: 5m, 1h or 1d.
func (w Window) StepName() string {
	for _, s := range steps {
		if s.d == w.Step {
			return s.name
		}
	}
	return w.Step.String()
}

// Len returns the number of buckets in the window.
func (w Window) Len() int {
	return int(w.To.Sub(w.From) / w.Step)
}

// Buckets returns the start of every bucket, in order.
func (w Window) Buckets() []time.Time {
	b := make([]time.Time, w.Len())
	for i := range b {
		b[i] = w.From.Add(time.Duration(i) * w.Step)
	}
	return b
}

// index returns the position of the bucket starting at t, or -1 when t is
// not a bucket of the window.
func (w Window) index(t time.Time) int {
	d := t.Sub(w.From)
	if d < 0 || d%w.Step != 0 || t.Compare(w.To) >= 0 {
		return -1
	}
	return int(d / w.Step)
}

// ParseWindow reads range, from, to and step.
//
// range=1h|6h|24h|7d|30d means the last such span before to (default now);
// from/to are RFC 3339 times, to defaulting to now. range and from exclude
// each other; with neither, range is DefaultRange. The step is 5m for spans
// up to 12h, 1h up to 7d and 1d beyond, unless step=5m|1h|1d is given.
func ParseWindow(v url.Values, now time.Time) (Window, error) {
	from, to, err := parseSpan(v, now)
	if err != nil {
		return Window{}, err
	}
	stepName, err := single(v, "step")
	if err != nil {
		return Window{}, err
	}
	step := autoStep(to.Sub(from))
	if stepName != "" {
		if step, err = parseStep(stepName); err != nil {
			return Window{}, err
		}
	}
	w := Window{From: floor(from, step), To: ceil(to, step), Step: step}
	if n := w.Len(); n > MaxBuckets {
		return Window{}, paramErr("step", "%s over this range gives %d buckets, more than %d; choose a coarser step or a shorter range",
			w.StepName(), n, MaxBuckets)
	}
	return w, nil
}

// parseSpan returns the requested [from, to), before alignment.
func parseSpan(v url.Values, now time.Time) (from, to time.Time, err error) {
	rangeName, err := single(v, "range")
	if err != nil {
		return from, to, err
	}
	fromText, err := single(v, "from")
	if err != nil {
		return from, to, err
	}
	toText, err := single(v, "to")
	if err != nil {
		return from, to, err
	}
	if rangeName != "" && fromText != "" {
		return from, to, paramErr("range", "cannot be combined with \"from\"; give either range or from/to")
	}
	to = now
	if toText != "" {
		if to, err = parseTime("to", toText); err != nil {
			return from, to, err
		}
	}
	if fromText == "" {
		if rangeName == "" {
			rangeName = DefaultRange
		}
		d, err := parseRange(rangeName)
		return to.Add(-d), to, err
	}
	if from, err = parseTime("from", fromText); err != nil {
		return from, to, err
	}
	if !from.Before(to) {
		return from, to, paramErr("from", "must be before \"to\" (%s)", to.UTC().Format(time.RFC3339))
	}
	if to.Sub(from) > MaxSpan {
		return from, to, paramErr("from", "from/to may span at most %d days", MaxSpan/(24*time.Hour))
	}
	return from, to, nil
}

func parseRange(s string) (time.Duration, error) {
	names := make([]string, len(ranges))
	for i, r := range ranges {
		if r.name == s {
			return r.d, nil
		}
		names[i] = r.name
	}
	return 0, paramErr("range", "must be one of %s", strings.Join(names, ", "))
}

func parseStep(s string) (time.Duration, error) {
	names := make([]string, len(steps))
	for i, st := range steps {
		if st.name == s {
			return st.d, nil
		}
		names[i] = st.name
	}
	return 0, paramErr("step", "must be one of %s", strings.Join(names, ", "))
}

// parseTime reads an RFC 3339 time. An unescaped "+" in a URL decodes as a
// space, so "2024-05-01T10:00:00 02:00" is read as the +02:00 it meant.
func parseTime(param, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil && strings.Contains(s, " ") {
		t, err = time.Parse(time.RFC3339, strings.Replace(s, " ", "+", 1))
	}
	if err != nil {
		return time.Time{}, paramErr(param, "must be an RFC 3339 time such as 2024-05-01T00:00:00Z, not %q", s)
	}
	// Bounded so that a window, once widened to whole buckets, still has
	// years JSON can encode (0 to 9999) and Unix seconds that do not overflow.
	if t.Before(minTime) || !t.Before(maxTime) {
		return time.Time{}, paramErr(param, "must be between 1970-01-01 and 9999-01-01, not %q", s)
	}
	return t.UTC(), nil
}

var (
	minTime = time.Unix(0, 0)
	maxTime = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
)

func autoStep(span time.Duration) time.Duration {
	switch {
	case span <= 12*time.Hour:
		return 5 * time.Minute
	case span <= 7*24*time.Hour:
		return time.Hour
	}
	return 24 * time.Hour
}

// floor rounds t down to a multiple of step since the Unix epoch, which is
// how the rollups place their buckets.
func floor(t time.Time, step time.Duration) time.Time {
	s := int64(step / time.Second)
	u := t.Unix()
	m := u % s
	if m < 0 {
		m += s
	}
	return time.Unix(u-m, 0).UTC()
}

// ceil rounds t up to a multiple of step; a boundary stays where it is.
func ceil(t time.Time, step time.Duration) time.Time {
	f := floor(t, step)
	if f.Equal(t) {
		return f
	}
	return f.Add(step)
}
