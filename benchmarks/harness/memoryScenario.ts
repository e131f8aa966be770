import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchOptions } from './benchOptions';
import { openBenchEnvironment } from './benchEnvironment';
import { fleetMemory } from './fleetMemory';
import { formatBytes, formatCount, ScenarioOutcome } from './scenarioOutcome';

const LIMIT_BYTES = 1.5e9;

/** memory: N devices in G groups through the live pipeline in a process of its own; RSS and heap. */
export async function memoryScenario(options: BenchOptions): Promise<ScenarioOutcome> {
  const bench = await openBenchEnvironment('memory', { DERSTREAM_WINDOW: `${options.windowMs}ms` });
  try {
    const figures = await fleetMemory(
      bench,
      { devices: options.devices, groups: options.groups, readings: options.readings, seed: options.seed },
      {
        quiet: options.quiet,
        heapSnapshot: options.profile
          ? join(tmpdir(), `derstream-memory-${Date.now()}.heapsnapshot`)
          : undefined,
      },
    );
    const fullSize = options.devices >= 1_000_000 && options.groups >= 10_000;
    return {
      parameters: {
        devices: options.devices,
        groups: options.groups,
        readingsAsked: options.readings,
        windowMs: bench.config.semantics.windowMs,
        reportingIntervalMs: bench.config.semantics.windowMs,
        seed: options.seed,
      },
      figures: { ...figures },
      targets: [
        {
          target: 'RSS < 1.5 GB at 1M devices / 10k groups',
          value: figures.steady.rssMaxBytes,
          display: formatBytes(figures.steady.rssMaxBytes),
          met: fullSize ? figures.steady.rssMaxBytes < LIMIT_BYTES : null,
        },
      ],
      row: {
        parameters: `${formatCount(figures.fleet.devices)} devices (${formatCount(figures.fleet.memberships)} memberships), ${formatCount(figures.fleet.groups)} groups, ${formatCount(figures.fleet.readings)} readings (${figures.fleet.windows} windows, one reading per device per window)`,
        figures:
          `steady RSS max ${formatBytes(figures.steady.rssMaxBytes)}, heap used max ${formatBytes(figures.steady.heapUsedMaxBytes)}, ` +
          `external max ${formatBytes(figures.steady.externalMaxBytes)}; drained, after GC: RSS ${formatBytes(figures.drained.rssAfterGcBytes)}, ` +
          `heap ${formatBytes(figures.drained.heapUsedAfterGcBytes)}, external ${formatBytes(figures.drained.externalAfterGcBytes)}` +
          (figures.drained.chdbAllocatorAfterGc
            ? `, chDB's allocator ${formatBytes(figures.drained.chdbAllocatorAfterGc.resident)} resident`
            : ''),
      },
    };
  } finally {
    await bench.teardown();
  }
}
