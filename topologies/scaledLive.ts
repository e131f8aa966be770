import { Batch, Consumer, Kafka, KafkaMessage, Message } from 'kafkajs';
import { Subject } from 'rxjs';
import {
  decodeDeviceReading,
  DeviceReadingRecord,
  encodeDeviceReading,
} from '../pipelines/aggregate/deviceReadingRecord';
import { GroupStatus } from '../pipelines/aggregate/groupStatus';
import { decodeGroupRun, encodeGroupRun } from '../pipelines/aggregate/groupRunRecord';
import {
  decodePartialRecord,
  encodePartialRecord,
  ProgressMarker,
} from '../pipelines/aggregate/partialRecord';
import { PartialSource } from '../pipelines/aggregate/partialSource';
import { GroupRun, PartialsMerge } from '../pipelines/aggregate/partialsMerge';
import { messageRefusal } from '../pipelines/decode/decodedMessage';
import { readingProblem } from '../pipelines/decode/validateReading';
import { AccuracyAccumulator } from '../pipelines/forecast/forecastAccuracy';
import { TelemetryRows } from '../pipelines/io/clickhouse/telemetryRows';
import { GroupCatalog } from '../pipelines/io/http/groupCatalog';
import { NotFoundError } from '../pipelines/io/http/httpErrors';
import { CommitTracker } from '../pipelines/io/kafka/commitTracker';
import { connectAdmin } from '../pipelines/io/kafka/kafkaClient';
import { HEADERS, iecStatusRecord, rejectedRecord, statusRecord } from '../pipelines/io/kafka/outputRecords';
import { readPartitions } from '../pipelines/io/kafka/readPartitions';
import { retryUntilDone } from '../pipelines/io/retryUntilDone';
import { WriteBehind } from '../pipelines/io/writeBehind';
import { decodeKnownTelemetry, decodeTelemetry, readingOrigin, sourcePositionOf } from './telemetryRecord';
import { statusEvents } from '../pipelines/translate/statusEvents';
import { windowEndOf } from '../pipelines/window/tumblingWindow';
import { DerstreamConfig } from './config';
import { LiveCounts, LiveOptions } from './live';
import { liveApiSource } from './liveApiSource';
import { serveLiveHttp } from './liveHttp';
import { LivePublisher } from './livePublisher';
import { LiveHealth } from './liveReadiness';
import { LiveRunLoop } from './liveRunLoop';
import { openLiveServices } from './liveServices';
import { PartitionAlignment } from './partitionAlignment';
import { TELEMETRY_ROWS_WAITING, TelemetryInsertPacing } from './telemetryInsertPacing';

/** How often a partition's progress marker is sent again when nothing changed (a merge partition that moved learns it). */
const MARKER_REPEAT_MS = 5000;

/** What this instance keeps of a telemetry partition it reads, from its restore to its revocation. */
interface TelemetryPartition {
  source: PartialSource;
  commits: CommitTracker;
  /** Valid readings read and not yet in the changelog, in offset order. */
  uncommitted: DeviceReadingRecord[];
  /** The `ts` of each device's reading last written to the changelog. */
  changelogTs: Map<string, number>;
  /** The progress marker last sent, and when. */
  lastMarker?: { json: string; at: number };
  /** The last offset taken in. */
  readUpTo?: bigint;
  /** After a restore: what had been taken in when the commit it resumed from was made. */
  rereadUpTo?: bigint;
  /** The last offset whose raw telemetry is in ClickHouse: no commit passes it. */
  insertedThrough?: bigint;
}

/** A telemetry batch's raw rows, and how far they take its partition once inserted. */
interface TelemetryToInsert {
  /** The partition as it was when they were read: one revoked meanwhile is not moved on by them. */
  held: TelemetryPartition;
  /** The last offset of the partition taken in with them. */
  through: bigint;
  rows: TelemetryRows;
  /** The readings taken in once these are written. */
  readings: Pick<LiveCounts, 'valid' | 'invalid' | 'late'>;
}

/**
 * `derstream run` with `DERSTREAM_SCALE_OUT=partials`: one of several instances in one
 * consumer group. The two aggregation stages are split by a topic:
 *
 * - **Partial producers.** The instance's share of the telemetry partitions, one
 *   {@link PartialSource} each: readings in, the partials of each window out on
 *   `der.partials` (key = group mRID) once the partition's watermark has passed it,
 *   followed by a progress marker to every partials partition. Telemetry offsets are
 *   committed once the partials of their windows are acknowledged (acks = all) and
 *   their raw telemetry is in ClickHouse, with `{through}` (the last window sent) as
 *   metadata, after each device's latest committed reading is on the compacted
 *   `der.device-readings` (same partition number). Raw telemetry is inserted behind
 *   the reading, at most every `DERSTREAM_TELEMETRY_INSERT_EVERY`, every partition's
 *   rows together, as in one process.
 * - **Merges.** The instance's share of the partials partitions (consumer group
 *   `<group>.merge`), one {@link PartialsMerge} each: a window is emitted once every
 *   telemetry partition has sent its partials for it. Statuses go to this instance's
 *   ClickHouse, `der.statuses`, `dms.DERGroupStatuses`, and each group's run of
 *   statuses to the compacted `der.group-runs`; then the partials offsets are committed
 *   with `{emittedThrough}`.
 *
 * On a rebalance, a telemetry partition resumes from its committed offset with its
 * devices' readings from the changelog, and a partials partition from its committed
 * offset with the groups running then from `der.group-runs`: state moves through
 * Kafka, never through another instance's ClickHouse.
 *
 * A telemetry partition whose watermark runs more than `DERSTREAM_MAX_PARTITION_LEAD`
 * ahead of the pipeline's (as this instance's merges see it) is paused, as in one
 * process (`partitionAlignment.ts`).
 *
 * Writes, retries, backpressure, commits, turns and the HTTP side (`/healthz`, `/readyz`,
 * `/metrics`, the JSON API on this instance's ClickHouse) are those of the single
 * instance (`liveServices`, `livePublisher`, `liveRunLoop`, `liveHttp`). Forecasts and
 * IEC requests are not served in this mode.
 */
export async function runScaledLive(config: DerstreamConfig, options: LiveOptions): Promise<LiveCounts> {
  const { semantics, log } = options;
  const topics = config.topics;
  const services = await openLiveServices(config, options);
  const { kafka, decoder, clickhouse, sink, metrics, membership } = services;
  const snapshotAt = (windowEnd: number) => membership.snapshotAt(windowEnd);
  const retry = { log, signal: options.signal };
  const counts: LiveCounts = { valid: 0, invalid: 0, late: 0, statuses: 0, forecasts: 0 };
  /** What of `counts` is written (readings: raw telemetry inserted and committed), for onProgress. */
  const writtenCounts: LiveCounts = { ...counts };

  const telemetryConsumer: Consumer = services.consumer(options.consumerGroup);
  const mergeConsumer: Consumer = services.consumer(`${options.consumerGroup}.merge`);
  const health = new LiveHealth(['telemetry', 'partials']);
  const loop = new LiveRunLoop(options.signal, log);
  const publisher = new LivePublisher({
    producer: services.producer,
    metrics,
    health,
    consuming: [
      { consumer: telemetryConsumer, topic: topics.telemetry.name },
      { consumer: mergeConsumer, topic: topics.partials.name },
    ],
    log,
    signal: options.signal,
  });
  const statusVersions = new Subject<GroupStatus>();
  // The JSON API answers from this instance's ClickHouse: the statuses of the groups it merges.
  // Forecasts and IEC requests are a single instance's: said so, rather than a bare 404 or a
  // forecast that is "not there yet" and never will be.
  const notScaled = (what: string) =>
    `${what} a single-instance run, not by an instance scaled out (DERSTREAM_SCALE_OUT=partials)`;
  const http = await serveLiveHttp(config, services, health, {
    windowMs: semantics.windowMs,
    source: {
      ...liveApiSource(sink, new GroupCatalog(membership), statusVersions, new AccuracyAccumulator()),
      latestForecast: () => Promise.reject(new NotFoundError(notScaled('forecasts are made by'))),
    },
    iec: () =>
      Promise.resolve({
        statusCode: 404,
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify({ error: 'not_found', message: notScaled('IEC requests are answered by') }),
      }),
    log,
    onHttpListening: options.onHttpListening,
  });

  // ---- partial producers: telemetry partitions ----
  const telemetryPartitions = new Map<number, TelemetryPartition>();
  const pipelineWatermark = () =>
    Math.max(-Infinity, ...[...merges.values()].map((m) => m.progress.watermark));
  // The pipeline's watermark as this instance's merges see it: with no merge here, none,
  // and no partition is paused.
  const alignment = new PartitionAlignment(
    { consumer: telemetryConsumer, topic: topics.telemetry.name, publisher, metrics },
    config.maxPartitionLeadMs,
  );
  /** In turn, after the sources or the merges moved. */
  const alignSources = () =>
    alignment.align(
      pipelineWatermark(),
      new Map([...telemetryPartitions].map(([partition, { source }]) => [partition, source.watermark])),
    );

  const restoreSources = async (partitions: number[]) => {
    const committed = await committedOffsets(kafka, config, options.consumerGroup, topics.telemetry.name);
    const restoring = partitions.filter((p) => committed.has(p));
    const best = new Map<number, Map<string, DeviceReadingRecord>>();
    await readPartitions(kafka, topics.deviceReadings.name, restoring, (partition, message) => {
      if (message.key === null || message.value === null) return;
      const deviceId = message.key.toString();
      const record = decodeDeviceReading(deviceId, message.value);
      if (record.offset >= committed.get(partition)!.offset) return;
      let devices = best.get(partition);
      if (!devices) best.set(partition, (devices = new Map()));
      const previous = devices.get(deviceId);
      if (previous === undefined || record.reading.ts >= previous.reading.ts) devices.set(deviceId, record);
    });
    const now = Date.now();
    for (const partition of partitions) {
      const source = new PartialSource(partition, semantics, now);
      const devices = best.get(partition) ?? new Map<string, DeviceReadingRecord>();
      const { through, read } = committed.get(partition)?.metadata ?? {};
      source.restore(
        [...devices.values()].map((r) => r.reading),
        typeof through === 'number' ? through : -Infinity,
      );
      telemetryPartitions.set(partition, {
        source,
        commits: new CommitTracker(),
        uncommitted: [],
        changelogTs: new Map([...devices].map(([id, r]) => [id, r.reading.ts])),
        ...(typeof read === 'string' ? { rereadUpTo: BigInt(read) } : {}),
      });
    }
    if (restoring.length > 0)
      log(
        `scaled: resumed telemetry partitions ${partitionList(restoring)} with ${[...best.values()].reduce((n, d) => n + d.size, 0)} devices' readings`,
      );
  };

  /** Sends what the sources can close now (partials, then markers), then commits what that covers. */
  const flushSources = async (now: number, only?: number) => {
    const messages: Message[] = [];
    const partials: Message[] = [];
    for (const [partition, held] of telemetryPartitions) {
      if (only !== undefined && partition !== only) continue;
      const { partials: out, marker } = held.source.advance(now, pipelineWatermark(), snapshotAt);
      for (const partial of out)
        partials.push({ key: partial.groupId, value: encodePartialRecord({ kind: 'partial', partial }) });
      const json = JSON.stringify(marker);
      const last = held.lastMarker;
      if (out.length > 0 || last === undefined || last.json !== json || now - last.at >= MARKER_REPEAT_MS) {
        messages.push(...markerRecords(marker, topics.partials.partitions));
        held.lastMarker = { json, at: now };
      }
    }
    await publisher.send([{ topic: topics.partials.name, messages: [...partials, ...messages] }]);
    await commitSources(only);
  };

  /** Commits each partition as far as its partials are out and its raw telemetry inserted, its devices' readings on the changelog first. */
  const commitSources = async (only?: number) => {
    const changelog: Message[] = [];
    const offsets: { partition: number; offset: bigint; metadata: string }[] = [];
    for (const [partition, held] of telemetryPartitions) {
      if (only !== undefined && partition !== only) continue;
      const { source, uncommitted: pending, changelogTs: written, insertedThrough: inserted } = held;
      const windowsOut = held.commits.committable(source.through).get(partition);
      if (windowsOut === undefined || inserted === undefined) continue;
      const offset = windowsOut <= inserted ? windowsOut : inserted + 1n;
      // Per device, the reading with the largest ts (of equal ones, the last read): each
      // entry is compared with the newest so far, this commit's or the changelog's.
      const latest = new Map<string, DeviceReadingRecord>();
      let n = 0;
      for (; n < pending.length && pending[n]!.offset < offset; n++) {
        const entry = pending[n]!;
        const { deviceId, ts } = entry.reading;
        const newest = written.get(deviceId);
        if (newest !== undefined && ts < newest) continue;
        written.set(deviceId, ts);
        latest.set(deviceId, entry);
      }
      pending.splice(0, n);
      for (const [deviceId, record] of latest)
        changelog.push({ key: deviceId, partition, value: encodeDeviceReading(record) });
      // With the commit: how far partials are out, and what had been taken in by then
      // (a record after the offset and up to there is re-read, not late, on a restore).
      const read = held.readUpTo;
      const metadata = JSON.stringify({
        through: source.through,
        read: read === undefined ? null : String(read),
      });
      offsets.push({ partition, offset, metadata });
    }
    await publisher.send([{ topic: topics.deviceReadings.name, messages: changelog }]);
    await publisher.commit(telemetryConsumer, topics.telemetry.name, offsets);
  };

  const pacing = new TelemetryInsertPacing(config.telemetryInsertEveryMs, options.signal);
  const telemetryWriter = new WriteBehind<TelemetryToInsert>(
    async (take) => {
      await pacing.due();
      const items = take();
      const rows = items.map((item) => item.rows);
      await pacing.insert(rows, () =>
        publisher.retry('writing telemetry to ClickHouse', () => sink.writeTelemetry(rows)),
      );
      publisher.resume();
      await loop.serial(async () => {
        for (const { held, through } of items)
          if (
            telemetryPartitions.get(held.source.partition) === held &&
            through > (held.insertedThrough ?? -1n)
          )
            held.insertedThrough = through;
        await commitSources();
      });
      Object.assign(writtenCounts, items.at(-1)!.readings);
      options.onProgress?.({ ...writtenCounts });
    },
    { capacity: TELEMETRY_ROWS_WAITING, weigh: (item) => item.rows.count },
  );

  /** Handles a batch in its turn; what it gives back is waited for out of turn: room for its rows. */
  const handleTelemetry = async (batch: Batch, heartbeat: () => Promise<void>) => {
    const held = telemetryPartitions.get(batch.partition);
    if (!held) return { room: Promise.resolve() };
    const { source, commits: tracker, uncommitted: pending } = held;
    const rejected: Message[] = [];
    const late: Message[] = [];
    const rows = new TelemetryRows();
    let readThrough = held.readUpTo ?? -1n;
    const rereadThrough = held.rereadUpTo ?? -1n;
    // As in live.ts: no closure or iterator per record (under tsx a closure also costs a defineProperty).
    const reject = (message: KafkaMessage, offset: bigint, reason: string, detail: string) => {
      tracker.processed(batch.partition, offset);
      counts.invalid++;
      rejected.push(rejectedRecord(sourcePositionOf(batch, message), reason, detail));
    };
    /** Each record's clock, set as it is read: one object a batch, not one a record. */
    const validation = { now: 0, futureToleranceMs: semantics.futureToleranceMs };
    const { messages } = batch;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      if (i % 1000 === 999) await heartbeat().catch(() => undefined);
      const now = Date.now();
      const offset = BigInt(message.offset);
      // kafkajs fetches from the committed offset again after a rebalance that leaves a
      // partition here: what this source has already taken in must not count twice.
      if (offset <= readThrough) continue;
      readThrough = offset;
      held.readUpTo = offset;
      const reread = offset <= rereadThrough;
      const decoded =
        decodeKnownTelemetry(message.value, decoder, options.maxMessageBytes) ??
        (await decodeTelemetry(message.value, decoder, options.maxMessageBytes, retry));
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
      if (readings.length === 0) tracker.processed(batch.partition, offset);
      const storedOffset = Number(message.offset);
      validation.now = now;
      for (let index = 0; index < readings.length; index++) {
        const reading = readings[index]!;
        const problem = readingProblem(reading, validation);
        if (problem) {
          tracker.processed(batch.partition, offset);
          counts.invalid++;
          const [from, headers] = readingOrigin(sourcePositionOf(batch, message), decoded, index);
          rejected.push(rejectedRecord(from, problem.reason, problem.detail, headers));
          continue;
        }
        const accepted = source.reading(reading, now, reread);
        if (accepted) {
          counts.valid++;
          pending.push({ offset, reading });
          tracker.processed(batch.partition, offset, windowEndOf(reading.ts, semantics.windowMs));
        } else {
          counts.late++;
          tracker.processed(batch.partition, offset);
          const [from, headers] = readingOrigin(sourcePositionOf(batch, message), decoded, index);
          late.push(
            rejectedRecord(
              from,
              'LATE',
              `window ended at or before the partials sent through ${source.through}`,
              {
                [HEADERS.watermark]: String(source.watermark),
                ...headers,
              },
            ),
          );
        }
        rows.add(reading, accepted ? 'valid' : 'late', batch.partition, storedOffset, index, now);
      }
    }
    const last = batch.messages.at(-1);
    if (last) {
      const behind = BigInt(batch.highWatermark) - BigInt(last.offset) - 1n;
      source.setBacklog(behind > 0n);
      metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(behind));
    }
    await publisher.send([
      { topic: topics.deadLetter.name, messages: rejected },
      { topic: topics.late.name, messages: late },
    ]);
    await flushSources(Date.now(), batch.partition);
    publisher.resume();
    alignSources();
    publisher.countReadings(rows.count - late.length, rejected, late.length);
    const ticket = telemetryWriter.add({
      held,
      through: readThrough,
      rows,
      readings: { valid: counts.valid, invalid: counts.invalid, late: counts.late },
    });
    ticket.written.catch((error: unknown) => loop.fail(error, 'a write failed for good'));
    // In an object: a promise returned as it is would be awaited in the turn.
    return { room: ticket.room };
  };

  // ---- merges: partials partitions ----
  const merges = new Map<number, PartialsMerge>();
  const mergeCommits = new Map<number, CommitTracker>();
  const mergedUpTo = new Map<number, bigint>();

  const restoreMerges = async (partitions: number[]) => {
    const committed = await committedOffsets(
      kafka,
      config,
      `${options.consumerGroup}.merge`,
      topics.partials.name,
    );
    const restoring = partitions.filter((p) => committed.has(p));
    const runs = new Map<number, Map<string, GroupRun>>();
    await readPartitions(kafka, topics.groupRuns.name, restoring, (partition, message) => {
      if (message.value === null) return;
      const run = decodeGroupRun(message.key?.toString() ?? '', message.value);
      let groups = runs.get(partition);
      if (!groups) runs.set(partition, (groups = new Map()));
      groups.set(run.groupId, run);
    });
    for (const partition of partitions) {
      const merge = new PartialsMerge(semantics.windowMs, topics.telemetry.partitions);
      const emitted = committed.get(partition)?.metadata.emittedThrough;
      if (typeof emitted === 'number') merge.restore(emitted, [...(runs.get(partition)?.values() ?? [])]);
      merges.set(partition, merge);
      mergeCommits.set(partition, new CommitTracker());
      mergedUpTo.delete(partition);
    }
    if (restoring.length > 0) log(`scaled: resumed partials partitions ${partitionList(restoring)}`);
  };

  const handlePartials = async (batch: Batch) => {
    const merge = merges.get(batch.partition);
    const tracker = mergeCommits.get(batch.partition);
    if (!merge || !tracker) return;
    for (const message of batch.messages) {
      // As for telemetry: records delivered again after a rebalance are taken in once.
      if (BigInt(message.offset) <= (mergedUpTo.get(batch.partition) ?? -1n)) continue;
      mergedUpTo.set(batch.partition, BigInt(message.offset));
      if (message.value === null) continue;
      const waitsFor = merge.accept(decodePartialRecord(message.value));
      tracker.processed(batch.partition, BigInt(message.offset), waitsFor);
    }
    const last = batch.messages.at(-1);
    if (last) {
      const behind = BigInt(batch.highWatermark) - BigInt(last.offset) - 1n;
      metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(behind));
    }
    const { statuses, runs } = merge.advance(snapshotAt);
    await publishStatuses(statuses, runs);
    publisher.resume();
    const offset = tracker.committable(merge.emittedThrough).get(batch.partition);
    if (offset === undefined) return;
    await publisher.commit(mergeConsumer, topics.partials.name, [
      {
        partition: batch.partition,
        offset,
        metadata: JSON.stringify({ emittedThrough: merge.emittedThrough }),
      },
    ]);
  };

  const publishStatuses = async (statuses: GroupStatus[], runs: GroupRun[]) => {
    if (statuses.length === 0) return;
    const now = Date.now();
    await publisher.retry('writing statuses to ClickHouse', () => sink.writeStatuses(statuses, now));
    const events = statusEvents(statuses, {
      ...config.iec,
      ...config.iec.namespaces.statuses,
      timestamp: () => now,
    });
    await publisher.send([
      { topic: topics.statuses.name, messages: statuses.map(statusRecord) },
      { topic: topics.dmsStatuses.name, messages: events.map(iecStatusRecord) },
      {
        topic: topics.groupRuns.name,
        messages: runs.map((run) => ({ key: run.groupId, value: encodeGroupRun(run) })),
      },
    ]);
    counts.statuses += statuses.length;
    writtenCounts.statuses = counts.statuses;
    publisher.countStatuses(statuses);
    for (const status of statuses) statusVersions.next(status);
    options.onProgress?.({ ...writtenCounts });
  };

  // ---- consumers ----
  /**
   * On each join, partitions no longer held are dropped, those kept are held again (the
   * silence before a join, or a fetch gap, was the source's), those newly held restored.
   */
  const follow = (
    consumer: Consumer,
    name: string,
    topic: string,
    owned: Map<number, unknown>,
    revoke: (partition: number) => void,
    restore: (partitions: number[]) => Promise<void>,
    hold: () => void,
    aligned?: PartitionAlignment,
  ) => {
    loop.watch(consumer, name, health, () =>
      loop.inTurn(`holding ${topic} failed`, async () => {
        aligned?.restarted();
        hold();
      }),
    );
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = payload.memberAssignment[topic] ?? [];
      loop.inTurn(`resuming ${topic} failed`, async () => {
        aligned?.rejoined();
        for (const partition of [...owned.keys()]) if (!assigned.includes(partition)) revoke(partition);
        hold();
        const added = assigned.filter((partition) => !owned.has(partition));
        if (added.length > 0) await retryUntilDone(`resuming ${topic}`, () => restore(added), retry);
      });
    });
  };
  follow(
    telemetryConsumer,
    'telemetry',
    topics.telemetry.name,
    telemetryPartitions,
    (partition) => telemetryPartitions.delete(partition),
    restoreSources,
    () => {
      for (const { source } of telemetryPartitions.values()) source.hold(Date.now());
    },
    alignment,
  );
  follow(
    mergeConsumer,
    'partials',
    topics.partials.name,
    merges,
    (partition) => {
      merges.delete(partition);
      mergeCommits.delete(partition);
      mergedUpTo.delete(partition);
    },
    restoreMerges,
    // A merge has no idleness of its own: the markers say which partitions are idle.
    () => undefined,
  );

  for (const [consumer, topic, eachBatch] of [
    [mergeConsumer, topics.partials.name, loop.eachBatch(handlePartials, services.heartbeatIntervalMs)],
    [
      telemetryConsumer,
      topics.telemetry.name,
      loop.eachBatch(handleTelemetry, services.heartbeatIntervalMs, ({ room }) => room),
    ],
  ] as const) {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
  }
  log(
    `scaled: consuming ${topics.telemetry.name} as ${options.consumerGroup} and ${topics.partials.name} as ${options.consumerGroup}.merge; statuses to ${clickhouse.description} and ${topics.statuses.name}`,
  );

  let reported = Date.now();
  const ticker = setInterval(() => {
    const now = Date.now();
    const watermark = pipelineWatermark();
    if (now - reported >= 10_000) {
      reported = now;
      log(
        `scaled: ${counts.valid} valid, ${counts.invalid} dead-lettered, ${counts.late} late readings, ` +
          `${counts.statuses} status versions; telemetry partitions [${partitionList(telemetryPartitions.keys())}], ` +
          `partials partitions [${partitionList(merges.keys())}], watermark ${Number.isFinite(watermark) ? new Date(watermark).toISOString() : 'none yet'}`,
      );
    }
    if (merges.size === 0) health.noWatermarkHeld();
    else health.watermarkIs(watermark);
    if (Number.isFinite(watermark)) metrics.observeWatermark(watermark);
    metrics.devicesTracked.set(
      [...telemetryPartitions.values()].reduce((n, { source }) => n + source.deviceCount, 0),
    );
    metrics.groupsTracked.set(membership.groupIds().length);
    // Idle partitions move on with the pipeline's watermark, and markers are repeated.
    loop.inTurn('a write failed for good', async () => {
      await flushSources(now);
      publisher.resume();
      alignSources();
    });
  }, 1000);

  await loop.untilStopped();
  clearInterval(ticker);
  alignment.stop();
  // The batches in hand finish, and their telemetry lands and commits while the consumers
  // are still in their groups (a stopped one cannot commit); then both leave and close.
  const settle = async () => {
    await loop.drain();
    await telemetryWriter.drain();
  };
  try {
    telemetryConsumer.pause([{ topic: topics.telemetry.name }]);
  } catch {
    // Not running (kafkajs restarting it): it fetches nothing meanwhile.
  }
  await settle();
  await Promise.allSettled([telemetryConsumer.stop(), mergeConsumer.stop()]);
  await settle();
  await http.close();
  statusVersions.complete();
  await Promise.allSettled([telemetryConsumer.disconnect(), mergeConsumer.disconnect()]);
  await services.close();
  log(
    `scaled: stopped after ${counts.valid} valid, ${counts.invalid} dead-lettered, ${counts.late} late readings, ${counts.statuses} status versions`,
  );
  loop.finish();
  return counts;
}

/** A progress marker to every partials partition: each merge waits for every source partition. */
function markerRecords(marker: ProgressMarker, partitions: number): Message[] {
  const value = encodePartialRecord({ kind: 'progress', marker });
  return Array.from({ length: partitions }, (_, partition) => ({
    key: `@${marker.partition}`,
    partition,
    value,
  }));
}

/** The committed offsets of `groupId` on `topic`, with the metadata committed with them. */
async function committedOffsets(
  kafka: Kafka,
  config: DerstreamConfig,
  groupId: string,
  topic: string,
): Promise<Map<number, { offset: bigint; metadata: Record<string, unknown> }>> {
  const admin = await connectAdmin(kafka, config.kafka);
  const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] }).finally(() => admin.disconnect());
  const committed = new Map<number, { offset: bigint; metadata: Record<string, unknown> }>();
  for (const p of fetched?.partitions ?? []) {
    if (BigInt(p.offset) < 0n) continue;
    committed.set(p.partition, {
      offset: BigInt(p.offset),
      metadata: JSON.parse(p.metadata || '{}') as Record<string, unknown>,
    });
  }
  return committed;
}

/** Partitions for a log line, in numeric order (as assigned they come in any order, or as text: 0,1,10,2). */
function partitionList(partitions: Iterable<number>): string {
  return [...partitions].sort((a, b) => a - b).join(',');
}
