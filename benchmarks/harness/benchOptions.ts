import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../pipelines/config/duration';
import { ConfigError } from '../../pipelines/errors';

export const SCENARIOS = [
  'consume-ceiling',
  'e2e',
  'compare',
  'peer',
  'latency',
  'soak',
  'memory',
  'sink',
  'scale-out',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Everything one `npm run bench -- <scenario> …` was asked for, with each scenario's defaults filled in. */
export interface BenchOptions {
  scenario: Scenario;
  devices: number;
  groups: number;
  /** Readings to pre-produce (throughput, memory) or rows to insert (sink). */
  readings: number;
  seed: number;
  /**
   * latency, soak: readings/s the simulator sends; unset: half (latency) or all (soak,
   * twice the latency rate) of the e2e rate of the newest single-reading result in `outDir`,
   * else in benchmarks/results (latestE2eRate).
   */
  rate?: number;
  /** latency, soak: how long the simulator runs, ms. */
  durationMs: number;
  /** The pipeline's window W, ms (`DERSTREAM_WINDOW`). */
  windowMs: number;
  /**
   * sink: rows per insert of raw telemetry. consume-ceiling, e2e, compare, latency, soak: readings per
   * Kafka message (1: TelemetryReading records; more: TelemetryBatch records from gateways).
   */
  batch: number;
  /** Where result files go (`benchmarks/results`). */
  outDir: string;
  /** The Markdown file whose results table is updated (`benchmarks/RESULTS.md`; with --out, DIR/RESULTS.md). */
  tableFile: string;
  quiet: boolean;
  /**
   * e2e (also in compare, peer), sink, latency and scale-out: run the measured phase under V8's
   * profiler; the summary goes into the result. memory: a heap snapshot of the drained pipeline.
   */
  profile: boolean;
  /** scale-out: instances scaled out, after one alone. */
  instances: number;
  /** The arguments as given, for the record. */
  argv: string[];
}

export const USAGE = `usage: npm run bench -- <scenario> [options]

scenarios (each on the local stack, bash ops/stack.sh up; topics of its own, deleted afterwards):
  consume-ceiling  kafkajs reading a pre-produced 12-partition telemetry topic, no processing
  e2e              the live pipeline (runLive, in process) on a pre-produced topic until all is read and written
  compare          consume-ceiling, then e2e, on the same topic: the ratio e2e / ceiling
  peer             consume-ceiling, the Kafka Streams peer, then e2e, on the same topic: e2e / peer and e2e / ceiling
  latency          the simulator at a steady rate into the live pipeline: window close → status on Kafka
  soak             the latency set-up at twice its rate for 10 minutes: RSS, heap and consumer lag over time
  memory           N devices in G groups through the live pipeline (child process): RSS and heap
  sink             status and telemetry inserts through the chDB sink vs INSERT … SELECT from numbers()
  scale-out        one instance, then --instances N scaled out (DERSTREAM_SCALE_OUT=partials), each a child
                   process, on one pre-produced topic: readings/s and CPU a reading (instances and broker)

options:
  --devices N      fleet size (throughput and scale-out 100000; latency 10 × rate, each device every 10 s; memory 1000000; sink 10000)
  --groups G       groups (throughput and scale-out 1000; latency 100; memory 10000; sink 1000)
  --readings R     readings to pre-produce (throughput and scale-out 2000000; memory 6 × devices) or telemetry rows (sink 1000000)
  --seed S         simulator seed (7)
  --rate R         latency: readings/s (default: half the e2e rate of the newest single-reading e2e/compare/peer
                   result in the --out folder, else in benchmarks/results, else 5000); soak: twice that (the
                   whole e2e rate, else 10000)
  --duration D     latency: how long to send (5m); soak (10m)
  --window D       the pipeline's window W (60s)
  --batch N        sink: telemetry rows per insert (10000); consume-ceiling, e2e, compare, latency,
                   soak: readings per Kafka message (1; above 1 gateways send TelemetryBatch
                   records of up to N readings)
  --instances N    scale-out: instances scaled out (2)
  --out DIR        where the result JSON goes (benchmarks/results; env DERSTREAM_BENCH_OUT)
  --table FILE     the Markdown results table to update (benchmarks/RESULTS.md; with --out: DIR/RESULTS.md)
  --quiet          no progress bars
  --profile        e2e, sink, latency and scale-out: profile the measured phase (V8 sampling; for
                   latency the pipeline's thread from the simulator's start to the last statuses, for
                   scale-out each instance's main thread from its first batch to the end); the raw
                   .cpuprofile goes to the temp folder, a summary by package and function into the result;
                   memory: a V8 heap snapshot of the drained pipeline after a full GC goes to the temp
                   folder (its path into the result; sampling stops there)
`;

const DEFAULTS: Record<Scenario, { devices: number; groups: number; readings?: number }> = {
  'consume-ceiling': { devices: 100_000, groups: 1000, readings: 2_000_000 },
  e2e: { devices: 100_000, groups: 1000, readings: 2_000_000 },
  compare: { devices: 100_000, groups: 1000, readings: 2_000_000 },
  peer: { devices: 100_000, groups: 1000, readings: 2_000_000 },
  latency: { devices: 10_000, groups: 100 },
  soak: { devices: 20_000, groups: 100 },
  memory: { devices: 1_000_000, groups: 10_000 },
  sink: { devices: 10_000, groups: 1000, readings: 1_000_000 },
  'scale-out': { devices: 100_000, groups: 1000, readings: 2_000_000 },
};

export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      devices: { type: 'string' },
      groups: { type: 'string' },
      readings: { type: 'string' },
      seed: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      window: { type: 'string' },
      batch: { type: 'string' },
      instances: { type: 'string' },
      out: { type: 'string' },
      table: { type: 'string' },
      quiet: { type: 'boolean' },
      profile: { type: 'boolean' },
    },
  });
  const [name, ...extra] = positionals;
  if (name === undefined) throw new ConfigError('scenario', `missing; one of ${SCENARIOS.join(', ')}`);
  if (!(SCENARIOS as readonly string[]).includes(name))
    throw new ConfigError('scenario', `"${name}" is not one of ${SCENARIOS.join(', ')}`);
  if (extra.length > 0) throw new ConfigError('arguments', `unexpected "${extra.join(' ')}"`);
  const scenario = name as Scenario;
  const defaults = DEFAULTS[scenario];
  const count = (flag: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const value = Number(text.replace(/_/g, ''));
    if (!Number.isInteger(value) || value <= 0)
      throw new ConfigError(`--${flag}`, `"${text}" must be a positive whole number`);
    return value;
  };
  const duration = (flag: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const value = parseDuration(text);
    if (value === undefined || value <= 0)
      throw new ConfigError(`--${flag}`, `"${text}" is not a positive duration (e.g. 500ms, 5s, 3m)`);
    return value;
  };
  const devices = count('devices', values.devices, defaults.devices);
  const groups = count('groups', values.groups, defaults.groups);
  const outDir = resolve(values.out ?? env.DERSTREAM_BENCH_OUT ?? 'benchmarks/results');
  const customOut = values.out !== undefined || env.DERSTREAM_BENCH_OUT !== undefined;
  return {
    scenario,
    devices,
    groups,
    readings: count('readings', values.readings, defaults.readings ?? 6 * devices),
    seed: count('seed', values.seed, 7),
    rate: values.rate === undefined ? undefined : count('rate', values.rate, 0),
    durationMs: duration('duration', values.duration, (scenario === 'soak' ? 10 : 5) * 60_000),
    windowMs: duration('window', values.window, 60_000),
    batch: messageBatch(scenario, values.batch, count),
    outDir,
    tableFile: resolve(values.table ?? (customOut ? `${outDir}/RESULTS.md` : 'benchmarks/RESULTS.md')),
    quiet: values.quiet ?? false,
    profile: values.profile ?? false,
    instances: scaleOutInstances(scenario, values.instances, count),
    argv,
  };
}

/** Scenarios whose pre-produced topic may hold gateway batches (`--batch N`). */
const BATCHED_SCENARIOS: readonly Scenario[] = ['consume-ceiling', 'e2e', 'compare', 'latency', 'soak'];

function messageBatch(
  scenario: Scenario,
  text: string | undefined,
  count: (flag: string, text: string | undefined, fallback: number) => number,
): number {
  if (scenario === 'sink') return count('batch', text, 10_000);
  const readings = count('batch', text, 1);
  if (readings > 1 && !BATCHED_SCENARIOS.includes(scenario))
    throw new ConfigError(
      '--batch',
      `${scenario} sends single readings only (the Kafka Streams peer reads TelemetryReading records); batches: ${BATCHED_SCENARIOS.join(', ')}`,
    );
  return readings;
}

function scaleOutInstances(
  scenario: Scenario,
  text: string | undefined,
  count: (flag: string, text: string | undefined, fallback: number) => number,
): number {
  if (text !== undefined && scenario !== 'scale-out')
    throw new ConfigError('--instances', `only scale-out starts several instances, not ${scenario}`);
  return count('instances', text, 2);
}
