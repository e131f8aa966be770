import { GroupVersion } from '../../../pipelines/membership/groupVersion';
import { MembershipState } from '../../../pipelines/membership/membershipState';

const MIN = 60_000;

function version(groupId: string, effectiveFrom: number, deviceIds: string[], name?: string): GroupVersion {
  const v: GroupVersion = {
    groupId,
    effectiveFrom,
    deleted: false,
    members: deviceIds.map((deviceId) => ({ deviceId, ratedPower: 1000 })),
  };
  if (name !== undefined) v.name = name;
  return v;
}

function deletion(groupId: string, effectiveFrom: number): GroupVersion {
  return { groupId, effectiveFrom, deleted: true, members: [] };
}

describe('MembershipState.versionAt', () => {
  const state = new MembershipState();
  state.apply(version('g', 10 * MIN, ['d1'], 'first'));
  state.apply(deletion('g', 20 * MIN));
  state.apply(version('g', 30 * MIN, ['d2'], 'recreated'));
  state.apply(version('g', 15 * MIN, ['d1', 'd3'], 'changed')); // arrives out of order

  it('has no version before the first one takes effect', () => {
    expect(state.versionAt('g', 5 * MIN)).toBeUndefined();
    expect(state.versionAt('unknown', 100 * MIN)).toBeUndefined();
  });

  it('uses the version with the largest effectiveFrom strictly before the window end', () => {
    expect(state.versionAt('g', 10 * MIN)).toBeUndefined();
    expect(state.versionAt('g', 10 * MIN + 1)?.name).toBe('first');
    expect(state.versionAt('g', 15 * MIN)?.name).toBe('first');
    expect(state.versionAt('g', 16 * MIN)?.name).toBe('changed');
    expect(state.versionAt('g', 20 * MIN)?.name).toBe('changed');
  });

  it('has no version while the group is deleted, and the new one after re-creation', () => {
    expect(state.versionAt('g', 21 * MIN)).toBeUndefined();
    expect(state.versionAt('g', 30 * MIN)).toBeUndefined();
    expect(state.versionAt('g', 31 * MIN)?.name).toBe('recreated');
    expect(state.versionAt('g', 1e15)?.members).toEqual([{ deviceId: 'd2', ratedPower: 1000 }]);
  });

  it('lists every group id sorted, deleted ones included', () => {
    const s = new MembershipState();
    for (const id of ['b', 'a', 'c']) s.apply(version(id, 0, []));
    s.apply(deletion('a', MIN));
    expect(s.groupIds()).toEqual(['a', 'b', 'c']);
  });
});

describe('MembershipState.apply', () => {
  it('replaces the version with the same (groupId, effectiveFrom), so replaying twice changes nothing', () => {
    const log = [version('g', 0, ['d1']), version('g', MIN, ['d1', 'd2']), deletion('g', 2 * MIN)];
    const once = new MembershipState();
    const twice = new MembershipState();
    for (const v of log) once.apply(v);
    for (const v of [...log, ...log]) twice.apply(v);
    for (const end of [0, 1, MIN, MIN + 1, 2 * MIN, 2 * MIN + 1]) {
      expect(twice.versionAt('g', end)).toEqual(once.versionAt('g', end));
    }
    twice.apply(version('g', MIN, ['d9']));
    expect(twice.versionAt('g', MIN + 1)?.members.map((m) => m.deviceId)).toEqual(['d9']);
    expect(twice.versionAt('g', 1)?.members.map((m) => m.deviceId)).toEqual(['d1']);
  });
});

describe('MembershipState.snapshotAt', () => {
  function fleet(): MembershipState {
    const state = new MembershipState();
    state.apply(version('g2', 0, ['d1', 'd2']));
    state.apply(version('g1', 0, ['d1']));
    state.apply(version('g3', 2 * MIN, ['d1']));
    state.apply(deletion('g2', 3 * MIN));
    return state;
  }

  it('holds the live groups and, per device, its groups sorted by groupId with its member entry', () => {
    const state = fleet();
    const at1 = state.snapshotAt(MIN);
    expect([...at1.groups.keys()].sort()).toEqual(['g1', 'g2']);
    expect(at1.groupsOfDevice('d1')).toEqual([
      { groupId: 'g1', member: { deviceId: 'd1', ratedPower: 1000 } },
      { groupId: 'g2', member: { deviceId: 'd1', ratedPower: 1000 } },
    ]);
    expect(at1.groupsOfDevice('d2').map((m) => m.groupId)).toEqual(['g2']);
    expect(at1.groupsOfDevice('nobody')).toEqual([]);

    const at3 = state.snapshotAt(3 * MIN); // g3 (from 2 min) is in, g2's deletion (at 3 min) not yet
    expect([...at3.groups.keys()].sort()).toEqual(['g1', 'g2', 'g3']);
    expect(at3.groupsOfDevice('d1').map((m) => m.groupId)).toEqual(['g1', 'g2', 'g3']);

    const at4 = state.snapshotAt(4 * MIN);
    expect([...at4.groups.keys()].sort()).toEqual(['g1', 'g3']);
    expect(at4.groupsOfDevice('d2')).toEqual([]);
  });

  it('is empty before any version takes effect', () => {
    const state = new MembershipState();
    state.apply(version('g', 5 * MIN, ['d1']));
    const snapshot = state.snapshotAt(5 * MIN);
    expect(snapshot.groups.size).toBe(0);
    expect(snapshot.groupsOfDevice('d1')).toEqual([]);
  });

  it('returns the same object for consecutive ends while nothing takes effect between them', () => {
    const state = fleet();
    const first = state.snapshotAt(MIN);
    expect(state.snapshotAt(MIN)).toBe(first);
    expect(state.snapshotAt(2 * MIN)).toBe(first); // g3 at 2 min is not < 2 min
    const third = state.snapshotAt(3 * MIN); // g3 now in force
    expect(third).not.toBe(first);
    expect(state.snapshotAt(3 * MIN)).toBe(third);
    const fourth = state.snapshotAt(4 * MIN); // g2 deleted at 3 min
    expect(fourth).not.toBe(third);
    expect(state.snapshotAt(5 * MIN)).toBe(fourth);
    expect(state.snapshotAt(60 * MIN)).toBe(fourth);
  });

  it('rebuilds when asked for an earlier end across a change', () => {
    const state = fleet();
    const late = state.snapshotAt(10 * MIN);
    const early = state.snapshotAt(MIN);
    expect(early).not.toBe(late);
    expect(early.groups.has('g2')).toBe(true);
    expect(state.snapshotAt(2 * MIN)).toBe(early);
  });

  it('keeps the snapshot when a version it knows comes again, and rebuilds when anything in it differs', () => {
    const state = fleet();
    const before = state.snapshotAt(10 * MIN);
    // Equal, not the same objects: as when der.groups is read again from its beginning.
    state.apply(version('g1', 0, ['d1']));
    state.apply(deletion('g2', 3 * MIN));
    expect(state.snapshotAt(10 * MIN)).toBe(before);
    const rated = version('g1', 0, ['d1']);
    rated.members[0] = { deviceId: 'd1', ratedPower: 1000, ratedEnergy: 5000 };
    state.apply(rated);
    const after = state.snapshotAt(10 * MIN);
    expect(after).not.toBe(before);
    expect(state.versionAt('g1', 10 * MIN)!.members[0]!.ratedEnergy).toBe(5000);
    state.apply(version('g1', 0, ['d1'], 'named'));
    expect(state.snapshotAt(10 * MIN)).not.toBe(after);
  });

  it('rebuilds after any apply, even one effective elsewhere in time', () => {
    const state = fleet();
    const before = state.snapshotAt(10 * MIN);
    state.apply(version('g1', 0, ['d1', 'd5']));
    const after = state.snapshotAt(10 * MIN);
    expect(after).not.toBe(before);
    expect(after.groupsOfDevice('d5').map((m) => m.groupId)).toEqual(['g1']);
    expect(before.groupsOfDevice('d5')).toEqual([]); // an old snapshot is not mutated
    expect(state.snapshotAt(11 * MIN)).toBe(after);
  });
});
