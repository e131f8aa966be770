/**
 * What chDB's merges of the `telemetry` table hold in memory, merged horizontally (every
 * column of every part at once, ClickHouse's choice for a table with fewer than 11
 * columns outside its sort key) and vertically (column by column, as migration 0006
 * sets). Each round is a process of its own on a new chDB directory, with the project's
 * migrations: `inserts` inserts of `rows` telemetry rows each, one every `everyMs`
 * (the pipeline makes one a second, `DERSTREAM_TELEMETRY_INSERT_EVERY`; 0: back to
 * back) with `optimize_on_insert = 0` as the pipeline's, then 10 s for the merges to
 * settle. Sampled every 50 ms: ClickHouse's tracked memory
 * (`MemoryTracking`) and its allocator's resident bytes; and the process's peak RSS.
 * A script to run by hand, not a test: figures depend on the machine.
 *
 *   npx tsx benchmarks/clickhouse/telemetryMerges.ts [inserts] [rows] [rounds] [everyMs]
 *
 * Defaults: 60 inserts of 115,000 rows (6.9 M, the memory scenario's readings at its
 * rate), 2 rounds of each way, alternating, one insert a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseClickhouseConfig } from '../../pipelines/io/clickhouse/clickhouseConfig';
import { openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { migrate } from '../../pipelines/io/clickhouse/migrations';
import { chdbAllocator } from '../harness/chdbAllocator';
import { forkTypescript, sendToParent } from '../harness/forkTypescript';
import { runScript } from '../harness/runScript';

type Merges = 'horizontal' | 'vertical';

interface RoundFigures {
  merges: Merges;
  trackedPeakBytes: number;
  allocatorResidentPeakBytes: number;
  maxRssBytes: number;
  insertsMs: number;
  activeParts: number;
}

const SAMPLE_MS = 50;
const SETTLE_MS = 10_000;

async function round(merges: Merges, inserts: number, rows: number, everyMs: number): Promise<RoundFigures> {
  const path = mkdtempSync(join(tmpdir(), 'derstream-merges-'));
  const clickhouse = await openClickhouse(parseClickhouseConfig({ DERSTREAM_CHDB_PATH: path }));
  try {
    await migrate(clickhouse);
    // Back to ClickHouse's own threshold (11 columns outside the sort key), which telemetry is under.
    if (merges === 'horizontal')
      await clickhouse.command(
        'ALTER TABLE telemetry RESET SETTING vertical_merge_algorithm_min_columns_to_activate',
      );
    let trackedPeak = 0;
    let residentPeak = 0;
    const sampler = setInterval(() => {
      const allocator = chdbAllocator(path);
      if (!allocator) return;
      trackedPeak = Math.max(trackedPeak, allocator.tracked);
      residentPeak = Math.max(residentPeak, allocator.resident);
    }, SAMPLE_MS);
    const startedAt = performance.now();
    for (let i = 0; i < inserts; i++) {
      const due = startedAt + i * everyMs;
      if (performance.now() < due)
        await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
      // A million devices, readings a minute apart, positions on 12 partitions.
      await clickhouse.command(
        `INSERT INTO telemetry
         SELECT concat('dev-', toString(cityHash64(number) % 1000000)),
                toDateTime64(1796605080 + intDiv(number, 1000000) * 60, 3, 'UTC'),
                rand() / 1e6, NULL, 230.0, 50.0, NULL, NULL, true, 'valid',
                number % 12, number, 0, now64(3)
         FROM numbers(${i * rows}, ${rows})
         SETTINGS optimize_on_insert = 0`,
      );
    }
    const insertsMs = performance.now() - startedAt;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    clearInterval(sampler);
    const [parts] = await clickhouse.query<{ parts: number }>(
      `SELECT count() AS parts FROM system.parts WHERE active AND database = currentDatabase() AND table = 'telemetry'`,
    );
    return {
      merges,
      trackedPeakBytes: trackedPeak,
      allocatorResidentPeakBytes: residentPeak,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      insertsMs: Math.round(insertsMs),
      activeParts: Number(parts!.parts),
    };
  } finally {
    await clickhouse.close();
    rmSync(path, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [inserts = 60, rows = 115_000, rounds = 2, everyMs = 1000] = process.argv.slice(2, 6).map(Number);
  const child = process.env.DERSTREAM_MERGES_ROUND as Merges | undefined;
  if (child) {
    await sendToParent(await round(child, inserts, rows, everyMs));
    return;
  }
  const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
  console.log(
    `${inserts} inserts of ${rows} telemetry rows, one every ${everyMs} ms, ${rounds} rounds of each way, alternating`,
  );
  for (let r = 0; r < rounds; r++) {
    for (const merges of ['horizontal', 'vertical'] as const) {
      const figures = await forkTypescript<RoundFigures>(__filename, process.argv.slice(2), {
        env: { ...process.env, DERSTREAM_MERGES_ROUND: merges },
      }).exited;
      console.log(
        `${merges.padEnd(10)}  tracked peak ${mb(figures.trackedPeakBytes)}, allocator resident peak ` +
          `${mb(figures.allocatorResidentPeakBytes)}, process max RSS ${mb(figures.maxRssBytes)}, ` +
          `inserts ${(figures.insertsMs / 1000).toFixed(1)} s, ${figures.activeParts} parts left`,
      );
    }
  }
}

runScript('telemetry merges', main);
