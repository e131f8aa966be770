import { LiveRunLoop } from '../../topologies/liveRunLoop';

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
});
