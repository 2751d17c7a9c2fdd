-- Raw events. Times are Unix milliseconds. Absent strings are '' (never NULL)
-- so that scanning needs no NullString; absent optional numbers are NULL, as
-- is a status_code of 0 (the contract treats 0 as "not reported").
CREATE TABLE email_events (
    id               INTEGER PRIMARY KEY,
    time             INTEGER NOT NULL,
    event_type       TEXT    NOT NULL,
    direction        TEXT    NOT NULL DEFAULT '',
    message_id       TEXT    NOT NULL DEFAULT '',
    queue_id         TEXT    NOT NULL DEFAULT '',
    from_address     TEXT    NOT NULL DEFAULT '',
    from_user        TEXT    NOT NULL DEFAULT '',
    from_domain      TEXT    NOT NULL DEFAULT '',
    to_address       TEXT    NOT NULL DEFAULT '',
    to_domain        TEXT    NOT NULL DEFAULT '',
    mta_node         TEXT    NOT NULL DEFAULT '',
    sending_ip       TEXT    NOT NULL DEFAULT '',
    sending_ip_v6    TEXT    NOT NULL DEFAULT '',
    mx_host          TEXT    NOT NULL DEFAULT '',
    status_code      INTEGER,
    status_message   TEXT    NOT NULL DEFAULT '',
    delivery_time_ms INTEGER,
    queue_time_ms    INTEGER,
    total_time_ms    INTEGER,
    bounce_type      TEXT    NOT NULL DEFAULT '',
    bounce_category  TEXT    NOT NULL DEFAULT '',
    bounce_message   TEXT    NOT NULL DEFAULT '',
    message_size     INTEGER,
    dkim_result      TEXT    NOT NULL DEFAULT '',
    spf_result       TEXT    NOT NULL DEFAULT '',
    dmarc_result     TEXT    NOT NULL DEFAULT '',
    spam_score       REAL,
    spam_action      TEXT    NOT NULL DEFAULT ''
);

-- Search by time range, trace by message or queue id, search by recipient,
-- and per-domain search within a range. Nothing else: every index is paid for
-- on each insert of the hot path.
CREATE INDEX email_events_time ON email_events (time);
CREATE INDEX email_events_message_id ON email_events (message_id) WHERE message_id <> '';
CREATE INDEX email_events_queue_id ON email_events (queue_id) WHERE queue_id <> '';

-- Rollups. The key starts with (res, dim, bucket) because every query reads
-- one resolution of one dimension over a bucket range; value comes after the
-- bucket so a range scan serves both "all values" and "some values".
CREATE TABLE rollup_counts (
    res        INTEGER NOT NULL,
    dim        TEXT    NOT NULL,
    bucket     INTEGER NOT NULL,
    value      TEXT    NOT NULL,
    direction  TEXT    NOT NULL,
    event_type TEXT    NOT NULL,
    count      INTEGER NOT NULL DEFAULT 0,
    dt_sum     INTEGER NOT NULL DEFAULT 0,
    dt_count   INTEGER NOT NULL DEFAULT 0,
    size_sum   INTEGER NOT NULL DEFAULT 0,
    size_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (res, dim, bucket, value, direction, event_type)
) WITHOUT ROWID;

-- Histogram bins per rollup row. Unlike rollup_counts, metric and value come
-- before the bucket: a histogram query always names one metric and one value,
-- so its range scan never crosses other domains or nodes.
CREATE TABLE rollup_hist (
    res        INTEGER NOT NULL,
    dim        TEXT    NOT NULL,
    metric     TEXT    NOT NULL,
    bucket     INTEGER NOT NULL,
    value      TEXT    NOT NULL,
    direction  TEXT    NOT NULL,
    event_type TEXT    NOT NULL,
    bin        INTEGER NOT NULL,
    count      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (res, dim, metric, value, bucket, direction, event_type, bin)
) WITHOUT ROWID;

-- Queue messages already applied: the exactly-once bookkeeping of WriteBatch.
CREATE TABLE queue_applied (
    stream TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (stream, seq)
) WITHOUT ROWID;

-- API keys. Times are Unix milliseconds, NULL when unset.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    scopes       TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
