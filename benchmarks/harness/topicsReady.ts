import { Admin } from 'kafkajs';
import { ensureTopics, TopicSpec } from '../../pipelines/io/kafka/topicSetup';

/**
 * `ensureTopics`, again while the broker does not yet know a topic it has just created:
 * with KRaft, kafkajs's wait for leaders can see UNKNOWN_TOPIC_OR_PARTITION for a
 * moment after the create returned (more often when the broker is busy, e.g. deleting
 * another run's topics), and kafkajs retries only LEADER_NOT_AVAILABLE.
 */
export async function topicsReady(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureTopics(admin, specs);
      return;
    } catch (error) {
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION' || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
