import { DerstreamConfig } from '../../topologies/config';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { connectRegistry } from '../../pipelines/io/registry/schemaRegistry';
import { DerstreamError, messageOf } from '../../pipelines/errors';

/** The local stack is not there: what is missing and how to start it, in one line. */
export class StackDownError extends DerstreamError {
  constructor(detail: string) {
    super(
      'STACK_DOWN',
      `the benchmark needs Kafka and the schema registry (bash ops/stack.sh up): ${detail}`,
      false,
    );
  }
}

/**
 * Checks that the broker and the registry the configuration names answer, before a
 * benchmark produces anything. It never starts or stops the stack: that belongs to
 * whoever started it.
 */
export async function checkStack(config: DerstreamConfig): Promise<void> {
  try {
    const admin = await connectAdmin(createKafka(config.kafka, { retries: 1 }), config.kafka);
    await admin.disconnect();
    await connectRegistry(config.registry);
  } catch (error) {
    throw new StackDownError(messageOf(error));
  }
}
