import { isUtf8 } from 'node:buffer';
import { IHeaders, KafkaMessage } from 'kafkajs';
import { ConfigError } from '../../pipelines/errors';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { readPartitions } from '../../pipelines/io/kafka/readPartitions';
import { DerstreamConfig } from '../config';

/** A record's key or value as a line can show it: text as it is, anything else described. */
type Shown = string | null | { avro: { schemaId: number }; bytes: number } | { base64: string };

/**
 * `derstream topic NAME`: every record a topic holds now, each partition's in order (the
 * partitions interleaved), one JSON line each (`partition`, `offset`, `timestamp`, `key`, `headers`, `value`), then
 * exits. Text (JSON, XML) is shown as it is; a Confluent-framed Avro record by its schema
 * id and size, other bytes in base64. The topic is named as Kafka knows it (with
 * `DERSTREAM_TOPIC_PREFIX`, if one is set). This is how to look at `der.statuses`,
 * `der.dead-letter` or `dms.replies` without Kafka's own tools, which the local stack
 * does not install.
 */
export async function topic(config: DerstreamConfig, name: string | undefined, log: (line: string) => void) {
  if (name === undefined) throw new ConfigError('topic', 'name the topic, e.g. der.statuses');
  const kafka = createKafka(config.kafka);
  const admin = await connectAdmin(kafka, config.kafka);
  let partitions: number[];
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(name)) {
      const ours = Object.values(config.topics).map((t) => t.name);
      throw new ConfigError('topic', `no topic "${name}" on the brokers (derstream's: ${ours.join(', ')})`);
    }
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [name] })).topics;
    partitions = (metadata?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
  } finally {
    await admin.disconnect();
  }
  await readPartitions(kafka, name, partitions, (partition, message) => log(recordLine(partition, message)));
}

/** One record as a JSON line. */
export function recordLine(partition: number, message: KafkaMessage): string {
  return JSON.stringify({
    partition,
    offset: Number(message.offset),
    timestamp: new Date(Number(message.timestamp)).toISOString(),
    key: shown(message.key),
    headers: headerTexts(message.headers),
    value: shown(message.value),
  });
}

function shown(bytes: Buffer | null | undefined): Shown {
  if (bytes === null || bytes === undefined) return null;
  if (bytes.length >= 5 && bytes[0] === 0)
    return { avro: { schemaId: bytes.readInt32BE(1) }, bytes: bytes.length };
  return isUtf8(bytes) ? bytes.toString('utf8') : { base64: bytes.toString('base64') };
}

function headerTexts(headers: IHeaders | undefined): Record<string, string | string[]> {
  const text = (value: Buffer | string | undefined) => (value === undefined ? '' : value.toString());
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.map(text) : text(value as Buffer | string | undefined),
    ]),
  );
}
