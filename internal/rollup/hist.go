package rollup

import "math"

// Histograms use logarithmic bins of ratio Growth: bin 0 holds the value 0,
// bin k ≥ 1 holds [Growth^(k-1), Growth^k). Reporting a value by the geometric
// midpoint of its bin is off by at most sqrt(Growth)-1 ≈ 4.9% relative, the
// error bound of every percentile we serve. Bins are the same for every
// store and every resolution, so they add up exactly across rows.
const Growth = 1.1

var logGrowth = math.Log(Growth)

// Bin returns the histogram bin of a non-negative value.
func Bin(v int64) int {
	if v < 1 {
		return 0
	}
	return int(math.Floor(math.Log(float64(v))/logGrowth)) + 1
}

// BinLow returns the smallest value of bin k.
func BinLow(k int) float64 {
	if k <= 0 {
		return 0
	}
	return math.Pow(Growth, float64(k-1))
}

// BinMid returns the value that stands for bin k: the geometric midpoint.
func BinMid(k int) float64 {
	if k <= 0 {
		return 0
	}
	return math.Pow(Growth, float64(k)-0.5)
}

// BinCount is one bin of a histogram and how many values fell in it.
type BinCount struct {
	Bin   int
	Count int64
}

// Quantile returns the q-quantile (0 < q ≤ 1) of a histogram given as bins in
// ascending order, by the nearest-rank method on bin midpoints. It returns 0
// for an empty histogram.
func Quantile(bins []BinCount, q float64) float64 {
	var total int64
	for _, b := range bins {
		total += b.Count
	}
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(total)))
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for _, b := range bins {
		seen += b.Count
		if seen >= rank {
			return BinMid(b.Bin)
		}
	}
	return BinMid(bins[len(bins)-1].Bin)
}
