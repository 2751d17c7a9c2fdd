-- Queue sizes of ZoneMTA nodes, one row per node per poll that succeeded.
-- The key starts with time: the trend reads a time range of every node, and
-- retention deletes by time.
CREATE TABLE queue_samples (
    time     INTEGER NOT NULL, -- Unix milliseconds
    node     TEXT    NOT NULL,
    active   INTEGER NOT NULL,
    deferred INTEGER NOT NULL,
    PRIMARY KEY (time, node)
) WITHOUT ROWID;
