import { MergeProgress } from '../../../pipelines/aggregate/mergeProgress';

const marker = (partition: number, through: number, watermark = through, idle = false) => ({
  partition,
  watermark,
  through,
  idle,
});

describe('what a merge partition knows of the source partitions', () => {
  it('has no frontier until every source partition has sent a marker', () => {
    const progress = new MergeProgress(3);
    progress.update(marker(0, 120_000));
    progress.update(marker(2, 180_000));
    expect(progress.frontier).toBe(-Infinity);
    expect(progress.watermark).toBe(-Infinity);
    progress.update(marker(1, 60_000, 65_000));
    expect(progress.frontier).toBe(60_000);
    expect(progress.watermark).toBe(65_000);
  });

  it('follows the latest marker of each partition; its watermark leaves out idle ones and never goes back', () => {
    const progress = new MergeProgress(2);
    progress.update(marker(0, 120_000, 125_000));
    progress.update(marker(1, 60_000, 70_000));
    expect(progress.watermark).toBe(70_000);
    progress.update(marker(1, 60_000, 70_000, true));
    expect(progress.watermark).toBe(125_000);
    // The idle partition's producer follows it, then wakes up behind.
    progress.update(marker(1, 120_000, 70_000, true));
    expect(progress.frontier).toBe(120_000);
    progress.update(marker(1, 120_000, 90_000));
    expect(progress.watermark).toBe(125_000);
    // Every partition idle: nothing moves.
    progress.update(marker(0, 120_000, 125_000, true));
    progress.update(marker(1, 120_000, 90_000, true));
    expect(progress.watermark).toBe(125_000);
  });

  it('after a restore, takes every partition to be through the windows emitted before it', () => {
    const progress = new MergeProgress(3);
    progress.restore(240_000);
    expect(progress.frontier).toBe(240_000);
    progress.update(marker(1, 300_000));
    expect(progress.frontier).toBe(240_000);
    progress.update(marker(0, 300_000));
    progress.update(marker(2, 360_000));
    expect(progress.frontier).toBe(300_000);
  });
});
