import { TopicSpec } from '../pipelines/io/kafka/topicSetup';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Every Kafka topic derstream reads or writes. `derstream setup` creates the missing
 * ones; nothing else creates topics (the local broker has auto-creation off).
 */
export const TOPICS = {
  telemetry: {
    name: 'der.telemetry',
    partitions: 12,
    retentionMs: 7 * DAY_MS,
    compacted: false,
    description: 'per-device readings, Avro (Confluent wire format), key = device mRID',
  },
  groups: {
    name: 'der.groups',
    partitions: 1,
    retentionMs: -1,
    compacted: true,
    description: 'DERGroups create/change/delete, key = group mRID; compacted, replayed at start-up',
  },
  deadLetter: {
    name: 'der.dead-letter',
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    compacted: false,
    description: 'invalid input, original bytes, reason code in the header',
  },
  late: {
    name: 'der.late',
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    compacted: false,
    description: 'readings that arrived after their window closed for good',
  },
  statuses: {
    name: 'der.statuses',
    partitions: 12,
    retentionMs: 7 * DAY_MS,
    compacted: false,
    description: 'every status version as canonical JSON (SEMANTICS.md §4), key = group mRID',
  },
  partials: {
    name: 'der.partials',
    partitions: 12,
    retentionMs: DAY_MS,
    compacted: false,
    description:
      'scaled out (DERSTREAM_SCALE_OUT=partials): partial aggregates, key = group mRID, and progress markers of every telemetry partition on every partition',
  },
  deviceReadings: {
    name: 'der.device-readings',
    partitions: 12,
    retentionMs: -1,
    compacted: true,
    // A device's newer reading is written before the commit that puts it in force; until
    // then a restore needs the older one, so compaction must not take it away at once.
    minCompactionLagMs: DAY_MS,
    description:
      "scaled out: changelog of each device's latest committed reading, on its telemetry partition's number, key = device mRID",
  },
  groupRuns: {
    name: 'der.group-runs',
    partitions: 12,
    retentionMs: -1,
    compacted: true,
    description:
      "scaled out: changelog of each group's run of statuses (first and last window), key = group mRID, co-partitioned with der.partials",
  },
  dmsStatuses: {
    name: 'dms.DERGroupStatuses',
    partitions: 3,
    retentionMs: 7 * DAY_MS,
    compacted: false,
    description: 'ChangedDERGroupStatuses events (IEC 61968-5 in the 61968-100 envelope)',
  },
  dmsForecasts: {
    name: 'dms.DERGroupForecasts',
    partitions: 3,
    retentionMs: 7 * DAY_MS,
    compacted: false,
    description: 'CreatedDERGroupForecasts events',
  },
  dmsRequests: {
    name: 'dms.requests',
    partitions: 3,
    retentionMs: 7 * DAY_MS,
    compacted: false,
    description: 'IEC 61968-100 requests: queries and DERGroups create/change/delete',
  },
  dmsReplies: {
    name: 'dms.replies',
    partitions: 3,
    retentionMs: 7 * DAY_MS,
    compacted: false,
    description: 'IEC 61968-100 replies, CorrelationID = the request MessageID',
  },
} as const satisfies Record<string, TopicSpec>;

export type Topics = { [K in keyof typeof TOPICS]: TopicSpec };

/**
 * The topics with `prefix` before every name (`DERSTREAM_TOPIC_PREFIX`): several
 * pipelines, or a test, can share one cluster without sharing data.
 */
export function prefixedTopics(prefix: string): Topics {
  const topics = {} as Record<string, TopicSpec>;
  for (const [key, spec] of Object.entries(TOPICS)) topics[key] = { ...spec, name: `${prefix}${spec.name}` };
  return topics as Topics;
}
