import { Message, Partitioners } from 'kafkajs';
import { createKafka } from '../../../pipelines/io/kafka/kafkaClient';
import { readPartitions } from '../../../pipelines/io/kafka/readPartitions';
import { Secret } from '../../../pipelines/io/kafka/kafkaConfig';
import { librdkafkaSender } from '../../../benchmarks/simulator/librdkafkaSender';
import { RecordSender } from '../../../benchmarks/simulator/recordSender';
import { runId, testConfig, topicForTests } from '../../support/services';

const PARTITIONS = 12;

/** The simulator's librdkafka client against the real broker (built by ops/install.sh). */
describe('librdkafkaSender', () => {
  const config = testConfig();
  const kafka = createKafka(config.kafka);
  const topic = `test-${runId()}.simulator-librdkafka`;
  topicForTests(kafka, config.kafka, topic, PARTITIONS);

  it('delivers every record by close(), each key on the partition kafkajs gives it, in order', async () => {
    const opened = await librdkafkaSender(config.kafka);
    if ('unavailable' in opened)
      throw new Error(`librdkafka: ${opened.unavailable}; run bash ops/install.sh`);
    const sender: RecordSender = opened;
    const devices = 500;
    const records: Message[] = [];
    for (let round = 0; round < 4; round++)
      for (let d = 0; d < devices; d++) records.push({ key: `device-${d}`, value: Buffer.from(`${round}`) });
    for (let i = 0; i < records.length; i += 700) await sender.send(topic, records.slice(i, i + 700));
    await sender.close();

    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
      partitionId,
      partitionErrorCode: 0,
      leader: 0,
      replicas: [],
      isr: [],
    }));
    const read = new Map<string, { partition: number; rounds: string[] }>();
    const partitions = Array.from({ length: PARTITIONS }, (_, p) => p);
    await readPartitions(kafka, topic, partitions, (partition, message) => {
      const key = message.key!.toString();
      const seen = read.get(key) ?? { partition, rounds: [] };
      expect(seen.partition).toBe(partition);
      seen.rounds.push(message.value!.toString());
      read.set(key, seen);
    });
    expect(read.size).toBe(devices);
    for (const [key, { partition, rounds }] of read) {
      expect(partition).toBe(partitioner({ topic, partitionMetadata, message: { key, value: null } }));
      expect(rounds).toEqual(['0', '1', '2', '3']);
    }
  });

  it('leaves brokers that need TLS or SASL to kafkajs, saying so', async () => {
    const opened = await librdkafkaSender({
      ...config.kafka,
      securityProtocol: 'SASL_SSL',
      sasl: { mechanism: 'scram-sha-512', username: 'derstream', password: new Secret('not-logged') },
    });
    expect(opened).toEqual({ unavailable: 'the brokers are SASL_SSL, kept to kafkajs here' });
  });
});
