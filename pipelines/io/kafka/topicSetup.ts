import { Admin } from 'kafkajs';
import { DerstreamError } from '../../errors';

/** A topic as derstream needs it; `topologies/topics.ts` declares them all. */
export interface TopicSpec {
  name: string;
  partitions: number;
  /** How long records are kept; `-1` forever. */
  retentionMs: number;
  /** Keep only the latest record per key (membership, changelogs). */
  compacted: boolean;
  /**
   * For a compacted topic: how long a record stays even when a newer one has its key
   * (`min.compaction.lag.ms`), for changelogs whose newest record is not yet in force.
   */
  minCompactionLagMs?: number;
  /** What flows on it, for `derstream topics` and the README. */
  description: string;
}

/** A topic exists with fewer partitions than declared; keys would map differently, so no silent fix. */
export class TopicMismatchError extends DerstreamError {
  constructor(name: string, found: number, wanted: number) {
    super(
      'TOPIC_MISMATCH',
      `topic ${name} has ${found} partitions where ${wanted} are declared; create it anew or change topologies/topics.ts`,
      false,
    );
  }
}

export interface TopicSetupResult {
  created: string[];
  existing: string[];
}

/**
 * Creates the declared topics that do not exist yet; running it again changes nothing.
 * Existing topics are checked for their partition count, since telemetry keys are
 * spread over partitions and a different count breaks per-device order.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<TopicSetupResult> {
  const present = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !present.has(spec.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.name,
        numPartitions: spec.partitions,
        replicationFactor: -1,
        configEntries: [
          { name: 'cleanup.policy', value: spec.compacted ? 'compact' : 'delete' },
          { name: 'retention.ms', value: String(spec.retentionMs) },
          ...(spec.minCompactionLagMs === undefined
            ? []
            : [{ name: 'min.compaction.lag.ms', value: String(spec.minCompactionLagMs) }]),
        ],
      })),
    });
  }
  const existing = specs.filter((spec) => present.has(spec.name));
  if (existing.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: existing.map((spec) => spec.name) });
    for (const topic of metadata.topics) {
      const wanted = specs.find((spec) => spec.name === topic.name)!.partitions;
      if (topic.partitions.length !== wanted)
        throw new TopicMismatchError(topic.name, topic.partitions.length, wanted);
    }
  }
  return { created: missing.map((spec) => spec.name), existing: existing.map((spec) => spec.name) };
}
