package query

import (
	"context"
	"math"

	"github.com/tinomail/tinomail/internal/rollup"
	"github.com/tinomail/tinomail/internal/store"
)

// ErrorBound is the largest relative error of a percentile read from the
// rollup histograms: a value is reported by the geometric midpoint of its
// bin, which is within sqrt(rollup.Growth)-1 ≈ 4.88% of anything in the bin.
// It is shown rounded up, to 3 decimals.
var ErrorBound = math.Ceil((math.Sqrt(rollup.Growth)-1)*1000) / 1000

// MaxTrendHistBuckets is the most buckets a trend gets per-bucket
// percentiles for: beyond it a trend's percentiles are null rather than a
// request reading tens of thousands of histogram rows.
const MaxTrendHistBuckets = 400

// readConcurrency is how many reads of one request run at once: enough to
// use two or three cores, few enough to leave connections of a shared pool
// (pgxpool's default is four) to the writer and to other requests.
const readConcurrency = 3

// Share is one class of a distribution: how many values fell in it and
// their percentage of all values, to 2 decimals.
type Share struct {
	Label   string  `json:"label"`
	Count   int64   `json:"count"`
	Percent float64 `json:"percent"`
}

// inf is the upper bound of a distribution's last, open-ended class.
var inf = math.Inf(1)

// class is a labelled range of values below upper (exclusive), from the
// upper bound of the class before it.
type class struct {
	label string
	upper float64
}

// distribute sums histogram bins into classes.
//
// Histogram bins do not line up with class boundaries, so a bin that
// straddles one cannot be split: each bin goes wholly to the class that
// holds its geometric midpoint. The counts are therefore exact up to one
// bin's width (±4.9%) at each boundary: a value just under a boundary may be
// counted in the class above it, or one just over in the class below.
func distribute(bins []rollup.BinCount, classes []class) []Share {
	out := make([]Share, len(classes))
	var total int64
	for i, c := range classes {
		out[i].Label = c.label
	}
	for _, b := range bins {
		mid := rollup.BinMid(b.Bin)
		i := 0
		for i < len(classes)-1 && mid >= classes[i].upper {
			i++
		}
		out[i].Count += b.Count
		total += b.Count
	}
	for i := range out {
		out[i].Percent = percent(out[i].Count, total)
	}
	return out
}

// quantile returns the q-quantile of bins to 2 decimals, or nil when the
// histogram is empty, so that "no data" is null in JSON rather than 0.
func quantile(bins []rollup.BinCount, q float64) *float64 {
	var n int64
	for _, b := range bins {
		n += b.Count
	}
	if n == 0 {
		return nil
	}
	v := round(rollup.Quantile(bins, q), 2)
	return &v
}

// average returns sum/count to 2 decimals, or nil when count is 0.
func average(sum, count int64) *float64 {
	if count == 0 {
		return nil
	}
	v := round(float64(sum)/float64(count), 2)
	return &v
}

// bucketQuantiles returns the q-quantile of hq's histogram in every bucket
// of w, nil for buckets without values and for all of them when w has more
// than MaxTrendHistBuckets buckets. hq gives everything but the range and
// resolution, which are w's. One read returns the bins of every bucket.
func (s *Service) bucketQuantiles(ctx context.Context, hq store.HistQuery, w Window, q float64) ([]*float64, error) {
	out := make([]*float64, w.Len())
	if w.Len() > MaxTrendHistBuckets {
		return out, nil
	}
	hq.Res, hq.From, hq.To, hq.ByBucket = w.Step, w.From, w.To, true
	rows, err := s.histograms(ctx, hq)
	if err != nil {
		return nil, err
	}
	bins := make([][]rollup.BinCount, w.Len())
	for _, r := range rows {
		if i := w.index(r.Bucket); i >= 0 {
			bins[i] = append(bins[i], r.BinCount)
		}
	}
	for i := range out {
		out[i] = quantile(bins[i], q)
	}
	return out, nil
}
