package store

import (
	"context"
	"time"
)

// QueueSample is the size of one ZoneMTA node's outbound queue at one time,
// as the queue poller saw it.
type QueueSample struct {
	Node     string
	Time     time.Time // kept to the millisecond
	Active   int64     // deliveries due now
	Deferred int64     // deliveries waiting for a later attempt
}

// QueueTrendQuery selects samples in [From, To), grouped into buckets of
// Step (aligned to the Unix epoch, like the rollups), for one node or, when
// Node is empty, every node.
type QueueTrendQuery struct {
	From, To time.Time
	Step     time.Duration
	Node     string
}

// QueueTrendPoint sums the samples of one node in one bucket. Sums and
// counts rather than averages, so callers can combine buckets and nodes
// exactly.
type QueueTrendPoint struct {
	Bucket      time.Time
	Node        string
	Samples     int64
	ActiveSum   int64
	DeferredSum int64
	ActiveMax   int64
	DeferredMax int64
}

// QueueStore keeps the queue poller's samples, for the trend of the Queue
// view. Old samples go with the 5-minute rollups' retention.
type QueueStore interface {
	// AddQueueSamples stores samples; one already stored for the same node
	// and millisecond is kept as it was.
	AddQueueSamples(ctx context.Context, samples []QueueSample) error
	// QueueTrend returns one point per node and bucket that has samples,
	// ordered by bucket, then node.
	QueueTrend(ctx context.Context, q QueueTrendQuery) ([]QueueTrendPoint, error)
}
