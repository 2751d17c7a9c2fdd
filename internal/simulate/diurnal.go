package simulate

import (
	"math"
	"time"
)

// Diurnal is the relative mail volume at t over a day, read on t's own clock
// (pass times in the fleet's time zone): about 0.3 in the small hours, about
// 1.6 early in the afternoon, and exactly 1 on average over a day, so that a
// rate multiplied by it keeps its daily total. Two harmonics make the night
// flatter and the day peak broader than a plain sine.
func Diurnal(t time.Time) float64 {
	h, m, s := t.Clock()
	hours := float64(h) + float64(m)/60 + float64(s)/3600 + float64(t.Nanosecond())/3.6e12
	theta := 2 * math.Pi * (hours - peakHour) / 24
	return 1 + 0.65*math.Cos(theta) - 0.05*math.Cos(2*theta)
}

// peakHour is when mail peaks: after lunch, when both campaigns and people
// are busiest.
const peakHour = 13.5
