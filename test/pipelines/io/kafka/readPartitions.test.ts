import { Kafka } from 'kafkajs';
import { createKafka } from '../../../../pipelines/io/kafka/kafkaClient';
import { readPartitions } from '../../../../pipelines/io/kafka/readPartitions';
import { runId, testConfig, topicForTests } from '../../../support/services';

describe('a changelog read to its end on the real broker', () => {
  const config = testConfig();
  const kafka: Kafka = createKafka(config.kafka);
  const topic = `test-${runId()}.changelog`;
  topicForTests(kafka, config.kafka, topic, 3);

  beforeAll(async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { partition: 0, key: 'a', value: 'a1' },
        { partition: 1, key: 'd', value: 'd1' },
        { partition: 0, key: 'b', value: 'b1' },
        { partition: 0, key: 'a', value: 'a2' },
      ],
    });
    await producer.disconnect();
  });

  const read = async (partitions: number[], onValue: (value: string) => void = () => undefined) => {
    const seen: string[] = [];
    await readPartitions(kafka, topic, partitions, (partition, message) => {
      const value = message.value!.toString();
      onValue(value);
      seen.push(`${partition}:${message.key!.toString()}=${value}`);
    });
    return seen;
  };

  it("gives each asked partition's records in order, and ends with the last", async () => {
    expect((await read([0, 1, 2])).sort()).toEqual(['0:a=a1', '0:a=a2', '0:b=b1', '1:d=d1']);
    expect(await read([0])).toEqual(['0:a=a1', '0:b=b1', '0:a=a2']);
    expect(await read([2])).toEqual([]);
  });

  it('ends with the error of a record the caller cannot read, instead of reading it again for ever', async () => {
    const refused = new Error('record b1 cannot be read');
    let calls = 0;
    await expect(
      read([0], (value) => {
        calls++;
        if (value === 'b1') throw refused;
      }),
    ).rejects.toBe(refused);
    expect(calls).toBe(2);
  }, 60_000);
});
