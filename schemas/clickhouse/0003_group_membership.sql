-- Every version of every group's membership (SEMANTICS.md §2), one row per member
-- (a deletion is one row with deleted = true and device_id '').
CREATE TABLE IF NOT EXISTS group_membership
(
    group_id           String,
    effective_from     DateTime64(3, 'UTC'),
    name               Nullable(String),
    deleted            Bool,
    device_id          String,
    rated_power        Nullable(Float64),
    rated_energy       Nullable(Float64),
    source             LowCardinality(String),
    recorded_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (group_id, effective_from, device_id);
