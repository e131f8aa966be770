-- Merges of telemetry parts go column by column (ClickHouse's vertical merge): the sort
-- key's columns first, then each other column on its own. A horizontal merge reads
-- every column of every part at once, with a buffer and a block for each; its 9
-- columns outside the sort key are under the default threshold for a vertical merge
-- (11), so the raw telemetry, the pipeline's largest table, merged horizontally. Measured
-- with chDB on the pipeline's inserts (80 of 90 k rows): ClickHouse's tracked memory at
-- its peak 161-167 MB horizontally, 68-69 MB vertically, in the same time
-- (benchmarks/RESULTS.md, "chDB's merges"). Merge settings change no row.
ALTER TABLE telemetry MODIFY SETTING vertical_merge_algorithm_min_columns_to_activate = 1;
