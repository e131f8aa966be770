-- One row per interval of each published forecast (SEMANTICS.md §5): the method with
-- the best recent skill for that group and parameter at that issue time.
-- Keyed by (group, parameter, issue time, interval): replaying a write changes nothing.
CREATE TABLE IF NOT EXISTS group_forecasts
(
    group_id         String,
    parameter        LowCardinality(String),
    issued_at        DateTime64(3, 'UTC'),
    interval_number  UInt16,
    method           LowCardinality(String),
    interval_start   DateTime64(3, 'UTC'),
    interval_ms      UInt32,
    p10              Float64,
    p50              Float64,
    p90              Float64
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(issued_at)
ORDER BY (group_id, parameter, issued_at, interval_number);

-- One row per forecast interval whose actual is known, for every method (published or
-- not): the raw material of MAE, rMAE, skill and coverage.
CREATE TABLE IF NOT EXISTS forecast_errors
(
    group_id         String,
    parameter        LowCardinality(String),
    method           LowCardinality(String),
    issued_at        DateTime64(3, 'UTC'),
    interval_number  UInt16,
    interval_start   DateTime64(3, 'UTC'),
    actual           Float64,
    p10              Float64,
    p50              Float64,
    p90              Float64,
    error            Float64
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(issued_at)
ORDER BY (group_id, parameter, method, issued_at, interval_number);
