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
    const decoded = decodePartialRecord(encodePartialRecord({ kind: 'partial', partial: partial! }));
    expect(decoded).toEqual({ kind: 'partial', partial });
  });

  it('carry a group id of any characters, -0, and voltage bounds present or not', () => {
    const partial = emptyPartial(11, 59_999, 'grüppe/東', 60_000);
    Object.assign(partial, { reporting: 4, fresh: 3, stale: 1, socCount: 2, voltageMax: 241.5 });
    partial.reactivePower.push(-0);
    partial.activePower.push(1e-3, 1e16, 2 ** 60);
    for (const voltageMin of [null, 229.5]) {
      partial.voltageMin = voltageMin;
      const decoded = decodePartialRecord(encodePartialRecord({ kind: 'partial', partial }));
      expect(decoded).toEqual({ kind: 'partial', partial });
      if (decoded.kind === 'partial') expect(Object.is(decoded.partial.reactivePower[0], -0)).toBe(true);
    }
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

  it('lay a partial out as documented, so that records already on the topic stay readable', () => {
    const counts = ['reporting', 'fresh', 'stale', 'connected', 'reactivePowerCount', 'maxActivePowerCount']
      .concat(['minActivePowerCount', 'socCount', 'socWithoutEnergy', 'storedEnergyCount'])
      .map((name, i) => [name, i + 1] as const);
    const sums = ['activePower', 'reactivePower', 'maxActivePower', 'minActivePower', 'activePowerWithMax']
      .concat(['activePowerWithMin', 'socWeighted', 'socWeight', 'socPlain', 'storedEnergy'])
      .map((name, i) => [name, [i + 0.5]] as const);
    const bytes: number[] = [1];
    const push = (size: number, write: (b: Buffer) => void) => {
      const b = Buffer.alloc(size);
      write(b);
      bytes.push(...b);
    };
    push(4, (b) => b.writeUInt32LE(7));
    push(8, (b) => b.writeDoubleLE(-Infinity));
    push(8, (b) => b.writeDoubleLE(120_000));
    push(2, (b) => b.writeUInt16LE(2));
    bytes.push(...Buffer.from('g9'));
    for (const [, value] of counts) push(4, (b) => b.writeUInt32LE(value));
    for (const [, terms] of sums) {
      push(2, (b) => b.writeUInt16LE(1));
      push(8, (b) => b.writeDoubleLE(terms[0]!));
    }
    bytes.push(2);
    push(8, (b) => b.writeDoubleLE(241));
    expect(decodePartialRecord(Buffer.from(bytes))).toEqual({
      kind: 'partial',
      partial: {
        ...emptyPartial(7, -Infinity, 'g9', 120_000),
        ...Object.fromEntries(counts),
        ...Object.fromEntries(sums),
        voltageMax: 241,
      },
    });
    const marker = Buffer.alloc(22);
    marker[0] = 2;
    marker.writeUInt32LE(4, 1);
    marker.writeDoubleLE(59_000, 5);
    marker.writeDoubleLE(-Infinity, 13);
    marker[21] = 1;
    expect(decodePartialRecord(marker)).toEqual({
      kind: 'progress',
      marker: { partition: 4, watermark: 59_000, through: -Infinity, idle: true },
    });
  });

  it('read the JSON records that versions before the binary forms wrote', () => {
    const partial = emptyPartial(2, -Infinity, 'g1', 60_000);
    partial.activePower.push(1e16, 0.25);
    partial.reporting = 2;
    const json = JSON.stringify({ kind: 'partial', ...partial, watermark: null });
    expect(decodePartialRecord(Buffer.from(json))).toEqual({ kind: 'partial', partial });
    const marker = { partition: 5, watermark: 120_000, through: -Infinity, idle: false };
    const progress = JSON.stringify({ kind: 'progress', ...marker, through: null });
    expect(decodePartialRecord(Buffer.from(progress))).toEqual({ kind: 'progress', marker });
  });

  it('refuse what derstream did not write', () => {
    const partial = encodePartialRecord({ kind: 'partial', partial: emptyPartial(0, 0, 'g1', 60_000) });
    const marker = encodePartialRecord({
      kind: 'progress',
      marker: { partition: 0, watermark: 0, through: 0, idle: true },
    });
    const refused = [
      Buffer.from('not json'),
      Buffer.from('{"kind":"partial","groupId":"g1"}'),
      Buffer.from('null'),
      Buffer.alloc(0),
      Buffer.from([3, ...partial.subarray(1)]),
      partial.subarray(0, partial.length - 1),
      Buffer.concat([partial, Buffer.from([0])]),
      Buffer.from([...partial.subarray(0, partial.length - 1), 4]),
      partial.subarray(0, 30),
      marker.subarray(0, marker.length - 1),
      Buffer.from([...marker.subarray(0, marker.length - 1), 2]),
    ];
    for (const bytes of refused) expect(() => decodePartialRecord(bytes)).toThrow(PartialRecordError);
  });
});
