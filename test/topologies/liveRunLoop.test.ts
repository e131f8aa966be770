import { Batch, EachBatchPayload } from 'kafkajs';
import { LiveRunLoop } from '../../topologies/liveRunLoop';

/** What kafkajs hands `eachBatch`, for one batch whose last record is at `offset`. */
const payload = (partition: number, offset: string, resolved: string[]) =>
  ({
    batch: { partition, messages: [{ offset }] } as unknown as Batch,
    heartbeat: async () => undefined,
    resolveOffset: (o: string) => resolved.push(`${partition}@${o}`),
  }) as unknown as EachBatchPayload;

describe('LiveRunLoop', () => {
  it('runs work in turns, in the order given, a failed turn not blocking the next', async () => {
    const loop = new LiveRunLoop(new AbortController().signal, () => undefined);
    const order: string[] = [];
    let release: () => void = () => undefined;
    const first = loop.serial(async () => {
      order.push('first started');
      await new Promise<void>((resolve) => (release = resolve));
      order.push('first done');
    });
    const failing = loop.serial(() => Promise.reject(new Error('refused')));
    const third = loop.serial(async () => {
      order.push('third');
      return 3;
    });
    await Promise.resolve();
    release();
    await first;
    await expect(failing).rejects.toThrow('refused');
    await expect(third).resolves.toBe(3);
    expect(order).toEqual(['first started', 'first done', 'third']);
  });

  it('stops on the first failure and throws it once closed', async () => {
    const loop = new LiveRunLoop(new AbortController().signal, () => undefined);
    loop.fail(new Error('first'));
    loop.fail(new Error('second'));
    await loop.untilStopped();
    expect(() => loop.finish()).toThrow('first');
  });

  it('stops without an error when aborted', async () => {
    const controller = new AbortController();
    const loop = new LiveRunLoop(controller.signal, () => undefined);
    controller.abort();
    await loop.untilStopped();
    expect(() => loop.finish()).not.toThrow();
  });

  it('logs and stops when work nobody awaits fails, after the turn in hand', async () => {
    const log: string[] = [];
    const loop = new LiveRunLoop(new AbortController().signal, (line) => log.push(line));
    const done: string[] = [];
    loop.inTurn('a write failed for good', async () => {
      done.push('tick');
      throw new Error('table is gone');
    });
    await loop.untilStopped();
    await loop.drain();
    expect(done).toEqual(['tick']);
    expect(log).toEqual(['run: stopping, a write failed for good: table is gone']);
    expect(() => loop.finish()).toThrow('table is gone');
  });

  it('handles a batch in its turn, then hands the result on out of turn, and resolves its offset after both', async () => {
    const loop = new LiveRunLoop(new AbortController().signal, () => undefined);
    const order: string[] = [];
    const resolved: string[] = [];
    const writes: (() => void)[] = [];
    const eachBatch = loop.eachBatch(
      async (batch) => {
        order.push(`handled ${batch.partition}`);
        return batch.partition;
      },
      1000,
      (partition) =>
        new Promise<void>((resolve) => {
          order.push(`writing ${partition}`);
          writes.push(resolve);
        }),
    );
    const first = eachBatch(payload(0, '41', resolved));
    const second = eachBatch(payload(1, '7', resolved));
    await new Promise((r) => setImmediate(r));
    const inHand = { order: [...order], resolved: [...resolved] };
    writes[1]?.();
    await second;
    const afterSecond = [...resolved];
    writes[0]?.();
    await first;
    // The first batch's write held no turn: the second batch was handled meanwhile.
    expect(inHand).toEqual({ order: ['handled 0', 'writing 0', 'handled 1', 'writing 1'], resolved: [] });
    expect(afterSecond).toEqual(['1@7']);
    expect(resolved).toEqual(['1@7', '0@41']);
  });
});
