import { seededRandom } from '../../benchmarks/simulator/fleet';
import { addExact, roundExact } from '../../pipelines/aggregate/exactSum';
import { GroupStatus } from '../../pipelines/aggregate/groupStatus';
import { MembershipSnapshot, MembershipState } from '../../pipelines/membership/membershipState';
import { StatusEngine, defaultSemantics } from '../../pipelines/statusEngine';
import { TelemetryReading } from '../../pipelines/telemetryReading';
import { windowEndOf } from '../../pipelines/window/tumblingWindow';
import { lastReadingsBefore, reading } from '../support/readings';

const W = 60_000;
const S = 2 * W;

/**
 * A group's status for a window straight from SEMANTICS.md §4, over the readings the
 * engine had taken (not late) when it emitted it: no partitions, no stages, no
 * carried state. Sums exact, rounded once.
 */
function referenceStatus(
  taken: readonly TelemetryReading[],
  groupId: string,
  windowEnd: number,
  snapshot: MembershipSnapshot,
): Omit<GroupStatus, 'version'> {
  const last = lastReadingsBefore(taken, windowEnd);
  const members = snapshot.groups.get(groupId)!.members;
  const sums = new Map<string, number[]>();
  const counts = new Map<string, number>();
  const add = (field: string, x: number) => {
    if (!sums.has(field)) sums.set(field, []);
    addExact(sums.get(field)!, x);
    counts.set(field, (counts.get(field) ?? 0) + 1);
  };
  const sum = (field: string) => (sums.has(field) ? roundExact(sums.get(field)!) : null);
  const difference = (a: string, b: string) => {
    const terms = [...(sums.get(a) ?? [])];
    for (const x of sums.get(b) ?? []) addExact(terms, -x);
    return roundExact(terms);
  };
  let reporting = 0;
  let fresh = 0;
  let stale = 0;
  let connected = 0;
  let socWithoutEnergy = 0;
  const voltages: number[] = [];
  for (const member of members) {
    const r = last.get(member.deviceId);
    if (!r) continue;
    const inWindow = windowEndOf(r.ts, W) === windowEnd;
    if (!inWindow && windowEnd - r.ts > S) {
      stale++;
      continue;
    }
    fresh++;
    if (inWindow) reporting++;
    add('activePower', r.activePower);
    if (r.reactivePower !== null) add('reactivePower', r.reactivePower);
    if (r.voltage !== null) voltages.push(r.voltage);
    if (r.stateOfCharge !== null) {
      add('socPlain', r.stateOfCharge);
      if (member.ratedEnergy === undefined) socWithoutEnergy++;
      else {
        add('socWeighted', r.stateOfCharge * member.ratedEnergy);
        add('socWeight', member.ratedEnergy);
        add('storedEnergy', (r.stateOfCharge / 100) * member.ratedEnergy);
      }
    }
    if (!r.connected) continue;
    connected++;
    if (r.maxActivePower !== null) {
      add('maxActivePower', r.maxActivePower);
      add('activePowerWithMax', r.activePower);
    }
    if (r.minActivePower !== null) {
      add('minActivePower', r.minActivePower);
      add('activePowerWithMin', r.activePower);
    }
  }
  const socCount = counts.get('socPlain') ?? 0;
  return {
    groupId,
    windowStart: windowEnd - W,
    windowEnd,
    members: members.length,
    reporting,
    fresh,
    stale,
    silent: members.length - fresh - stale,
    connected,
    activePower: sum('activePower') ?? 0,
    reactivePower: sum('reactivePower'),
    maxActivePower: sum('maxActivePower'),
    minActivePower: sum('minActivePower'),
    headroomUp: sums.has('maxActivePower') ? difference('maxActivePower', 'activePowerWithMax') : null,
    headroomDown: sums.has('minActivePower') ? difference('activePowerWithMin', 'minActivePower') : null,
    stateOfCharge:
      socCount === 0
        ? null
        : socWithoutEnergy > 0
          ? sum('socPlain')! / socCount
          : sum('socWeighted')! / sum('socWeight')!,
    storedEnergy: sum('storedEnergy'),
    voltageMin: voltages.length === 0 ? null : Math.min(...voltages),
    voltageMax: voltages.length === 0 ? null : Math.max(...voltages),
  };
}

/** How a random fleet is drawn. */
interface FleetShape {
  /** Groups at first, and those (re)defined from 6 W. */
  groups: [number, number];
  /** The chance that a device is a member of a group. */
  memberShare: number;
  /** Readings each half second: 0 up to this, less one. */
  perHalfSecond: number;
  /** Readings arrive up to this much after their ts... */
  jitterMs: number;
  /** ...and this share of them a window later still. */
  lateShare: number;
}

const MIXED: FleetShape = {
  groups: [5, 6],
  memberShare: 0.2,
  perHalfSecond: 3,
  jitterMs: 10_000,
  lateShare: 0.03,
};
/**
 * Many small groups, many readings: the engine works each window out before its close
 * (B / 2 before), and the readings that arrive after that, still in time, change a few
 * groups only.
 */
const SMALL_GROUPS: FleetShape = {
  groups: [40, 44],
  memberShare: 0.04,
  perHalfSecond: 12,
  jitterMs: 4000,
  lateShare: 0,
};

describe('StatusEngine against a straight reading of SEMANTICS.md §4', () => {
  it.each([
    ['no allowed lateness', 0, MIXED],
    ['an allowed lateness of one window', W, MIXED],
    ['no allowed lateness, many small groups, jitter within B', 0, SMALL_GROUPS],
  ])(
    'agrees on every status of random fleets over several partitions, with late readings, gaps and membership changes (%s)',
    (_name, latenessMs, shape) => {
      for (let seed = 1; seed <= 6; seed++) {
        const random = seededRandom(100 + seed);
        const devices = 40 + Math.floor(random() * 80);
        const membership = new MembershipState();
        const fleet = (groups: number, effectiveFrom: number) => {
          for (let g = 0; g < groups; g++) {
            membership.apply({
              groupId: `g${g}`,
              effectiveFrom,
              deleted: false,
              members: Array.from({ length: devices }, (_, d) => d)
                .filter(() => random() < shape.memberShare)
                .map((d) => ({
                  deviceId: `d${d}`,
                  ...(random() < 0.8 ? { ratedEnergy: 1000 * (1 + Math.floor(random() * 9)) } : {}),
                })),
            });
          }
        };
        fleet(shape.groups[0], 0);
        fleet(shape.groups[1], 6 * W + 1);
        membership.apply({ groupId: 'g1', effectiveFrom: 9 * W, deleted: true, members: [] });
        const engine = new StatusEngine(
          { ...defaultSemantics(W), latenessMs, stalenessMs: S, outOfOrdernessMs: 3000 },
          membership,
        );
        engine.assign([0, 1, 2], 0);
        const taken: TelemetryReading[] = [];
        const statuses: GroupStatus[] = [];
        const check = (out: ReturnType<StatusEngine['reading']>) => {
          for (const o of out) {
            if (o.kind !== 'status') continue;
            const { version: _version, ...status } = o.status;
            const snapshot = membership.snapshotAt(status.windowEnd);
            expect(status).toEqual(referenceStatus(taken, status.groupId, status.windowEnd, snapshot));
            statuses.push(o.status);
          }
        };
        // Readings in arrival order: up to 10 s of jitter, some a minute late, a gap of
        // three windows with nothing at all, one device reporting only now and then.
        let now = 0;
        for (let t = 0; t < 14 * W; t += 500) {
          if (t >= 7 * W && t < 10 * W) continue;
          now = t;
          const count = Math.floor(random() * shape.perHalfSecond);
          for (let i = 0; i < count; i++) {
            const late = random() < shape.lateShare ? W : 0;
            const ts = Math.max(0, t - Math.floor(random() * shape.jitterMs) - late);
            const maybe = (x: number) => (random() < 0.25 ? null : x);
            const r = reading(`d${Math.floor(random() * devices)}`, ts, {
              activePower: Math.round(random() * 10_000 - 5000) / 10,
              reactivePower: maybe(Math.round(random() * 1000) / 10),
              voltage: maybe(225 + Math.round(random() * 100) / 10),
              stateOfCharge: maybe(Math.round(random() * 1000) / 10),
              maxActivePower: maybe(Math.round(random() * 50_000) / 10),
              minActivePower: maybe(-Math.round(random() * 50_000) / 10),
              connected: random() < 0.85,
            });
            const partition = Number(r.deviceId.slice(1)) % 3;
            const before = engine.watermark;
            if (windowEndOf(r.ts, W) > before - latenessMs) taken.push(r);
            check(engine.reading(partition, r, now));
          }
        }
        check(engine.flush());
        // Every group with a status has one for every window since its first, without a gap.
        const byGroup = new Map<string, Set<number>>();
        for (const s of statuses) {
          if (!byGroup.has(s.groupId)) byGroup.set(s.groupId, new Set());
          byGroup.get(s.groupId)!.add(s.windowEnd);
        }
        for (const [groupId, ends] of byGroup) {
          const sorted = [...ends].sort((a, b) => a - b);
          for (let end = sorted[0]!; end <= sorted.at(-1)!; end += W) {
            if (membership.snapshotAt(end).groups.has(groupId)) expect(ends.has(end)).toBe(true);
          }
        }
        expect(statuses.length).toBeGreaterThan(20);
        if (latenessMs > 0) expect(statuses.some((s) => s.version > 1)).toBe(true);
      }
    },
  );
});
