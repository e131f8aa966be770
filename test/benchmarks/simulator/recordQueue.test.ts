import { Message } from 'kafkajs';
import { RecordQueue } from '../../../benchmarks/simulator/recordQueue';
import { RecordSender } from '../../../benchmarks/simulator/recordSender';

/**
 * RecordQueue's own flow: what reaches the client, in which order and when. The real
 * clients are tested against the broker (librdkafkaSender.test.ts, pacedSimulator.test.ts),
 * where a full client queue cannot be made to happen on purpose; here the client is a
 * stand-in that only keeps what it is given.
 */
describe('RecordQueue', () => {
  const topic = 'telemetry';
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  /** Like librdkafka: queues one record at once while it has room, else `send` waits for room. */
  function queueingClient(room: number) {
    const delivered: string[] = [];
    let free = room;
    const take = (key: Buffer | string) => {
      if (free === 0) return false;
      free--;
      delivered.push(key.toString());
      return true;
    };
    const sender: RecordSender = {
      queue: (_topic, key) => take(key),
      async send(_topic, messages: Message[]) {
        for (const message of messages) while (!take(message.key as Buffer)) await tick();
      },
      close: async () => undefined,
    };
    return { sender, delivered, drain: () => (free = room) };
  }

  /** Adds records key-0 … key-(count-1), each carrying two readings, as the paced simulator does. */
  async function addAll(queue: RecordQueue, count: number, between?: () => void): Promise<void> {
    for (let i = 0; i < count; i++) {
      if (queue.add(Buffer.from(`key-${i}`), Buffer.from([i]), 2)) await queue.sendFull();
      between?.();
    }
    await queue.settled();
  }

  it("queues straight into a client's own queue while it has room, and keeps the order once it is full", async () => {
    const client = queueingClient(3);
    const queue = new RecordQueue(client.sender, topic, 100);
    const draining = setInterval(client.drain, 1);
    try {
      await addAll(queue, 40);
    } finally {
      clearInterval(draining);
    }
    expect(client.delivered).toEqual(Array.from({ length: 40 }, (_, i) => `key-${i}`));
    expect(queue.messages).toBe(40);
    expect(queue.sent).toBe(80);
  });

  it('queues nothing straight ahead of a record that waits for room', async () => {
    const client = queueingClient(2);
    const queue = new RecordQueue(client.sender, topic, 100);
    // Full after two: the third waits in a request; the fourth must not slip in when room comes.
    let added = 0;
    await addAll(queue, 6, () => {
      if (++added >= 3) client.drain();
    });
    expect(client.delivered).toEqual(['key-0', 'key-1', 'key-2', 'key-3', 'key-4', 'key-5']);
    expect(queue.sent).toBe(12);
  });

  it('sends requests of at most batchSize, one in flight, and reports each as acknowledged', async () => {
    const requests: string[][] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const sender: RecordSender = {
      async send(_topic, messages) {
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await tick();
        requests.push(messages.map((message) => (message.key as Buffer).toString()));
        inFlight--;
      },
      close: async () => undefined,
    };
    const progress: [number, number][] = [];
    const queue = new RecordQueue(sender, topic, 4, (sent, messages) => progress.push([sent, messages]));
    await addAll(queue, 10);
    expect(requests.flat()).toEqual(Array.from({ length: 10 }, (_, i) => `key-${i}`));
    expect(Math.max(...requests.map((request) => request.length))).toBe(4);
    expect(mostInFlight).toBe(1);
    expect(progress.at(-1)).toEqual([20, 10]);
    expect(progress.length).toBe(requests.length);
  });

  it('throws what a request failed with, at the next record and when settling', async () => {
    const sender: RecordSender = {
      send: async () => {
        throw new Error('broker said no');
      },
      close: async () => undefined,
    };
    const queue = new RecordQueue(sender, topic, 1);
    expect(queue.add('a', Buffer.from([1]), 1)).toBe(true);
    await queue.sendFull();
    await tick();
    expect(() => queue.add('b', Buffer.from([2]), 1)).toThrow('broker said no');
    await expect(queue.settled()).rejects.toThrow('broker said no');
    expect(queue.sent).toBe(0);
  });
});
