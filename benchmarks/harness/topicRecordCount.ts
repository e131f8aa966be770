import { Admin } from 'kafkajs';

/**
 * Records on a topic now: the sum over partitions of end minus beginning offsets.
 *
 * A retriable refusal is asked again with fresh metadata: with KRaft a broker busy
 * creating or deleting topics can answer NOT_LEADER_OR_FOLLOWER for a moment while
 * kafkajs's metadata still names the leader it had, and kafkajs's admin does not retry
 * it (seen in CI, right after a run produced its fleet).
 */
export async function topicRecordCount(admin: Admin, topic: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    }
  }
}
