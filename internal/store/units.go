package store

import (
	"fmt"
	"slices"
	"time"

	"github.com/tinomail/tinomail/internal/rollup"
)

// ResSeconds validates a rollup resolution: asking for one that is not kept
// is a caller bug that would otherwise look like an empty range.
func ResSeconds(d time.Duration) (int64, error) {
	if !slices.Contains(rollup.Resolutions, d) {
		return 0, fmt.Errorf("resolution %s is not kept", d)
	}
	return int64(d / time.Second), nil
}

// CeilUnix returns t in units of unit since the epoch, rounded up. Stored
// times are whole units, and for a whole x, x >= t ⇔ x >= ceil(t) (likewise
// for <), so rounding both range ends up keeps [from, to) exact.
func CeilUnix(t time.Time, unit time.Duration) int64 {
	// From Unix and Nanosecond rather than UnixNano, which overflows outside
	// 1678-2262 and so would break an open-ended range starting at time.Time{}.
	per := int64(time.Second / unit)
	ns := int64(t.Nanosecond())
	q := t.Unix()*per + ns/int64(unit)
	if ns%int64(unit) > 0 {
		q++
	}
	return q
}
