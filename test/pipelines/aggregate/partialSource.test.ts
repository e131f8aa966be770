import { PartialSource } from '../../../pipelines/aggregate/partialSource';
import { MembershipState } from '../../../pipelines/membership/membershipState';
import { defaultSemantics } from '../../../pipelines/statusEngine';
import { reading } from '../../support/readings';

const semantics = defaultSemantics(60_000);
const membership = new MembershipState();
membership.apply({
  groupId: 'g1',
  effectiveFrom: 0,
  deleted: false,
  members: [{ deviceId: 'd1' }, { deviceId: 'd2' }],
});
const snapshotAt = (end: number) => membership.snapshotAt(end);

describe('the partial producer of one source partition', () => {
  it('sends the partials of each window once its own watermark has passed it, then a marker', () => {
    const source = new PartialSource(4, semantics, 0);
    source.reading(reading('d1', 50_000, { activePower: 3 }), 0);
    expect(source.advance(0, -Infinity, snapshotAt)).toEqual({
      partials: [],
      marker: { partition: 4, watermark: 45_000, through: 0, idle: false },
    });
    source.reading(reading('d2', 185_000, { activePower: 4 }), 0);
    const { partials, marker } = source.advance(0, -Infinity, snapshotAt);
    expect(partials.map((p) => [p.windowEnd, p.fresh, p.reporting])).toEqual([
      [60_000, 1, 1],
      [120_000, 1, 0],
      [180_000, 1, 0],
    ]);
    expect(marker).toEqual({ partition: 4, watermark: 180_000, through: 180_000, idle: false });
  });

  it('judges late a reading whose window it has sent, unless read again after a restore', () => {
    const source = new PartialSource(0, semantics, 0);
    source.reading(reading('d1', 125_000), 0);
    source.advance(0, -Infinity, snapshotAt);
    expect(source.through).toBe(120_000);
    expect(source.reading(reading('d2', 119_000), 0)).toBe(false);
    expect(source.reading(reading('d2', 119_000), 0, true)).toBe(true);
    expect(source.reading(reading('d2', 121_000), 0)).toBe(true);
  });

  it('held after the source was silent: idle only once the idle timeout has passed again', () => {
    const source = new PartialSource(0, semantics, 0);
    source.reading(reading('d1', 65_000), 0);
    source.hold(35_000);
    expect(source.advance(40_000, 600_000, snapshotAt).marker).toMatchObject({
      through: 60_000,
      idle: false,
    });
    expect(source.advance(65_000, 600_000, snapshotAt).marker).toMatchObject({
      through: 600_000,
      idle: true,
    });
  });

  it('idle (no reading for the idle timeout, no backlog), follows the pipeline watermark', () => {
    const source = new PartialSource(0, semantics, 0);
    source.reading(reading('d1', 65_000), 0);
    expect(source.advance(29_999, 600_000, snapshotAt).marker).toMatchObject({
      through: 60_000,
      idle: false,
    });
    source.setBacklog(true);
    expect(source.advance(40_000, 600_000, snapshotAt).marker).toMatchObject({
      through: 60_000,
      idle: false,
    });
    source.setBacklog(false);
    const { partials, marker } = source.advance(40_000, 600_000, snapshotAt);
    expect(marker).toMatchObject({ through: 600_000, idle: true });
    // d1 carried fresh for S = 180 s, then stale.
    expect(partials.map((p) => [p.windowEnd, p.fresh, p.stale])).toEqual([
      [120_000, 1, 0],
      [180_000, 1, 0],
      [240_000, 1, 0],
      [300_000, 0, 1],
      [360_000, 0, 1],
      [420_000, 0, 1],
      [480_000, 0, 1],
      [540_000, 0, 1],
      [600_000, 0, 1],
    ]);
  });

  it('resumes from a commit with the devices’ latest readings and the windows already sent', () => {
    const source = new PartialSource(0, semantics, 0);
    source.restore([reading('d1', 100_000, { activePower: 8 })], 120_000);
    expect(source.reading(reading('d2', 110_000), 0)).toBe(false);
    source.reading(reading('d2', 190_000, { activePower: 1 }), 0);
    const { partials } = source.advance(0, -Infinity, snapshotAt);
    expect(partials.map((p) => [p.windowEnd, p.fresh, p.reporting])).toEqual([[180_000, 1, 0]]);
  });
});
