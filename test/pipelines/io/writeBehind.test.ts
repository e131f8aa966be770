import { WriteBehind, WriteBehindCapacity } from '../../../pipelines/io/writeBehind';

/** A write the test finishes by hand, recording what it took. */
function manualWrites(limit?: WriteBehindCapacity<string>) {
  const taken: string[][] = [];
  const finish: ((error?: Error) => void)[] = [];
  const writer = new WriteBehind<string>(
    (take) =>
      new Promise<void>((resolve, reject) => {
        taken.push(take());
        finish.push((error) => (error ? reject(error) : resolve()));
      }),
    limit,
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

  it('gives room at once while what waits weighs no more than its capacity, then only when the write before is done', async () => {
    const { writer, taken, finish } = manualWrites({ capacity: 5, weigh: (item) => item.length });
    writer.add('a');
    await new Promise((r) => setImmediate(r));
    const bc = writer.add('bc');
    const def = writer.add('def');
    expect(await settled(bc.room)).toBe('done');
    expect(await settled(def.room)).toBe('done');
    const g = writer.add('g');
    expect(await settled(g.room)).toBe('pending');
    expect(g.written).toBe(bc.written);

    finish[0]!();
    expect(await settled(g.room)).toBe('done');
    expect(taken).toEqual([['a'], ['bc', 'def', 'g']]);
    expect(await settled(writer.add('hijkl').room)).toBe('done');
    expect(await settled(writer.add('m').room)).toBe('pending');
    finish[1]!();
    await new Promise((r) => setImmediate(r));
    finish[2]!();
    await writer.drain();
    expect(taken).toEqual([['a'], ['bc', 'def', 'g'], ['hijkl', 'm']]);
  });

  it('tells what waits for the next write, by weight, until the write takes it', async () => {
    const { writer, finish } = manualWrites({ capacity: 5, weigh: (item) => item.length });
    writer.add('a');
    await new Promise((r) => setImmediate(r));
    expect(writer.waiting).toBe(0);
    writer.add('bc');
    writer.add('def');
    expect(writer.waiting).toBe(5);
    finish[0]!();
    await new Promise((r) => setImmediate(r));
    expect(writer.waiting).toBe(0);
    finish[1]!();
    await writer.drain();
  });
});
