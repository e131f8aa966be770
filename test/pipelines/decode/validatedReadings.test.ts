import { TestScheduler } from 'rxjs/testing';
import { validatedReadings } from '../../../pipelines/decode/validatedReadings';
import { reading } from '../../support/readings';

describe('validatedReadings (marbles)', () => {
  it('numbers lines, drops blank ones, and says why a line is invalid', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      const good = reading('d1', 1000, { activePower: 5 });
      const values = {
        a: JSON.stringify(good),
        b: '  ',
        c: '{',
        d: JSON.stringify({ ...good, stateOfCharge: 101 }),
      };
      const input = cold('-a-b-c-d-|', values);
      expectObservable(input.pipe(validatedReadings())).toBe('-x---y-z-|', {
        x: { valid: true, reading: good, line: 1, raw: values.a },
        y: { valid: false, reason: 'UNDECODABLE', detail: expect.any(String), line: 3, raw: '{' },
        z: {
          valid: false,
          reason: 'STATE_OF_CHARGE_OUT_OF_RANGE',
          detail: expect.any(String),
          line: 4,
          raw: values.d,
        },
      });
    });
  });

  it('numbers each subscription from 1', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      const lines = cold('-a|', { a: '{' }).pipe(validatedReadings());
      const first = { valid: false, reason: 'UNDECODABLE', detail: expect.any(String), line: 1, raw: '{' };
      expectObservable(lines).toBe('-x|', { x: first });
      expectObservable(lines).toBe('-x|', { x: first });
    });
  });
});
