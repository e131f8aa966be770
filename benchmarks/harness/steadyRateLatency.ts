import { Admin } from 'kafkajs';
import { join } from 'node:path';
import { createFleet } from '../simulator/fleet';
import { GatewayBatching, gatewayBatching } from '../simulator/gatewayBatches';
import { LiveCounts, runLive } from '../../topologies/live';
import { BenchEnvironment } from './benchEnvironment';
import { EMISSION, publishSchemaAndGroups } from './fleetProduction';
import { ProfileSummary, startCpuProfile } from './cpuProfile';
import { forkTypescript } from './forkTypescript';
// Types only: importing the module itself would run the child's main.
import type { PacedSimulatorSpec } from './pacedSimulator';
import type { PacedSimulatorMessage } from './pacedSimulatorProcess';
import { Distribution, distribution } from './percentiles';
import { Progress, progressBar } from './progressBar';
import { LagSample, RunSampler, startRunSampler } from './runSampler';
import { isWarmUpRecord, warmSegmentIndexes } from './segmentIndexWarmUp';
import { ThreadKind, cpuPerRecordUs, threadCpuMs } from './threadCpu';
import { StallTotals, stallTotals, stalledWithin, watchStalls } from './threadStalls';
import { topicsReady } from './topicsReady';

export interface LatencySpec {
  devices: number;
  groups: number;
  /** Readings per second the simulator sends. */
  rate: number;
  durationMs: number;
  seed: number;
  /** Readings per message: 1 (unset) sends TelemetryReading records, more gateways' TelemetryBatch records. */
  batch?: number;
}

export interface LatencyFigures {
  /** Readings/s the fleet sends by construction: devices / reporting interval, less the dropout. */
  nominalRate: number;
  intervalMs: number;
  /** The gateways that sent batches (none: single readings). */
  gateways?: GatewayBatching;
  sent: number;
  /** Readings sent over the duration. */
  sentPerSecond: number;
  /** Kafka records sent over the duration (single readings: as many as readings). */
  messagesPerSecond: number;
  /** Complete windows measured (the first, partial, window is left out as warm-up). */
  windows: number;
  statuses: number;
  /** Broker append time of each status on the status topic minus (window end + B), ms. */
  beyondWatermarkMs: Distribution;
  /**
   * The same for the IEC events on the DMS's topic (`ChangedDERGroupStatuses`), per
   * status they carry: built after the statuses' JSON is sent, so they may trail it.
   */
  iecBeyondWatermarkMs: Distribution;
  /** The same without subtracting B: window end to status on Kafka, ms. */
  windowCloseToPublishMs: Distribution;
  /**
   * Per window: when the reading that let it close (the last partition's first reading
   * stamped at or after end + B) was due to be sent, minus (end + B). The fleet's
   * arrival jitter (up to 2 s) makes this wait; the pipeline can do nothing about it.
   */
  closingReadingDueMs: Distribution;
  /**
   * Per window: how long after it was due the simulator sent that reading. The simulator
   * shares the machine with the pipeline, the broker and chDB, and falls behind its
   * schedule when they leave it too little CPU; this part is the test rig's, not the pipeline's.
   */
  closingReadingSentLateMs: Distribution;
  /** Per status: from its window's closing reading being sent to the status on Kafka: the pipeline's (and Kafka's) own part. */
  afterClosingReadingMs: Distribution;
  /**
   * Per measured window: how long the pipeline's thread ran no timer (stalls of over
   * 50 ms, threadStalls.ts) between the window's end and its closing reading being
   * sent. The window worked out ahead falls there, B / 2 before the closing reading;
   * readings wait in the broker meanwhile, and the closing one queues behind them.
   */
  stalledBeforeClosingMs: number[];
  /** The pipeline's thread's longest stall from the simulator's start to the last window's statuses, ms. */
  longestStallMs: number;
  /**
   * The pipeline's thread's stalls from the simulator's start to the last window's
   * statuses, added up: whether it was busy (GC included), waiting for a core or asleep.
   */
  stalls: StallTotals;
  /** The same, of the stalls that overlap a measured window's end ..< its closing reading. */
  stallsBeforeClosing: StallTotals;
  /** The pipeline's process's CPU while the simulator sent, µs a reading sent, by kind of thread (threadCpu.ts). */
  cpuPerReadingUs: Partial<Record<ThreadKind, number>>;
  /**
   * Between consecutive reports of the pipeline's progress, which it makes once raw
   * telemetry is written and committed: the telemetry insert's cycle
   * (DERSTREAM_TELEMETRY_INSERT_EVERY plus the insert), not how often readings are taken in.
   */
  batchIntervalMs: Distribution;
  /** Per window: its statuses' worst delay beyond the watermark, ms. */
  perWindowMaxMs: number[];
  /** Per measured window: [window end, statuses on the topic] (every group has one when complete). */
  statusesPerWindow: [number, number][];
  /** With `sampleEveryMs`: memory and lag from the simulator's start, in ms since then. */
  run?: {
    samples: LagSample[];
    /** When the first measured window's first status was on Kafka. */
    steadyFromMs: number;
    /** When the simulator stopped sending. */
    sentMs: number;
  };
  /** The pipeline's counts after its last batch. */
  pipeline: LiveCounts | null;
  /** The Kafka client the simulator sent with: librdkafka, or kafkajs and why. */
  simulatorClient: string;
  /**
   * With `profileFile`: the pipeline's thread under V8's profiler from the simulator's
   * start to the last window's statuses; `inSpans` is what ran in its stalls.
   */
  profile?: ProfileSummary;
}

const IEC_STATUS_TIME = /<status><dateTime>([^<]+)<\/dateTime>/g;

/**
 * The simulator sends at a steady rate in real time (paced: each reading when its
 * arrival time comes; in a child process, pacedSimulatorProcess.ts) into the live
 * pipeline, running here, for a fixed time. The status topic and the IEC one are
 * created with broker time stamps (LogAppendTime) before the pipeline starts, so a
 * status's time stamp is when it was written to Kafka; its delay beyond the watermark
 * is that minus (window end + B): B is the wait the semantics impose, the rest is the
 * pipeline (and the fleet's jitter: a window closes when every partition has received
 * a reading stamped B past its end). Those two topics' segments have their first index
 * entries before the run (segmentIndexWarmUp.ts): a topic in service is past them.
 */
export async function steadyRateLatency(
  bench: BenchEnvironment,
  spec: LatencySpec,
  options: { quiet?: boolean; sampleEveryMs?: number; profileFile?: string } = {},
): Promise<LatencyFigures> {
  const { config } = bench;
  const { windowMs, outOfOrdernessMs } = config.semantics;
  // The simulator's intervals are whole seconds.
  const intervalMs = Math.round(spec.devices / spec.rate) * 1000;
  if (intervalMs < 1000)
    throw new Error(
      `${spec.devices} devices cannot send ${spec.rate} readings/s (at most one each a second): raise --devices`,
    );
  // Its leaders may not be known yet (see topicsReady, which waits for them).
  await bench.admin
    .createTopics({
      waitForLeaders: true,
      topics: [
        ...[config.topics.statuses, config.topics.dmsStatuses].map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
        })),
      ],
    })
    .catch((error: { type?: string }) => {
      if (error.type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
    });
  await topicsReady(bench.admin, Object.values(config.topics));
  await warmSegmentIndexes(bench.kafka, [config.topics.statuses, config.topics.dmsStatuses]);
  const batched = (spec.batch ?? 1) > 1;
  // The fleet is not held in a variable: a suspended async function keeps its locals,
  // so it stayed on this process's heap for the whole run (340 MB at 1 M devices),
  // measured as the pipeline's. The simulator, a child process, makes its own.
  const schemaId = await publishSchemaAndGroups(
    bench,
    createFleet({ devices: spec.devices, groups: spec.groups, seed: spec.seed, intervalMs }),
    batched,
  );
  const gateways = batched ? gatewayBatching(spec.rate, spec.batch!) : undefined;

  const seen: { windowEnd: number; appendedAt: number }[] = [];
  // Read once the simulator is done: parsing a thousand XML events as they come would be
  // done on the pipeline's thread (it runs here) just as it publishes the next ones.
  const iecEvents: { value: Buffer; appendedAt: number }[] = [];
  const seenIec: { windowEnd: number; appendedAt: number }[] = [];
  /** The statuses of the IEC events not read yet: each EndDeviceGroup's status/dateTime is its window's end (derGroupStatuses.ts). */
  const readIecEvents = () => {
    for (const { value, appendedAt } of iecEvents.splice(0))
      for (const [, dateTime] of value.toString().matchAll(IEC_STATUS_TIME))
        seenIec.push({ windowEnd: Date.parse(dateTime!), appendedAt });
  };
  const watcher = bench.kafka.consumer({ groupId: `${config.consumerGroup}.latency` });
  await watcher.connect();
  await watcher.subscribe({
    topics: [config.topics.statuses.name, config.topics.dmsStatuses.name],
    fromBeginning: true,
  });
  await watcher.run({
    eachMessage: async ({ topic, message }) => {
      if (isWarmUpRecord(message.headers)) return;
      const appendedAt = Number(message.timestamp);
      if (topic === config.topics.statuses.name) {
        const status = JSON.parse(message.value!.toString()) as { windowEnd: number };
        seen.push({ windowEnd: status.windowEnd, appendedAt });
        return;
      }
      iecEvents.push({ value: message.value!, appendedAt });
    },
  });

  const controller = new AbortController();
  let sampler: RunSampler | undefined;
  let profiler: ReturnType<typeof startCpuProfile> | undefined;
  let stallWatch: ReturnType<typeof watchStalls> | undefined;
  const batchEnds: number[] = [];
  let counts: LiveCounts | undefined;
  const log: string[] = [];
  const running = runLive(config, {
    semantics: config.semantics,
    consumerGroup: config.consumerGroup,
    maxMessageBytes: config.maxMessageBytes,
    log: (line) => log.push(line),
    signal: controller.signal,
    onProgress: (c) => {
      counts = c;
      batchEnds.push(performance.now());
    },
  });
  try {
    await Promise.race([
      waitUntilStable(bench.admin, config.consumerGroup, 60_000),
      running.then(() => {
        throw new Error(`the pipeline stopped: ${log.slice(-5).join('; ')}`);
      }),
    ]);
    let making: Progress | undefined;
    let bar: Progress | undefined;
    let startedAt: number | undefined;
    let cpuFrom: ReturnType<typeof threadCpuMs> | undefined;
    const simulator = forkTypescript<PacedSimulatorMessage>(
      join(__dirname, 'pacedSimulatorProcess.ts'),
      [
        JSON.stringify({
          ...spec,
          intervalMs,
          schemaId,
          windowMs,
          outOfOrdernessMs,
          partitions: config.topics.telemetry.partitions,
          ...(gateways ? { gateways } : {}),
        } satisfies PacedSimulatorSpec),
      ],
      {
        env: bench.env,
        onMessage: (message) => {
          const said = message as PacedSimulatorMessage;
          if (said.kind === 'making') {
            making ??= progressBar('making records', said.expected, {
              quiet: options.quiet,
              unit: 'records',
            });
            making.update(said.made);
            return;
          }
          if (said.kind !== 'started') return;
          making?.finish();
          bar = progressBar('latency', Math.round(spec.durationMs / 1000), {
            quiet: options.quiet,
            unit: 's',
          });
          startedAt = Date.now();
          cpuFrom = threadCpuMs();
          stallWatch = watchStalls();
          if (options.profileFile) profiler = startCpuProfile(options.profileFile);
          if (options.sampleEveryMs)
            sampler = startRunSampler(
              bench.admin,
              config.topics.telemetry.name,
              config.consumerGroup,
              options.sampleEveryMs,
              () => ({
                records: counts ? counts.valid + counts.invalid + counts.late : 0,
                statuses: counts?.statuses ?? 0,
              }),
            );
        },
      },
    );
    const ticker = setInterval(
      () => startedAt !== undefined && bar?.update(Math.round((Date.now() - startedAt) / 1000)),
      500,
    );
    let report: PacedSimulatorMessage;
    try {
      report = await simulator.exited;
    } finally {
      clearInterval(ticker);
      simulator.child.kill();
    }
    if (report.kind !== 'done') throw new Error('the paced simulator ended without its report');
    const { start, end, sent, messages, sentMs, client } = report;
    const cpuPerReadingUs = cpuFrom ? cpuPerRecordUs(cpuFrom, threadCpuMs(), sent) : {};
    const closingAt = new Map(report.closings.map(([windowEnd, due, sent]) => [windowEnd, { due, sent }]));
    bar?.finish(Math.round(sentMs / 1000));

    // Every window that the last readings close: wait for all of its statuses.
    const firstEnd = Math.ceil(start / windowMs) * windowMs + windowMs;
    const lastEnd = Math.floor((end - outOfOrdernessMs - 1000) / windowMs) * windowMs;
    const deadline = Date.now() + windowMs + 60_000;
    const outFor = (list: readonly { windowEnd: number }[]) =>
      list.filter((s) => s.windowEnd === lastEnd).length;
    while (Date.now() < deadline) {
      readIecEvents();
      if (outFor(seen) >= spec.groups && outFor(seenIec) >= spec.groups) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const stalls = stallWatch?.stop() ?? [];
    const samples = await sampler?.stop();
    const profile = await (await profiler)?.stop(stalls.map(({ at, ms }) => ({ from: at - ms, to: at })));
    const measured = seen.filter((s) => s.windowEnd >= firstEnd && s.windowEnd <= lastEnd);
    const perWindow = new Map<number, number>();
    for (let end = firstEnd; end <= lastEnd; end += windowMs) perWindow.set(end, 0);
    for (const s of measured) perWindow.set(s.windowEnd, perWindow.get(s.windowEnd)! + 1);
    const beyond = measured.map((s) => s.appendedAt - s.windowEnd - outOfOrdernessMs);
    readIecEvents();
    const iecBeyond = seenIec
      .filter((s) => s.windowEnd >= firstEnd && s.windowEnd <= lastEnd)
      .map((s) => s.appendedAt - s.windowEnd - outOfOrdernessMs);
    const byWindow = new Map<number, number>();
    for (const s of measured)
      byWindow.set(
        s.windowEnd,
        Math.max(byWindow.get(s.windowEnd) ?? -Infinity, s.appendedAt - s.windowEnd - outOfOrdernessMs),
      );
    const windowEnds = [...byWindow.keys()].sort((a, b) => a - b);
    return {
      nominalRate: Math.round(((spec.devices * 1000) / intervalMs) * (1 - (EMISSION.dropout ?? 0))),
      intervalMs,
      ...(gateways ? { gateways } : {}),
      sent,
      sentPerSecond: Math.round((sent * 1000) / (end - start)),
      messagesPerSecond: Math.round((messages * 1000) / (end - start)),
      windows: byWindow.size,
      statuses: measured.length,
      beyondWatermarkMs: distribution(beyond),
      iecBeyondWatermarkMs: distribution(iecBeyond),
      windowCloseToPublishMs: distribution(measured.map((s) => s.appendedAt - s.windowEnd)),
      closingReadingDueMs: distribution(
        windowEnds.map((windowEnd) => closingAt.get(windowEnd)!.due - windowEnd - outOfOrdernessMs),
      ),
      closingReadingSentLateMs: distribution(
        windowEnds.map((windowEnd) => {
          const { due, sent } = closingAt.get(windowEnd)!;
          return sent - due;
        }),
      ),
      afterClosingReadingMs: distribution(
        measured.map((s) => s.appendedAt - closingAt.get(s.windowEnd)!.sent),
      ),
      batchIntervalMs: distribution(batchEnds.slice(1).map((at, i) => at - batchEnds[i]!)),
      stalledBeforeClosingMs: windowEnds.map((windowEnd) =>
        stalledWithin(stalls, windowEnd, closingAt.get(windowEnd)!.sent),
      ),
      longestStallMs: stalls.reduce((longest, stall) => Math.max(longest, stall.ms), 0),
      stalls: stallTotals(stalls),
      stallsBeforeClosing: stallTotals(
        stalls.filter((stall) =>
          windowEnds.some(
            (windowEnd) => stalledWithin([stall], windowEnd, closingAt.get(windowEnd)!.sent) > 0,
          ),
        ),
      ),
      cpuPerReadingUs,
      perWindowMaxMs: windowEnds.map((windowEnd) => byWindow.get(windowEnd)!),
      statusesPerWindow: [...perWindow],
      pipeline: counts ?? null,
      simulatorClient: client,
      ...(profile ? { profile } : {}),
      ...(samples
        ? {
            run: {
              samples,
              steadyFromMs: measured.reduce((first, s) => Math.min(first, s.appendedAt - start), sentMs),
              sentMs,
            },
          }
        : {}),
    };
  } finally {
    stallWatch?.stop();
    await sampler?.stop();
    controller.abort();
    await running.catch(() => undefined);
    await watcher.disconnect();
  }
}

/** Waits until the consumer group has members and a settled assignment. */
async function waitUntilStable(admin: Admin, groupId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { groups } = await admin.describeGroups([groupId]);
    if (groups[0]?.state === 'Stable' && groups[0].members.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the pipeline's consumer group ${groupId} did not settle in ${timeoutMs / 1000} s`);
}
