-- The rollup tables are split by resolution (LIST partitions on res). A
-- range of daily rows used to be spread over the heap pages of every
-- resolution: rows are upserted all the time, and an update puts the new
-- version wherever there is room, so reading 30 days of daily rows per
-- recipient domain touched one page per row of a table dominated by 5-minute
-- rows. Each resolution now has its own table: the daily one stays small
-- and cached, and retention of a resolution deletes from that table alone.
-- Measured in docs/benchmarks.md ("Dashboard queries at 50 million events").
ALTER TABLE rollup_counts RENAME TO rollup_counts_unsplit;
ALTER INDEX rollup_counts_pkey RENAME TO rollup_counts_unsplit_pkey;
CREATE TABLE rollup_counts (LIKE rollup_counts_unsplit INCLUDING DEFAULTS) PARTITION BY LIST (res);
ALTER TABLE rollup_counts ADD PRIMARY KEY (res, dim, bucket, value, direction, event_type);
CREATE TABLE rollup_counts_5m PARTITION OF rollup_counts FOR VALUES IN (300);
CREATE TABLE rollup_counts_1h PARTITION OF rollup_counts FOR VALUES IN (3600);
CREATE TABLE rollup_counts_1d PARTITION OF rollup_counts FOR VALUES IN (86400);
INSERT INTO rollup_counts SELECT * FROM rollup_counts_unsplit;
DROP TABLE rollup_counts_unsplit;

ALTER TABLE rollup_hist RENAME TO rollup_hist_unsplit;
ALTER INDEX rollup_hist_pkey RENAME TO rollup_hist_unsplit_pkey;
CREATE TABLE rollup_hist (LIKE rollup_hist_unsplit INCLUDING DEFAULTS) PARTITION BY LIST (res);
ALTER TABLE rollup_hist ADD PRIMARY KEY (res, dim, metric, value, bucket, direction, event_type, bin);
CREATE TABLE rollup_hist_5m PARTITION OF rollup_hist FOR VALUES IN (300);
CREATE TABLE rollup_hist_1h PARTITION OF rollup_hist FOR VALUES IN (3600);
CREATE TABLE rollup_hist_1d PARTITION OF rollup_hist FOR VALUES IN (86400);
INSERT INTO rollup_hist SELECT * FROM rollup_hist_unsplit;
DROP TABLE rollup_hist_unsplit;
