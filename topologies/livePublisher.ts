import { Consumer, Message, Producer, TopicMessages } from 'kafkajs';
import { GroupStatus } from '../pipelines/aggregate/groupStatus';
import { messageOf } from '../pipelines/errors';
import { PipelineMetrics } from '../pipelines/io/http/pipelineMetrics';
import { HEADERS } from '../pipelines/io/kafka/outputRecords';
import { requestChunks } from '../pipelines/io/kafka/requestChunks';
import { retryUntilDone } from '../pipelines/io/retryUntilDone';
import { LiveHealth } from './liveReadiness';

export interface LivePublisherPorts {
  producer: Producer;
  metrics: PipelineMetrics;
  health: LiveHealth;
  /** What is paused while a write is retried: each consumer with the topic it reads. */
  consuming: readonly { consumer: Consumer; topic: string }[];
  log: (line: string) => void;
  signal: AbortSignal;
}

/**
 * The writes of a `derstream run` instance, each retried until done (unless its error
 * says trying again cannot help), and what they count on `/metrics`.
 *
 * Backpressure: while a write is being retried nothing new is read (the batch in hand
 * waits too), so a slow or failing ClickHouse or broker holds the consumers instead of
 * filling memory; {@link resume} once the writes in hand are done.
 */
export class LivePublisher {
  private paused = false;

  constructor(private readonly ports: LivePublisherPorts) {}

  /** Whether consuming is paused for a retried write (a pause of the whole topic). */
  get pausing(): boolean {
    return this.paused;
  }

  /** `work` (idempotent) until it succeeds, consuming paused from its first failure. */
  retry<T>(what: string, work: () => Promise<T>): Promise<T> {
    return retryUntilDone(what, work, {
      log: this.ports.log,
      signal: this.ports.signal,
      onRetry: () => this.pause(),
    });
  }

  /** Sends and waits for acks = all, in requests of at most 1 MB, each retried until done. */
  async send(topicMessages: readonly TopicMessages[]): Promise<void> {
    const nonEmpty = topicMessages.filter((t) => t.messages.length > 0);
    for (const chunk of requestChunks(nonEmpty)) {
      await this.retry('publishing to Kafka', () =>
        this.ports.producer.sendBatch({ topicMessages: chunk, acks: -1 }),
      );
      this.ports.health.brokerSeen();
    }
  }

  /**
   * Commits `offsets` of `topic` with their metadata. A failed commit does not stop the
   * run: everything below these offsets is written, a later commit covers them, and
   * until then a restart only reads them again (the writes land on the same keys).
   */
  async commit(
    consumer: Consumer,
    topic: string,
    offsets: readonly { partition: number; offset: bigint; metadata: string }[],
  ): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await consumer.commitOffsets(offsets.map((o) => ({ ...o, topic, offset: String(o.offset) })));
      this.ports.health.brokerSeen();
    } catch (error) {
      this.ports.log(`run: commit of ${topic} failed, the next one covers it: ${messageOf(error)}`);
    }
  }

  /** The writes in hand are done: consuming goes on. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const { consumer, topic } of this.ports.consuming) quietly(() => consumer.resume([{ topic }]));
    this.ports.metrics.consumerPaused.set(0);
    this.ports.log('run: consuming resumed');
  }

  /** Readings written: `valid` counted, the dead-lettered by reason, the late. */
  countReadings(valid: number, rejected: readonly Message[], late: number): void {
    const { metrics } = this.ports;
    for (const record of rejected) {
      const reason = String(record.headers?.[HEADERS.reason] ?? 'UNKNOWN');
      metrics.readings.inc({ result: 'invalid', reason });
      metrics.deadLetters.inc({ reason });
    }
    if (late > 0) metrics.readings.inc({ result: 'late' }, late);
    if (valid > 0) metrics.readings.inc({ result: 'valid' }, valid);
  }

  /** Status versions acknowledged on Kafka. */
  countStatuses(statuses: readonly GroupStatus[]): void {
    for (const status of statuses) {
      this.ports.metrics.statusesEmitted.inc({ verb: status.version === 1 ? 'created' : 'changed' });
      this.ports.metrics.observePublished(status.windowEnd);
    }
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const { consumer, topic } of this.ports.consuming) quietly(() => consumer.pause([{ topic }]));
    this.ports.metrics.consumerPaused.set(1);
    this.ports.log('run: consuming paused until the writes in hand succeed');
  }
}

/**
 * kafkajs refuses to pause or resume a consumer not running (not started yet, or being
 * restarted after a crash): it fetches nothing then, and starts again unpaused.
 */
export function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // Nothing to pause or resume.
  }
}
