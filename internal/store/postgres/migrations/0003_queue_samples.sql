-- Queue sizes of ZoneMTA nodes, one row per node per poll that succeeded.
-- The key starts with time: the trend reads a time range of every node, and
-- retention deletes by time.
CREATE TABLE queue_samples (
    time     bigint NOT NULL, -- Unix milliseconds
    node     text   NOT NULL,
    active   bigint NOT NULL,
    deferred bigint NOT NULL,
    PRIMARY KEY (time, node)
);
