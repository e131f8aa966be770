-- A merge of telemetry parts takes at least 10 of them. The pipeline inserts a part a
-- second; ClickHouse's merge selector, left to itself, merges them a few at a time, so
-- each row was rewritten about 2.5 times in its first minutes, on the cores the
-- pipeline's thread needs. Measured with chDB alone
-- (benchmarks/clickhouse/telemetryMerges.ts, 150 inserts of 81 k rows, one a second,
-- as the latency scenario makes them): rows merged 2.46 times the rows inserted
-- against 1.57, chDB's CPU 2.27-2.36 against 1.70-1.76 us a row (benchmarks/RESULTS.md,
-- "Readings checked in place, and merges ten parts wide"). The cost: about ten more parts of each size wait unmerged.
-- Merge settings change no row.
ALTER TABLE telemetry MODIFY SETTING min_parts_to_merge_at_once = 10;
