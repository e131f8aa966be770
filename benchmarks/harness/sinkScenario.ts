import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseClickhouseConfig } from '../../pipelines/io/clickhouse/clickhouseConfig';
import { BenchOptions } from './benchOptions';
import { startCpuProfile } from './cpuProfile';
import { formatCount, ScenarioOutcome } from './scenarioOutcome';
import { sinkThroughput } from './sinkThroughput';

/**
 * sink: the ClickHouse sink's inserts vs chDB's own INSERT … SELECT, same tables, in
 * process, on a chDB directory of its own (no Kafka needed).
 */
export async function sinkScenario(options: BenchOptions): Promise<ScenarioOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'derstream-bench-chdb-'));
  try {
    const measure = () =>
      sinkThroughput(
        parseClickhouseConfig({
          ...process.env,
          DERSTREAM_CLICKHOUSE_URL: undefined,
          DERSTREAM_CHDB_PATH: dir,
        }),
        {
          devices: options.devices,
          groups: options.groups,
          readings: options.readings,
          batch: options.batch,
          seed: options.seed,
          windowMs: options.windowMs,
        },
        { quiet: options.quiet },
      );
    const profiler = options.profile
      ? await startCpuProfile(join(tmpdir(), `derstream-bench-sink-${Date.now()}.cpuprofile`))
      : undefined;
    const figures = await measure();
    const profile = await profiler?.stop();
    const { telemetry, statuses } = figures;
    return {
      parameters: {
        telemetryRows: options.readings,
        telemetryBatch: options.batch,
        statusRows: statuses.sink.rows,
        statusBatch: options.groups,
        devices: options.devices,
        groups: options.groups,
      },
      figures: { ...figures, ...(profile ? { profile } : {}) },
      targets: [
        {
          target: 'telemetry sink ≥ 0.5 × chDB insert ceiling',
          value: telemetry.ratio,
          display: String(telemetry.ratio),
          met: telemetry.ratio >= 0.5,
        },
        {
          target: 'status sink ≥ 0.5 × chDB insert ceiling',
          value: statuses.ratio,
          display: String(statuses.ratio),
          met: statuses.ratio >= 0.5,
        },
      ],
      row: {
        parameters: `${formatCount(telemetry.sink.rows)} telemetry rows by ${formatCount(options.batch)}, ${formatCount(statuses.sink.rows)} status rows by ${formatCount(options.groups)}`,
        figures:
          `telemetry ${formatCount(telemetry.sink.rowsPerSecond)} rows/s vs ceiling ${formatCount(telemetry.ceiling.rowsPerSecond)} (${telemetry.ratio}); ` +
          `vs the ceiling in the sink's batches ${formatCount(telemetry.ceilingBatched.rowsPerSecond)} (${telemetry.ratioBatched}); ` +
          `statuses ${formatCount(statuses.sink.rowsPerSecond)} vs ${formatCount(statuses.ceiling.rowsPerSecond)} (${statuses.ratio}); ` +
          `in the sink's batches ${formatCount(statuses.ceilingBatched.rowsPerSecond)} (${statuses.ratioBatched})`,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
