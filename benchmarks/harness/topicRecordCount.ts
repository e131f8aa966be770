import { Kafka } from 'kafkajs';
import { topicEnds } from '../../pipelines/io/kafka/topicEnds';

/**
 * Records on a topic now: the sum over partitions of end minus beginning offsets. Asked
 * right after a run produced its fleet, when a broker busy creating or deleting topics
 * can answer NOT_LEADER_OR_FOLLOWER for a moment (seen in CI): `topicEnds` asks again.
 */
export async function topicRecordCount(kafka: Kafka, topic: string): Promise<number> {
  const ends = await topicEnds(kafka, topic);
  return ends.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
}
