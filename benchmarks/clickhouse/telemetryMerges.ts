/**
 * What chDB's merges of the `telemetry` table cost, as the project's migrations set
 * them up and with one of their merge settings put back to ClickHouse's default:
 * - `as-migrated`: merged column by column (migration 0006), ten parts or more at once
 *   (0007);
 * - `horizontal`: every column of every part at once, ClickHouse's choice for a table
 *   with fewer than 11 columns outside its sort key;
 * - `narrow`: as few parts at once as ClickHouse's merge selector likes.
 *
 * Each round is a process of its own on a new chDB directory, with the migrations:
 * `inserts` inserts of `rows` telemetry rows each, one every `everyMs` (the pipeline
 * makes one a second, `DERSTREAM_TELEMETRY_INSERT_EVERY`; 0: back to back) with
 * `optimize_on_insert = 0` as the pipeline's, then 10 s for the merges to settle. The
 * rows are the latency scenario's fleet: 800 k devices, each every 10 s, on 12
 * partitions. It measures either of:
 * - `cpu`: the process's CPU a row inserted (chDB's threads: the script's own thread
 *   only waits), and the rows merged for each row inserted (ClickHouse's `MergedRows`
 *   over `InsertedRows`);
 * - `memory`: sampled every 50 ms, ClickHouse's tracked memory (`MemoryTracking`) and
 *   its allocator's resident bytes, and the process's peak RSS. The sampling's own
 *   queries cost more CPU than the merges, so the two are not measured together.
 * A script to run by hand, not a test: figures depend on the machine.
 *
 *   npx tsx benchmarks/clickhouse/telemetryMerges.ts [inserts] [rows] [rounds] [everyMs] [variants] [cpu|memory]
 *
 * Defaults: 150 inserts of 81,000 rows (the latency scenario's rate), 2 rounds of each
 * variant, alternating, one insert a second; variants comma-separated, all three by
 * default; `cpu`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseClickhouseConfig } from '../../pipelines/io/clickhouse/clickhouseConfig';
import { ClickhouseExecutor, openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { migrate } from '../../pipelines/io/clickhouse/migrations';
import { chdbAllocator } from '../harness/chdbAllocator';
import { forkTypescript, sendToParent } from '../harness/forkTypescript';
import { runScript } from '../harness/runScript';

/** Each variant: what it changes after the migrations. */
const VARIANTS = {
  'as-migrated': [],
  horizontal: ['ALTER TABLE telemetry RESET SETTING vertical_merge_algorithm_min_columns_to_activate'],
  narrow: ['ALTER TABLE telemetry RESET SETTING min_parts_to_merge_at_once'],
} satisfies Record<string, string[]>;
type Variant = keyof typeof VARIANTS;

type Measure = 'cpu' | 'memory';

interface RoundFigures {
  variant: Variant;
  /** With `memory`. */
  trackedPeakBytes: number;
  allocatorResidentPeakBytes: number;
  maxRssBytes: number;
  /** With `cpu`. */
  cpuUsPerRow: number;
  mergedPerInserted: number;
  insertsMs: number;
  activeParts: number;
}

const SAMPLE_MS = 50;
const SETTLE_MS = 10_000;

async function insertedAndMerged(
  clickhouse: ClickhouseExecutor,
): Promise<{ inserted: number; merged: number }> {
  const rows = await clickhouse.query<{ name: string; value: string }>(
    `SELECT name, value FROM system.events WHERE name IN ('InsertedRows', 'MergedRows')`,
  );
  const value = (name: string) => Number(rows.find((row) => row.name === name)?.value ?? 0);
  return { inserted: value('InsertedRows'), merged: value('MergedRows') };
}

async function round(
  variant: Variant,
  measure: Measure,
  inserts: number,
  rows: number,
  everyMs: number,
): Promise<RoundFigures> {
  const path = mkdtempSync(join(tmpdir(), 'derstream-merges-'));
  const clickhouse = await openClickhouse(parseClickhouseConfig({ DERSTREAM_CHDB_PATH: path }));
  try {
    await migrate(clickhouse);
    for (const statement of VARIANTS[variant]) await clickhouse.command(statement);
    let trackedPeak = 0;
    let residentPeak = 0;
    const sampler =
      measure === 'memory'
        ? setInterval(() => {
            const allocator = chdbAllocator(path);
            if (!allocator) return;
            trackedPeak = Math.max(trackedPeak, allocator.tracked);
            residentPeak = Math.max(residentPeak, allocator.resident);
          }, SAMPLE_MS)
        : undefined;
    const before = await insertedAndMerged(clickhouse);
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    for (let i = 0; i < inserts; i++) {
      const due = startedAt + i * everyMs;
      if (performance.now() < due)
        await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
      await clickhouse.command(
        `INSERT INTO telemetry
         SELECT concat('dev-', toString(cityHash64(number) % 800000)),
                toDateTime64(1796605080 + intDiv(number, 800000) * 10, 3, 'UTC'),
                rand() / 1e6, rand() / 1e6, 230.0 + rand() / 1e9, 50.0, NULL, NULL, true, 'valid',
                number % 12, number, 0, now64(3)
         FROM numbers(${i * rows}, ${rows})
         SETTINGS optimize_on_insert = 0`,
      );
    }
    const insertsMs = performance.now() - startedAt;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    if (sampler) clearInterval(sampler);
    const cpu = process.cpuUsage(cpuBefore);
    const after = await insertedAndMerged(clickhouse);
    const [parts] = await clickhouse.query<{ parts: number }>(
      `SELECT count() AS parts FROM system.parts WHERE active AND database = currentDatabase() AND table = 'telemetry'`,
    );
    return {
      variant,
      trackedPeakBytes: trackedPeak,
      allocatorResidentPeakBytes: residentPeak,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      cpuUsPerRow: (cpu.user + cpu.system) / (after.inserted - before.inserted),
      mergedPerInserted: (after.merged - before.merged) / (after.inserted - before.inserted),
      insertsMs: Math.round(insertsMs),
      activeParts: Number(parts!.parts),
    };
  } finally {
    await clickhouse.close();
    rmSync(path, { recursive: true, force: true });
  }
}

function measureOf(arg: string | undefined): Measure {
  if (arg === undefined || arg === 'cpu' || arg === 'memory') return arg ?? 'cpu';
  throw new Error(`unknown measure ${arg}: cpu or memory`);
}

function variantsOf(list: string | undefined): Variant[] {
  if (list === undefined) return Object.keys(VARIANTS) as Variant[];
  const variants = list.split(',');
  const unknown = variants.filter((variant) => !(variant in VARIANTS));
  if (unknown.length > 0)
    throw new Error(`unknown variant ${unknown.join(', ')}: one of ${Object.keys(VARIANTS).join(', ')}`);
  return variants as Variant[];
}

async function main(): Promise<void> {
  const [insertsArg, rowsArg, roundsArg, everyArg, variantsArg, measureArg] = process.argv.slice(2, 8);
  const [inserts = 150, rows = 81_000, rounds = 2, everyMs = 1000] = [
    insertsArg,
    rowsArg,
    roundsArg,
    everyArg,
  ].map((arg) => (arg === undefined ? undefined : Number(arg)));
  const variants = variantsOf(variantsArg);
  const measure = measureOf(measureArg);
  const child = process.env.DERSTREAM_MERGES_ROUND as Variant | undefined;
  if (child) {
    await sendToParent(await round(child, measure, inserts, rows, everyMs));
    return;
  }
  const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
  console.log(
    `${inserts} inserts of ${rows} telemetry rows, one every ${everyMs} ms, ${rounds} rounds of each variant, alternating; ${measure}`,
  );
  for (let r = 0; r < rounds; r++) {
    for (const variant of variants) {
      const figures = await forkTypescript<RoundFigures>(__filename, process.argv.slice(2), {
        env: { ...process.env, DERSTREAM_MERGES_ROUND: variant },
      }).exited;
      const measured =
        measure === 'cpu'
          ? `CPU ${figures.cpuUsPerRow.toFixed(2)} µs a row, ${figures.mergedPerInserted.toFixed(2)} rows merged a row`
          : `tracked peak ${mb(figures.trackedPeakBytes)}, allocator resident peak ` +
            `${mb(figures.allocatorResidentPeakBytes)}, process max RSS ${mb(figures.maxRssBytes)}`;
      console.log(
        `${variant.padEnd(11)}  ${measured}, inserts ${(figures.insertsMs / 1000).toFixed(1)} s, ${figures.activeParts} parts left`,
      );
    }
  }
}

runScript('telemetry merges', main);
