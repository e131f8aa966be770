-- Every version of every group's membership (SEMANTICS.md §2), as the pipeline took it
-- from der.groups: one row per version, its members as parallel arrays. 0003's
-- group_membership, one row per member, could not hold a version that replaces another
-- with the same effective_from (the old version's extra members would stay); it was
-- never written, and is dropped.
--
-- Keyed by (group, effective_from) and versioned by the record's offset on der.groups,
-- so the table keeps what the pipeline's membership keeps: for each group and time, the
-- version read last. A version written again (der.groups is read from the beginning at
-- each start) is the same row. Read with FINAL; one row per member with
-- ARRAY JOIN members.
DROP TABLE IF EXISTS group_membership;

CREATE TABLE IF NOT EXISTS group_membership_history
(
    group_id           String,
    effective_from     DateTime64(3, 'UTC'),
    deleted            Bool,
    name               Nullable(String),
    members            Nested(device_id String, rated_power Nullable(Float64), rated_energy Nullable(Float64)),
    der_function       Array(LowCardinality(String)),
    source_partition   UInt32,
    source_offset      UInt64,
    recorded_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(source_offset)
ORDER BY (group_id, effective_from);
