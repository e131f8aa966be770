-- One row per emitted status version of a group and window (SEMANTICS.md §4).
-- Keyed by (group, window, version): replaying a write changes nothing.
CREATE TABLE IF NOT EXISTS group_statuses
(
    group_id           String,
    window_start       DateTime64(3, 'UTC'),
    window_end         DateTime64(3, 'UTC'),
    version            UInt32,
    members            UInt32,
    reporting          UInt32,
    fresh              UInt32,
    stale              UInt32,
    silent             UInt32,
    connected          UInt32,
    active_power       Float64,
    reactive_power     Nullable(Float64),
    max_active_power   Nullable(Float64),
    min_active_power   Nullable(Float64),
    headroom_up        Nullable(Float64),
    headroom_down      Nullable(Float64),
    state_of_charge    Nullable(Float64),
    stored_energy      Nullable(Float64),
    voltage_min        Nullable(Float64),
    voltage_max        Nullable(Float64),
    emitted_at         DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(window_start)
ORDER BY (group_id, window_start, version);
