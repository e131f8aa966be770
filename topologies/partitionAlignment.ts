import { Consumer } from 'kafkajs';
import { PipelineMetrics } from '../pipelines/io/http/pipelineMetrics';
import { PartitionLead } from '../pipelines/window/partitionLead';
import { LivePublisher, quietly } from './livePublisher';

/**
 * Watermark alignment of a `derstream run` instance's telemetry consumer: applies
 * {@link PartitionLead}'s answers to the consumer, and counts the pauses.
 *
 * kafkajs keeps one pause state per topic: the publisher's pause of the whole topic
 * (a retried write) clears these partitions' pauses and its resume frees every
 * partition, so while the publisher pauses, alignment forgets its own.
 */
export class PartitionAlignment {
  private readonly lead: PartitionLead;
  private active = true;

  constructor(
    private readonly ports: {
      consumer: Consumer;
      topic: string;
      publisher: LivePublisher;
      metrics: PipelineMetrics;
    },
    maxLeadMs: number,
  ) {
    this.lead = new PartitionLead(maxLeadMs);
  }

  /** After the watermarks moved (in turn): pauses the partitions too far ahead, resumes those back. */
  align(watermark: number, partitionWatermarks: ReadonlyMap<number, number>): void {
    if (!this.active) return;
    if (this.ports.publisher.pausing) {
      this.lead.reset();
      return;
    }
    const { pause, resume } = this.lead.update(watermark, partitionWatermarks);
    const { consumer, topic } = this.ports;
    if (resume.length > 0) quietly(() => consumer.resume([{ topic, partitions: resume }]));
    if (pause.length > 0) {
      quietly(() => consumer.pause([{ topic, partitions: pause }]));
      this.ports.metrics.partitionLeadPauses.inc(pause.length);
    }
  }

  /** The consumer was restarted by kafkajs, which starts it unpaused: every pause is gone. */
  restarted(): void {
    this.lead.reset();
  }

  /** A rebalance: the assignment starts anew, and the partitions paused until now are resumed. */
  rejoined(): void {
    const resumed = this.lead.reset();
    if (!this.active || this.ports.publisher.pausing || resumed.length === 0) return;
    const { consumer, topic } = this.ports;
    quietly(() => consumer.resume([{ topic, partitions: resumed }]));
  }

  /** The run stops: a pause or resume of one partition now would undo the pause of all. */
  stop(): void {
    this.active = false;
  }
}
