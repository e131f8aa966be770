import { seededRandom } from '../../../benchmarks/simulator/fleet';
import { GroupStatus } from '../../../pipelines/aggregate/groupStatus';
import { PartialAggregate } from '../../../pipelines/aggregate/partialAggregate';
import {
  ProgressMarker,
  decodePartialRecord,
  encodePartialRecord,
} from '../../../pipelines/aggregate/partialRecord';
import { PartialSource } from '../../../pipelines/aggregate/partialSource';
import { PartialsMerge } from '../../../pipelines/aggregate/partialsMerge';
import { GroupVersion } from '../../../pipelines/membership/groupVersion';
import { MembershipState } from '../../../pipelines/membership/membershipState';
import { StatusEngine, defaultSemantics } from '../../../pipelines/statusEngine';
import { TelemetryReading } from '../../../pipelines/telemetryReading';
import { reading } from '../../support/readings';

const semantics = defaultSemantics(60_000);
const group = (groupId: string, deviceIds: string[], effectiveFrom = 0, deleted = false): GroupVersion => ({
  groupId,
  effectiveFrom,
  deleted,
  members: deviceIds.map((deviceId, i) => ({ deviceId, ratedEnergy: i % 2 === 0 ? 10_000 : undefined })),
});
const membershipOf = (groups: GroupVersion[]) => {
  const membership = new MembershipState();
  for (const version of groups) membership.apply(version);
  return membership;
};
const order = (statuses: GroupStatus[]) =>
  [...statuses].sort((a, b) => a.windowEnd - b.windowEnd || a.groupId.localeCompare(b.groupId));

/**
 * The scaled-out stages in one test: a PartialSource per source partition, a
 * PartialsMerge per merge partition (groups spread by a hash of their mRID), every
 * record through the topic's codec.
 */
class ScaledOut {
  readonly sources: PartialSource[];
  readonly merges: PartialsMerge[];
  readonly statuses: GroupStatus[] = [];

  constructor(
    readonly membership: MembershipState,
    partitions: number,
    mergePartitions: number,
  ) {
    this.sources = Array.from({ length: partitions }, (_, p) => new PartialSource(p, semantics, 0));
    this.merges = Array.from(
      { length: mergePartitions },
      () => new PartialsMerge(semantics.windowMs, partitions),
    );
  }

  reading(partition: number, r: TelemetryReading, now = 0): boolean {
    const accepted = this.sources[partition]!.reading(r, now);
    this.advance(partition, now);
    return accepted;
  }

  advance(partition: number, now: number): void {
    const watermark = Math.max(...this.merges.map((m) => m.progress.watermark));
    const { partials, marker } = this.sources[partition]!.advance(now, watermark, (end) =>
      this.membership.snapshotAt(end),
    );
    this.deliver(partials, marker);
  }

  deliver(partials: PartialAggregate[], marker: ProgressMarker): void {
    for (const partial of partials) {
      const record = decodePartialRecord(encodePartialRecord({ kind: 'partial', partial }));
      this.merges[this.mergeOf(partial.groupId)]!.accept(record);
    }
    const record = decodePartialRecord(encodePartialRecord({ kind: 'progress', marker }));
    for (const merge of this.merges) merge.accept(record);
    for (const merge of this.merges)
      this.statuses.push(...merge.advance((end) => this.membership.snapshotAt(end)).statuses);
  }

  /** Every window up to here is out, from every merge that has groups in it. */
  get frontier(): number {
    return Math.min(...this.merges.map((m) => m.progress.frontier));
  }

  private mergeOf(groupId: string): number {
    let hash = 0;
    for (const c of groupId) hash = (hash * 31 + c.charCodeAt(0)) % 1000;
    return hash % this.merges.length;
  }
}

describe('the merge stage scaled out, partials through the topic', () => {
  it('gives the statuses of one process, window by window, field by field', () => {
    const devices = Array.from({ length: 18 }, (_, i) => `d${i}`);
    const groups = [
      group('g1', devices.slice(0, 8)),
      group('g2', devices.slice(5, 14)),
      group('g3', devices.slice(10)),
      group('g4', ['d1', 'd17', 'nobody'], 600_000),
      group('g2', [], 1_200_000, true),
    ];
    const random = seededRandom(7);
    const events: [number, TelemetryReading][] = [];
    const next = devices.map(() => Math.floor(random() * 60_000));
    for (let t = 0; t < 30 * 60_000; t += 1000) {
      for (const [i, deviceId] of devices.entries()) {
        if (next[i]! > t) continue;
        // Some report every 10 s, some every few minutes (carried, then stale), some fall silent.
        next[i] = t + (i % 3 === 0 ? 10_000 : i % 3 === 1 ? 150_000 : 400_000) + Math.floor(random() * 5000);
        if (i === 4 && t > 900_000) continue;
        const ts = t - Math.floor(random() * 3000);
        events.push([
          i % 4,
          reading(deviceId, ts, {
            activePower: Math.round(random() * 10_000) / 7,
            reactivePower: i % 2 === 0 ? random() * 100 : null,
            voltage: 220 + random() * 20,
            stateOfCharge: i % 3 === 0 ? random() * 100 : null,
            maxActivePower: i % 5 === 0 ? null : 12_000,
            minActivePower: i % 5 === 0 ? null : -3000,
            connected: random() > 0.1,
          }),
        ]);
      }
    }

    const engine = new StatusEngine(semantics, membershipOf(groups));
    const single: GroupStatus[] = [];
    const scaled = new ScaledOut(membershipOf(groups), 4, 3);
    for (const [partition, r] of events) {
      for (const output of engine.reading(partition, r, 0)) {
        expect(output.kind).toBe('status');
        if (output.kind === 'status') single.push(output.status);
      }
      expect(scaled.reading(partition, r)).toBe(true);
    }
    const through = scaled.frontier;
    expect(through).toBeGreaterThan(25 * 60_000);
    expect(order(scaled.statuses.filter((s) => s.windowEnd <= through))).toEqual(
      order(single.filter((s) => s.windowEnd <= through)),
    );
    expect(new Set(scaled.statuses.map((s) => s.groupId))).toEqual(new Set(['g1', 'g2', 'g3', 'g4']));
  });

  it('waits for every source partition; one gone idle follows the pipeline watermark', () => {
    const membership = membershipOf([group('g1', ['d1', 'd2'])]);
    const scaled = new ScaledOut(membership, 2, 1);
    scaled.reading(0, reading('d1', 10_000, { activePower: 5 }), 0);
    scaled.reading(1, reading('d2', 20_000, { activePower: 7 }), 0);
    scaled.reading(0, reading('d1', 130_000, { activePower: 5 }), 1000);
    // Partition 1 holds every window back until it is idle (30 s of processing time).
    expect(scaled.statuses).toEqual([]);
    scaled.advance(1, 20_000);
    expect(scaled.statuses).toEqual([]);
    // Its marker says idle, then it follows the pipeline's watermark (partition 0's).
    scaled.advance(1, 40_000);
    scaled.advance(1, 41_000);
    expect(scaled.statuses.map((s) => [s.windowEnd, s.fresh, s.activePower])).toEqual([
      [60_000, 2, 12],
      [120_000, 2, 12],
    ]);
    // Partials of partition 1 went out through 120 s: a reading of it for that window is late.
    expect(scaled.reading(1, reading('d2', 110_000), 42_000)).toBe(false);
  });

  it('ignores partials sent again for a window already emitted (a producer resuming after a rebalance)', () => {
    const membership = membershipOf([group('g1', ['d1'])]);
    const scaled = new ScaledOut(membership, 1, 1);
    scaled.reading(0, reading('d1', 10_000, { activePower: 5 }));
    scaled.reading(0, reading('d1', 70_000, { activePower: 5 }));
    expect(scaled.statuses).toHaveLength(1);
    const resumed = new PartialSource(0, semantics, 0);
    resumed.restore([], -Infinity);
    resumed.reading(reading('d1', 10_000, { activePower: 99 }), 0);
    resumed.reading(reading('d1', 70_000, { activePower: 99 }), 0);
    const { partials, marker } = resumed.advance(0, -Infinity, (end) => membership.snapshotAt(end));
    expect(partials).toHaveLength(1);
    scaled.deliver(partials, marker);
    expect(scaled.statuses).toHaveLength(1);
    expect(scaled.statuses[0]!.activePower).toBe(5);
  });

  it('resumed from a commit, goes on as if it had never stopped', () => {
    const membership = membershipOf([group('g1', ['d1', 'd2'])]);
    const run = (restartAfter?: number) => {
      const merge = new PartialsMerge(semantics.windowMs, 1);
      const source = new PartialSource(0, semantics, 0);
      const records: Buffer[] = [];
      const statuses: GroupStatus[] = [];
      for (const ts of [10_000, 70_000, 130_000, 190_000, 250_000, 310_000]) {
        source.reading(reading(ts < 100_000 ? 'd2' : 'd1', ts, { activePower: ts / 1000 }), 0);
        const { partials, marker } = source.advance(0, -Infinity, (end) => membership.snapshotAt(end));
        for (const partial of partials) records.push(encodePartialRecord({ kind: 'partial', partial }));
        records.push(encodePartialRecord({ kind: 'progress', marker }));
      }
      let current = merge;
      let runs: ReturnType<PartialsMerge['advance']>['runs'] = [];
      const waits: (number | undefined)[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < records.length; i++) {
        waits[i] = current.accept(decodePartialRecord(records[i]!));
        const out = current.advance((end) => membership.snapshotAt(end));
        for (const status of out.statuses) {
          // der.statuses deduplicated by group, window, version.
          const id = `${status.groupId}@${status.windowEnd}#${status.version}`;
          if (!seen.has(id)) statuses.push(status);
          seen.add(id);
        }
        runs = [...runs.filter((r) => !out.runs.some((o) => o.groupId === r.groupId)), ...out.runs];
        if (i === restartAfter) {
          // What the committed offset and der.group-runs give a new owner: it reads
          // again from the first record whose window was not out yet.
          const emitted = current.emittedThrough;
          current = new PartialsMerge(semantics.windowMs, 1);
          if (Number.isFinite(emitted)) current.restore(emitted, runs);
          let committed = 0;
          while (committed <= i && (waits[committed] === undefined || waits[committed]! <= emitted))
            committed++;
          i = committed - 1;
          restartAfter = undefined;
        }
      }
      return statuses;
    };
    const uninterrupted = run();
    expect(uninterrupted.map((s) => s.windowEnd)).toEqual([60_000, 120_000, 180_000, 240_000, 300_000]);
    for (let restartAfter = 0; restartAfter < 10; restartAfter++)
      expect(run(restartAfter)).toEqual(uninterrupted);
  });
});
