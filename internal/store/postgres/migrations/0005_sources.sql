-- Sources of events for /api/v1/sources: the MTA nodes events name and the
-- API keys that sent them (kind 'node' or 'key'; a key by its id). Counts
-- are added by every server's writer in the transaction of the events, and
-- by ingest for the events it refused, so several servers sum up. Times are
-- Unix milliseconds, 0 for never.
CREATE TABLE sources (
    kind          text    NOT NULL,
    name          text    NOT NULL,
    events        bigint  NOT NULL,
    rejected      bigint  NOT NULL,
    last_seen     bigint  NOT NULL, -- when the newest stored event was received
    last_event    bigint  NOT NULL, -- the newest event time stored
    last_rejected bigint  NOT NULL,
    PRIMARY KEY (kind, name)
);

-- The same counts per minute of receipt, kept 25 hours: the rate window and
-- the last 24 hours.
CREATE TABLE source_minutes (
    kind     text    NOT NULL,
    name     text    NOT NULL,
    minute   bigint  NOT NULL, -- Unix milliseconds of the minute's start
    events   bigint  NOT NULL,
    rejected bigint  NOT NULL,
    PRIMARY KEY (kind, name, minute)
);
CREATE INDEX source_minutes_minute ON source_minutes (minute);
