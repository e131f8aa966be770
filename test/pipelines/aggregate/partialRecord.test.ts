import { emptyPartial } from '../../../pipelines/aggregate/partialAggregate';
import { PartialStage } from '../../../pipelines/aggregate/partialStage';
import { MembershipState } from '../../../pipelines/membership/membershipState';
import {
  PartialRecordError,
  decodePartialRecord,
  encodePartialRecord,
} from '../../../pipelines/aggregate/partialRecord';
import { reading } from '../../support/readings';

describe('the records of the partials topic', () => {
  it('carry a partial aggregate exactly, sums as their exact terms', () => {
    const membership = new MembershipState();
    membership.apply({
      groupId: 'g1',
      effectiveFrom: 0,
      deleted: false,
      members: [{ deviceId: 'd1', ratedEnergy: 1e4 }, { deviceId: 'd2' }, { deviceId: 'd3' }],
    });
    const stage = new PartialStage(3, (ts) => Math.floor(ts / 60_000) * 60_000 + 60_000, 180_000);
    stage.add(reading('d1', 100_000, { activePower: 0.1, stateOfCharge: 50, maxActivePower: 3 }));
    stage.add(reading('d2', 10_000, { activePower: 1e16, voltage: 230 }));
    stage.add(reading('d3', 110_000, { activePower: -1e16 + 0.2, voltage: 240, connected: false }));
    const [partial] = stage.partials(120_000, membership.snapshotAt(120_000), 119_000);
    expect(partial).toMatchObject({ partition: 3, groupId: 'g1', fresh: 3, watermark: 119_000 });
    const decoded = decodePartialRecord(
      Buffer.from(encodePartialRecord({ kind: 'partial', partial: partial! })),
    );
    expect(decoded).toEqual({ kind: 'partial', partial });
  });

  it('carry a watermark not known yet (-Infinity, which JSON cannot hold)', () => {
    const partial = emptyPartial(0, -Infinity, 'g1', 60_000);
    expect(decodePartialRecord(encodePartialRecord({ kind: 'partial', partial }))).toEqual({
      kind: 'partial',
      partial,
    });
    const marker = { partition: 7, watermark: -Infinity, through: -Infinity, idle: true };
    expect(decodePartialRecord(encodePartialRecord({ kind: 'progress', marker }))).toEqual({
      kind: 'progress',
      marker,
    });
  });

  it('refuse what derstream did not write', () => {
    expect(() => decodePartialRecord('not json')).toThrow(PartialRecordError);
    expect(() => decodePartialRecord('{"kind":"partial","groupId":"g1"}')).toThrow(/unknown record/);
    expect(() => decodePartialRecord('null')).toThrow(PartialRecordError);
  });
});
