import { WriteBehind } from '../../../pipelines/io/writeBehind';

/** A write the test finishes by hand, recording what it took. */
function manualWrites() {
  const taken: string[][] = [];
  const finish: ((error?: Error) => void)[] = [];
  const writer = new WriteBehind<string>(
    (take) =>
      new Promise<void>((resolve, reject) => {
        taken.push(take());
        finish.push((error) => (error ? reject(error) : resolve()));
      }),
  );
  return { writer, taken, finish };
}

const settled = async <T>(promise: Promise<T>) => {
  let state = 'pending';
  promise.then(
    () => (state = 'done'),
    () => (state = 'failed'),
  );
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('WriteBehind', () => {
  it('writes what came in while a write was in flight together in the next, one write at a time', async () => {
    const { writer, taken, finish } = manualWrites();
    const a = writer.add('a');
    await new Promise((r) => setImmediate(r));
    const b = writer.add('b');
    const c = writer.add('c');
    expect(b).toBe(c);
    expect(taken).toEqual([['a']]);
    expect(await settled(a.room)).toBe('done');
    expect(await settled(b.room)).toBe('pending');

    finish[0]!();
    expect(await settled(a.written)).toBe('done');
    expect(await settled(b.room)).toBe('done');
    expect(taken).toEqual([['a'], ['b', 'c']]);
    expect(await settled(b.written)).toBe('pending');

    const d = writer.add('d');
    expect(await settled(d.room)).toBe('pending');
    finish[1]!();
    expect(await settled(b.written)).toBe('done');
    expect(taken).toEqual([['a'], ['b', 'c'], ['d']]);
    finish[2]!();
    await writer.drain();
    expect(await settled(d.written)).toBe('done');
  });

  it('fails every write after a failed one, unrun: they could commit past what it did not write', async () => {
    const { writer, taken, finish } = manualWrites();
    const a = writer.add('a');
    await new Promise((r) => setImmediate(r));
    const b = writer.add('b');
    finish[0]!(new Error('disk full'));
    await expect(a.written).rejects.toThrow('disk full');
    await expect(b.written).rejects.toThrow('disk full');
    await expect(writer.add('c').written).rejects.toThrow('disk full');
    expect(taken).toEqual([['a']]);
    expect(await settled(b.room)).toBe('done');
    await writer.drain();
  });

  it('drains writes queued while draining', async () => {
    const { writer, taken, finish } = manualWrites();
    writer.add('a');
    await new Promise((r) => setImmediate(r));
    const drained = writer.drain();
    writer.add('b');
    finish[0]!();
    await new Promise((r) => setImmediate(r));
    expect(await settled(drained)).toBe('pending');
    finish[1]!();
    await drained;
    expect(taken).toEqual([['a'], ['b']]);
  });
});
