-- A gateway's TelemetryBatch puts many readings at one Kafka position: each row also
-- records its index in the record (0 for a single reading, so rows written before this
-- migration keep their key). The index joins the sort key, which ReplacingMergeTree
-- deduplicates by, so a batch read again after a restart lands on the same rows, one
-- per reading. ClickHouse lets a sort key grow only by a column added in the same ALTER,
-- without a default expression (the type's zero is the default); IF NOT EXISTS and an
-- unchanged key make running it again harmless.
ALTER TABLE telemetry
    ADD COLUMN IF NOT EXISTS source_index UInt32 AFTER source_offset,
    MODIFY ORDER BY (device_id, ts, source_partition, source_offset, source_index);
