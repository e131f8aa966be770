import { randomUUID } from 'node:crypto';
import { Batch, Consumer, Message, Producer } from 'kafkajs';
import { Subject } from 'rxjs';
import { GroupCatalog } from '../pipelines/io/http/groupCatalog';
import { startHttpServer } from '../pipelines/io/http/httpServer';
import { PipelineMetrics } from '../pipelines/io/http/pipelineMetrics';
import { ReadinessCheck } from '../pipelines/io/http/readiness';
import { liveApiSource } from './liveApiSource';
import { AccuracyAccumulator, ForecastError } from '../pipelines/forecast/forecastAccuracy';
import { ForecastEngine } from '../pipelines/forecast/forecastEngine';
import { IssuedForecast } from '../pipelines/forecast/issuedForecast';
import { forecastEvents } from '../pipelines/translate/forecastEvents';
import { GroupStatus } from '../pipelines/aggregate/groupStatus';
import { validateReading } from '../pipelines/decode/validateReading';
import { DerstreamError, messageOf } from '../pipelines/errors';
import { ClickhouseExecutor, openClickhouse } from '../pipelines/io/clickhouse/clickhouseExecutor';
import { ClickhouseSink, StoredReading } from '../pipelines/io/clickhouse/clickhouseSink';
import { migrate } from '../pipelines/io/clickhouse/migrations';
import { retryUntilDone } from '../pipelines/io/retryUntilDone';
import { connectAdmin, createKafka } from '../pipelines/io/kafka/kafkaClient';
import { followMembership } from '../pipelines/io/kafka/membershipSource';
import { serveIecRequests } from '../pipelines/io/kafka/iecRequestConsumer';
import { handleIecRequest, IecRequestPorts } from '../pipelines/translate/iecRequestHandler';
import { GroupVersion, toGroupVersionJson } from '../pipelines/membership/groupVersion';
import {
  HEADERS,
  iecStatusRecord,
  rejectedRecord,
  SourcePosition,
  iecForecastRecord,
  statusRecord,
} from '../pipelines/io/kafka/outputRecords';
import { statusEvents } from '../pipelines/translate/statusEvents';
import { ensureTopics } from '../pipelines/io/kafka/topicSetup';
import { CommitTracker } from '../pipelines/io/kafka/commitTracker';
import { windowEndOf } from '../pipelines/window/tumblingWindow';
import { AvroDecoder } from '../pipelines/io/registry/avroDecoder';
import { connectRegistry } from '../pipelines/io/registry/schemaRegistry';
import { telemetrySchema } from '../pipelines/io/registry/telemetrySchemas';
import { LiveSemantics } from '../pipelines/config/semanticsConfig';
import { MembershipState } from '../pipelines/membership/membershipState';
import { StatusEngine, StatusOutput } from '../pipelines/statusEngine';
import { TelemetryReading } from '../pipelines/telemetryReading';
import { DerstreamConfig } from './config';

export interface LiveOptions {
  semantics: LiveSemantics;
  consumerGroup: string;
  /** Records larger than this are dead-lettered unread (OVERSIZED). */
  maxMessageBytes: number;
  log: (line: string) => void;
  signal: AbortSignal;
  /** Called once the HTTP server listens, with its URL. */
  onHttpListening?: (url: string) => void;
  /** Called after each batch is durably written, with running counts (tests and metrics). */
  onProgress?: (counts: LiveCounts) => void;
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
 * Nothing is committed before it is written: after each batch, raw telemetry and
 * statuses are in ClickHouse and the Kafka outputs are acknowledged (acks = all)
 * before the partition's offset moves, and it moves only past records whose windows
 * have been emitted. A restart re-reads what was not committed; the writes it repeats
 * land on the same keys.
 */
export async function runLive(config: DerstreamConfig, options: LiveOptions): Promise<LiveCounts> {
  const { semantics, log } = options;
  const topics = config.topics;
  const kafka = createKafka(config.kafka);
  const admin = await connectAdmin(kafka, config.kafka);
  await ensureTopics(admin, Object.values(topics));
  await admin.disconnect();
  const registry = await connectRegistry(config.registry);
  const decoder = new AvroDecoder<Record<string, unknown>>(registry, telemetrySchema(2));
  const clickhouse: ClickhouseExecutor = await openClickhouse(config.clickhouse);
  await migrate(clickhouse);
  const metrics = new PipelineMetrics();
  const sink = new ClickhouseSink({
    description: clickhouse.description,
    command: (sql, params) => clickhouse.command(sql, params),
    query: (sql, params) => clickhouse.query(sql, params),
    insert: async (table, rows) => {
      const done = metrics.clickhouseInsertDuration.startTimer({ table });
      await clickhouse.insert(table, rows);
      done();
      metrics.clickhouseInsertedRows.inc({ table }, rows.length);
    },
    close: () => clickhouse.close(),
  });

  const membership = new MembershipState();
  const catalog = new GroupCatalog(membership);
  const applyVersion = (version: GroupVersion) => membership.apply(version);
  const groupsConsumer = await followMembership(kafka, topics.groups.name, applyVersion, (error, position) =>
    log(`groups: skipped ${position}: ${error.message}`),
  );
  log(`groups: ${membership.groupIds().length} groups from ${topics.groups.name}`);

  const engine = new StatusEngine(semantics, membership);
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
    const issued: IssuedForecast[] = [];
    const errors: ForecastError[] = [];
    for (const status of statuses) forecaster.status(status);
    if (!Number.isFinite(watermark)) return { issued, errors };
    for (const output of forecaster.advance(watermark)) {
      if (output.kind === 'forecasts') {
        for (let i = 0; i < output.batch.size; i++) issued.push(output.batch.forecast(i));
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
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
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
    handle: answer,
    log,
    signal: options.signal,
  });

  const statusVersions = new Subject<GroupStatus>();
  const health = { joined: false, watermark: -Infinity, watermarkMovedAt: Date.now() };
  const readiness: ReadinessCheck[] = [
    {
      name: 'kafka',
      check: () =>
        Promise.resolve({
          ok: health.joined,
          detail: health.joined ? 'consumer joined' : 'consumer not in its group',
        }),
    },
    {
      name: 'schema-registry',
      check: async () => {
        const response = await fetch(
          new URL(`${config.registry.url.pathname.replace(/\/$/, '')}/subjects`, config.registry.url),
          {
            headers:
              config.registry.username === undefined
                ? {}
                : {
                    authorization: `Basic ${Buffer.from(`${config.registry.username}:${config.registry.password ?? ''}`).toString('base64')}`,
                  },
            signal: AbortSignal.timeout(2000),
          },
        );
        return { ok: response.ok, detail: `HTTP ${response.status}` };
      },
    },
    {
      name: 'clickhouse',
      check: async () => {
        await clickhouse.query('SELECT 1');
        return { ok: true, detail: clickhouse.description };
      },
    },
    {
      name: 'watermark',
      check: () => {
        const still = Date.now() - health.watermarkMovedAt;
        const limit = Math.max(5 * semantics.windowMs, 60_000);
        return Promise.resolve({
          ok: still <= limit,
          detail: `last advanced ${Math.round(still / 1000)} s ago`,
        });
      },
    },
  ];
  const http = await startHttpServer({
    config: config.http,
    source: liveApiSource(sink, catalog, statusVersions, accuracy),
    readiness,
    metrics,
    iec: async (body) => ({
      statusCode: 200,
      contentType: 'application/xml',
      body: (await answer(body)).xml,
    }),
    log,
  });
  log(`http: listening on ${http.url}`);
  options.onHttpListening?.(http.url);

  const consumer: Consumer = kafka.consumer({
    groupId: options.consumerGroup,
    maxBytesPerPartition: config.kafka.fetchBytesPerPartition,
    sessionTimeout: config.kafka.sessionTimeoutMs,
    // kafkajs's default (3 s) must stay below a third of the session timeout.
    heartbeatInterval: Math.min(3000, Math.floor(config.kafka.sessionTimeoutMs / 3)),
  });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.telemetry.name, fromBeginning: true });

  const counts: LiveCounts = { valid: 0, invalid: 0, late: 0, statuses: 0, forecasts: 0 };
  const commits = new CommitTracker();
  // Batches and ticks take turns: the engine and the commit bookkeeping are not shared across awaits.
  let turn: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = turn.then(work);
    turn = next.catch(() => undefined);
    return next;
  };

  const publish = async (
    statuses: GroupStatus[],
    rejected: Message[],
    late: Message[],
    rows: StoredReading[],
  ) => {
    const now = Date.now();
    const retry = { log, signal: options.signal };
    await retryUntilDone('writing telemetry to ClickHouse', () => sink.writeTelemetry(rows), retry);
    await retryUntilDone('writing statuses to ClickHouse', () => sink.writeStatuses(statuses, now), retry);
    const { issued, errors } = forecastStep(statuses, engine.watermark);
    if (issued.length > 0)
      await retryUntilDone('writing forecasts to ClickHouse', () => sink.writeForecasts(issued), retry);
    if (errors.length > 0)
      await retryUntilDone(
        'writing forecast errors to ClickHouse',
        () => sink.writeForecastErrors(errors),
        retry,
      );
    const events = statusEvents(statuses, {
      ...config.iec,
      ...config.iec.namespaces.statuses,
      timestamp: () => now,
    });
    const forecastMessages = forecastEvents(issued, { ...forecastOptions, timestamp: () => now });
    const topicMessages = [
      { topic: topics.statuses.name, messages: statuses.map(statusRecord) },
      { topic: topics.dmsStatuses.name, messages: events.map(iecStatusRecord) },
      { topic: topics.dmsForecasts.name, messages: forecastMessages.map(iecForecastRecord) },
      { topic: topics.deadLetter.name, messages: rejected },
      { topic: topics.late.name, messages: late },
    ].filter((t) => t.messages.length > 0);
    if (topicMessages.length > 0) {
      await retryUntilDone(
        'publishing to Kafka',
        () => producer.sendBatch({ topicMessages, acks: -1 }),
        retry,
      );
    }
    counts.statuses += statuses.length;
    counts.forecasts += issued.length;
    if (errors.length > 0) {
      for (const figures of accuracy.summary().overall) {
        if (figures.skill !== null)
          metrics.forecastSkill.set({ parameter: figures.parameter, method: figures.method }, figures.skill);
      }
    }
    for (const status of statuses) {
      metrics.statusesEmitted.inc({ verb: status.version === 1 ? 'created' : 'changed' });
      metrics.observePublished(status.windowEnd);
      statusVersions.next(status);
    }
    for (const record of rejected) {
      const reason = String(record.headers?.[HEADERS.reason] ?? 'UNKNOWN');
      metrics.readings.inc({ result: 'invalid', reason });
      metrics.deadLetters.inc({ reason });
    }
    if (late.length > 0) metrics.readings.inc({ result: 'late' }, late.length);
    const valid = rows.length - late.length;
    if (valid > 0) metrics.readings.inc({ result: 'valid' }, valid);
    if (Number.isFinite(engine.watermark)) {
      if (engine.watermark > health.watermark) health.watermarkMovedAt = Date.now();
      health.watermark = engine.watermark;
      metrics.observeWatermark(engine.watermark);
    }
    metrics.devicesTracked.set(engine.devicesTracked);
    metrics.groupsTracked.set(membership.groupIds().length);
  };

  const commit = async () => {
    const offsets = [...commits.committable(engine.emittedThrough)].map(([partition, offset]) => ({
      topic: topics.telemetry.name,
      partition,
      offset: String(offset),
    }));
    // The commit carries how far statuses are out: a restart resumes from there (restore below).
    const metadata = JSON.stringify({ emittedThrough: engine.emittedThrough });
    if (offsets.length > 0) await consumer.commitOffsets(offsets.map((o) => ({ ...o, metadata })));
  };

  const judgedLate = new Set<string>();
  const held = new Set<number>();
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

  const statusesOf = (outputs: StatusOutput[]) =>
    outputs.flatMap((output) => (output.kind === 'status' ? [output.status] : []));

  const handleBatch = async (batch: Batch, heartbeat: () => Promise<void>) => {
    const statuses: GroupStatus[] = [];
    const rejected: Message[] = [];
    const late: Message[] = [];
    const rows: StoredReading[] = [];
    for (const [index, message] of batch.messages.entries()) {
      // A large batch takes longer than the session timeout; without heartbeats the group
      // would rebalance and deliver it all again.
      if (index % 1000 === 999) await heartbeat();
      const now = Date.now();
      const source: SourcePosition = {
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
      };
      const reject = (reason: string, detail: string) => {
        commits.processed(batch.partition, BigInt(message.offset));
        counts.invalid++;
        rejected.push(rejectedRecord(source, reason, detail));
      };
      if (message.value === null) {
        reject('UNDECODABLE', 'record has no value');
        continue;
      }
      if (message.value.length > options.maxMessageBytes) {
        reject('OVERSIZED', `${message.value.length} bytes, limit ${options.maxMessageBytes}`);
        continue;
      }
      let decoded: Record<string, unknown>;
      try {
        decoded = await decoder.decode(message.value);
      } catch (error) {
        if (error instanceof DerstreamError && !error.retriable) {
          reject(error.code, error.message);
          continue;
        }
        throw error;
      }
      const result = validateReading(decoded, { now, futureToleranceMs: semantics.futureToleranceMs });
      if (!result.valid) {
        reject(result.reason, result.detail);
        continue;
      }
      const reading: TelemetryReading = result.reading;
      const outputs = judgedLate.delete(`${batch.partition}:${message.offset}`)
        ? [{ kind: 'late' as const, partition: batch.partition, reading, watermark: engine.watermark }]
        : engine.reading(batch.partition, reading, now);
      const wasLate = outputs.some((o) => o.kind === 'late');
      if (wasLate) {
        counts.late++;
        const watermark = (outputs.find((o) => o.kind === 'late') as { watermark: number }).watermark;
        late.push(
          rejectedRecord(source, 'LATE', `window ended at or before the watermark ${watermark}`, {
            [HEADERS.watermark]: String(watermark),
          }),
        );
      } else {
        counts.valid++;
      }
      commits.processed(
        batch.partition,
        BigInt(message.offset),
        wasLate ? undefined : windowEndOf(reading.ts, semantics.windowMs),
      );
      statuses.push(...statusesOf(outputs));
      rows.push({
        reading,
        disposition: wasLate ? 'late' : 'valid',
        partition: batch.partition,
        offset: Number(message.offset),
        receivedAt: now,
      });
    }
    const last = batch.messages.at(-1);
    if (last) {
      const behind = BigInt(batch.highWatermark) - BigInt(last.offset) - 1n;
      engine.backlog(batch.partition, behind > 0n);
      metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(behind));
    }
    await publish(statuses, rejected, late, rows);
    await commit();
    options.onProgress?.({ ...counts });
  };

  consumer.on(consumer.events.CRASH, () => (health.joined = false));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    health.joined = true;
    const assigned = payload.memberAssignment[topics.telemetry.name] ?? [];
    void serial(async () => {
      engine.assign(assigned, Date.now());
      for (let partition = 0; partition < topics.telemetry.partitions; partition++) {
        if (!assigned.includes(partition)) {
          commits.revoke(partition);
          held.delete(partition);
        }
      }
      const added = assigned.filter((partition) => !held.has(partition));
      for (const partition of added) held.add(partition);
      await retryUntilDone('resuming from the committed offsets', () => restore(added), {
        log,
        signal: options.signal,
      });
    }).catch((error: unknown) => log(`run: resuming failed: ${messageOf(error)}`));
  });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, heartbeat, resolveOffset }) => {
      await serial(() => handleBatch(batch, heartbeat));
      // The fetch position: without it kafkajs would fetch from the committed offset,
      // which lags on purpose (until windows are written), and deliver records again.
      const last = batch.messages.at(-1);
      if (last) resolveOffset(last.offset);
      await heartbeat();
    },
  });
  log(
    `run: consuming ${topics.telemetry.name} as group ${options.consumerGroup}; statuses to ${clickhouse.description} and ${topics.statuses.name}`,
  );

  let reported = { at: Date.now(), readings: 0 };
  const ticker = setInterval(() => {
    const now = Date.now();
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
    void serial(async () => {
      const statuses = statusesOf(engine.tick(Date.now()));
      if (statuses.length === 0) return;
      await publish(statuses, [], [], []);
      await commit();
      options.onProgress?.({ ...counts });
    }).catch((error: unknown) => log(`run: tick failed: ${messageOf(error)}`));
  }, 1000);

  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
    consumer.on(consumer.events.CRASH, (event) => {
      log(`run: consumer crashed: ${messageOf(event.payload.error)}`);
      if (!event.payload.restart) resolve();
    });
  });
  clearInterval(ticker);
  // Let the batch in hand finish and commit, then close everything.
  await consumer.stop();
  await serial(async () => undefined);
  await http.close();
  statusVersions.complete();
  await requests.stop();
  await Promise.allSettled([consumer.disconnect(), groupsConsumer.disconnect(), producer.disconnect()]);
  await clickhouse.close();
  log(
    `run: stopped after ${counts.valid} valid, ${counts.invalid} dead-lettered, ${counts.late} late readings, ${counts.statuses} status versions`,
  );
  return counts;
}
