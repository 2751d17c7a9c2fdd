package store

import (
	"context"
	"time"
)

// Retention says how long each kind of data is kept; zero keeps it forever.
// Raw events go first: queries over older ranges are answered from rollups,
// which is why the coarser rollups are kept longer.
type Retention struct {
	Events   time.Duration
	Rollup5m time.Duration
	Rollup1h time.Duration
	Rollup1d time.Duration
}

// Removed counts what one retention run deleted.
type Removed struct {
	Events        int64
	RollupRows    int64 // count rows and histogram bins, all resolutions
	QueueSamples  int64 // ZoneMTA queue-size samples, kept as long as the 5m rollups
	SourceMinutes int64 // per-minute source counts, kept SourceMinuteWindow whatever the policy
}

// Retainer enforces a retention policy.
type Retainer interface {
	Retain(ctx context.Context, now time.Time, r Retention) (Removed, error)
}

// Analyzer is a store whose query planner needs its statistics refreshed
// after a bulk load: PostgreSQL's autovacuum gets to new partitions only
// after a while and never analyzes a partitioned table itself, and until
// then a search by message id walks the time index (26 ms instead of 0.4
// at a million events, docs/benchmarks.md).
type Analyzer interface {
	Analyze(ctx context.Context) error
}
