// Package diskguard keeps the data dir from filling up. Running out of disk
// is the one fault from which the queue does not recover by itself (an
// embedded JetStream server disables itself on a failed write), so ingest
// stops taking new events while free space is below a floor, and the
// writer, which only moves events already taken, uses the rest.
package diskguard

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tinomail/tinomail/internal/config"
)

// ErrLow is returned by Check while free space is below the floor.
var ErrLow = errors.New("too little free disk space")

// recheck is how long one reading of the free space is trusted: a statfs per
// request would cost more than the request.
const recheck = time.Second

// Guard reports whether a directory's file system has room left.
type Guard struct {
	dir string
	min uint64
	log *slog.Logger

	mu     sync.Mutex
	at     time.Time
	result error
}

// New returns a guard of dir's file system that wants min bytes free; with
// min 0 it never objects. It logs when space runs short and when it is back.
func New(dir string, min uint64, log *slog.Logger) *Guard {
	if log == nil {
		log = slog.Default()
	}
	return &Guard{dir: dir, min: min, log: log}
}

// Check returns nil while at least the floor is free, else an error that
// wraps ErrLow and gives the figures.
func (g *Guard) Check() error {
	if g == nil || g.min == 0 {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if now := time.Now(); now.Sub(g.at) >= recheck {
		was := g.result
		g.at, g.result = now, g.check()
		switch {
		case g.result != nil && was == nil:
			g.log.Error("disk: ingest paused", "err", g.result)
		case g.result == nil && was != nil:
			g.log.Info("disk: space is back, ingest resumed", "dir", g.dir)
		}
	}
	return g.result
}

func (g *Guard) check() error {
	free, err := freeBytes(g.dir)
	if err != nil {
		// Unknown is not low: a guard that cannot read must not stop ingest.
		return nil
	}
	if free < g.min {
		return fmt.Errorf("%w: %s free in %s, below the %s kept free (--min-free-disk)",
			ErrLow, config.FormatBytes(int64(free)), g.dir, config.FormatBytes(int64(g.min)))
	}
	return nil
}
