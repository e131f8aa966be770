import { randomUUID } from 'node:crypto';
import { Batch, Consumer, KafkaMessage, Message } from 'kafkajs';
import { Subject } from 'rxjs';
import { GroupCatalog } from '../pipelines/io/http/groupCatalog';
import { liveApiSource } from './liveApiSource';
import { AccuracyAccumulator, ForecastError } from '../pipelines/forecast/forecastAccuracy';
import { ForecastEngine } from '../pipelines/forecast/forecastEngine';
import { ForecastBatch } from '../pipelines/forecast/issuedForecast';
import { forecastEvents } from '../pipelines/translate/forecastEvents';
import { GroupStatus } from '../pipelines/aggregate/groupStatus';
import { messageRefusal } from '../pipelines/decode/decodedMessage';
import { readingProblem } from '../pipelines/decode/validateReading';
import { ClickhouseExecutor } from '../pipelines/io/clickhouse/clickhouseExecutor';
import { TelemetryRows } from '../pipelines/io/clickhouse/telemetryRows';
import { retryUntilDone } from '../pipelines/io/retryUntilDone';
import { WriteBehind } from '../pipelines/io/writeBehind';
import { connectAdmin } from '../pipelines/io/kafka/kafkaClient';
import { serveIecRequests } from '../pipelines/io/kafka/iecRequestConsumer';
import { handleIecRequest, IecRequestPorts } from '../pipelines/translate/iecRequestHandler';
import { GroupVersion, toGroupVersionJson } from '../pipelines/membership/groupVersion';
import {
  HEADERS,
  iecStatusRecord,
  rejectedRecord,
  iecForecastRecord,
  statusRecord,
} from '../pipelines/io/kafka/outputRecords';
import { statusEvents } from '../pipelines/translate/statusEvents';
import { CommitTracker } from '../pipelines/io/kafka/commitTracker';
import { windowEndOf } from '../pipelines/window/tumblingWindow';
import { LiveSemantics } from '../pipelines/config/semanticsConfig';
import { StatusEngine, StatusOutput } from '../pipelines/statusEngine';
import { DerstreamConfig } from './config';
import { serveLiveHttp } from './liveHttp';
import { LivePublisher } from './livePublisher';
import { LiveHealth } from './liveReadiness';
import { LiveRunLoop } from './liveRunLoop';
import { PartitionAlignment } from './partitionAlignment';
import { decodeKnownTelemetry, decodeTelemetry, readingOrigin, sourcePositionOf } from './telemetryRecord';
import { openLiveServices } from './liveServices';
import { TELEMETRY_ROWS_WAITING, TelemetryInsertPacing, pause } from './telemetryInsertPacing';

export interface LiveOptions {
  semantics: LiveSemantics;
  consumerGroup: string;
  /** Records larger than this are dead-lettered unread (OVERSIZED). */
  maxMessageBytes: number;
  log: (line: string) => void;
  signal: AbortSignal;
  /** Called once the HTTP server listens, with its URL. */
  onHttpListening?: (url: string) => void;
  /**
   * Called once what it counts is durably written (statuses, Kafka outputs and raw
   * telemetry) and committed, with running counts (tests and metrics).
   */
  onProgress?: (counts: LiveCounts) => void;
  /** Wraps the ClickHouse executor once opened (tests inject faults through it). */
  clickhouse?: (opened: ClickhouseExecutor) => ClickhouseExecutor;
}

/**
 * An issue's forecasts are written and published this many groups at a time: for
 * 10,000 groups, every row, its JSON and every IEC message at once cost gigabytes.
 */
const FORECAST_GROUPS_AT_ONCE = 500;

/**
 * The longest a telemetry insert waits while a window worked out ahead waits for its
 * closing reading (StatusEngine.closeDue): B / 2 at the default B, and then some. An
 * insert keeps chDB's threads busy for a tenth of a second and more, on the cores the
 * close and the statuses' publish need; one started earlier is done by the close, since
 * it takes a fraction of B / 2 (benchmarks/RESULTS.md, "The latency tail, traced").
 */
const TELEMETRY_HELD_BEFORE_CLOSE_MS = 3000;
/** How often a held insert looks whether the window has closed. */
const CLOSE_DUE_POLL_MS = 20;

/** How often the partitions' log ends are compared with what has been read (backlogs). */
const BACKLOG_CHECK_MS = 5000;

/** What a batch or a tick gives to be written: all of it lands before its offsets are committed. */
interface LiveOutputs {
  statuses: GroupStatus[];
  rejected: Message[];
  late: Message[];
  /** Raw telemetry, a part per batch read. */
  rows: readonly TelemetryRows[];
}

/** Raw telemetry of written outputs, and the offsets it lets through once inserted too. */
interface TelemetryToCommit {
  rows: readonly TelemetryRows[];
  offsets: [number, bigint][];
  emittedThrough: number;
  /** The running counts once these are written. */
  counts: LiveCounts;
}

export interface LiveCounts {
  valid: number;
  invalid: number;
  late: number;
  statuses: number;
  forecasts: number;
}

/**
 * `derstream run`: telemetry from `der.telemetry` (Avro through the registry) to group
 * statuses in ClickHouse, on `der.statuses` (canonical JSON) and on `dms.DERGroupStatuses`
 * (IEC 61968-100 `ChangedDERGroupStatuses`); invalid records to `der.dead-letter`,
 * late ones to `der.late`, each with a reason header and the original bytes.
 *
 * Nothing is committed before it is written: the outputs are written behind the reading
 * (batches read while a write is in flight go out together in the next one), raw
 * telemetry at most every `DERSTREAM_TELEMETRY_INSERT_EVERY` behind those, and only
 * when raw telemetry and statuses are in ClickHouse and the Kafka outputs acknowledged
 * (acks = all) do the offsets move, and only past records whose windows have been
 * emitted. A restart re-reads what was not committed; the writes it repeats land on
 * the same keys.
 */
export async function runLive(config: DerstreamConfig, options: LiveOptions): Promise<LiveCounts> {
  const { semantics, log } = options;
  const topics = config.topics;
  const services = await openLiveServices(config, options);
  const { kafka, decoder, clickhouse, sink, metrics, membership, producer } = services;
  const catalog = new GroupCatalog(membership);
  const applyVersion = (version: GroupVersion) => membership.apply(version);

  // Backlogs are checked below when a partition waking from idleness makes the others hold.
  const engine = new StatusEngine(semantics, membership, { holdIdleOnWake: true });
  const forecaster = new ForecastEngine(config.forecasts, semantics);
  const accuracy = new AccuracyAccumulator();
  const forecastOptions = {
    source: config.iec.source,
    compressed: config.iec.compressed,
    batch: config.iec.batch,
    stateOfChargeKind: config.iec.stateOfChargeKind,
    ...config.iec.namespaces.forecasts,
  };
  /** Feeds statuses to the forecaster and takes what the watermark lets it issue and score. */
  const forecastStep = (statuses: readonly GroupStatus[], watermark: number) => {
    const issued: ForecastBatch[] = [];
    const errors: ForecastError[] = [];
    for (const status of statuses) forecaster.status(status);
    if (!Number.isFinite(watermark)) return { issued, errors };
    for (const output of forecaster.advance(watermark)) {
      if (output.kind === 'forecasts') {
        issued.push(output.batch);
      } else {
        accuracy.addBatch(output.batch);
        for (let i = 0; i < output.batch.size; i++) errors.push(output.batch.record(i));
      }
    }
    return { issued, errors };
  };
  // A restart rebuilds the forecaster from the statuses already stored (a season and a
  // horizon of them, which is all it remembers), issuing again only what was not issued.
  const warmUp = await sink.forecastWarmUp(config.forecasts);
  for (const [i, status] of warmUp.statuses.entries()) {
    const next = warmUp.statuses[i + 1];
    forecaster.status(status);
    if (next === undefined || next.windowEnd !== status.windowEnd) {
      for (const output of forecaster.advance(status.windowEnd)) {
        if (output.kind === 'errors') accuracy.addBatch(output.batch);
      }
    }
  }
  if (warmUp.statuses.length > 0) {
    log(
      `forecasts: rebuilt from ${warmUp.statuses.length} stored statuses up to ${new Date(warmUp.statuses.at(-1)!.windowEnd).toISOString()}`,
    );
  }
  const iecPorts: IecRequestPorts = {
    statuses: (query) => sink.statuses(query),
    forecasts: ({ groupIds, parameters }) => sink.latestForecasts({ groupIds, parameters }),
    latestVersion: (groupId) => membership.latestVersion(groupId),
    groupIds: () => membership.groupIds(),
    applyGroupVersions: async (versions: GroupVersion[]) => {
      // Durable first, on the topic every instance follows; then in force here at once,
      // so the next request already sees it (the follower applies it again, idempotently).
      await producer.send({
        topic: topics.groups.name,
        acks: -1,
        messages: versions.map((v) => ({ key: v.groupId, value: toGroupVersionJson(v) })),
      });
      for (const version of versions) applyVersion(version);
    },
  };
  const answer = (request: Buffer | string) =>
    handleIecRequest(request, iecPorts, {
      source: config.iec.source,
      maxRequestBytes: config.iec.maxRequestBytes,
      now: Date.now,
      newMessageId: randomUUID,
    });
  const requests = await serveIecRequests(kafka, {
    requestsTopic: topics.dmsRequests.name,
    repliesTopic: topics.dmsReplies.name,
    groupId: `${options.consumerGroup}.requests`,
    session: { timeoutMs: config.kafka.sessionTimeoutMs, heartbeatIntervalMs: services.heartbeatIntervalMs },
    handle: answer,
    log,
    signal: options.signal,
  });

  const statusVersions = new Subject<GroupStatus>();
  const health = new LiveHealth(['telemetry']);
  const http = await serveLiveHttp(config, services, health, {
    windowMs: semantics.windowMs,
    source: liveApiSource(sink, catalog, statusVersions, accuracy),
    iec: async (body) => ({
      statusCode: 200,
      contentType: 'application/xml',
      body: (await answer(body)).xml,
    }),
    log,
    onHttpListening: options.onHttpListening,
  });

  const consumer: Consumer = services.consumer(options.consumerGroup);
  await consumer.connect();
  await consumer.subscribe({ topic: topics.telemetry.name, fromBeginning: true });

  const counts: LiveCounts = { valid: 0, invalid: 0, late: 0, statuses: 0, forecasts: 0 };
  const loop = new LiveRunLoop(options.signal, log);
  const commits = new CommitTracker();
  const publisher = new LivePublisher({
    producer,
    metrics,
    health,
    consuming: [{ consumer, topic: topics.telemetry.name }],
    log,
    signal: options.signal,
  });

  /** `watermark` is the engine's when these outputs were taken. */
  const publish = async ({ statuses, rejected, late, rows }: LiveOutputs, watermark: number) => {
    const now = Date.now();
    // ClickHouse and Kafka at once: the commit needs both, neither needs the other. The
    // statuses' JSON goes first, and is on its way while the rest is done (their rows,
    // forecasts, their IEC events: tens of ms for a thousand groups). kafkajs writes a
    // request after a few awaits of its own: the yield lets it.
    const statusesSent = publisher.send([
      { topic: topics.statuses.name, messages: statuses.map(statusRecord) },
    ]);
    // Each write started here is marked handled: should it fail before Promise.all below
    // awaits it (or the events' build throw), that is no unhandled rejection.
    statusesSent.catch(() => undefined);
    if (statuses.length > 0) await new Promise((resolve) => setImmediate(resolve));
    const { issued, errors } = forecastStep(statuses, watermark);
    const written = (async () => {
      if (statuses.length > 0)
        await publisher.retry('writing statuses to ClickHouse', () => sink.writeStatuses(statuses, now));
      for (const batch of issued) {
        for (const slice of batch.slices(FORECAST_GROUPS_AT_ONCE)) {
          const messages = forecastEvents(slice, { ...forecastOptions, timestamp: () => now });
          await Promise.all([
            publisher.retry('writing forecasts to ClickHouse', () => sink.writeForecasts(slice)),
            publisher.send([{ topic: topics.dmsForecasts.name, messages: messages.map(iecForecastRecord) }]),
          ]);
        }
      }
      if (errors.length > 0)
        await publisher.retry('writing forecast errors to ClickHouse', () =>
          sink.writeForecastErrors(errors),
        );
    })();
    written.catch(() => undefined);
    const events = statusEvents(statuses, {
      ...config.iec,
      ...config.iec.namespaces.statuses,
      timestamp: () => now,
    });
    await Promise.all([
      statusesSent,
      written,
      publisher.send([
        { topic: topics.dmsStatuses.name, messages: events.map(iecStatusRecord) },
        { topic: topics.deadLetter.name, messages: rejected },
        { topic: topics.late.name, messages: late },
      ]),
    ]);
    publisher.resume();
    const readings = rows.reduce((sum, part) => sum + part.count, 0);
    counts.valid += readings - late.length;
    counts.invalid += rejected.length;
    counts.late += late.length;
    counts.statuses += statuses.length;
    counts.forecasts += issued.reduce((sum, batch) => sum + batch.size, 0);
    if (errors.length > 0) {
      for (const figures of accuracy.summary().overall) {
        if (figures.skill !== null)
          metrics.forecastSkill.set({ parameter: figures.parameter, method: figures.method }, figures.skill);
      }
    }
    publisher.countStatuses(statuses);
    for (const status of statuses) statusVersions.next(status);
    publisher.countReadings(readings - late.length, rejected, late.length);
    health.watermarkIs(watermark);
    if (Number.isFinite(watermark)) metrics.observeWatermark(watermark);
    metrics.devicesTracked.set(engine.devicesTracked);
    metrics.groupsTracked.set(membership.groupIds().length);
  };

  const judgedLate = new Set<string>();
  const held = new Set<number>();
  const pacing = new TelemetryInsertPacing(config.telemetryInsertEveryMs, options.signal);
  const telemetryWriter = new WriteBehind<TelemetryToCommit>(
    async (take) => {
      await pacing.due();
      const heldUntil = Date.now() + TELEMETRY_HELD_BEFORE_CLOSE_MS;
      // Never so long that reading waits on it (past the rows that may wait, adders wait).
      while (
        engine.closeDue &&
        telemetryWriter.waiting < TELEMETRY_ROWS_WAITING &&
        Date.now() < heldUntil &&
        !options.signal.aborted
      )
        await pause(CLOSE_DUE_POLL_MS, options.signal);
      const items = take();
      const rows = items.flatMap((item) => item.rows);
      await pacing.insert(rows, () =>
        publisher.retry('writing telemetry to ClickHouse', () => sink.writeTelemetry(rows)),
      );
      publisher.resume();
      const { offsets, emittedThrough, counts: written } = items.at(-1)!;
      // The commit carries how far statuses are out: a restart resumes from there (restore below).
      await publisher.commit(
        consumer,
        topics.telemetry.name,
        offsets
          .filter(([partition]) => held.has(partition))
          .map(([partition, offset]) => ({
            partition,
            offset,
            metadata: JSON.stringify({ emittedThrough }),
          })),
      );
      options.onProgress?.(written);
    },
    {
      capacity: TELEMETRY_ROWS_WAITING,
      weigh: (item) => item.rows.reduce((sum, part) => sum + part.count, 0),
    },
  );
  const writer = new WriteBehind<LiveOutputs>(async (take) => {
    // In a turn: every record these offsets pass has its outputs in what is taken.
    const { outputs, offsets, emittedThrough, watermark } = await loop.serial(async () => ({
      outputs: take(),
      offsets: [...commits.committable(engine.emittedThrough)],
      emittedThrough: engine.emittedThrough,
      watermark: engine.watermark,
    }));
    const rows = outputs.flatMap((o) => o.rows);
    await publish(
      {
        statuses: outputs.flatMap((o) => o.statuses),
        rejected: outputs.flatMap((o) => o.rejected),
        late: outputs.flatMap((o) => o.late),
        rows,
      },
      watermark,
    );
    const ticket = telemetryWriter.add({ rows, offsets, emittedThrough, counts: { ...counts } });
    ticket.written.catch((error: unknown) => loop.fail(error, 'a write failed for good'));
    await ticket.room;
  });
  const written = (outputs: LiveOutputs) => {
    const ticket = writer.add(outputs);
    ticket.written.catch((error: unknown) => loop.fail(error, 'a write failed for good'));
    return ticket.room;
  };
  /** Per partition held, the last offset the engine has taken in. */
  const readUpTo = new Map<number, bigint>();
  /**
   * Newly assigned partitions resume where their committed offsets are: the engine gets
   * back what it had then (StatusEngine.restore) from the telemetry and statuses in
   * ClickHouse, and re-read records already judged late stay late.
   */
  const restore = async (partitions: number[]) => {
    if (partitions.length === 0) return;
    const admin = await connectAdmin(kafka, config.kafka);
    const [fetched] = await admin
      .fetchOffsets({ groupId: options.consumerGroup, topics: [topics.telemetry.name] })
      .finally(() => admin.disconnect());
    const committed = (fetched?.partitions ?? []).filter(
      (p) => partitions.includes(p.partition) && BigInt(p.offset) >= 0n,
    );
    const through = Math.max(
      ...committed.map((p) => {
        const emitted = (JSON.parse(p.metadata || '{}') as { emittedThrough?: number | null }).emittedThrough;
        return typeof emitted === 'number' ? emitted : -Infinity;
      }),
    );
    if (!Number.isFinite(through)) return;
    const { state, late } = await sink.restoreState(
      committed.map((p) => ({ partition: p.partition, offset: Number(p.offset) })),
      through,
    );
    engine.restore(state, Date.now());
    for (const position of late) judgedLate.add(position);
    const devices = state.partitions.reduce((n, p) => n + p.readings.length, 0);
    log(
      `run: resumed ${committed.length} partitions after ${new Date(through).toISOString()}: ` +
        `${devices} devices' last readings, ${state.startedGroups.length} running groups`,
    );
  };

  const alignment = new PartitionAlignment(
    { consumer, topic: topics.telemetry.name, publisher, metrics },
    config.maxPartitionLeadMs,
  );
  /** In turn, after the watermarks moved. */
  const alignPartitions = () => alignment.align(engine.watermark, engine.partitionWatermarks());

  const statusesOf = (outputs: StatusOutput[]) =>
    outputs.flatMap((output) => (output.kind === 'status' ? [output.status] : []));

  const handleBatch = async (batch: Batch, heartbeat: () => Promise<void>): Promise<LiveOutputs> => {
    const statuses: GroupStatus[] = [];
    const rejected: Message[] = [];
    const late: Message[] = [];
    const rows = new TelemetryRows();
    const from = readUpTo.get(batch.partition) ?? -1n;
    // No closure is made per record (under tsx each one also costs a defineProperty for its name).
    const reject = (message: KafkaMessage, offset: bigint, reason: string, detail: string) => {
      commits.processed(batch.partition, offset);
      rejected.push(rejectedRecord(sourcePositionOf(batch, message), reason, detail));
    };
    let readThrough = from;
    /** Each record's clock, set as it is read: one object a batch, not one a record. */
    const validation = { now: 0, futureToleranceMs: semantics.futureToleranceMs };
    const { messages } = batch;
    // Indexed: an entries() iterator made an array and a result object per record.
    for (let index = 0; index < messages.length; index++) {
      const message = messages[index]!;
      // A large batch takes longer than the session timeout; without heartbeats the group
      // would rebalance and deliver it all again.
      if (index % 1000 === 999) await heartbeat().catch(() => undefined);
      // kafkajs fetches from the committed offset after it restarts its consumer (a
      // broker outage); what this engine has already taken in must not count twice.
      const offset = BigInt(message.offset);
      if (offset <= from) continue;
      const storedOffset = Number(message.offset);
      readThrough = offset;
      const now = Date.now();
      const decoded =
        decodeKnownTelemetry(message.value, decoder, options.maxMessageBytes) ??
        (await decodeTelemetry(message.value, decoder, options.maxMessageBytes, {
          log,
          signal: options.signal,
        }));
      if (decoded.kind === 'rejected') {
        reject(message, offset, decoded.reason, decoded.detail);
        continue;
      }
      const refusal = messageRefusal(decoded, config.maxBatchReadings);
      if (refusal) {
        reject(message, offset, refusal.reason, refusal.detail);
        continue;
      }
      const { readings } = decoded;
      // An empty batch is read and done.
      if (readings.length === 0) commits.processed(batch.partition, offset);
      validation.now = now;
      for (let item = 0; item < readings.length; item++) {
        const reading = readings[item]!;
        const problem = readingProblem(reading, validation);
        if (problem) {
          const [origin, headers] = readingOrigin(sourcePositionOf(batch, message), decoded, item);
          commits.processed(batch.partition, offset);
          rejected.push(rejectedRecord(origin, problem.reason, problem.detail, headers));
          continue;
        }
        const outputs =
          judgedLate.size > 0 && judgedLate.delete(`${batch.partition}:${message.offset}:${item}`)
            ? [{ kind: 'late' as const, partition: batch.partition, reading, watermark: engine.watermark }]
            : engine.reading(batch.partition, reading, now);
        /** The watermark a late reading was judged by. */
        let lateBy: number | undefined;
        for (const output of outputs)
          if (output.kind === 'status') statuses.push(output.status);
          else lateBy ??= output.watermark;
        if (lateBy !== undefined) {
          const [origin, headers] = readingOrigin(sourcePositionOf(batch, message), decoded, item);
          late.push(
            rejectedRecord(origin, 'LATE', `window ended at or before the watermark ${lateBy}`, {
              [HEADERS.watermark]: String(lateBy),
              ...headers,
            }),
          );
        }
        const wasLate = lateBy !== undefined;
        commits.processed(
          batch.partition,
          offset,
          wasLate ? undefined : windowEndOf(reading.ts, semantics.windowMs),
        );
        rows.add(reading, wasLate ? 'late' : 'valid', batch.partition, storedOffset, item, now);
      }
    }
    if (readThrough > from) readUpTo.set(batch.partition, readThrough);
    const last = batch.messages.at(-1);
    if (last) {
      const behind = BigInt(batch.highWatermark) - BigInt(last.offset) - 1n;
      engine.backlog(batch.partition, behind > 0n);
      metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(behind));
    }
    if (engine.wakeCount !== wakesChecked) {
      wakesChecked = engine.wakeCount;
      startBacklogCheck();
    }
    alignPartitions();
    return { statuses, rejected, late, rows: [rows] };
  };

  // After a broker outage the consumer may fetch again without rejoining: as after a
  // join, the partitions hold the watermark until they deliver or go idle anew.
  loop.watch(consumer, 'telemetry', health, () =>
    loop.inTurn('resuming failed', async () => {
      alignment.restarted();
      engine.assign([...held], Date.now());
    }),
  );
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = payload.memberAssignment[topics.telemetry.name] ?? [];
    loop.inTurn('resuming failed', async () => {
      alignment.rejoined();
      engine.assign(assigned, Date.now());
      for (let partition = 0; partition < topics.telemetry.partitions; partition++) {
        if (!assigned.includes(partition)) {
          commits.revoke(partition);
          held.delete(partition);
          readUpTo.delete(partition);
        }
      }
      const added = assigned.filter((partition) => !held.has(partition));
      for (const partition of added) held.add(partition);
      await retryUntilDone('resuming from the committed offsets', () => restore(added), {
        log,
        signal: options.signal,
      });
    });
  });
  // kafkajs serves a few partitions per fetch while catching up; one not yet served says
  // nothing for a while, and without this it would go idle and its backlog turn late.
  const offsetsAdmin = await connectAdmin(kafka, config.kafka);
  let backlogCheck: Promise<void> | undefined;
  let backlogCheckedAt = 0;
  let checkAgain = false;
  let wakesChecked = 0;
  // A check asked for while one is in flight runs after it: the one in flight may have
  // read the log ends before the records that woke the partitions.
  const startBacklogCheck = () => {
    if (backlogCheck !== undefined) {
      checkAgain = true;
      return;
    }
    backlogCheckedAt = Date.now();
    // A broker that does not answer leaves the flags as the last batches set them.
    backlogCheck = checkBacklogs()
      .catch(() => undefined)
      .finally(() => {
        backlogCheck = undefined;
        if (checkAgain && !options.signal.aborted) {
          checkAgain = false;
          startBacklogCheck();
        }
      });
  };
  const checkBacklogs = async () => {
    const topic = topics.telemetry.name;
    const wakes = engine.wakeCount;
    const [ends, [committed]] = await Promise.all([
      offsetsAdmin.fetchTopicOffsets(topic),
      offsetsAdmin.fetchOffsets({ groupId: options.consumerGroup, topics: [topic] }),
    ]);
    // Between batches (the engine and `readUpTo` are not shared across a batch's awaits).
    loop.inTurn('checking backlogs failed', async () => {
      // Log ends read before a partition woke may lack the records of the others that
      // woke with it, and would let them go idle again: the check the wake asked for follows.
      if (engine.wakeCount !== wakes) return;
      for (const { partition, high } of ends) {
        if (!held.has(partition)) continue;
        const committedOffset = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        const readThrough = readUpTo.get(partition) ?? BigInt(committedOffset) - 1n;
        engine.backlog(partition, readThrough < BigInt(high) - 1n);
      }
    });
  };

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // Batches of a fetch wait for their turns together and go out in one write.
    partitionsConsumedConcurrently: topics.telemetry.partitions,
    eachBatch: loop.eachBatch(handleBatch, services.heartbeatIntervalMs, written),
  });
  log(
    `run: consuming ${topics.telemetry.name} as group ${options.consumerGroup}; statuses to ${clickhouse.description} and ${topics.statuses.name}`,
  );

  let reported = { at: Date.now(), readings: 0 };
  const ticker = setInterval(() => {
    const now = Date.now();
    if (backlogCheck === undefined && now - backlogCheckedAt >= BACKLOG_CHECK_MS) startBacklogCheck();
    const readings = counts.valid + counts.invalid + counts.late;
    if (now - reported.at >= 10_000) {
      const rate = Math.round(((readings - reported.readings) * 1000) / (now - reported.at));
      const watermark = Number.isFinite(engine.watermark)
        ? new Date(engine.watermark).toISOString()
        : 'none yet';
      log(
        `run: ${readings} readings (${rate}/s), ${counts.invalid} dead-lettered, ${counts.late} late, ` +
          `${counts.statuses} status versions, ${engine.devicesTracked} devices, watermark ${watermark}`,
      );
      reported = { at: now, readings };
    }
    loop.inTurn('ticking failed', async () => {
      const statuses = statusesOf(engine.tick(Date.now()));
      alignPartitions();
      if (statuses.length > 0) void written({ statuses, rejected: [], late: [], rows: [] });
    });
  }, 1000);

  await loop.untilStopped();
  clearInterval(ticker);
  while (backlogCheck !== undefined) await backlogCheck;
  await offsetsAdmin.disconnect();
  // The batches in hand finish and their writes land and commit while the consumer is
  // still in its group (a stopped one cannot commit); then everything closes.
  const settle = async () => {
    await loop.drain();
    await writer.drain();
    await telemetryWriter.drain();
  };
  alignment.stop();
  try {
    consumer.pause([{ topic: topics.telemetry.name }]);
  } catch {
    // Not running (kafkajs restarting it): it fetches nothing meanwhile.
  }
  await settle();
  await consumer.stop();
  await settle();
  await http.close();
  statusVersions.complete();
  await requests.stop();
  await consumer.disconnect().catch(() => undefined);
  await services.close();
  log(
    `run: stopped after ${counts.valid} valid, ${counts.invalid} dead-lettered, ${counts.late} late readings, ${counts.statuses} status versions`,
  );
  loop.finish();
  return counts;
}
