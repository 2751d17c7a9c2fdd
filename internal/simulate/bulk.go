package simulate

import "time"

// BackfillTimes returns the time of event i of n spread over [end-window,
// end) the way a backfill run spreads them (following Diurnal, in order);
// jitter in [0, 1) places the event within its slot. Bulk loaders that write
// to a store directly use it to lay out the same history a backfill sends.
func BackfillTimes(end time.Time, window time.Duration, n int64) func(i int64, jitter float64) time.Time {
	return newBackfillPlan(end, window, n).at
}
