import { seededRandom } from '../../../benchmarks/simulator/fleet';
import { addExact, roundExact } from '../../../pipelines/aggregate/exactSum';
import { PartialAggregate } from '../../../pipelines/aggregate/partialAggregate';
import { PartialStage } from '../../../pipelines/aggregate/partialStage';
import { groupNumbering } from '../../../pipelines/aggregate/stageMembers';
import { GroupVersion } from '../../../pipelines/membership/groupVersion';
import { MembershipState } from '../../../pipelines/membership/membershipState';
import { MembershipSnapshot } from '../../../pipelines/membership/membershipState';
import { TelemetryReading } from '../../../pipelines/telemetryReading';
import { windowEndOf } from '../../../pipelines/window/tumblingWindow';
import { lastReadingsBefore, reading } from '../../support/readings';

const W = 60_000;
const STALENESS = 3 * W;

/**
 * What a partition contributes to each group for a window, straight from SEMANTICS.md
 * §4 over every reading the stage was given: per member, its reading with the largest
 * ts before the end (of equal ts, the last given), fresh when reporting or at most S
 * old. Sums are exact, rounded once (exactSum.ts, tested on its own).
 */
function reference(
  given: readonly TelemetryReading[],
  windowEnd: number,
  snapshot: MembershipSnapshot,
): Map<string, Record<string, number | null>> {
  const last = lastReadingsBefore(given, windowEnd);
  const out = new Map<string, Record<string, number | null>>();
  for (const [groupId, version] of snapshot.groups) {
    const sums: Record<string, number | null> = {
      reporting: 0,
      fresh: 0,
      stale: 0,
      connected: 0,
      activePower: 0,
      reactivePower: null,
      maxActivePower: null,
      minActivePower: null,
      activePowerWithMax: 0,
      activePowerWithMin: 0,
      socPlain: null,
      socWeighted: 0,
      socWeight: 0,
      socWithoutEnergy: 0,
      storedEnergy: null,
      voltageMin: null,
      voltageMax: null,
    };
    let any = false;
    const terms = new Map<string, number[]>();
    const add = (field: string, x: number) => {
      if (!terms.has(field)) terms.set(field, []);
      addExact(terms.get(field)!, x);
    };
    for (const member of version.members) {
      const r = last.get(member.deviceId);
      if (!r) continue;
      any = true;
      const reporting = windowEndOf(r.ts, W) === windowEnd;
      if (!reporting && windowEnd - r.ts > STALENESS) {
        add('stale', 1);
        continue;
      }
      add('fresh', 1);
      if (reporting) add('reporting', 1);
      add('activePower', r.activePower);
      if (r.reactivePower !== null) add('reactivePower', r.reactivePower);
      if (r.voltage !== null) {
        sums.voltageMin = Math.min(sums.voltageMin ?? Infinity, r.voltage);
        sums.voltageMax = Math.max(sums.voltageMax ?? -Infinity, r.voltage);
      }
      if (r.stateOfCharge !== null) {
        add('socPlain', r.stateOfCharge);
        if (member.ratedEnergy === undefined) add('socWithoutEnergy', 1);
        else {
          add('socWeighted', r.stateOfCharge * member.ratedEnergy);
          add('socWeight', member.ratedEnergy);
          add('storedEnergy', (r.stateOfCharge / 100) * member.ratedEnergy);
        }
      }
      if (!r.connected) continue;
      add('connected', 1);
      if (r.maxActivePower !== null) {
        add('maxActivePower', r.maxActivePower);
        add('activePowerWithMax', r.activePower);
      }
      if (r.minActivePower !== null) {
        add('minActivePower', r.minActivePower);
        add('activePowerWithMin', r.activePower);
      }
    }
    for (const [field, fieldTerms] of terms) sums[field] = roundExact(fieldTerms);
    if (any) out.set(groupId, sums);
  }
  return out;
}

/** The same figures from a stage's partial. */
function figures(partial: PartialAggregate): Record<string, number | null> {
  const sum = (terms: number[], count: number) => (count === 0 ? null : roundExact(terms));
  return {
    reporting: partial.reporting,
    fresh: partial.fresh,
    stale: partial.stale,
    connected: partial.connected,
    activePower: roundExact(partial.activePower),
    reactivePower: sum(partial.reactivePower, partial.reactivePowerCount),
    maxActivePower: sum(partial.maxActivePower, partial.maxActivePowerCount),
    minActivePower: sum(partial.minActivePower, partial.minActivePowerCount),
    activePowerWithMax: roundExact(partial.activePowerWithMax),
    activePowerWithMin: roundExact(partial.activePowerWithMin),
    socPlain: sum(partial.socPlain, partial.socCount),
    socWeighted: roundExact(partial.socWeighted),
    socWeight: roundExact(partial.socWeight),
    socWithoutEnergy: partial.socWithoutEnergy,
    storedEnergy: sum(partial.storedEnergy, partial.storedEnergyCount),
    voltageMin: partial.voltageMin,
    voltageMax: partial.voltageMax,
  };
}

function randomFleet(random: () => number, devices: number, groups: number): GroupVersion[] {
  return Array.from({ length: groups }, (_, g) => ({
    groupId: `g${g}`,
    effectiveFrom: 0,
    deleted: false,
    members: Array.from({ length: devices }, (_, d) => d)
      .filter(() => random() < 0.3)
      .map((d) => ({
        deviceId: `d${d}`,
        ...(random() < 0.7 ? { ratedEnergy: 1000 * (1 + Math.floor(random() * 10)) } : {}),
      })),
  }));
}

function randomReading(random: () => number, devices: number, ts: number): TelemetryReading {
  const maybe = (x: number) => (random() < 0.3 ? null : x);
  const half = () => Math.round(random() * 2000 - 1000) / 2;
  return reading(`d${Math.floor(random() * devices)}`, ts, {
    activePower: half(),
    reactivePower: maybe(half()),
    voltage: maybe(220 + Math.floor(random() * 20)),
    stateOfCharge: maybe(Math.floor(random() * 101)),
    maxActivePower: maybe(Math.abs(half())),
    minActivePower: maybe(-Math.abs(half())),
    connected: random() < 0.8,
  });
}

describe('PartialStage', () => {
  it('gives what SEMANTICS.md §4 says, on random readings out of order, with ties, gaps, membership changes and closes', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      const devices = 5 + Math.floor(random() * 60);
      const membership = new MembershipState();
      for (const version of randomFleet(random, devices, 1 + Math.floor(random() * 6)))
        membership.apply(version);
      // A second membership from the sixth window on, one group deleted.
      for (const version of randomFleet(random, devices, 4))
        membership.apply({ ...version, effectiveFrom: 5 * W + 1 });
      membership.apply({ groupId: 'g0', effectiveFrom: 8 * W + 1, deleted: true, members: [] });
      const stage = new PartialStage(3, (ts) => windowEndOf(ts, W), STALENESS);
      const given: TelemetryReading[] = [];
      let closed = 0;
      for (let end = W; end <= 14 * W; end += W) {
        // Readings of this window and the next, some of earlier open windows, a gap now and then.
        const count = end % (4 * W) === 0 ? 0 : Math.floor(random() * 3 * devices);
        for (let i = 0; i < count; i++) {
          const ts = Math.max(closed, end - W + Math.floor(random() * 2.5 * W) - W / 2);
          const r = randomReading(
            random,
            devices,
            random() < 0.05 && given.length > 0 ? given.at(-1)!.ts : ts,
          );
          stage.add(r);
          given.push(r);
        }
        const snapshot = membership.snapshotAt(end);
        const partials = stage.partials(end, snapshot, 42);
        const expected = reference(given, end, snapshot);
        expect(new Set(partials.map((p) => p.groupId))).toEqual(new Set(expected.keys()));
        for (const partial of partials) {
          expect(partial).toMatchObject({ partition: 3, watermark: 42, windowEnd: end });
          expect(figures(partial)).toEqual(expected.get(partial.groupId));
          expect(figures(stage.partialOf(partial.groupId, end, snapshot, 42))).toEqual(figures(partial));
        }
        // Close one window behind now and then, as an allowed lateness of W would.
        if (random() < 0.7) {
          closed = end - W;
          stage.close(closed);
        }
      }
      expect(stage.deviceCount).toBe(new Set(given.map((r) => r.deviceId)).size);
    }
  });

  it('keeps one reading per device and open window, and only the latest of those closed', () => {
    const stage = new PartialStage(0, (ts) => windowEndOf(ts, W), STALENESS);
    const membership = new MembershipState();
    membership.apply({ groupId: 'g', effectiveFrom: 0, deleted: false, members: [{ deviceId: 'd' }] });
    for (let ts = 1000; ts < 10 * W; ts += 1000) stage.add(reading('d', ts, { activePower: ts }));
    expect(stage.nextReadingWindowEnd(0)).toBe(W);
    expect(stage.nextReadingWindowEnd(3 * W + 1)).toBe(4 * W);
    stage.close(8 * W);
    expect(stage.nextReadingWindowEnd(0)).toBe(9 * W);
    const [reporting] = stage.partials(9 * W, membership.snapshotAt(9 * W), 0);
    expect(roundExact(reporting!.activePower)).toBe(9 * W - 1000);
    expect(reporting!.reporting).toBe(1);
    // Closed, the window's reading is the base one: carried, no longer reporting.
    stage.close(10 * W);
    const [carried] = stage.partials(11 * W, membership.snapshotAt(11 * W), 0);
    expect(roundExact(carried!.activePower)).toBe(10 * W - 1000);
    expect(carried).toMatchObject({ reporting: 0, fresh: 1 });
  });

  it('compacts windows marked closed when it runs out of rows, not before', () => {
    const stage = new PartialStage(0, (ts) => windowEndOf(ts, W), STALENESS);
    const membership = new MembershipState();
    membership.apply({ groupId: 'g', effectiveFrom: 0, deleted: false, members: [{ deviceId: 'd' }] });
    // One row per window: the stage starts with room for 1,024.
    for (let window = 1; window <= 600; window++)
      stage.add(reading('d', window * W - 1, { activePower: window }));
    stage.markClosed(500 * W);
    for (let window = 601; window <= 1024; window++)
      stage.add(reading('d', window * W - 1, { activePower: window }));
    expect(stage.nextReadingWindowEnd(0)).toBe(W);
    stage.add(reading('d', 1025 * W - 1, { activePower: 1025 }));
    expect(stage.nextReadingWindowEnd(0)).toBe(501 * W);
    const [partial] = stage.partials(501 * W, membership.snapshotAt(501 * W), 0);
    expect(roundExact(partial!.activePower)).toBe(501);
    stage.close(1024 * W);
    const [carried] = stage.partials(1024 * W, membership.snapshotAt(1024 * W), 0);
    expect(carried).toMatchObject({ reporting: 0, fresh: 1 });
    expect(roundExact(carried!.activePower)).toBe(1024);
  });

  it('worked out ahead of a close, flags exactly the groups a later reading changes, and redoes one group alone', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(500 + seed);
      const devices = 20 + Math.floor(random() * 60);
      const membership = new MembershipState();
      for (const version of randomFleet(random, devices, 2 + Math.floor(random() * 8))) {
        // Small groups, so that a reading changes some of them and not others.
        membership.apply({ ...version, members: version.members.filter(() => random() < 0.3) });
      }
      const end = 3 * W;
      const snapshot = membership.snapshotAt(end);
      const { groupIds } = groupNumbering(snapshot);
      const stage = new PartialStage(0, (ts) => windowEndOf(ts, W), STALENESS);
      const given: TelemetryReading[] = [];
      const give = (r: TelemetryReading) => {
        stage.add(r);
        given.push(r);
      };
      for (let i = 0; i < 2 * devices; i++) give(randomReading(random, devices, Math.floor(random() * end)));
      stage.close(W);
      const ahead: (PartialAggregate | undefined)[] = [];
      stage.addInto(end, snapshot, -1, 0, ahead);
      stage.watchAhead(end);
      // After it: a few readings for the window (or one before it), more for the next.
      const changedDevices = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const r = randomReading(random, devices, end - 1 - Math.floor(random() * 2 * W));
        give(r);
        changedDevices.add(r.deviceId);
      }
      for (let i = 0; i < devices; i++) give(randomReading(random, devices, end + Math.floor(random() * W)));
      const changed = new Uint8Array(groupIds.length);
      const flagged = stage.flagChangedGroups(snapshot, changed);
      const expectedChanged = groupIds.map((groupId) =>
        snapshot.groups.get(groupId)!.members.some((m) => changedDevices.has(m.deviceId)) ? 1 : 0,
      );
      expect([...changed]).toEqual(expectedChanged);
      expect(flagged).toBe(expectedChanged.filter((c) => c === 1).length);
      const expected = reference(given, end, snapshot);
      groupIds.forEach((groupId, group) => {
        let partial = ahead[group];
        if (changed[group] === 1) {
          const redone: (PartialAggregate | undefined)[] = [];
          stage.addGroupInto(group, end, snapshot, -1, 0, redone);
          expect(redone.filter((p) => p !== undefined).length).toBeLessThanOrEqual(1);
          partial = redone[group];
        }
        expect(partial && figures(partial)).toEqual(expected.get(groupId));
      });
      // No longer watched: nothing is flagged.
      stage.stopWatching();
      give(randomReading(random, devices, end - 1));
      expect(stage.flagChangedGroups(snapshot, new Uint8Array(groupIds.length))).toBe(0);
    }
  });
});
