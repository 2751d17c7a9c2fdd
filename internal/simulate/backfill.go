package simulate

import (
	"sort"
	"time"
)

// backfillPlan spreads a fixed number of events over a past window so that
// their density follows Diurnal. Event i of n gets the time at which the
// cumulative volume reaches (i+jitter)/n of the window's total: times come out
// in order, whichever worker asks, and every stretch of the window gets its
// share.
type backfillPlan struct {
	start time.Time
	step  time.Duration
	cum   []float64 // cum[k]: volume in [start, start+k*step)
	n     int64
}

// maxPlanCells bounds the table; a year at one-minute cells is half a million.
const maxPlanCells = 600_000

func newBackfillPlan(end time.Time, window time.Duration, n int64) *backfillPlan {
	step := max(time.Minute, window/maxPlanCells)
	cells := int((window + step - 1) / step)
	p := &backfillPlan{start: end.Add(-window), step: step, cum: make([]float64, cells+1), n: n}
	for k := range cells {
		mid := p.start.Add(time.Duration(k)*step + step/2)
		width := min(step, window-time.Duration(k)*step)
		p.cum[k+1] = p.cum[k] + Diurnal(mid)*float64(width)
	}
	return p
}

// at returns the time of event i; jitter in [0, 1) places it within its slot.
func (p *backfillPlan) at(i int64, jitter float64) time.Time {
	target := (float64(i) + jitter) / float64(p.n) * p.cum[len(p.cum)-1]
	k := sort.SearchFloat64s(p.cum, target) // first cum[k] >= target
	if k == 0 {
		return p.start
	}
	k = min(k, len(p.cum)-1)
	lo, hi := p.cum[k-1], p.cum[k]
	frac := 0.0
	if hi > lo {
		frac = (target - lo) / (hi - lo)
	}
	cellStart := p.start.Add(time.Duration(k-1) * p.step)
	width := float64(p.step)
	if k == len(p.cum)-1 { // the last cell may be partial
		width = (hi - lo) / Diurnal(cellStart.Add(p.step/2))
	}
	return cellStart.Add(time.Duration(frac * width))
}
