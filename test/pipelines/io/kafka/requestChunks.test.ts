import { TopicMessages } from 'kafkajs';
import { MAX_REQUEST_BYTES, requestChunks } from '../../../../pipelines/io/kafka/requestChunks';

const message = (key: string, bytes: number) => ({ key, value: Buffer.alloc(bytes, 120) });
const keys = (chunks: TopicMessages[][]) =>
  chunks.map((chunk) => chunk.map((t) => `${t.topic}:${t.messages.map((m) => String(m.key)).join(',')}`));

describe('requestChunks', () => {
  it('leaves what fits in one request as one request', () => {
    const input = [
      { topic: 'a', messages: [message('1', 100), message('2', 100)] },
      { topic: 'b', messages: [message('3', 100)] },
    ];
    expect(keys(requestChunks(input))).toEqual([['a:1,2', 'b:3']]);
  });

  it('splits by bytes, keeping each topic in order across requests', () => {
    const input = [
      { topic: 'a', messages: [message('1', 400), message('2', 400), message('3', 400)] },
      { topic: 'b', messages: [message('4', 400)] },
    ];
    expect(keys(requestChunks(input, 1000))).toEqual([['a:1,2'], ['a:3', 'b:4']]);
  });

  it('sends a message larger than the limit alone', () => {
    const input = [{ topic: 'a', messages: [message('1', 10), message('big', 5000), message('2', 10)] }];
    expect(keys(requestChunks(input, 1000))).toEqual([['a:1'], ['a:big'], ['a:2']]);
  });

  it('keeps every request of a large burst under the default limit, counting headers', () => {
    const burst = Array.from({ length: 20_000 }, (_, i) => ({
      key: `device-${i}`,
      value: Buffer.alloc(120),
      headers: { 'derstream-reason': 'LATE', 'derstream-detail': 'window ended at or before the watermark' },
    }));
    const chunks = requestChunks([{ topic: 'late', messages: burst }]);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.flatMap((c) => c.flatMap((t) => t.messages))).toEqual(burst);
    for (const chunk of chunks) {
      const bytes = chunk
        .flatMap((t) => t.messages)
        .reduce(
          (n, m) =>
            n +
            String(m.key).length +
            (m.value as Buffer).length +
            Object.entries(m.headers ?? {}).reduce((h, [k, v]) => h + k.length + String(v).length, 0),
          0,
        );
      expect(bytes).toBeLessThan(MAX_REQUEST_BYTES);
    }
  });
});
