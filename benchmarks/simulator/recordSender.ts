import { Kafka, Message } from 'kafkajs';

/** What the simulator sends its records with (produceReadings). */
export interface RecordSender {
  /**
   * Sends `messages` to `topic`: resolved once they are acknowledged (kafkajs), or once
   * they are queued in a client that delivers them in the background and reports a
   * failure at {@link close} (librdkafka).
   */
  send(topic: string, messages: Message[]): Promise<void>;
  /**
   * For a client that queues records itself (librdkafka): queues one record at once,
   * with no request to fill and no message object; false when its queue is full (then
   * {@link send} it, which waits for room). Throws what failed before.
   */
  queue?(topic: string, key: Buffer | string, value: Buffer): boolean;
  /** Waits until everything sent is acknowledged, and disconnects; throws what failed. */
  close(): Promise<void>;
}

/** kafkajs, idempotent, acks = all: each send one request, acknowledged when it resolves. */
export async function kafkajsSender(kafka: Kafka): Promise<RecordSender> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true });
  await producer.connect();
  return {
    async send(topic, messages) {
      await producer.send({ topic, messages, acks: -1 });
    },
    close: () => producer.disconnect(),
  };
}
