package store

import "errors"

// ErrResources marks a write that failed for want of the database's own
// resources (a full disk, an I/O error, memory) rather than because of the
// data in it. The batch writer retries such a batch for as long as it takes,
// instead of isolating messages and dead-lettering them as poison: with the
// disk full every message fails alike, and none of them is to blame.
var ErrResources = errors.New("the database is out of resources")
