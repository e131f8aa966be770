import { GroupStatus, toCanonicalJson } from '../../../pipelines/aggregate/groupStatus';

describe('toCanonicalJson', () => {
  const status: GroupStatus = {
    groupId: 'feeder-7',
    windowStart: 1714564800000,
    windowEnd: 1714564860000,
    version: 2,
    members: 3,
    reporting: 2,
    fresh: 2,
    stale: 1,
    silent: 0,
    connected: 2,
    activePower: 1500.25,
    reactivePower: null,
    maxActivePower: 9000,
    minActivePower: -3000,
    headroomUp: 7499.75,
    headroomDown: 4500.25,
    stateOfCharge: 55.5,
    storedEnergy: null,
    voltageMin: 229.1,
    voltageMax: 241.3,
  };

  it('writes every field in the canonical order, nulls included', () => {
    expect(toCanonicalJson(status)).toBe(
      '{"groupId":"feeder-7","windowStart":1714564800000,"windowEnd":1714564860000,"version":2,' +
        '"members":3,"reporting":2,"fresh":2,"stale":1,"silent":0,"connected":2,"activePower":1500.25,' +
        '"reactivePower":null,"maxActivePower":9000,"minActivePower":-3000,"headroomUp":7499.75,' +
        '"headroomDown":4500.25,"stateOfCharge":55.5,"storedEnergy":null,"voltageMin":229.1,"voltageMax":241.3}',
    );
  });

  it('gives equal statuses equal bytes whatever order their fields were set in', () => {
    const reversed = Object.fromEntries(Object.entries(status).reverse()) as unknown as GroupStatus;
    expect(JSON.stringify(reversed)).not.toBe(JSON.stringify(status));
    expect(toCanonicalJson(reversed)).toBe(toCanonicalJson(status));
  });

  it('leaves out fields that are not part of a status', () => {
    const extended = { ...status, note: 'not canonical' } as GroupStatus;
    expect(toCanonicalJson(extended)).toBe(toCanonicalJson(status));
  });
});
