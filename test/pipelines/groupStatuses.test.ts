import { TestScheduler } from 'rxjs/testing';
import { groupStatuses, StatusInput } from '../../pipelines/groupStatuses';
import { MembershipState } from '../../pipelines/membership/membershipState';
import { StatusEngine, StatusOutput, defaultSemantics } from '../../pipelines/statusEngine';
import { reading as baseReading } from '../support/readings';

const reading = (deviceId: string, ts: number, activePower: number) =>
  baseReading(deviceId, ts, { activePower });

describe('groupStatuses (marbles)', () => {
  it('emits a window once the watermark passes it, late readings as they come, and the rest on completion', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      const membership = new MembershipState();
      membership.apply({ groupId: 'g1', effectiveFrom: 0, deleted: false, members: [{ deviceId: 'd1' }] });
      const engine = new StatusEngine(defaultSemantics(60_000), membership);
      const r = (ts: number, p: number): StatusInput => ({
        kind: 'reading',
        partition: 0,
        reading: reading('d1', ts, p),
        now: 0,
      });
      const input = cold('-a-b-c-|', { a: r(10_000, 1), b: r(70_000, 2), c: r(30_000, 3) });
      const status = (windowEnd: number, activePower: number): StatusOutput => ({
        kind: 'status',
        status: expect.objectContaining({ groupId: 'g1', windowEnd, version: 1, activePower }),
      });
      expectObservable(input.pipe(groupStatuses(engine))).toBe('---x-y-(z|)', {
        x: status(60_000, 1),
        y: { kind: 'late', partition: 0, reading: reading('d1', 30_000, 3), watermark: 65_000 },
        z: status(120_000, 2),
      });
    });
  });
});
