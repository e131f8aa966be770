import { PartitionLead } from '../../../pipelines/window/partitionLead';

const W = 60_000;
const marks = (entries: [number, number][]) => new Map(entries);

describe('PartitionLead', () => {
  it('pauses a partition more than the lead ahead, and resumes it within half of it', () => {
    const lead = new PartitionLead(W);
    // Partition 1 holds the watermark at 0; 2 is exactly one lead ahead (allowed), 3 beyond.
    expect(
      lead.update(
        0,
        marks([
          [1, 0],
          [2, W],
          [3, W + 1],
        ]),
      ),
    ).toEqual({ pause: [3], resume: [] });
    // Already paused: not paused again, and not resumed while still beyond half the lead.
    expect(
      lead.update(
        W / 2 - 1,
        marks([
          [1, W / 2 - 1],
          [2, W],
          [3, W + 1],
        ]),
      ),
    ).toEqual({
      pause: [],
      resume: [],
    });
    expect(
      lead.update(
        W / 2 + 1,
        marks([
          [1, W / 2 + 1],
          [2, W],
          [3, W + 1],
        ]),
      ),
    ).toEqual({
      pause: [],
      resume: [3],
    });
  });

  it('never pauses the partition that holds the watermark, so the pipeline moves on', () => {
    const lead = new PartitionLead(1);
    const { pause } = lead.update(
      100,
      marks([
        [0, 100],
        [1, 5_000],
        [2, 9_000],
      ]),
    );
    expect(pause).toEqual([1, 2]);
  });

  it('resumes everything while there is no watermark, and a partition no longer read', () => {
    const lead = new PartitionLead(W);
    expect(
      lead.update(
        0,
        marks([
          [0, 0],
          [1, 5 * W],
          [2, 5 * W],
        ]),
      ).pause,
    ).toEqual([1, 2]);
    expect(
      lead.update(
        0,
        marks([
          [0, 0],
          [1, 5 * W],
        ]),
      ),
    ).toEqual({ pause: [], resume: [2] });
    expect(
      lead.update(
        -Infinity,
        marks([
          [0, -Infinity],
          [1, 5 * W],
        ]),
      ),
    ).toEqual({ pause: [], resume: [1] });
    // Nothing is ahead of no watermark.
    expect(
      lead.update(
        -Infinity,
        marks([
          [0, -Infinity],
          [1, 9 * W],
        ]),
      ),
    ).toEqual({ pause: [], resume: [] });
  });

  it('forgets its pauses on reset and pauses nothing with a lead of 0', () => {
    const lead = new PartitionLead(W);
    lead.update(
      0,
      marks([
        [0, 0],
        [1, 2 * W],
        [2, 3 * W],
      ]),
    );
    expect(lead.reset()).toEqual([1, 2]);
    expect(
      lead.update(
        0,
        marks([
          [0, 0],
          [1, 2 * W],
        ]),
      ),
    ).toEqual({ pause: [1], resume: [] });
    const off = new PartitionLead(0);
    expect(
      off.update(
        0,
        marks([
          [0, 0],
          [1, 100 * W],
        ]),
      ),
    ).toEqual({ pause: [], resume: [] });
  });
});
