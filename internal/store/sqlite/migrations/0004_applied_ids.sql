-- Content ids of applied queue messages (their Nats-Msg-Id, a hash of the
-- message), kept for an hour. JetStream forgets its own duplicate window
-- when the server restarts (a work-queue stream keeps no messages to rebuild
-- it from), so a client re-sending a batch whose answer it lost across a
-- restart would otherwise be stored twice.
CREATE TABLE applied_ids (
    id TEXT   PRIMARY KEY,
    at INTEGER NOT NULL -- Unix milliseconds
) WITHOUT ROWID;
CREATE INDEX applied_ids_at ON applied_ids (at);
