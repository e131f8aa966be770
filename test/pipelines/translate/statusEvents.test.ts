import { GroupStatus } from '../../../pipelines/aggregate/groupStatus';
import { contentUuid, statusEvents } from '../../../pipelines/translate/statusEvents';
import { xmllintTexts } from '../../support/xmllint';

const status = (fields: Partial<GroupStatus> = {}): GroupStatus => ({
  groupId: 'g1',
  windowStart: 60_000,
  windowEnd: 120_000,
  version: 1,
  members: 2,
  reporting: 1,
  fresh: 2,
  stale: 0,
  silent: 0,
  connected: 2,
  activePower: 1500,
  reactivePower: -20,
  maxActivePower: 5000,
  minActivePower: -5000,
  headroomUp: 3500,
  headroomDown: 6500,
  stateOfCharge: 50,
  storedEnergy: 6750,
  voltageMin: 229,
  voltageMax: 233,
  ...fields,
});

describe('statusEvents', () => {
  it('makes one schema-valid event per status, keyed by group, with a MessageID from its content', () => {
    const statuses = [status(), status({ groupId: 'g2' }), status({ version: 2, activePower: 1600 })];
    const events = statusEvents(statuses, { source: 'test', timestamp: (s) => s.windowEnd });
    expect(events.map((e) => [e.key, e.windowEnd])).toEqual([
      ['g1', 120_000],
      ['g2', 120_000],
      ['g1', 120_000],
    ]);
    expect(new Set(events.map((e) => e.messageId)).size).toBe(3);
    for (const event of events) {
      expect(event.messageId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(event.xml).toContain(`<msg:MessageID>${event.messageId}</msg:MessageID>`);
    }
    // The same version published again (after a restart) carries the same MessageID.
    expect(statusEvents([status()], { source: 'x', timestamp: () => 0 })[0]!.messageId).toBe(
      events[0]!.messageId,
    );
    expect(xmllintTexts(events.map((e) => e.xml))).toMatchObject({ code: 0 });
  });

  it('derives distinct, stable UUIDs from distinct texts', () => {
    expect(contentUuid('a')).toBe(contentUuid('a'));
    expect(contentUuid('a')).not.toBe(contentUuid('b'));
  });
});

describe('statusEvents in batches', () => {
  const window = (end: number, groups: number) =>
    Array.from({ length: groups }, (_, i) =>
      status({ groupId: `group-${String(i).padStart(4, '0')}`, windowEnd: end, windowStart: end - 60_000 }),
    );

  it('puts the groups of one window in one message when it fits', () => {
    const events = statusEvents([...window(120_000, 5), ...window(180_000, 3)], {
      source: 'test',
      timestamp: (s) => s.windowEnd,
      batch: { maxBytes: 1 << 20 },
    });
    expect(events.map((e) => [e.key, e.xml.match(/<EndDeviceGroup>/g)!.length])).toEqual([
      ['1970-01-01T00:02:00.000Z', 5],
      ['1970-01-01T00:03:00.000Z', 3],
    ]);
  });

  it('splits a window to stay under the size limit, losing no group, each message schema-valid', () => {
    const statuses = window(120_000, 200);
    const events = statusEvents(statuses, {
      source: 'test',
      timestamp: (s) => s.windowEnd,
      batch: { maxBytes: 20_000 },
    });
    expect(events.length).toBeGreaterThan(5);
    for (const event of events) expect(Buffer.byteLength(event.xml)).toBeLessThanOrEqual(20_000);
    const groups = events.flatMap((e) => [...e.xml.matchAll(/<mRID>([^<]+)<\/mRID>/g)].map((m) => m[1]));
    expect(groups).toEqual(statuses.map((s) => s.groupId));
    expect(xmllintTexts(events.map((e) => e.xml))).toMatchObject({ code: 0 });
  });
});
