package simulate

import "math"

// The shapes of times, sizes and scores. Mail latencies and sizes are
// log-normal with a heavier tail mixed in: most deliveries take under a
// second, a few take minutes; most messages are tens of kilobytes, a few
// carry multi-megabyte attachments.

// lognormal draws an integer with the given median and log-space spread.
func (g *Generator) lognormal(median, sigma float64) int64 {
	return int64(g.lognormalF(median, sigma))
}

func (g *Generator) lognormalF(median, sigma float64) float64 {
	return median * math.Exp(sigma*g.rng.NormFloat64())
}

// deliveryTime is the remote SMTP transaction in milliseconds: median about
// 800 ms, and 3% slow servers (tarpits, big messages) out to minutes.
func (g *Generator) deliveryTime() int64 {
	if g.rng.Float64() < 0.03 {
		return min(g.lognormal(20_000, 1.0), 10*60_000)
	}
	return max(g.lognormal(800, 0.9), 20)
}

// queueTime is how long a message waited in our queue before this attempt.
// With probability retried it had been deferred before, and waited minutes
// to hours for the retry.
func (g *Generator) queueTime(retried float64) int64 {
	if g.rng.Float64() < retried {
		return min(g.lognormal(20*60_000, 1.0), 3*24*3600_000)
	}
	return g.lognormal(120, 1.0)
}

// messageSize is in bytes: median about 30 KB, 4% with attachments in the
// megabytes, capped at the 50 MB most MTAs refuse beyond.
func (g *Generator) messageSize() int64 {
	if g.rng.Float64() < 0.04 {
		return min(g.lognormal(1_500_000, 0.8), 50_000_000)
	}
	return max(g.lognormal(30_000, 1.0), 800)
}

// hamScore is an rspamd-style score for accepted mail: around zero, below
// the greylist threshold of 6.
func (g *Generator) hamScore() float64 {
	return round2(math.Max(-5, math.Min(5.9, 0.5+2*g.rng.NormFloat64())))
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
