import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench } from '../../../benchmarks/harness/bench';
import { BenchResult } from '../../../benchmarks/harness/resultsFile';

/**
 * Every scenario of `npm run bench` once, at a tiny size, on the real local stack, into
 * a temp folder: the result file has its fields, the counts agree, the ratios are
 * finite. Nothing here judges a time.
 */
describe('npm run bench at a tiny size', () => {
  const out = mkdtempSync(join(tmpdir(), 'derstream-bench-'));
  const tiny = ['--devices', '200', '--groups', '4', '--readings', '3000', '--out', out, '--quiet'];
  const results = new Map<string, BenchResult>();

  const check = ({ path, result }: { path: string; result: BenchResult }) => {
    expect(existsSync(path)).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(JSON.parse(JSON.stringify(result)));
    expect(result.machine.cores).toBeGreaterThan(0);
    expect(result.machine.memoryBytes).toBeGreaterThan(0);
    expect(result.machine.versions).toMatchObject({ node: process.version, kafkajs: '2.2.4', chdb: '3.4.0' });
    for (const target of result.targets) expect(Number.isFinite(target.value)).toBe(true);
    results.set(result.variant ? `${result.scenario} ${result.variant}` : result.scenario, result);
    return result;
  };
  const run = async (argv: string[]) => check(await bench(argv));

  // The memory scenario runs its pipeline in a child process, so it can overlap the
  // in-process ones (which take turns on chDB): started with them, checked after.
  let memory: ReturnType<typeof bench> | undefined;
  const startMemory = () => {
    memory ??= bench(['memory', '--devices', '1000', '--groups', '10', '--out', out, '--quiet']);
    memory.catch(() => undefined);
  };

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('peer: ceiling, Kafka Streams and the pipeline on one topic, all reading everything and agreeing on statuses', async () => {
    const { figures, targets } = await run(['peer', ...tiny]);
    const f = figures as {
      fleet: { readings: number; groups: number; windows: number };
      ceiling: { records: number; messagesPerSecond: number; megabytesPerSecond: number };
      peer: { consumed: number; statuses: number; readingsPerSecond: number };
      e2e: { pipeline: { records: number; statuses: number; readingsPerSecond: number }; markers: number };
      ratios: { e2eToCeiling: number; e2eToPeer: number };
      checks: Record<string, boolean | undefined>;
    };
    expect(f.fleet.readings).toBeGreaterThanOrEqual(3000);
    expect(f.ceiling.records).toBe(f.fleet.readings);
    expect(f.peer.consumed).toBe(f.fleet.readings);
    expect(f.e2e.pipeline.records).toBe(f.fleet.readings + f.e2e.markers);
    expect(f.e2e.pipeline.statuses).toBe(f.fleet.groups * f.fleet.windows);
    expect(f.peer.statuses).toBe(f.e2e.pipeline.statuses);
    expect(Object.values(f.checks).every((check) => check === true)).toBe(true);
    for (const rate of [
      f.ceiling.messagesPerSecond,
      f.peer.readingsPerSecond,
      f.e2e.pipeline.readingsPerSecond,
    ])
      expect(rate).toBeGreaterThan(0);
    expect(Number.isFinite(f.ratios.e2eToCeiling) && f.ratios.e2eToCeiling > 0).toBe(true);
    expect(Number.isFinite(f.ratios.e2eToPeer) && f.ratios.e2eToPeer > 0).toBe(true);
    expect(targets.map((t) => t.target)).toEqual([
      'e2e ≥ 0.8 × consume ceiling',
      'e2e ≥ 1.5 × Kafka Streams peer',
    ]);
  });

  it.each(['consume-ceiling', 'e2e', 'compare'])('%s', async (scenario) => {
    startMemory();
    const { figures } = await run([scenario, ...tiny]);
    const f = figures as {
      fleet: { readings: number };
      ceiling?: { records: number };
      e2e?: {
        pipeline: { records: number; statuses: number };
        statusesOnTopic: number;
        statusesStored: number;
      };
      ratios: { e2eToCeiling?: number };
      checks: Record<string, boolean | undefined>;
    };
    expect(f.ceiling === undefined).toBe(scenario === 'e2e');
    expect(f.e2e === undefined).toBe(scenario === 'consume-ceiling');
    if (f.ceiling) expect(f.ceiling.records).toBe(f.fleet.readings);
    if (f.e2e) {
      expect(f.e2e.pipeline.statuses).toBeGreaterThan(0);
      expect(f.e2e.statusesOnTopic).toBe(f.e2e.pipeline.statuses);
      expect(f.e2e.statusesStored).toBe(f.e2e.pipeline.statuses);
    }
    if (scenario === 'compare') expect(Number.isFinite(f.ratios.e2eToCeiling)).toBe(true);
    expect(
      Object.values(f.checks)
        .filter((c) => c !== undefined)
        .every((c) => c === true),
    ).toBe(true);
  });

  it('compare --batch: gateways send batches; the ceiling reads the records, the pipeline every reading', async () => {
    const { figures, targets, variant } = await run(['compare', ...tiny, '--batch', '20']);
    const f = figures as {
      fleet: { readings: number; messages: number; groups: number; windows: number; batched: boolean };
      ceiling: { records: number; readingsPerSecond: number; messagesPerSecond: number };
      e2e: { pipeline: { records: number; statuses: number; readingsPerSecond: number }; markers: number };
      ratios: { e2eToCeiling: number };
      checks: Record<string, boolean | undefined>;
    };
    expect(variant).toBe('--batch 20');
    expect(f.fleet.batched).toBe(true);
    expect(f.fleet.messages).toBeLessThan(f.fleet.readings / 2);
    expect(f.ceiling.records).toBe(f.fleet.messages);
    expect(f.ceiling.readingsPerSecond).toBeGreaterThan(f.ceiling.messagesPerSecond);
    expect(f.e2e.pipeline.records).toBe(f.fleet.readings + f.e2e.markers);
    expect(f.e2e.pipeline.statuses).toBe(f.fleet.groups * f.fleet.windows);
    expect(Object.values(f.checks).every((check) => check === undefined || check === true)).toBe(true);
    expect(Number.isFinite(f.ratios.e2eToCeiling) && f.ratios.e2eToCeiling > 0).toBe(true);
    expect(targets.map((t) => t.met)).toEqual([null]);
  });

  it('soak, from gateways sending batches: memory and lag sampled over the run, every window complete', async () => {
    const { figures, parameters, variant, targets } = await run([
      'soak',
      // 100 gateways: every partition gets some (an empty one would hold the watermark).
      ...['--rate', '400', '--devices', '800', '--groups', '4', '--window', '2s', '--duration', '10s'],
      ...['--batch', '2', '--out', out, '--quiet'],
    ]);
    const f = figures as {
      latency: { gateways?: { readings: number; gateways: number }; sent: number };
      soak: {
        steadySamples: number;
        rss: { startBytes: number; endBytes: number; slopeMbPerMinute: number };
        heapUsed: { startBytes: number };
        lag: { max: number; mean: number; bounded: boolean };
        windows: { measured: number; complete: number };
      };
      samples: { t: number; rss: number; lag: number }[];
    };
    expect(parameters).toMatchObject({
      rate: 400,
      rateSource: '--rate',
      durationMs: 10_000,
      batch: 2,
      sampleEveryMs: 250,
    });
    expect(variant).toBe('--batch 2');
    expect(f.latency.gateways).toEqual({ readings: 2, gateways: 100, maxWaitMs: 1000 });
    expect(f.latency.sent).toBeGreaterThan(0);
    expect(f.samples.length).toBeGreaterThan(f.soak.steadySamples);
    expect(f.soak.steadySamples).toBeGreaterThan(0);
    expect(f.soak.rss.startBytes).toBeGreaterThan(f.soak.heapUsed.startBytes);
    expect(Number.isFinite(f.soak.rss.slopeMbPerMinute)).toBe(true);
    expect(f.samples.every((s) => Number.isFinite(s.lag) && s.lag >= 0)).toBe(true);
    expect(f.soak.lag.max).toBeGreaterThanOrEqual(f.soak.lag.mean);
    expect(f.soak.windows.measured).toBeGreaterThanOrEqual(1);
    expect(f.soak.windows.complete).toBe(f.soak.windows.measured);
    expect(targets.map((t) => [t.value, t.met])).toEqual([
      [f.soak.rss.slopeMbPerMinute, null],
      [expect.any(Number), null],
      [f.soak.windows.complete, null],
    ]);
  });

  it('latency: statuses of every complete window, delays beyond B', async () => {
    const { figures, parameters } = await run([
      'latency',
      ...['--rate', '200', '--devices', '400', '--groups', '4', '--window', '2s', '--duration', '10s'],
      ...['--out', out, '--quiet'],
    ]);
    const f = figures as {
      windows: number;
      statuses: number;
      sent: number;
      beyondWatermarkMs: { count: number; p50: number; p99: number };
      iecBeyondWatermarkMs: { count: number; p50: number; p99: number };
      windowCloseToPublishMs: { p50: number };
      closingReadingDueMs: { count: number; p50: number };
      closingReadingSentLateMs: { count: number; min: number };
      afterClosingReadingMs: { count: number; p50: number; p99: number };
      simulatorClient: string;
    };
    expect(parameters).toMatchObject({ rate: 200, rateSource: '--rate', windowMs: 2000 });
    expect(f.sent).toBeGreaterThan(0);
    // The simulator sends through librdkafka (ops/install.sh builds it), not kafkajs.
    expect(f.simulatorClient).toBe('librdkafka');
    expect(f.windows).toBeGreaterThanOrEqual(1);
    expect(f.statuses).toBe(f.windows * 4);
    expect(f.beyondWatermarkMs.count).toBe(f.statuses);
    expect(Number.isFinite(f.beyondWatermarkMs.p99)).toBe(true);
    expect(f.beyondWatermarkMs.p50).toBeLessThanOrEqual(f.beyondWatermarkMs.p99);
    // Every status also went out as an IEC event, on the DMS's topic.
    expect(f.iecBeyondWatermarkMs.count).toBe(f.statuses);
    expect(Number.isFinite(f.iecBeyondWatermarkMs.p99)).toBe(true);
    expect(f.windowCloseToPublishMs.p50).toBeGreaterThan(f.beyondWatermarkMs.p50);
    // The delay beyond B splits into waiting for the closing reading and the pipeline after it.
    expect(f.closingReadingDueMs.count).toBe(f.windows);
    expect(f.afterClosingReadingMs.count).toBe(f.statuses);
    expect(f.closingReadingDueMs.p50).toBeGreaterThanOrEqual(0);
    expect(f.closingReadingSentLateMs.count).toBe(f.windows);
    expect(f.closingReadingSentLateMs.min).toBeGreaterThanOrEqual(0);
    expect(f.afterClosingReadingMs.p50).toBeGreaterThan(0);
    expect(f.afterClosingReadingMs.p99).toBeLessThanOrEqual(f.beyondWatermarkMs.p99);
  });

  it('memory: the pipeline in a process of its own reads everything; RSS above heap', async () => {
    startMemory();
    const { figures } = check(await memory!);
    const f = figures as {
      fleet: { readings: number; start: number; end: number };
      pipeline: { records: number };
      steady: { samples: number; rssMaxBytes: number; heapUsedMaxBytes: number };
      drained: {
        rssAfterGcBytes: number;
        heapUsedAfterGcBytes: number;
        residentAfterGc: { chdbLibrary: number; anonymous: number };
      };
    };
    expect(f.pipeline.records).toBe(f.fleet.readings);
    // A forecast interval (15 minutes) begins two windows (minutes) in: the forecaster's
    // state is part of what is measured, whatever the minute the run started.
    expect((f.fleet.start + 2 * 60_000) % 900_000).toBe(0);
    expect(f.fleet.end).toBeGreaterThan(f.fleet.start + 2 * 60_000);
    expect(f.steady.samples).toBeGreaterThan(0);
    expect(f.steady.rssMaxBytes).toBeGreaterThan(f.steady.heapUsedMaxBytes);
    expect(f.drained.heapUsedAfterGcBytes).toBeGreaterThan(0);
    // The pipeline runs chDB in its process: its library is part of the RSS measured.
    expect(f.drained.residentAfterGc.chdbLibrary).toBeGreaterThan(0);
    expect(f.drained.residentAfterGc.anonymous).toBeGreaterThan(f.drained.heapUsedAfterGcBytes);
  });

  it('sink: every row inserted is stored, in both tables, by both ways', async () => {
    const { figures } = await run([
      'sink',
      ...[
        '--devices',
        '200',
        '--groups',
        '10',
        '--readings',
        '5000',
        '--batch',
        '1000',
        '--out',
        out,
        '--quiet',
      ],
    ]);
    const f = figures as {
      telemetry: { sink: { rows: number; rowsPerSecond: number }; ratio: number; ratioBatched: number };
      statuses: { sink: { rows: number }; ratio: number; ratioBatched: number };
      stored: { telemetry: number[]; statuses: number[] };
    };
    expect(f.stored.telemetry).toEqual([5000, 5000, 5000]);
    expect(f.stored.statuses).toEqual([f.statuses.sink.rows, f.statuses.sink.rows, f.statuses.sink.rows]);
    expect(f.statuses.sink.rows).toBe(250);
    expect(Number.isFinite(f.telemetry.ratio) && f.telemetry.ratio > 0).toBe(true);
    expect(Number.isFinite(f.statuses.ratio) && f.statuses.ratio > 0).toBe(true);
    expect(Number.isFinite(f.telemetry.ratioBatched) && Number.isFinite(f.statuses.ratioBatched)).toBe(true);
  });

  it('scale-out: one instance, then two scaled out, each a process of its own, read everything and emit every status', async () => {
    const { figures, parameters, targets } = await run(['scale-out', ...tiny]);
    type Instances = {
      instances: number;
      recordsRead: number;
      statuses: number;
      readingsPerSecond: number;
      cpuPerReadingUs: Record<string, number>;
    };
    const f = figures as {
      fleet: { readings: number; groups: number; windows: number };
      markers: number;
      single: Instances;
      scaled: Instances;
      ratios: { scaledToSingle: number };
      checks: Record<string, boolean>;
    };
    const total = f.fleet.readings + f.markers;
    expect(parameters).toMatchObject({ instances: 2 });
    expect([f.single.instances, f.scaled.instances]).toEqual([1, 2]);
    expect(f.single.recordsRead).toBe(total);
    // A rebalance as the second instance joins may have one read again what the other had read.
    expect(f.scaled.recordsRead).toBeGreaterThanOrEqual(total);
    expect(f.single.statuses).toBe(f.fleet.groups * f.fleet.windows);
    expect(f.scaled.statuses).toBeGreaterThanOrEqual(f.single.statuses);
    expect(Object.values(f.checks).every((check) => check === true)).toBe(true);
    expect(f.single.readingsPerSecond).toBeGreaterThan(0);
    expect(f.scaled.readingsPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(f.ratios.scaledToSingle) && f.ratios.scaledToSingle > 0).toBe(true);
    // Scaled out, the instances write partials and each device's reading through the broker.
    expect(f.scaled.cpuPerReadingUs.broker).toBeGreaterThan(0);
    expect(targets).toEqual([]);
  });

  it('keeps one table row per scenario, newest run, and a result file per run', () => {
    const table = readFileSync(join(out, 'RESULTS.md'), 'utf8');
    for (const key of results.keys()) expect(table.split(`| \`${key}\``).length).toBe(2);
    expect(readdirSync(out).filter((f) => f.endsWith('.json'))).toHaveLength(results.size);
  });
});
