-- Every reading that decoded, valid or late (SEMANTICS.md §1, §3), as it arrived.
-- Keyed by its Kafka position, so writing the same offsets again after a restart
-- collapses into one row (ReplacingMergeTree; read with FINAL where it matters).
CREATE TABLE IF NOT EXISTS telemetry
(
    device_id          String,
    ts                 DateTime64(3, 'UTC'),
    active_power       Float64,
    reactive_power     Nullable(Float64),
    voltage            Nullable(Float64),
    state_of_charge    Nullable(Float64),
    max_active_power   Nullable(Float64),
    min_active_power   Nullable(Float64),
    connected          Bool,
    disposition        LowCardinality(String),
    source_partition   UInt16,
    source_offset      Int64,
    received_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (device_id, ts, source_partition, source_offset);
