import { windowEndOf } from '../../../pipelines/window/tumblingWindow';
import { Watermarks } from '../../../pipelines/window/watermarks';

describe('windowEndOf', () => {
  it('aligns windows to the epoch; a reading at the boundary opens the next window', () => {
    expect(windowEndOf(0, 60_000)).toBe(60_000);
    expect(windowEndOf(59_999, 60_000)).toBe(60_000);
    expect(windowEndOf(60_000, 60_000)).toBe(120_000);
    expect(windowEndOf(1_767_225_630_000, 60_000)).toBe(1_767_225_660_000);
  });
});

describe('Watermarks', () => {
  it('is the largest ts seen minus B, and never goes back', () => {
    const w = new Watermarks(5000, 30_000);
    expect(w.watermark).toBe(-Infinity);
    expect(w.observe(0, 100_000, 0)).toBe(95_000);
    expect(w.observe(0, 90_000, 1)).toBe(95_000);
    expect(w.observe(0, 101_000, 2)).toBe(96_000);
  });

  it('is the smallest over active partitions', () => {
    const w = new Watermarks(5000, 30_000);
    w.observe(0, 100_000, 0);
    expect(w.observe(1, 50_000, 0)).toBe(95_000);
    // Partition 1 joined behind: the watermark does not go back, but partition 1 now holds it.
    expect(w.observe(0, 200_000, 1)).toBe(95_000);
    expect(w.observe(1, 150_000, 2)).toBe(145_000);
    expect(w.partitionWatermark(0)).toBe(195_000);
  });

  it('lets an idle partition stop holding the watermark back, until it delivers again', () => {
    const w = new Watermarks(5000, 30_000);
    w.observe(0, 100_000, 0);
    w.observe(1, 60_000, 0);
    w.observe(0, 200_000, 10_000);
    expect(w.watermark).toBe(95_000);
    expect(w.tick(29_999)).toBe(95_000);
    // Partition 1 has been silent for 30 s of processing time: only partition 0 counts.
    expect(w.tick(30_000)).toBe(195_000);
    // It wakes up far behind: the watermark stays where it was.
    expect(w.observe(1, 70_000, 31_000)).toBe(195_000);
  });

  it('stays put when every partition is idle', () => {
    const w = new Watermarks(0, 1000);
    w.observe(0, 10_000, 0);
    expect(w.tick(5000)).toBe(10_000);
    expect(w.advanceTo(60_000)).toBe(60_000);
  });
});

describe('Watermarks with assigned partitions', () => {
  it('holds the watermark while an assigned partition has delivered nothing, until it goes idle', () => {
    const w = new Watermarks(5000, 30_000);
    w.assign(0, 0);
    w.assign(1, 0);
    expect(w.observe(0, 500_000, 1000)).toBe(-Infinity);
    expect(w.observe(1, 100_000, 2000)).toBe(95_000);
    w.assign(2, 3000);
    expect(w.observe(0, 600_000, 4000)).toBe(95_000);
    w.observe(1, 100_000, 10_000);
    // Partition 2 never delivers: 30 s after its assignment it stops holding; partition 1 still does.
    expect(w.tick(33_000)).toBe(95_000);
    w.revoke(1);
    expect(w.tick(33_000)).toBe(595_000);
  });
});

describe('Watermarks with a backlog', () => {
  it('never treats a partition with records still to read as idle', () => {
    const w = new Watermarks(0, 30_000);
    w.observe(0, 100_000, 0);
    w.setBacklog(0, true);
    // 50 s without a reading of partition 0, but it has records waiting: it still holds.
    expect(w.observe(1, 500_000, 50_000)).toBe(100_000);
    expect(w.tick(60_000)).toBe(100_000);
    w.setBacklog(0, false);
    expect(w.tick(60_000)).toBe(500_000);
  });
});

describe('Watermarks holding idle partitions when one wakes', () => {
  // Three partitions silent past the idle timeout, then a backfill on all of them.
  const silent = (holdIdleOnWake: boolean) => {
    const w = new Watermarks(5000, 30_000, holdIdleOnWake);
    for (const partition of [0, 1, 2]) w.observe(partition, 100_000, 0);
    return w;
  };

  it('without it, lets the first partition read carry the watermark past the others', () => {
    const w = silent(false);
    expect(w.observe(0, 400_000, 40_000)).toBe(395_000);
    expect(w.wakeCount).toBe(0);
  });

  it('holds the watermark at the idle ones until their backlogs are known, then lets it go', () => {
    const w = silent(true);
    expect(w.observe(0, 400_000, 40_000)).toBe(95_000);
    expect(w.wakeCount).toBe(1);
    // Partition 1 has records to read, partition 2 none: it goes back to being idle.
    w.setBacklog(1, true);
    w.setBacklog(2, false);
    expect(w.tick(40_001)).toBe(95_000);
    expect(w.observe(1, 390_000, 40_002)).toBe(385_000);
    expect(w.wakeCount).toBe(1);
  });

  it('does not count a partition delivering within the idle timeout as waking', () => {
    const w = silent(true);
    expect(w.observe(0, 120_000, 29_999)).toBe(95_000);
    expect(w.wakeCount).toBe(0);
  });
});

describe('Watermarks after a rebalance', () => {
  it('keeps the partitions still assigned, drops the others, and holds for the new ones', () => {
    const w = new Watermarks(0, 30_000);
    w.assignExactly([0, 1], 0);
    w.observe(0, 100_000, 0);
    expect(w.observe(1, 50_000, 0)).toBe(50_000);
    // Partition 1 goes to another instance; partition 2 comes to us and has delivered nothing yet.
    w.assignExactly([0, 2], 1000);
    expect(w.observe(0, 200_000, 1000)).toBe(50_000);
    expect(w.observe(2, 150_000, 2000)).toBe(150_000);
  });
});

describe('Watermarks after a join that follows an outage', () => {
  it('does not count the silence before the join as idleness', () => {
    const w = new Watermarks(0, 30_000);
    w.assignExactly([0, 1], 0);
    w.observe(0, 100_000, 0);
    expect(w.observe(1, 100_000, 0)).toBe(100_000);
    // The broker is out for a minute: nothing is read, both partitions fall silent.
    expect(w.tick(60_000)).toBe(100_000);
    // The consumer joins again; partition 0 is read first, with newer readings.
    w.assignExactly([0, 1], 60_000);
    expect(w.observe(0, 200_000, 60_100)).toBe(100_000);
    // Partition 1's waiting readings are not late: it still held the watermark.
    expect(w.observe(1, 150_000, 60_200)).toBe(150_000);
    // Once silent for the idle timeout after that, it stops holding it.
    expect(w.observe(0, 210_000, 90_000)).toBe(150_000);
    expect(w.tick(90_200)).toBe(210_000);
  });
});
