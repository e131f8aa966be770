import { GroupStatus } from '../../pipelines/aggregate/groupStatus';
import { GroupVersion } from '../../pipelines/membership/groupVersion';
import { MembershipState } from '../../pipelines/membership/membershipState';
import { StatusEngine, StatusOutput, StatusSemantics, defaultSemantics } from '../../pipelines/statusEngine';
import { TelemetryReading } from '../../pipelines/telemetryReading';
import { reading } from '../support/readings';

const S = 1000; // one second, in ms
const semantics = (overrides: Partial<StatusSemantics> = {}): StatusSemantics => ({
  ...defaultSemantics(60 * S),
  ...overrides,
});

const group = (
  groupId: string,
  members: (string | { deviceId: string; ratedEnergy?: number })[],
  effectiveFrom = 0,
): GroupVersion => ({
  groupId,
  effectiveFrom,
  deleted: false,
  members: members.map((m) => (typeof m === 'string' ? { deviceId: m } : m)),
});

type Event = [partition: number, reading: TelemetryReading, now?: number] | ['tick', number];

function run(groups: GroupVersion[], events: Event[], config: StatusSemantics, flush = true) {
  const membership = new MembershipState();
  for (const version of groups) membership.apply(version);
  const engine = new StatusEngine(config, membership);
  const out: StatusOutput[] = [];
  for (const event of events) {
    if (event[0] === 'tick') out.push(...engine.tick(event[1]));
    else out.push(...engine.reading(event[0], event[1], event[2] ?? 0));
  }
  if (flush) out.push(...engine.flush());
  const statuses = out.flatMap((o) => (o.kind === 'status' ? [o.status] : []));
  const late = out.flatMap((o) => (o.kind === 'late' ? [o.reading] : []));
  return { statuses, late, engine, out };
}
const at = (statuses: GroupStatus[], groupId: string, windowEnd: number) =>
  statuses.filter((s) => s.groupId === groupId && s.windowEnd === windowEnd);

describe('a group status, field by field (SEMANTICS.md §4)', () => {
  // W = 60 s, B = 0, S = 90 s. The window under test is [120 s, 180 s).
  const members = [
    { deviceId: 'd1', ratedEnergy: 10_000 },
    { deviceId: 'd2', ratedEnergy: 5000 },
    'd3',
    'd4',
    'd5',
    'd6',
  ];
  const readings: Event[] = [
    // d5 reported once, long ago: stale at 180 s (180 - 50 > 90).
    [0, reading('d5', 50 * S, { activePower: 999, voltage: 100, connected: true, maxActivePower: 7 })],
    // d6 reported in the previous window: fresh (180 - 100 <= 90), not reporting.
    [0, reading('d6', 100 * S, { activePower: 300, voltage: 235, maxActivePower: 400, minActivePower: 0 })],
    [
      0,
      reading('d1', 130 * S, {
        activePower: 1000,
        reactivePower: 100,
        voltage: 230,
        stateOfCharge: 50,
        maxActivePower: 5000,
        minActivePower: -5000,
      }),
    ],
    [
      0,
      reading('d2', 140 * S, {
        activePower: -2000,
        voltage: 240,
        stateOfCharge: 80,
        maxActivePower: 3000,
        minActivePower: -3000,
      }),
    ],
    // d3 is disconnected: it counts in activePower and reactivePower, not in capability.
    [
      0,
      reading('d3', 150 * S, {
        activePower: 500,
        reactivePower: -50,
        connected: false,
        maxActivePower: 9999,
        minActivePower: -9999,
      }),
    ],
    // d4 never reports: silent.
  ];
  const config = semantics({ outOfOrdernessMs: 0, stalenessMs: 90 * S });

  it('computes every field as the table defines it', () => {
    const { statuses } = run([group('g1', members)], readings, config);
    expect(at(statuses, 'g1', 180 * S)).toEqual([
      {
        groupId: 'g1',
        windowStart: 120 * S,
        windowEnd: 180 * S,
        version: 1,
        members: 6,
        reporting: 3,
        fresh: 4,
        stale: 1,
        silent: 1,
        connected: 3,
        activePower: 1000 - 2000 + 500 + 300,
        reactivePower: 100 - 50,
        maxActivePower: 5000 + 3000 + 400,
        minActivePower: -5000 - 3000 + 0,
        headroomUp: 8400 - (1000 - 2000 + 300),
        headroomDown: 1000 - 2000 + 300 - -8000,
        stateOfCharge: (50 * 10_000 + 80 * 5000) / 15_000,
        storedEnergy: 0.5 * 10_000 + 0.8 * 5000,
        voltageMin: 230,
        voltageMax: 240,
      },
    ]);
  });

  it('takes the plain mean of state of charge when a member lacks ratedEnergy, and stored energy only from those with both', () => {
    const plain = members.map((m) => (typeof m === 'object' && m.deviceId === 'd2' ? 'd2' : m));
    const [status] = at(run([group('g1', plain)], readings, config).statuses, 'g1', 180 * S);
    expect(status).toMatchObject({ stateOfCharge: (50 + 80) / 2, storedEnergy: 5000 });
  });

  it('gives null where no fresh member has a value, and zero activePower when none is fresh', () => {
    const { statuses } = run(
      [group('g2', ['d7'])],
      [[0, reading('d7', 10 * S, { activePower: 42 })]],
      semantics({ outOfOrdernessMs: 0 }),
    );
    expect(statuses).toEqual([
      expect.objectContaining({
        windowEnd: 60 * S,
        fresh: 1,
        reporting: 1,
        connected: 1,
        activePower: 42,
        reactivePower: null,
        maxActivePower: null,
        minActivePower: null,
        headroomUp: null,
        headroomDown: null,
        stateOfCharge: null,
        storedEnergy: null,
        voltageMin: null,
        voltageMax: null,
      }),
    ]);
  });

  it('has a status for every window from the first fresh member on, with no gap, even when all went dark', () => {
    // W = 60 s, S = 180 s. One reading at 10 s, then silence until a reading of another group's device at 400 s.
    const { statuses } = run(
      [group('g1', ['d1', 'd2']), group('g2', ['x'])],
      [
        [0, reading('d1', 10 * S, { activePower: 5 })],
        [0, reading('x', 400 * S)],
      ],
      semantics({ outOfOrdernessMs: 0 }),
    );
    const g1 = statuses.filter((s) => s.groupId === 'g1');
    expect(g1.map((s) => [s.windowEnd / S, s.fresh, s.stale, s.silent, s.reporting, s.activePower])).toEqual([
      [60, 1, 0, 1, 1, 5],
      // Carried forward: fresh while end - ts <= 180 s.
      [120, 1, 0, 1, 0, 5],
      [180, 1, 0, 1, 0, 5],
      [240, 0, 1, 1, 0, 0],
      [300, 0, 1, 1, 0, 0],
      [360, 0, 1, 1, 0, 0],
      [420, 0, 1, 1, 0, 0],
    ]);
    // g2's first fresh member reports in [360 s, 420 s): nothing before.
    expect(statuses.filter((s) => s.groupId === 'g2').map((s) => s.windowEnd / S)).toEqual([420]);
  });

  it('takes, of two readings with the same ts, the one that arrived last', () => {
    const { statuses } = run(
      [group('g1', ['d1'])],
      [
        [0, reading('d1', 10 * S, { activePower: 1 })],
        [0, reading('d1', 10 * S, { activePower: 2 })],
        [0, reading('d1', 9 * S, { activePower: 3 })],
      ],
      semantics(),
    );
    expect(statuses.map((s) => s.activePower)).toEqual([2]);
  });

  it('ignores readings of devices in no group', () => {
    const { statuses } = run(
      [group('g1', ['d1'])],
      [
        [0, reading('d1', 10 * S)],
        [0, reading('stranger', 20 * S, { activePower: 1e6 })],
      ],
      semantics(),
    );
    expect(statuses).toEqual([expect.objectContaining({ members: 1, fresh: 1, activePower: 0 })]);
  });
});

describe('windows and time (SEMANTICS.md §3)', () => {
  it('emits a window when the watermark (largest ts - B) reaches its end', () => {
    const membership = new MembershipState();
    membership.apply(group('g1', ['d1']));
    const engine = new StatusEngine(semantics(), membership);
    expect(engine.reading(0, reading('d1', 10 * S), 0)).toEqual([]);
    expect(engine.reading(0, reading('d1', 64_999), 0)).toEqual([]);
    expect(engine.watermark).toBe(59_999);
    const out = engine.reading(0, reading('d1', 65 * S), 0);
    expect(out).toEqual([
      { kind: 'status', status: expect.objectContaining({ windowEnd: 60 * S, version: 1 }) },
    ]);
  });

  it('has a close due from A = min(B, W) / 2 before a window end, once groups run, until the window is out', () => {
    const membership = new MembershipState();
    membership.apply(group('g1', ['d1']));
    const engine = new StatusEngine(semantics(), membership);
    // B = 5 s: the window ending at 60 s starts g1; none was running to work out ahead.
    engine.reading(0, reading('d1', 58 * S), 0);
    expect(engine.closeDue).toBe(false);
    expect(engine.reading(0, reading('d1', 65 * S), 0)).toHaveLength(1);
    expect(engine.closeDue).toBe(false);
    // The next end is 120 s: due from the watermark 117.5 s, the largest ts 122.5 s.
    engine.reading(0, reading('d1', 122_499), 0);
    expect(engine.closeDue).toBe(false);
    engine.reading(0, reading('d1', 122_500), 0);
    expect(engine.closeDue).toBe(true);
    expect(engine.reading(0, reading('d1', 125 * S), 0)).toEqual([
      { kind: 'status', status: expect.objectContaining({ windowEnd: 120 * S }) },
    ]);
    expect(engine.closeDue).toBe(false);
  });

  it('sends a reading whose window ended at or before the watermark (L = 0) to the late output, changing nothing', () => {
    const { statuses, late } = run(
      [group('g1', ['d1', 'd2'])],
      [
        [0, reading('d1', 10 * S, { activePower: 1 })],
        [0, reading('d1', 65 * S, { activePower: 1 })],
        // watermark 60 s: window [0, 60) is closed.
        [0, reading('d2', 59 * S, { activePower: 1000 })],
      ],
      semantics(),
    );
    expect(late).toEqual([reading('d2', 59 * S, { activePower: 1000 })]);
    expect(statuses.map((s) => [s.windowEnd / S, s.version, s.fresh, s.activePower])).toEqual([
      [60, 1, 1, 1],
      [120, 1, 1, 1],
    ]);
  });

  it('within the allowed lateness, re-emits the window as a new version; after it, the reading is late', () => {
    const { statuses, late } = run(
      [group('g1', ['d1', 'd2'])],
      [
        [0, reading('d1', 10 * S, { activePower: 1 })],
        [0, reading('d1', 65 * S, { activePower: 1 })],
        // watermark 60 s < 60 s + L: window [0, 60) changes.
        [0, reading('d2', 59 * S, { activePower: 10 })],
        [0, reading('d1', 95 * S, { activePower: 1 })],
        // watermark 90 s = 60 s + L: window [0, 60) is closed for good.
        [0, reading('d2', 58 * S, { activePower: 100 })],
      ],
      semantics({ latenessMs: 30 * S }),
    );
    expect(late).toEqual([reading('d2', 58 * S, { activePower: 100 })]);
    expect(statuses.map((s) => [s.windowEnd / S, s.version, s.fresh, s.activePower])).toEqual([
      [60, 1, 1, 1],
      [60, 2, 2, 11],
      [120, 1, 2, 11],
    ]);
  });

  it('lets an idle partition stop holding the watermark back', () => {
    const { statuses } = run(
      [group('g1', ['a', 'b'])],
      [
        [0, reading('a', 10 * S), 0],
        [1, reading('b', 20 * S), 0],
        [0, reading('a', 130 * S), 5 * S],
        // Partition 1 holds the watermark at 15 s until it has been silent for 30 s.
        ['tick', 29 * S],
        ['tick', 30 * S],
      ],
      semantics(),
      false,
    );
    expect(statuses.map((s) => s.windowEnd / S)).toEqual([60, 120]);
  });

  it('uses the membership in force at the window end: the largest effectiveFrom strictly before it', () => {
    const { statuses } = run(
      [group('g1', ['d1'], 0), group('g1', ['d1', 'd2', 'd3'], 120 * S)],
      [
        [0, reading('d1', 10 * S)],
        [0, reading('d2', 130 * S)],
      ],
      semantics({ outOfOrdernessMs: 0 }),
    );
    expect(statuses.map((s) => [s.windowEnd / S, s.members, s.fresh, s.silent])).toEqual([
      [60, 1, 1, 0],
      [120, 1, 1, 0],
      [180, 3, 2, 1],
    ]);
  });

  it('gives a deleted group no status from the window its deletion is in force', () => {
    const deletion: GroupVersion = { groupId: 'g1', effectiveFrom: 100 * S, deleted: true, members: [] };
    const { statuses } = run(
      [group('g1', ['d1']), deletion],
      [
        [0, reading('d1', 10 * S)],
        [0, reading('d1', 200 * S)],
      ],
      semantics({ outOfOrdernessMs: 0 }),
    );
    expect(statuses.map((s) => s.windowEnd / S)).toEqual([60]);
  });

  it('ends a finite input by emitting the window of the largest valid ts', () => {
    const { statuses } = run(
      [group('g1', ['d1'])],
      [
        [0, reading('d1', 10 * S)],
        [0, reading('d1', 100 * S)],
      ],
      semantics(),
    );
    expect(statuses.map((s) => s.windowEnd / S)).toEqual([60, 120]);
  });
});

describe('two-stage aggregation', () => {
  it('gives the same statuses whether the devices report through one partition or several', () => {
    const devices = Array.from({ length: 40 }, (_, i) => `d${i}`);
    const groups = [
      group(
        'even',
        devices.filter((_, i) => i % 2 === 0),
      ),
      group(
        'all',
        devices.map((d) => ({ deviceId: d, ratedEnergy: 1000 + 7 * d.length })),
      ),
    ];
    const events: [TelemetryReading][] = [];
    for (let t = 0; t < 600; t += 7) {
      for (const [i, d] of devices.entries()) {
        if ((t + i) % 3 === 0) {
          events.push([
            reading(d, t * S + i, {
              activePower: 0.1 * i + t / 3,
              stateOfCharge: (i * 7) % 100,
              voltage: 220 + (i % 13),
              maxActivePower: 100.3 + i,
              minActivePower: -0.7 * i,
            }),
          ]);
        }
      }
    }
    const config = semantics({ outOfOrdernessMs: 10 * S });
    const one = run(
      groups,
      events.map(([r]) => [0, r] as Event),
      config,
    ).statuses;
    const split = run(
      groups,
      events.map(([r]) => [Number(r.deviceId.slice(1)) % 3, r] as Event),
      config,
    ).statuses;
    expect(one.length).toBeGreaterThan(15);
    const key = (s: GroupStatus) => `${s.groupId}@${s.windowEnd}`;
    expect(new Map(split.map((s) => [key(s), s]))).toEqual(new Map(one.map((s) => [key(s), s])));
  });
});

describe('long gaps in event time', () => {
  it('skips windows no group can have, and still starts a group where a membership change makes a member fresh', () => {
    const day = 86_400 * S;
    const { statuses } = run(
      // d1 joins g1 only 10 days in (in force for windows ending after that); its reading
      // 30 s before is carried into g1's first window as fresh.
      [group('g0', ['x']), { ...group('g1', ['d1']), effectiveFrom: 10 * day }],
      [
        [0, reading('stranger', 0)],
        [0, reading('d1', 10 * day - 30 * S, { activePower: 7 })],
        [0, reading('stranger', 10 * day + 200 * S)],
      ],
      semantics({ outOfOrdernessMs: 0 }),
    );
    expect(statuses.map((s) => [s.groupId, (s.windowEnd - 10 * day) / S, s.fresh, s.activePower])).toEqual([
      ['g1', 60, 1, 7],
      ['g1', 120, 1, 7],
      ['g1', 180, 0, 0],
      ['g1', 240, 0, 0],
    ]);
  });
});
