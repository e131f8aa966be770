import { CommitTracker } from '../../../../pipelines/io/kafka/commitTracker';

describe('CommitTracker', () => {
  it('commits past a record only once its window is emitted, and never past an earlier unfinished one', () => {
    const tracker = new CommitTracker();
    tracker.processed(0, 10n, 60_000);
    tracker.processed(0, 11n); // invalid: done with its batch
    tracker.processed(0, 12n, 120_000);
    tracker.processed(0, 13n, 60_000); // disorder: an earlier window after a later one
    tracker.processed(3, 5n);
    expect(tracker.committable(0)).toEqual(
      new Map([
        [0, 10n],
        [3, 6n],
      ]),
    );
    // Window 60 s is out: 10 is done, 12 is not, so 13 must wait behind it.
    expect(tracker.committable(60_000)).toEqual(
      new Map([
        [0, 12n],
        [3, 6n],
      ]),
    );
    expect(tracker.committable(120_000)).toEqual(
      new Map([
        [0, 14n],
        [3, 6n],
      ]),
    );
  });

  it("releases a gateway's record once the last window of its readings is out, whatever their order", () => {
    const tracker = new CommitTracker();
    tracker.processed(0, 20n, 60_000);
    tracker.processed(0, 20n, 180_000);
    tracker.processed(0, 20n, 120_000);
    tracker.processed(0, 21n, 60_000);
    expect(tracker.committable(60_000).get(0)).toBe(20n);
    expect(tracker.committable(120_000).get(0)).toBe(20n);
    expect(tracker.committable(180_000).get(0)).toBe(22n);
    tracker.processed(0, 22n, 240_000);
    tracker.processed(0, 22n, 240_000);
    expect(tracker.committable(180_000).get(0)).toBe(22n);
    expect(tracker.committable(240_000).get(0)).toBe(23n);
  });

  it('stays linear over a long backlog and forgets revoked partitions', () => {
    const tracker = new CommitTracker();
    for (let i = 0; i < 300_000; i++) tracker.processed(1, BigInt(i), 60_000 * (1 + Math.floor(i / 10_000)));
    let last = 0n;
    for (let end = 60_000; end <= 60_000 * 31; end += 60_000) {
      const offset = tracker.committable(end).get(1)!;
      expect(offset >= last).toBe(true);
      last = offset;
    }
    expect(last).toBe(300_000n);
    tracker.revoke(1);
    expect(tracker.committable(Infinity).size).toBe(0);
  });

  it('commits what a record-by-record tracker commits, over random disorder, gateways and releases', () => {
    // The reference: an entry per record, released in order.
    const reference = (
      records: { offset: bigint; windowEnd: number }[],
      through: bigint,
      emitted: number,
    ) => {
      const pending = records.find((r) => r.windowEnd > emitted);
      return pending === undefined ? through + 1n : pending.offset;
    };
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const tracker = new CommitTracker();
      const records = new Map<bigint, number>();
      let emitted = 0;
      let offset = 0n;
      for (let step = 0; step < 60; step++) {
        const readings = 1 + random(3);
        for (let r = 0; r < readings; r++) {
          const windowEnd = random(5) === 0 ? undefined : 60_000 * (1 + random(6));
          tracker.processed(0, offset, windowEnd);
          if (windowEnd !== undefined) records.set(offset, Math.max(records.get(offset) ?? 0, windowEnd));
        }
        if (random(4) === 0) {
          emitted += 60_000 * random(2);
          const pending = [...records].map(([o, windowEnd]) => ({ offset: o, windowEnd }));
          expect(tracker.committable(emitted).get(0)).toBe(reference(pending, offset, emitted));
        }
        offset++;
      }
    }
  });
});
